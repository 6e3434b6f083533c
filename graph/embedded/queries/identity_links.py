"""``identity_links`` on the embedded store (Cypher: ``queries/identity_links.cypher``)."""

from collections.abc import Mapping
from typing import Any

from ...named_query import Rows
from ..graph import EmbeddedGraph

TYPES = ("CONFIRMED_SAME_AS", "SAME_AS", "POSSIBLY_SAME_AS", "NOT_SAME_AS")


def run(graph: EmbeddedGraph, params: Mapping[str, Any]) -> Rows:
    rows = []
    for key in graph.keys("Identity"):
        for rel_type in TYPES:
            for (_, other), props in graph.out(("Identity", key), rel_type):
                rows.append({"type": rel_type, "a": key, "b": other, "props": dict(props)})
    return sorted(rows, key=lambda row: (row["type"], str(row["a"]), str(row["b"])))
