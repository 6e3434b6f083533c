"""``conversion_paths`` on the embedded store (Cypher: ``queries/conversion_paths.cypher``)."""

from collections.abc import Mapping
from typing import Any

from ...named_query import Rows
from ..graph import EmbeddedGraph

_DAY_MICROS = 86_400 * 1_000_000
Step = tuple[int, Any, Any, int]  # a touchpoint: t (microseconds), type, at, node id


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
    channels = graph.ids("Channel")
    via = {x: channels[ch] for x, ch, _ in graph.links("VIA")}
    campaigns = dict(graph.select(
        "SELECT id, json_extract(props, '$.campaign') FROM nodes WHERE label = ? "
        "AND json_extract(props, '$.campaign') IS NOT NULL", (graph.code("Interaction"),)))
    customers = graph.ids("Customer")
    rows: Rows = []
    for customer, journey in graph.journeys(("id", "t", "type", "at")):
        paths: list[tuple[bool, Any, list[Step]]] = []
        open_: list[Step] = []  # the touchpoints since the last conversion
        for x, t, kind, at in journey:
            if kind == conversion and (about is None or x in about):
                paths.append((True, at, [step for step in open_ if step[0] >= t - lookback]))
                open_ = []
            else:
                open_.append((t, kind, at, x))
        if open_:
            last = open_[-1][0]
            paths.append((False, open_[-1][2], [step for step in open_ if step[0] >= last - lookback]))
        key = customers[customer]
        rows += [{"customer_id": key, "converted": converted, "at": at,
                  "touchpoints": [{"type": kind, "channel": via.get(x), "campaign": campaigns.get(x), "at": when}
                                  for _, kind, when, x in steps]}
                 for converted, at, steps in paths]
    rows.sort(key=lambda row: (str(row["customer_id"]), row["at"], row["converted"]))
    return rows
