"""``prospects_for_product`` on the embedded store (Cypher: ``queries/prospects_for_product.cypher``)."""

from collections.abc import Mapping
from typing import Any

from ...named_query import Rows
from ..graph import EmbeddedGraph
from .support import round_half_up


def run(graph: EmbeddedGraph, params: Mapping[str, Any]) -> Rows:
    target = ("Product", params["sku"])
    if not graph.has_node(*target):
        return []
    owners = set(graph.start_ids(target, "BOUGHT"))
    reasons: dict[int, list[tuple[float, str]]] = {}
    for x, link in graph.into(target, "ALSO_BOUGHT"):
        share = float(link["customers"]) / (graph.node(*x) or {})["buyers"]
        for c in graph.start_ids(x, "BOUGHT"):
            if c not in owners:
                reasons.setdefault(c, []).append((share, str(x[1])))
    keys = graph.ids("Customer")
    scored = []
    for c, found in reasons.items():
        found.sort(key=lambda reason: (-reason[0], reason[1]))
        total = 0.0
        for share, _ in found:
            total += share
        scored.append((round_half_up(total, 4) or 0.0, str(keys[c]), keys[c], found))
    scored.sort(key=lambda item: (-item[0], item[1]))
    chosen = scored[: params["k"]]
    names = graph.nodes_by_key("Customer", [key for _, _, key, _ in chosen])
    return [{"customer_id": text, "name": names[key][1].get("name"), "score": score,
             "via": [sku for _, sku in found[:3]]} for score, text, key, found in chosen]
