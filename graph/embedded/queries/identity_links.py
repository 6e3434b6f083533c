"""``identity_links`` on the embedded store (Cypher: ``queries/identity_links.cypher``)."""

from collections.abc import Mapping
from typing import Any

from ...named_query import Rows
from ..graph import EmbeddedGraph, decoded

TYPES = ("CONFIRMED_SAME_AS", "SAME_AS", "POSSIBLY_SAME_AS", "NOT_SAME_AS")


def run(graph: EmbeddedGraph, params: Mapping[str, Any]) -> Rows:
    keys = graph.ids("Identity")
    rows = [{"type": rel_type, "a": keys[start], "b": keys[end], "props": decoded(props)}
            for rel_type in TYPES for start, end, props in graph.links(rel_type)]
    return sorted(rows, key=lambda row: (row["type"], str(row["a"]), str(row["b"])))
