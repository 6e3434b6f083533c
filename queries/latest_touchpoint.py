"""Embedded twin of ``latest_touchpoint.cypher``."""

from collections.abc import Mapping
from typing import Any

from custgraph.graph import Rows
from custgraph.graph.embedded_graph import EmbeddedGraph


def embedded(graph: EmbeddedGraph, params: Mapping[str, Any]) -> Rows:
    times = [at for at in (graph.props(("Interaction", key)).get("at") for key in graph.keys("Interaction"))
             if at is not None]
    return [{"at": max(times, default=None)}]
