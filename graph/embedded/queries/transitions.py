"""``transitions`` on the embedded store (Cypher: ``queries/transitions.cypher``)."""

from collections.abc import Mapping
from typing import Any

from ...named_query import Rows
from ..graph import EmbeddedGraph
from .support import round_half_up


def run(graph: EmbeddedGraph, params: Mapping[str, Any]) -> Rows:
    gaps: dict[tuple[str, str], list[int]] = {}
    for key in graph.keys("Interaction"):
        a = ("Interaction", key)
        first = graph.node(*a) or {}
        for b, _ in graph.out(a, "NEXT"):
            second = graph.node(*b) or {}
            seconds = int((second["at"] - first["at"]).total_seconds())
            gaps.setdefault((first["type"], second["type"]), []).append(seconds)
    rows: list[dict[str, Any]] = []
    for (from_type, to_type), values in gaps.items():
        if len(values) < params["min_count"]:
            continue
        values.sort()
        rows.append({"from_type": from_type, "to_type": to_type, "count": len(values),
                     "median_hours": round_half_up(values[(len(values) - 1) // 2] / 3600.0, 2)})
    rows.sort(key=lambda row: (-row["count"], row["from_type"], row["to_type"]))
    return rows
