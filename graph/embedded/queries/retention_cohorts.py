"""``retention_cohorts`` on the embedded store (Cypher: ``queries/retention_cohorts.cypher``)."""

from collections import Counter
from collections.abc import Mapping
from typing import Any

from ...named_query import Rows
from ..graph import EmbeddedGraph
from .support import active_months, month_text, round_half_up


def run(graph: EmbeddedGraph, params: Mapping[str, Any]) -> Rows:
    cells: Counter[tuple[int, int]] = Counter()
    for months in active_months(graph, params):
        first = min(months)
        cells.update((first, month - first) for month in months)
    return [{"cohort": month_text(first), "months_since": since, "customers": customers,
             "cohort_size": cells[(first, 0)], "rate": round_half_up(customers / cells[(first, 0)], 4)}
            for (first, since), customers in sorted(cells.items())]
