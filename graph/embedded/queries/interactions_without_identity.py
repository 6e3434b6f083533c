"""``interactions_without_identity`` on the embedded store."""

from collections.abc import Mapping
from typing import Any

from ...named_query import Rows
from ..graph import EmbeddedGraph, key_of


def run(graph: EmbeddedGraph, params: Mapping[str, Any]) -> Rows:
    rows = [{"interaction_id": key_of(key), "type": kind} for key, kind in graph.select(
        "SELECT n.key, f.type FROM interaction_facts f, nodes n WHERE n.id = f.id AND NOT EXISTS "
        "(SELECT 1 FROM relationships p INDEXED BY relationships_by_end WHERE p.type = ? AND p.end_id = f.id)",
        (graph.code("PERFORMED"),))]
    return sorted(rows, key=lambda row: str(row["interaction_id"]))
