"""``funnel`` on the embedded store (Cypher: ``queries/funnel.cypher``)."""

from collections.abc import Mapping
from typing import Any

from ...named_query import Rows
from ..graph import EmbeddedGraph
from .support import round_half_up


def run(graph: EmbeddedGraph, params: Mapping[str, Any]) -> Rows:
    steps = params["steps"]
    window = None if params.get("window_days") is None else int(params["window_days"]) * 86400
    depths: list[int] = []
    gaps: list[list[int]] = [[] for _ in steps]  # seconds from step 1, per step reached
    for _, journey in graph.journeys(("type", "at")):
        reached, start = 0, None
        for kind, at in journey:
            if reached == len(steps) or kind != steps[reached]:
                continue
            seconds = 0 if start is None else int((at - start).total_seconds())
            if start is not None and window is not None and seconds > window:
                continue
            start = at if start is None else start
            gaps[reached].append(seconds)
            reached += 1
        depths.append(reached)
    rows = []
    for step in range(1, len(steps) + 1):
        customers = sum(1 for d in depths if d >= step)
        before = sum(1 for d in depths if d >= step - 1)
        times = sorted(gaps[step - 1])
        rows.append({"step": step, "type": steps[step - 1], "customers": customers,
                     "conversion": 0.0 if before == 0 else round_half_up(customers / before, 4),
                     "drop_off": before - customers,
                     "median_hours": round_half_up(times[(len(times) - 1) // 2] / 3600.0, 2) if times else None})
    return rows
