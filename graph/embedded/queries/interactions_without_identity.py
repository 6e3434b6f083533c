"""``interactions_without_identity`` on the embedded store."""

from collections.abc import Mapping
from typing import Any

from ...named_query import Rows
from ..graph import EmbeddedGraph


def run(graph: EmbeddedGraph, params: Mapping[str, Any]) -> Rows:
    rows = []
    for key in graph.keys("Interaction"):
        if next(graph.into(("Interaction", key), "PERFORMED"), None) is None:
            node = graph.node("Interaction", key) or {}
            rows.append({"interaction_id": key, "type": node.get("type")})
    return sorted(rows, key=lambda row: str(row["interaction_id"]))
