"""``customer_identities`` on the embedded store (Cypher: ``queries/customer_identities.cypher``)."""

from collections.abc import Mapping
from typing import Any

from ...named_query import Rows
from ..graph import EmbeddedGraph


def run(graph: EmbeddedGraph, params: Mapping[str, Any]) -> Rows:
    rows = []
    for key in graph.keys("Identity"):
        node = graph.node("Identity", key) or {}
        customer = next(graph.out(("Identity", key), "RESOLVES_TO"), None)
        rows.append({"source": node.get("source"), "source_id": node.get("source_id"),
                     "customer_id": customer[0][1] if customer else None})
    return sorted(rows, key=lambda row: (str(row["source"]), str(row["source_id"])))
