"""Retention cohorts and lifecycle states from each customer's active months: the rules of the
named queries ``retention_cohorts`` and ``lifecycle``, in one place for the embedded store's
answers and for the dashboard's kept journeys (``services.summaries``)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from .named_query import Rows, round_half_up

__all__ = ["LIFECYCLE_STATES", "cohort_rows", "lifecycle_rows", "month_text"]

LIFECYCLE_STATES = ("new", "returning", "resurrecting", "dormant")


def month_text(month: int) -> str:
    """'YYYY-MM' of a month counted as year * 12 + month - 1."""
    return f"{month // 12}-{month % 12 + 1:02d}"


def cohort_rows(customers: Sequence[set[int]]) -> Rows:
    """The ``retention_cohorts`` rows of customers' active months (each set non-empty)."""
    cells: list[tuple[int, int]] = []
    for months in customers:
        first = min(months)
        cells.extend((first, month - first) for month in months)
    counts = Counter(cells)  # counted in one C loop: at 100,000 customers, several times faster than adding up
    return [{"cohort": month_text(first), "months_since": since, "customers": customers,
             "cohort_size": counts[(first, 0)], "rate": round_half_up(customers / counts[(first, 0)], 4)}
            for (first, since), customers in sorted(counts.items())]


def lifecycle_rows(customers: Sequence[set[int]]) -> Rows:
    """The ``lifecycle`` rows of customers' active months (each set non-empty)."""
    if not customers:
        return []
    last = max(max(months) for months in customers)
    states: dict[str, list[int]] = {state: [] for state in LIFECYCLE_STATES}  # the months each state is seen in
    new, returning, resurrecting, dormant = (states[state].append for state in LIFECYCLE_STATES)
    for months in customers:
        first = min(months)
        for month in months:
            if month == first:
                new(month)
            elif month - 1 in months:
                returning(month)
            else:
                resurrecting(month)
            if month + 1 not in months and month + 1 <= last:
                dormant(month + 1)
    counts = {state: Counter(seen) for state, seen in states.items()}
    return [{"month": month_text(month), **{state: counts[state][month] for state in LIFECYCLE_STATES},
             "active": counts["new"][month] + counts["returning"][month] + counts["resurrecting"][month]}
            for month in sorted(set().union(*states.values()))]
