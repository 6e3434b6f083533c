"""``identity_records`` on the embedded store (Cypher: ``queries/identity_records.cypher``)."""

from collections.abc import Mapping
from typing import Any

from ...named_query import Rows
from ..graph import EmbeddedGraph


def run(graph: EmbeddedGraph, params: Mapping[str, Any]) -> Rows:
    rows = []
    for key in sorted(graph.keys("Identity"), key=str):
        customer = next(graph.out(("Identity", key), "RESOLVES_TO"), None)
        rows.append({"props": graph.node("Identity", key) or {},
                     "customer_id": customer[0][1] if customer else None})
    return rows
