"""``funnel_journeys`` on the embedded store (Cypher: ``queries/funnel_journeys.cypher``)."""

from collections.abc import Mapping
from typing import Any

from ...named_query import Rows
from ..graph import EmbeddedGraph
from .support import link_ends


def run(graph: EmbeddedGraph, params: Mapping[str, Any]) -> Rows:
    steps = params["steps"]
    window = None if params.get("window_days") is None else int(params["window_days"]) * 86400
    channels, reps, skus = link_ends(graph, "VIA", "Channel"), link_ends(graph, "HANDLED_BY", "Rep"), link_ends(
        graph, "ABOUT", "Product")
    customers = graph.ids("Customer")
    rows: Rows = []
    for customer, journey in graph.journeys(("id", "type", "at", "sentiment")):
        positions: list[int] = []
        start = None
        for index, (_, kind, at, _) in enumerate(journey):
            if len(positions) == len(steps) or kind != steps[len(positions)]:
                continue
            if start is not None and window is not None and int((at - start).total_seconds()) > window:
                continue
            start = at if start is None else start
            positions.append(index)
        if not positions:
            continue
        rows.append({"customer_id": customers[customer], "reached": len(positions), "positions": positions,
                     "touchpoints": [{"type": kind, "at": at, "sentiment": sentiment,
                                      "channel": (channels.get(x) or [None])[0], "rep": (reps.get(x) or [None])[0],
                                      "skus": skus.get(x, [])}
                                     for x, kind, at, sentiment in journey[:positions[-1] + 1]]})
    rows.sort(key=lambda row: str(row["customer_id"]))
    return rows
