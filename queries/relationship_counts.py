"""Embedded twin of ``relationship_counts.cypher``."""

from collections.abc import Mapping
from typing import Any

from custgraph.graph import Rows
from custgraph.graph.embedded_graph import EmbeddedGraph


def embedded(graph: EmbeddedGraph, params: Mapping[str, Any]) -> Rows:
    counts = graph.relationship_counts()
    return [{"type": rel_type, "count": counts[rel_type]} for rel_type in sorted(counts)]
