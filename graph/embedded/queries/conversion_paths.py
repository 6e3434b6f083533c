"""``conversion_paths`` on the embedded store (Cypher: ``queries/conversion_paths.cypher``)."""

from collections.abc import Mapping
from typing import Any

from ...named_query import Rows
from ..graph import EmbeddedGraph
from .support import interaction_campaigns, link_ends, node_keys

_DAY_MICROS = 86_400 * 1_000_000
Step = tuple[int, Any, Any, int, Any]  # a touchpoint: t (microseconds), type, at, node id, sentiment


def _converting(graph: EmbeddedGraph, params: Mapping[str, Any]) -> set[int] | None:
    """Ids of the interactions about the chosen product or category (None: no such filter)."""
    sku, category = params.get("sku"), params.get("category")
    if sku is None and category is None:
        return None
    products = {node_id for node_id, key, props in graph.nodes("Product")
                if (sku is None or key == sku) and (category is None or props.get("category") == category)}
    return {x for x, p, _ in graph.links("ABOUT") if p in products}


def run(graph: EmbeddedGraph, params: Mapping[str, Any]) -> Rows:
    conversion, lookback = params["conversion"], int(params["lookback_days"]) * _DAY_MICROS
    about = _converting(graph, params)
    channels, reps, skus = link_ends(graph, "VIA", "Channel"), link_ends(graph, "HANDLED_BY", "Rep"), link_ends(
        graph, "ABOUT", "Product")
    named = interaction_campaigns(graph)
    customers = graph.ids("Customer")
    found: list[tuple[Any, bool, Any, tuple[Any, ...] | None, list[Step]]] = []
    for customer, journey in graph.journeys(("id", "t", "type", "at", "sentiment", "score", "score_kind")):
        open_: list[Step] = []  # the touchpoints since the last conversion
        for x, t, kind, at, sentiment, score, score_kind in journey:
            if kind == conversion and (about is None or x in about):
                found.append((customers[customer], True, at, (x, score, score_kind),
                              [step for step in open_ if step[0] >= t - lookback]))
                open_ = []
            else:
                open_.append((t, kind, at, x, sentiment))
        if open_:
            last = open_[-1][0]
            found.append((customers[customer], False, open_[-1][2], None,
                          [step for step in open_ if step[0] >= last - lookback]))
    keys = node_keys(graph, [done[0] for *_, done, _ in found if done is not None])
    rows: Rows = [
        {"customer_id": customer, "converted": converted, "at": at,
         "interaction_id": keys[done[0]] if done else None, "score": done[1] if done else None,
         "score_kind": done[2] if done else None,
         "touchpoints": [{"type": kind, "channel": (channels.get(x) or [None])[0], "campaign": named.get(x),
                          "rep": (reps.get(x) or [None])[0], "skus": skus.get(x, []), "sentiment": sentiment,
                          "at": when}
                         for _, kind, when, x, sentiment in steps]}
        for customer, converted, at, done, steps in found]
    rows.sort(key=lambda row: (str(row["customer_id"]), row["at"], row["converted"]))
    return rows
