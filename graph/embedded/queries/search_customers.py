"""``search_customers`` on the embedded store: the search index names the candidates, the rule of the
Cypher query picks among them."""

from collections.abc import Mapping
from typing import Any

from ...named_query import Rows
from ..graph import EmbeddedGraph
from .support import nulls_last


def run(graph: EmbeddedGraph, params: Mapping[str, Any]) -> Rows:
    found: dict[Any, tuple[int, Any, list[str]]] = {}
    for identity, customer, name, rank in graph.search(params["text"]):
        best, _, matched = found.get(customer, (rank, name, []))
        found[customer] = (min(best, rank), name, [*matched, str(identity)])
    ranked = sorted(found.items(), key=lambda item: (item[1][0], nulls_last(item[1][1]), item[0]))
    rows = []
    for customer, (_, _, matched) in ranked[: params["limit"]]:
        props = graph.node("Customer", customer) or {}
        rows.append({"customer_id": customer, "name": props.get("name"), "email": props.get("email"),
                     "phone": props.get("phone"), "purchase_propensity": props.get("purchase_propensity"),
                     "churn_probability": props.get("churn_probability"), "matched": sorted(matched)})
    return rows
