"""``stored_segments`` on the embedded store (Cypher: ``queries/stored_segments.cypher``)."""

from collections.abc import Mapping
from typing import Any

from ...named_query import Rows
from ..graph import EmbeddedGraph, key_of


def run(graph: EmbeddedGraph, params: Mapping[str, Any]) -> Rows:
    # In SQL, so that 100k customers' properties are not decoded for one field.
    rows = [{"customer_id": key_of(key), "segment": segment} for key, segment in graph.select(
        "SELECT key, json_extract(props, '$.rfm_segment') FROM nodes WHERE label = ?", (graph.code("Customer"),))]
    return sorted(rows, key=lambda row: str(row["customer_id"]))
