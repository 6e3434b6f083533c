"""The embedded store's index for ``search_customers``: exact e-mail and phone, and names by part.

Why trigrams: a user types part of a name in any script ("stew", "さと", "佐藤"),
and three characters pick out few enough names that their lists intersect in
milliseconds (two-character lists run to tens of thousands at 100k records).
Each Identity's ``name_norm`` and ``name_kana_norm`` give one term per
character triple, the name padded with two end marks so that every one- and
two-character part starts some term (found by prefix); its ``email_norm`` and
``phone_norm`` give one term each. The index only narrows the candidates: the
query keeps the exact rule (equal e-mail or phone, or the text inside a name)
over ``identity_search``, the four fields as plain columns, so the answers are
those of a full scan. Terms and row are written in the transaction of their
Identity.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from typing import Any

__all__ = ["SEARCH_COLUMNS", "candidates", "identity_terms", "search_row"]

EXACT_FIELDS = {"email_norm": "e", "phone_norm": "p"}
NAME_FIELDS = ("name_norm", "name_kana_norm")
SEARCH_COLUMNS = (*EXACT_FIELDS, *NAME_FIELDS)
_END = "\x00\x00"
_PROBES = 3  # trigrams of a longer text looked up: first, middle, last


def identity_terms(props: Mapping[str, Any] | None) -> set[str]:
    if not props:
        return set()
    terms = {prefix + value for field, prefix in EXACT_FIELDS.items() if isinstance(value := props.get(field), str)}
    for field in NAME_FIELDS:
        name = props.get(field)
        if isinstance(name, str):
            padded = name + _END
            terms.update("n" + padded[i:i + 3] for i in range(len(name)))
    return terms


def search_row(node_id: int, props: Mapping[str, Any]) -> tuple[Any, ...]:
    """The ``identity_search`` row of an Identity: its searchable fields when they are text."""
    return (node_id, *(value if isinstance(value := props.get(field), str) else None for field in SEARCH_COLUMNS))


def candidates(db: sqlite3.Connection, text: str) -> set[int] | None:
    """Ids of the Identity nodes that may match ``text``; ``None`` when every one may (empty text)."""
    if not text:
        return None
    found = {node_id for (node_id,) in db.execute(
        "SELECT node_id FROM search_terms WHERE term IN (?, ?)", ("e" + text, "p" + text))}
    if len(text) < 3:
        upper = "n" + text[:-1] + chr(ord(text[-1]) + 1) if ord(text[-1]) < 0x10FFFF else "o"
        found.update(node_id for (node_id,) in db.execute(
            "SELECT node_id FROM search_terms WHERE term >= ? AND term < ?", ("n" + text, upper)))
        return found
    grams = list(dict.fromkeys(text[i:i + 3] for i in range(len(text) - 2)))
    probes = list(dict.fromkeys(grams[(len(grams) - 1) * n // (_PROBES - 1)] for n in range(_PROBES)))
    found.update(node_id for (node_id,) in db.execute(
        " INTERSECT ".join(["SELECT node_id FROM search_terms WHERE term = ?"] * len(probes)),
        ["n" + gram for gram in probes]))
    return found
