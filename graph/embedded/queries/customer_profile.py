"""``customer_profile`` on the embedded store (Cypher: ``queries/customer_profile.cypher``)."""

from collections.abc import Mapping
from typing import Any

from ...named_query import Rows
from ..graph import EmbeddedGraph
from .support import as_of, journey, round_half_up, type_counts


def run(graph: EmbeddedGraph, params: Mapping[str, Any]) -> Rows:
    customer = ("Customer", params["customer_id"])
    props = graph.node(*customer)
    if props is None:
        return []
    identities = sorted((graph.node(*i) or {} for i, _ in graph.into(customer, "RESOLVES_TO")),
                        key=lambda i: i["identity_id"])
    steps = journey(graph, customer)
    channels = [str(ch[1]) for x, _ in steps for ch, _ in graph.out(x, "VIA")]
    purchases = [x for _, x in steps if x.get("type") == "purchase"]
    products: list[dict[str, Any]] = []
    for p, bought in graph.out(customer, "BOUGHT"):
        product = graph.node(*p) or {}
        products.append({"sku": product.get("sku"), "name": product.get("name"),
                         "category": product.get("category"), "times": bought.get("times"),
                         "amount": bought.get("amount"), "last_at": bought.get("last_at")})
    products.sort(key=lambda p: (-(p["amount"] or 0.0), p["sku"]))
    reps: list[dict[str, Any]] = []
    for r, serves in graph.into(customer, "SERVES"):
        rep = graph.node(*r) or {}
        reps.append({"rep_id": rep.get("rep_id"), "name": rep.get("name"), "team": rep.get("team"),
                     "times": serves.get("times")})
    reps.sort(key=lambda r: (-r["times"], r["rep_id"]))
    answers = [x for _, x in steps if x.get("type") == "survey_response" and x.get("score_kind") == "nps"]
    latest = max(answers, key=lambda x: (x["at"], x["interaction_id"]), default=None)
    last_purchase = max((x["at"] for x in purchases), default=None)
    review = {frozenset((i[1], other[1])) for i, _ in graph.into(customer, "RESOLVES_TO")
              for other, _ in [*graph.out(i, "POSSIBLY_SAME_AS"), *graph.into(i, "POSSIBLY_SAME_AS")]}
    return [{
        "customer": props,
        "identities": [{"identity_id": i.get("identity_id"), "source": i.get("source"), "name": i.get("name"),
                        "email": i.get("email"), "phone": i.get("phone")} for i in identities],
        "interactions": len(steps),
        "by_type": [{"type": t, "count": n} for t, n in sorted(type_counts(x["type"] for _, x in steps).items())],
        "by_channel": [{"channel_id": ch, "count": n} for ch, n in sorted(type_counts(channels).items())],
        "products": products,
        "reps": reps,
        "first_at": steps[0][1]["at"] if steps else None,
        "last_at": max((x["at"] for _, x in steps), default=None),
        "purchases": len(purchases),
        "revenue": round_half_up(sum(float(x.get("amount") or 0.0) for x in purchases), 2),
        "recency_days": None if last_purchase is None else (as_of(params) - last_purchase).days,
        "latest_nps": None if latest is None else {"score": latest.get("score"), "at": latest["at"]},
        "open_review": len(review),
    }]
