"""``node_counts`` on the embedded store (Cypher: ``queries/node_counts.cypher``)."""

from collections.abc import Mapping
from typing import Any

from ...named_query import Rows
from ..graph import EmbeddedGraph


def run(graph: EmbeddedGraph, params: Mapping[str, Any]) -> Rows:
    return [{"label": label, "count": graph.count(label)} for label in graph.labels()]
