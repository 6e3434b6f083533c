"""The typed columns of every Interaction that the whole-graph analytics read (``interaction_facts``).

Why a second copy of a few properties: the analytics (funnel, journey variants,
transitions, touchpoint scores, segments, churn) read every interaction, and
decoding 440,000 JSON texts costs seconds where reading a narrow table costs a
fraction of one (see bench/RESULTS.md). The row is written in the same
transaction as its node, so the two never disagree; ``at`` is kept as its ISO
text (offset included) and as ``t``, microseconds since 1970 in UTC, which
orders journeys without parsing; the rest as the node holds them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

__all__ = ["FACT_COLUMNS", "FactRow", "fact_row", "micros", "when"]

FACT_COLUMNS = ("t", "at", "type", "score", "score_kind", "amount", "sentiment")
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_MICROSECOND = dt.timedelta(microseconds=1)
FactRow = tuple[Any, ...]
_SCALAR = (str, int, float)


def fact_row(node_id: int, props: Mapping[str, Any]) -> FactRow:
    """The ``interaction_facts`` row of an Interaction node."""
    at = props.get("at")
    if not isinstance(at, dt.datetime):
        return (node_id, None, None, *(_scalar(props.get(name)) for name in FACT_COLUMNS[2:]))
    return (node_id, micros(at), at.isoformat(),
            *(_scalar(props.get(name)) for name in FACT_COLUMNS[2:]))


def micros(at: dt.datetime) -> int:
    """``t``: microseconds since 1970 in UTC (a naive time taken as UTC: it is only ever compared with
    naive ones)."""
    utc = at.replace(tzinfo=dt.UTC) if at.tzinfo is None else at
    return (utc - _EPOCH) // _MICROSECOND


def _scalar(value: Any) -> Any:
    return value if isinstance(value, _SCALAR) else None


def when(at: str | None) -> dt.datetime | None:
    """``at`` as the node holds it."""
    return None if at is None else dt.datetime.fromisoformat(at)
