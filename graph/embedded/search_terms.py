"""The embedded store's index for ``search_customers``: exact e-mail and phone, and names by part.

Why bigrams: a user types part of a name in any script ("stew", "さと", "佐藤"),
and two characters are the shortest part worth an index. Each Identity's
``name_norm`` and ``name_kana_norm`` give one term per character pair (the last
character paired with an end mark, so that a one-character search finds it by
prefix); its ``email_norm`` and ``phone_norm`` give one term each. The index
only narrows the candidates: the query keeps the exact rule (equal e-mail or
phone, or the text inside a name), so answers are those of a full scan.
Terms are written in the same transaction as the Identity they come from.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from typing import Any

__all__ = ["EXACT_FIELDS", "NAME_FIELDS", "candidates", "identity_terms"]

EXACT_FIELDS = {"email_norm": "e", "phone_norm": "p"}
NAME_FIELDS = ("name_norm", "name_kana_norm")
_END = "\x00"
_ENOUGH = 32  # candidates few enough to check one by one


def identity_terms(props: Mapping[str, Any] | None) -> set[str]:
    if not props:
        return set()
    terms = {prefix + value for field, prefix in EXACT_FIELDS.items() if isinstance(value := props.get(field), str)}
    for field in NAME_FIELDS:
        name = props.get(field)
        if isinstance(name, str):
            padded = name + _END
            terms.update("n" + padded[i:i + 2] for i in range(len(name)))
    return terms


def candidates(db: sqlite3.Connection, text: str) -> set[int] | None:
    """Ids of the Identity nodes that may match ``text``; ``None`` when every one may (empty text)."""
    if not text:
        return None
    found = {node_id for (node_id,) in db.execute(
        "SELECT node_id FROM search_terms WHERE term IN (?, ?)", ("e" + text, "p" + text))}
    if len(text) == 1:
        upper = "n" + chr(ord(text) + 1) if ord(text) < 0x10FFFF else "o"
        found.update(node_id for (node_id,) in db.execute(
            "SELECT node_id FROM search_terms WHERE term >= ? AND term < ?", ("n" + text, upper)))
        return found
    named: set[int] | None = None
    for gram in dict.fromkeys(text[i:i + 2] for i in range(len(text) - 1)):
        posting = {node_id for (node_id,) in db.execute(
            "SELECT node_id FROM search_terms WHERE term = ?", ("n" + gram,))}
        named = posting if named is None else named & posting
        if len(named) <= _ENOUGH:
            break
    return found | (named or set())
