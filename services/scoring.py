"""Scores kept on each golden customer: RFM segment and churn risk.

Why stored: both rank or window a customer against the whole population, so
asking for one customer costs the whole-graph query (134 ms per customer at
10,000 persons on Neo4j for the segment, growing with the store). Computed once
at the end of every resolve (``services.resolving``) and kept as properties, they cost an API request
nothing beyond the customer's own node.

They are measured as of the newest touchpoint in the store (never later than
now), not the clock: the same data gives the same scores on either backend and
on every run, and an old export is scored as of its own day. The catalogue's
``segments`` and ``churn_risk`` queries with ``as_of`` set to a customer's
``scores_as_of`` give the same values.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from custgraph.graph import Rows, Store, one_writer
from custgraph.queries import get as named_query

__all__ = ["CHURN_FIELDS", "SEGMENT_FIELDS", "Scores", "score_customers"]

# What is kept of each query's row, as rfm_<name> and churn_<name> on the customer.
SEGMENT_FIELDS = ("segment", "r", "f", "m", "recency_days", "frequency", "monetary")
CHURN_FIELDS = ("risk", "recent", "previous", "nps_drop", "unhappy_tickets")


def scores_as_of(store: Store) -> dt.datetime | None:
    latest: dt.datetime | None = store.run(named_query("latest_touchpoint"))[0]["at"]
    if latest is None:
        return None
    return min(latest, dt.datetime.now(dt.UTC))


@dataclass(frozen=True)
class Scores:
    scored: int  # customers with a segment
    segments: Rows  # the segments query's rows, every customer who purchased
    churn: Rows  # the churn_risk query's rows, riskiest first
    moves: Rows  # {from, to, customers}: segments before and after, per customer of the store now


@one_writer("score customers")
def score_customers(store: Store, customers: Collection[str]) -> Scores:
    """Write every customer's segment and churn risk (null where it has none); gives the rows
    they came from (the dashboard's summary counts from them)."""
    as_of = scores_as_of(store)
    segments: dict[str, dict[str, Any]] = {}
    churn: dict[str, dict[str, Any]] = {}
    if as_of is not None:
        segments = {row["customer_id"]: row for row in store.run(named_query("segments"), {"as_of": as_of})}
        # window_days: the query's own default (the last 90 days against the 90 before)
        churn = {row["customer_id"]: row for row in store.run(
            named_query("churn_risk"), {"as_of": as_of, "limit": max(len(customers), 1)})}
    before = {row["customer_id"]: row["segment"] for row in store.run(named_query("stored_segments"))}
    moved = Counter((before.get(customer), segments.get(customer, {}).get("segment")) for customer in customers)
    moves = [{"from": old, "to": new, "customers": n}
             for (old, new), n in sorted(moved.items(), key=lambda item: (-item[1], str(item[0])))]
    store.set_properties("Customer", [  # every customer exists: resolve wrote them
        {"customer_id": customer, "scores_as_of": as_of,
         **{f"rfm_{name}": segments.get(customer, {}).get(name) for name in SEGMENT_FIELDS},
         **{f"churn_{name}": churn.get(customer, {}).get(name) for name in CHURN_FIELDS}}
        for customer in sorted(customers)])
    return Scores(sum(1 for customer in customers if customer in segments), list(segments.values()),
                  list(churn.values()), moves)
