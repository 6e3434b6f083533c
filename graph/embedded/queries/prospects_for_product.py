"""``prospects_for_product`` on the embedded store (Cypher: ``queries/prospects_for_product.cypher``)."""

from collections.abc import Mapping
from typing import Any

from ...named_query import Rows
from ..graph import EmbeddedGraph, NodeId
from .support import round_half_up

CONSENT = {"email": "email_opt_in", "sms": "sms_opt_in"}


def consented(customer: Mapping[str, Any], channel: str | None) -> bool:
    """Whether an outreach on ``channel`` may reach this customer: their opt-in is true."""
    return channel in CONSENT and customer.get(CONSENT[channel]) is True


def prospects(graph: EmbeddedGraph, target: NodeId) -> dict[int, list[tuple[float, str]]]:
    """Customer id → (share of X's buyers who bought ``target``, X) for each product X they bought
    that is bought with it, for the customers who do not own it."""
    owners = set(graph.start_ids(target, "BOUGHT"))
    reasons: dict[int, list[tuple[float, str]]] = {}
    for x, link in graph.into(target, "ALSO_BOUGHT"):
        share = float(link["customers"]) / (graph.node(*x) or {})["buyers"]
        for c in graph.start_ids(x, "BOUGHT"):
            if c not in owners:
                reasons.setdefault(c, []).append((share, str(x[1])))
    return reasons


def run(graph: EmbeddedGraph, params: Mapping[str, Any]) -> Rows:
    target = ("Product", params["sku"])
    if not graph.has_node(*target):
        return []
    reasons = prospects(graph, target)
    keys = graph.ids("Customer")
    channel = params.get("channel")
    if channel is not None:
        customers = graph.nodes_by_key("Customer", [keys[c] for c in reasons])
        reasons = {c: found for c, found in reasons.items() if consented(customers[keys[c]][1], channel)}
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
