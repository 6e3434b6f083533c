"""``search_customers`` on the embedded store, by a scan: it has no text index."""

from collections.abc import Mapping
from typing import Any

from ...named_query import Rows
from ..graph import EmbeddedGraph
from .support import nulls_last


def run(graph: EmbeddedGraph, params: Mapping[str, Any]) -> Rows:
    text = params["text"]
    found: dict[Any, tuple[int, list[str]]] = {}
    for key in graph.keys("Identity"):
        identity = graph.node("Identity", key) or {}
        if text in (identity.get("email_norm"), identity.get("phone_norm")):
            rank = 0
        elif any(text in (identity.get(field) or "") for field in ("name_norm", "name_kana_norm")
                 if identity.get(field) is not None):
            rank = 1
        else:
            continue
        customer = next(graph.out(("Identity", key), "RESOLVES_TO"), None)
        if customer is None:
            continue
        best, matched = found.get(customer[0], (rank, []))
        found[customer[0]] = (min(best, rank), [*matched, str(key)])
    rows = []
    for customer, (rank, matched) in found.items():
        props = graph.node(*customer) or {}
        rows.append((rank, props.get("name"), customer[1],
                     {"customer_id": customer[1], "name": props.get("name"), "email": props.get("email"),
                      "phone": props.get("phone"), "matched": sorted(matched)}))
    rows.sort(key=lambda row: (row[0], nulls_last(row[1]), row[2]))
    return [row[3] for row in rows[: params["limit"]]]
