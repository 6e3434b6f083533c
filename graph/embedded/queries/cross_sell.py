"""``cross_sell`` on the embedded store (Cypher: ``queries/cross_sell.cypher``)."""

from collections.abc import Mapping
from typing import Any

from ...named_query import Rows
from ..graph import EmbeddedGraph, NodeId
from .support import round_half_up


def affinity(graph: EmbeddedGraph, owned: list[NodeId], target: NodeId | None = None
             ) -> dict[NodeId, list[tuple[float, str, dict[str, Any]]]]:
    """Per product not in ``owned`` (or only ``target``): (share, via sku, reason) for each owned
    product X with an ALSO_BOUGHT link to it, strongest first."""
    mine = set(owned)
    found: dict[NodeId, list[tuple[float, str, dict[str, Any]]]] = {}
    for x in owned:
        product = graph.node(*x) or {}
        for y, link in graph.out(x, "ALSO_BOUGHT"):
            if y in mine or (target is not None and y != target):
                continue
            together = link["customers"]
            share = float(together) / product["buyers"]
            found.setdefault(y, []).append((share, str(x[1]), {"sku": x[1], "name": product.get("name"),
                                                                "customers": together,
                                                                "buyers": product["buyers"]}))
    for reasons in found.values():
        reasons.sort(key=lambda reason: (-reason[0], reason[1]))
    return found


def run(graph: EmbeddedGraph, params: Mapping[str, Any]) -> Rows:
    customer = ("Customer", params["customer_id"])
    owned = [p for p, _ in graph.out(customer, "BOUGHT")]
    scored = []
    for y, reasons in affinity(graph, owned).items():
        total = 0.0
        for share, _, _ in reasons:
            total += share
        scored.append((round_half_up(total, 4), y, reasons))
    scored.sort(key=lambda item: (-(item[0] or 0.0), str(item[1][1])))
    rows = []
    for score, y, reasons in scored[: params["k"]]:
        product = graph.node(*y) or {}
        via = reasons[0][2]["sku"]
        rows.append({
            "sku": y[1], "name": product.get("name"), "category": product.get("category"), "score": score,
            "because": [reason for _, _, reason in reasons[:3]],
            "path": {"nodes": [{"label": "Customer", "key": customer[1]}, {"label": "Product", "key": via},
                               {"label": "Product", "key": y[1]}],
                     "relationships": [{"type": "BOUGHT", "start": customer[1], "end": via},
                                       {"type": "ALSO_BOUGHT", "start": via, "end": y[1]}]},
        })
    return rows
