"""``identity_neighbourhood`` on the embedded store."""

from collections.abc import Mapping
from typing import Any

from ...named_query import Rows
from ..graph import EmbeddedGraph

TYPES = ("SAME_AS", "POSSIBLY_SAME_AS", "NOT_SAME_AS", "CONFIRMED_SAME_AS")


def run(graph: EmbeddedGraph, params: Mapping[str, Any]) -> Rows:
    rows = []
    for key in sorted({key for key in params["ids"] if graph.has_node("Identity", key)}, key=str):
        node = ("Identity", key)
        customer = next(graph.out(node, "RESOLVES_TO"), None)
        members = [] if customer is None else sorted(
            (member[1] for member, _ in graph.into(customer[0], "RESOLVES_TO") if member != node), key=str)
        links = [{"type": rel_type, "a": key, "b": other[1], "props": dict(props)}
                 for rel_type in TYPES for other, props in graph.out(node, rel_type)]
        links += [{"type": rel_type, "a": other[1], "b": key, "props": dict(props)}
                  for rel_type in TYPES for other, props in graph.into(node, rel_type)]
        rows.append({"identity_id": key, "props": graph.node("Identity", key) or {},
                     "customer_id": customer[0][1] if customer else None, "members": members,
                     "links": sorted(links, key=lambda link: (link["type"], str(link["a"]), str(link["b"])))})
    return rows
