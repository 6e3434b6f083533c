"""The ``resolve`` use case: identity resolution, then the scores kept on every customer, the
dashboard's summary (``services.summaries``) and the predictions (``services.predictions``, which
learn from the journeys the summary reads).

Why two steps here rather than one in ``custgraph.resolution``: the engine links records
and keeps golden customers; RFM and churn scores rank a customer among all of them and are
not identity resolution. Both steps are incremental and idempotent: a run cut off between
them leaves scores that the next run writes again.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from custgraph.graph import Store, one_writer
from custgraph.graph.collector import collector_paused
from custgraph.resolution import ResolveConfig, ResolveReport
from custgraph.resolution import resolve as resolve_identities

from .predictions import Histories, predict
from .scoring import score_customers
from .summaries import refresh_summary

__all__ = ["resolve"]


@one_writer("resolve")
def resolve(store: Store, config: ResolveConfig, full: bool = False,
            say: Callable[[str], None] | None = None, train: bool = False) -> ResolveReport:
    """Resolve new and changed records (all of them with ``full``; training the match model
    again with ``train``), then score every customer."""
    with store.synced_at_end():  # a run cut off part-way is redone by the next one
        report = resolve_identities(store, config, full=full, say=say, train=train)
        # Both build rows per customer and touchpoint (millions at 1,000,000 records) that stay
        # alive to their end and form no cycles: each full collection walked them all again
        # (at 300,000 records 1.6 s of the scores' 17 s and 6.0 s of the summary's 15 s).
        with collector_paused():
            started = time.perf_counter()
            scores = score_customers(store, report.customer_ids)
            report.customers_scored = scores.scored
            report.seconds["scores"] = round(time.perf_counter() - started, 3)
            started = time.perf_counter()
            histories = Histories()
            refresh_summary(store, scores.segments, scores.churn, scores.moves, also=histories.add)
            report.seconds["summary"] = round(time.perf_counter() - started, 3)
            started = time.perf_counter()
            predict(store, histories, report.customer_ids, say=say)
            report.seconds["predictions"] = round(time.perf_counter() - started, 3)
    if say:
        say(f"scores: {report.seconds['scores']:.1f} s, dashboard summary: {report.seconds['summary']:.1f} s, "
            f"predictions: {report.seconds['predictions']:.1f} s")
    return report
