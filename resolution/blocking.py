"""Candidate pairs by blocking: only records that share a key are ever compared.

Keys: the e-mail, its local part and its stem (the local part without its
digits), the phone (last 9 digits), the loyalty number, the birth date, the
postcode with a family-name candidate, and each form of the full name.
Comparing all pairs would be 5 billion comparisons at 100,000 records; blocks
keep it to a few per record. A block larger than ``max_block`` is skipped and
reported: a name held by hundreds of records says too little to link on.

The size of every block is kept as well (``Blocks.counts``): how many records
hold a name or an e-mail stem is what sharing it is worth (a name held by two
records of 100,000 says far more than "John Smith").
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from .records import MatchRecord

__all__ = ["Blocks", "blocking_keys", "build_blocks", "candidate_pairs", "name_key", "stem_key"]


def name_key(form: str) -> str:
    return f"n:{form}"


def stem_key(stem: str) -> str:
    return f"s:{stem}"


def blocking_keys(record: MatchRecord) -> Iterator[str]:
    if record.email:
        yield f"e:{record.email}"
        yield f"l:{record.email_local}"
        if record.email_stem:
            yield stem_key(record.email_stem)
    if record.phone:
        yield f"p:{record.phone}"
    if record.loyalty_id:
        yield f"y:{record.loyalty_id}"
    if record.birth_date:
        yield f"d:{record.birth_date.isoformat()}"
    if record.postal_code:
        for family in record.family:
            yield f"z:{record.postal_code}:{family}"
    for form in record.names:
        yield name_key(form)


@dataclass
class Blocks:
    """Members of each blocking key (record indexes), the keys skipped as too large, and every key's size."""

    members: dict[str, list[int]] = field(default_factory=dict)
    skipped: dict[str, int] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)


def build_blocks(records: list[MatchRecord], max_block: int) -> Blocks:
    blocks = Blocks()
    for index, record in enumerate(records):
        for key in blocking_keys(record):
            blocks.members.setdefault(key, []).append(index)
    blocks.counts = {key: len(members) for key, members in blocks.members.items()}
    for key in [key for key, members in blocks.members.items() if len(members) > max_block]:
        blocks.skipped[key] = len(blocks.members.pop(key))
    return blocks


def candidate_pairs(blocks: Blocks, dirty: Iterable[int] | None = None) -> set[tuple[int, int]]:
    """Index pairs (low, high) sharing a block; with ``dirty``, only pairs touching one of them."""
    pairs: set[tuple[int, int]] = set()
    if dirty is None:
        for members in blocks.members.values():
            for i, a in enumerate(members):
                for b in members[i + 1:]:
                    pairs.add((a, b) if a < b else (b, a))
        return pairs
    wanted = set(dirty)
    for members in blocks.members.values():
        touched = [m for m in members if m in wanted]
        for a in touched:
            for b in members:
                if a != b:
                    pairs.add((a, b) if a < b else (b, a))
    return pairs
