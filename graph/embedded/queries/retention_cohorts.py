"""``retention_cohorts`` on the embedded store (Cypher: ``queries/retention_cohorts.cypher``)."""

from collections.abc import Mapping
from typing import Any

from ...cohorts import cohort_rows
from ...named_query import Rows
from ..graph import EmbeddedGraph
from .support import active_months


def run(graph: EmbeddedGraph, params: Mapping[str, Any]) -> Rows:
    return cohort_rows(active_months(graph, params))
