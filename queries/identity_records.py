"""Embedded twin of ``identity_records.cypher``."""

from collections.abc import Mapping
from typing import Any

from custgraph.graph import Rows
from custgraph.graph.embedded_graph import EmbeddedGraph


def embedded(graph: EmbeddedGraph, params: Mapping[str, Any]) -> Rows:
    rows = []
    for key in sorted(graph.keys("Identity"), key=str):
        customer = next(graph.out(("Identity", key), "RESOLVES_TO"), None)
        rows.append({"props": graph.node("Identity", key) or {},
                     "customer_id": customer[0][1] if customer else None})
    return rows
