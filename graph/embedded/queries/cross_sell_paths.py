"""``cross_sell_paths`` on the embedded store (Cypher: ``queries/cross_sell_paths.cypher``)."""

from collections.abc import Mapping
from typing import Any

from ...named_query import Rows
from ..graph import EmbeddedGraph
from .cross_sell import affinity
from .support import round_half_up


def run(graph: EmbeddedGraph, params: Mapping[str, Any]) -> Rows:
    customer, target = ("Customer", params["customer_id"]), ("Product", params["sku"])
    if not graph.has_node(*customer) or not graph.has_node(*target):
        return []
    owned = [p for p, _ in graph.out(customer, "BOUGHT")]
    if target in owned:
        return []
    rows: list[dict[str, Any]] = []
    buyers_of_target = {c for c, _ in graph.into(target, "BOUGHT")}
    for share, via, _ in affinity(graph, owned, target).get(target, [])[: params["first"]]:
        others = sorted(str(o[1]) for o, _ in graph.into(("Product", via), "BOUGHT")
                        if o in buyers_of_target and o != customer)
        if not others:
            continue
        other = others[0]
        rows.append({
            "via_sku": via, "other": other, "share": round_half_up(share, 4),
            "nodes": [{"label": "Customer", "key": customer[1]}, {"label": "Product", "key": via},
                      {"label": "Customer", "key": other}, {"label": "Product", "key": target[1]}],
            "relationships": [{"type": "BOUGHT", "start": customer[1], "end": via},
                              {"type": "BOUGHT", "start": other, "end": via},
                              {"type": "BOUGHT", "start": other, "end": target[1]}],
        })
    rows.sort(key=lambda row: (-(row["share"] or 0.0), row["via_sku"]))
    return rows
