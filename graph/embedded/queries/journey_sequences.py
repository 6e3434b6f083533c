"""``journey_sequences`` on the embedded store (Cypher: ``queries/journey_sequences.cypher``)."""

import datetime as dt
from collections.abc import Mapping
from typing import Any

from ...named_query import Rows
from ..graph import EmbeddedGraph

EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
MICROSECOND = dt.timedelta(microseconds=1)


def run(graph: EmbeddedGraph, params: Mapping[str, Any]) -> Rows:
    keys = graph.ids("Customer")
    rows = [{"customer_id": keys[customer], "types": [kind for kind, _ in journey],
             "micros": [(at - EPOCH) // MICROSECOND for _, at in journey]}
            for customer, journey in graph.journeys(("type", "at"))]
    return sorted(rows, key=lambda row: str(row["customer_id"]))
