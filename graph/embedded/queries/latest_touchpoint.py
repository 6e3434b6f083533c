"""``latest_touchpoint`` on the embedded store (Cypher: ``queries/latest_touchpoint.cypher``)."""

from collections.abc import Mapping
from typing import Any

from ...named_query import Rows
from ..graph import EmbeddedGraph


def run(graph: EmbeddedGraph, params: Mapping[str, Any]) -> Rows:
    times = [at for at in (graph.props(("Interaction", key)).get("at") for key in graph.keys("Interaction"))
             if at is not None]
    return [{"at": max(times, default=None)}]
