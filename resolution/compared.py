"""What a run compared before clustering, whichever part of the store it read.

``resolve`` reads every record (a whole run) or, for the records live events changed, only
those and the records they can move (``scoped.py``); both hand clustering a ``Compared``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .features import tf_value
from .model import blocking_id
from .records import MatchRecord
from .scoring import Scored

__all__ = ["Compared", "Join", "blanked", "ordered_pair", "scoring_context", "stored_links"]


def ordered_pair(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a < b else (b, a)


def scoring_context(model_id: str, bands: dict[str, dict[str | None, float]], raw: MatchRecord,
                    record: MatchRecord) -> tuple[Any, ...]:
    """What of the basis can change a record's scores: part of its digest, so that a record whose
    name became more common, a new model or other blocking rules make it compared again."""
    return (model_id, blocking_id(), *(bands[column].get(tf_value(record, column)) for column in bands),
            *blanked(raw, record))


def blanked(raw: MatchRecord, record: MatchRecord) -> list[str]:
    """The fields of ``raw`` that ``record`` no longer holds (placeholders)."""
    return [name for name in ("names", "email", "phone", "loyalty_id", "birth_date", "street", "city",
                              "postal_code", "region") if getattr(raw, name) and not getattr(record, name)]


@dataclass(frozen=True)
class Join:
    """A bare visitor's record that joins a customer as it is (``scoped.py``): the customer, the
    link (pair, rule, evidence) that ties it there, the customer it leaves (None: none), and
    whether it was that customer's already (its link written again)."""

    customer: str
    pair: tuple[str, str]
    rule: str
    evidence: tuple[str, ...]
    leaves: str | None
    already: bool = False


@dataclass
class Compared:
    """What a run read and compared, before clustering: the records it looks at (every record, or
    those a change can move: ``scoped.py``), their links, and the pairs scored and ruled."""

    props: dict[str, dict[str, Any]]  # id → the record's properties
    current: dict[str, Any]  # id → its customer (None: not resolved yet)
    stored: dict[str, dict[tuple[str, str], dict[str, Any]]]  # link type → (a, b) → properties
    records: dict[str, MatchRecord]  # id → as compared (placeholders blanked)
    digests: dict[str, str]  # of every dirty record at least
    dirty: set[str]
    scored: list[Scored]
    ruled: dict[tuple[str, str], tuple[str, tuple[str, ...]]]
    whole: bool  # every record was read
    trained: bool = False
    model_id: str = ""
    placeholders: list[str] = field(default_factory=list)
    # Bare visitors' records that join a customer without re-clustering it (``scoped.py``), by id;
    # not in ``dirty`` or ``props``.
    joins: dict[str, Join] = field(default_factory=dict)


def stored_links() -> dict[str, dict[tuple[str, str], dict[str, Any]]]:
    return {"SAME_AS": {}, "POSSIBLY_SAME_AS": {}, "NOT_SAME_AS": {}, "CONFIRMED_SAME_AS": {}}
