"""Embedded twin of ``node_counts.cypher``."""

from collections.abc import Mapping
from typing import Any

from custgraph.graph import Rows
from custgraph.graph.embedded_graph import EmbeddedGraph


def embedded(graph: EmbeddedGraph, params: Mapping[str, Any]) -> Rows:
    return [{"label": label, "count": graph.count(label)} for label in graph.labels()]
