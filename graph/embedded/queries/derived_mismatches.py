"""``derived_mismatches`` on the embedded store (Cypher: ``queries/derived_mismatches.cypher``)."""

from collections.abc import Mapping
from typing import Any

from ...named_query import Rows
from ..graph import EmbeddedGraph


def run(graph: EmbeddedGraph, params: Mapping[str, Any]) -> Rows:
    rows = []
    for key in sorted(graph.keys("Customer"), key=str):
        customer = ("Customer", key)
        interactions = sum(1 for identity, _ in graph.into(customer, "RESOLVES_TO")
                           for _ in graph.out(identity, "PERFORMED"))
        had = {x for x, _ in graph.out(customer, "HAD")}
        nexts = [(x, y) for x in had for y, _ in graph.out(x, "NEXT")]
        stray = sum(1 for x, y in nexts
                    if y not in had or (graph.node(*y) or {})["at"] < (graph.node(*x) or {})["at"])
        if len(had) != interactions or len(nexts) != max(interactions - 1, 0) or stray:
            rows.append({"customer_id": key, "interactions": interactions, "had": len(had),
                         "next": len(nexts), "stray": stray})
    return rows
