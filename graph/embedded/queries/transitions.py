"""``transitions`` on the embedded store (Cypher: ``queries/transitions.cypher``)."""

from collections.abc import Mapping
from typing import Any

from ...named_query import Rows
from ..facts import when
from ..graph import EmbeddedGraph
from .support import round_half_up


def run(graph: EmbeddedGraph, params: Mapping[str, Any]) -> Rows:
    gaps: dict[tuple[str, str], list[int]] = {}
    for first_type, first_at, second_type, second_at in graph.select(
            "SELECT a.type, a.at, b.type, b.at FROM relationships r, interaction_facts a, interaction_facts b "
            "WHERE r.type = ? AND a.id = r.start_id AND b.id = r.end_id", (graph.code("NEXT"),)):
        seconds = int((when(second_at) - when(first_at)).total_seconds())  # type: ignore[operator]
        gaps.setdefault((first_type, second_type), []).append(seconds)
    rows: list[dict[str, Any]] = []
    for (from_type, to_type), values in gaps.items():
        if len(values) < params["min_count"]:
            continue
        values.sort()
        rows.append({"from_type": from_type, "to_type": to_type, "count": len(values),
                     "median_hours": round_half_up(values[(len(values) - 1) // 2] / 3600.0, 2)})
    rows.sort(key=lambda row: (-row["count"], row["from_type"], row["to_type"]))
    return rows
