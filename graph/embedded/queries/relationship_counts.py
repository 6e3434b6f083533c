"""``relationship_counts`` on the embedded store (Cypher: ``queries/relationship_counts.cypher``)."""

from collections.abc import Mapping
from typing import Any

from ...named_query import Rows
from ..graph import EmbeddedGraph


def run(graph: EmbeddedGraph, params: Mapping[str, Any]) -> Rows:
    counts = graph.relationship_counts()
    return [{"type": rel_type, "count": counts[rel_type]} for rel_type in sorted(counts)]
