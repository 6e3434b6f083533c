"""``funnel`` on the embedded store (Cypher: ``queries/funnel.cypher``)."""

from collections.abc import Mapping
from typing import Any

from ...named_query import Rows
from ..graph import EmbeddedGraph
from .support import round_half_up


def run(graph: EmbeddedGraph, params: Mapping[str, Any]) -> Rows:
    steps = params["steps"]
    depths = []
    for _, journey in graph.journeys(("type",)):
        types = [kind for (kind,) in journey]
        reached = 0
        for t in types:
            if reached < len(steps) and t == steps[reached]:
                reached += 1
        depths.append(reached)
    rows = []
    for step in range(1, len(steps) + 1):
        customers = sum(1 for d in depths if d >= step)
        before = sum(1 for d in depths if d >= step - 1)
        rows.append({"step": step, "type": steps[step - 1], "customers": customers,
                     "conversion": 0.0 if before == 0 else round_half_up(customers / before, 4),
                     "drop_off": before - customers})
    return rows
