"""``latest_touchpoint`` on the embedded store (Cypher: ``queries/latest_touchpoint.cypher``)."""

from collections.abc import Mapping
from typing import Any

from ...named_query import Rows
from ..facts import when
from ..graph import EmbeddedGraph


def run(graph: EmbeddedGraph, params: Mapping[str, Any]) -> Rows:
    times = [when(at) for (at,) in graph.select("SELECT at FROM interaction_facts WHERE at IS NOT NULL")]
    return [{"at": max(times, default=None)}]
