"""``lifecycle`` on the embedded store (Cypher: ``queries/lifecycle.cypher``)."""

from collections.abc import Mapping
from typing import Any

from ...cohorts import lifecycle_rows
from ...named_query import Rows
from ..graph import EmbeddedGraph
from .support import active_months


def run(graph: EmbeddedGraph, params: Mapping[str, Any]) -> Rows:
    return lifecycle_rows(active_months(graph, params))
