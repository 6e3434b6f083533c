"""What the embedded answers to the named queries share: Cypher's rounding and ordering, journeys.

Why: each must give the rows its ``.cypher`` file gives, to the last digit and
in the same order. Cypher rounds half up (Python rounds half to even), orders
nulls after every value, and a journey is ordered by time, then id.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from ..graph import EmbeddedGraph, NodeId

__all__ = ["as_of", "journey", "nulls_last", "round_half_up", "share", "type_counts"]


def round_half_up(value: float | None, digits: int) -> float | None:
    """Cypher's ``round(x, digits)``."""
    if value is None:
        return None
    return float(Decimal(repr(float(value))).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP))


def nulls_last(value: Any) -> tuple[bool, Any]:
    """A sort key that puts ``None`` after every value, as Cypher's ascending ORDER BY does."""
    return (value is None, value if value is not None else 0)


def as_of(params: dict[str, Any] | Any) -> dt.datetime:
    """The ``as_of`` parameter, or now (Cypher: ``coalesce($as_of, datetime())``)."""
    value = params.get("as_of")
    return value if value is not None else dt.datetime.now(dt.UTC)


def journey(graph: EmbeddedGraph, customer: NodeId) -> list[tuple[NodeId, dict[str, Any]]]:
    """The customer's interactions (``HAD``) with their properties, by ``at`` then id."""
    steps = [(x, graph.node(*x) or {}) for x, _ in graph.out(customer, "HAD")]
    steps.sort(key=lambda step: (step[1]["at"], step[0][1]))
    return steps


def type_counts(values: Iterable[str]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for value in values:
        counts[value] = counts.get(value, 0) + 1
    return counts


def share(part: int, whole: int) -> float:
    """``toFloat(part) / whole`` (never called with ``whole`` = 0)."""
    return float(part) / whole
