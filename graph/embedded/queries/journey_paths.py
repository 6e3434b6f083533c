"""``journey_paths`` on the embedded store (Cypher: ``queries/journey_paths.cypher``)."""

from collections.abc import Mapping
from typing import Any

from ...named_query import Rows
from ..graph import EmbeddedGraph
from .support import round_half_up


def run(graph: EmbeddedGraph, params: Mapping[str, Any]) -> Rows:
    touchpoint, steps = params["touchpoint"], int(params["steps"])
    into = params["direction"] == "into"
    counts: dict[tuple[str, ...], int] = {}
    for _, journey in graph.journeys(("type",)):
        types = [kind for (kind,) in journey]
        collapsed = [t for n, t in enumerate(types) if n == 0 or types[n - 1] != t]
        if touchpoint not in collapsed:
            continue
        at = collapsed.index(touchpoint)
        path = tuple(collapsed[max(0, at - steps):at + 1] if into else collapsed[at:at + steps + 1])
        counts[path] = counts.get(path, 0) + 1
    total = sum(counts.values())
    ranked = sorted(counts.items(), key=lambda item: (-item[1], list(item[0])))
    return [{"path": list(path), "customers": customers, "share": round_half_up(customers / total, 4)}
            for path, customers in ranked[:int(params["limit"])]]
