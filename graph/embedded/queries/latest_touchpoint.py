"""``latest_touchpoint`` on the embedded store (Cypher: ``queries/latest_touchpoint.cypher``)."""

from collections.abc import Mapping
from typing import Any

from ...named_query import Rows
from ..facts import when
from ..graph import EmbeddedGraph


def run(graph: EmbeddedGraph, params: Mapping[str, Any]) -> Rows:
    times = [time for (at,) in graph.select("SELECT at FROM interaction_facts") if (time := when(at)) is not None]
    return [{"at": max(times, default=None)}]
