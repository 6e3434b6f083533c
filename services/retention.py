"""Retention cohorts and lifecycle states: from the journeys kept at the last resolve when there
are some (a fraction of a second at 100,000 persons), else from the named queries
``retention_cohorts`` and ``lifecycle`` (seconds: they read every purchase)."""

from __future__ import annotations

from dataclasses import dataclass

from custgraph.errors import QueryParameterError
from custgraph.graph import Rows, Store, cohort_rows, lifecycle_rows
from custgraph.queries import get as named_query

from .summaries import Journeys

__all__ = ["STARTS", "Retention", "retention"]

STARTS = ("purchase", "touch")


@dataclass(frozen=True)
class Retention:
    cohorts: Rows  # retention_cohorts rows
    lifecycle: Rows  # lifecycle rows


def retention(store: Store, start: str = "purchase", kept: Journeys | None = None) -> Retention:
    """Cohorts by the month of the first purchase (``start`` "purchase") or touchpoint ("touch"), and
    customers new, returning, resurrecting and dormant in each month."""
    if start not in STARTS:
        raise QueryParameterError("start must be purchase or touch")
    if kept is not None and kept.facts is not None:
        months = kept.months(start)
        return Retention(cohort_rows(months), lifecycle_rows(months))
    return Retention(store.run(named_query("retention_cohorts"), {"start": start}),
                     store.run(named_query("lifecycle"), {"start": start}))
