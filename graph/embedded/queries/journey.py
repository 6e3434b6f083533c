"""``journey`` on the embedded store (Cypher: ``queries/journey.cypher``)."""

from collections.abc import Mapping
from typing import Any

from ...named_query import Rows
from ..graph import EmbeddedGraph
from .support import journey


def run(graph: EmbeddedGraph, params: Mapping[str, Any]) -> Rows:
    rows = []
    since = params.get("since")
    touchpoints = journey(graph, ("Customer", params["customer_id"]))
    if since is not None:
        touchpoints = [(x, props) for x, props in touchpoints if props["at"] >= since]
    for x, props in touchpoints[: params["limit"]]:
        channel = next(graph.out(x, "VIA"), None)
        rep = next(graph.out(x, "HANDLED_BY"), None)
        identity = next(graph.into(x, "PERFORMED"), None)
        rows.append({
            "interaction_id": x[1], "at": props.get("at"), "type": props.get("type"), "source": props.get("source"),
            "identity_id": identity[0][1] if identity else None, "channel_id": channel[0][1] if channel else None,
            "rep_id": rep[0][1] if rep else None, "skus": sorted(str(p[1]) for p, _ in graph.out(x, "ABOUT")),
            "amount": props.get("amount"), "quantity": props.get("quantity"), "score": props.get("score"),
            "score_kind": props.get("score_kind"), "sentiment": props.get("sentiment"),
        })
    return rows
