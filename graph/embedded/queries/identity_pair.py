"""``identity_pair`` on the embedded store (Cypher: ``queries/identity_pair.cypher``)."""

from collections.abc import Mapping
from typing import Any

from ...named_query import Rows
from ..graph import EmbeddedGraph

TYPES = ("NOT_SAME_AS", "POSSIBLY_SAME_AS", "SAME_AS")


def run(graph: EmbeddedGraph, params: Mapping[str, Any]) -> Rows:
    x, y = ("Identity", params["a"]), ("Identity", params["b"])
    if not (graph.has_node(*x) and graph.has_node(*y)):
        return []
    customers = [next(graph.out(node, "RESOLVES_TO"), None) for node in (x, y)]
    links = []
    for rel_type in TYPES:
        for start, end in ((x, y), (y, x)):
            props = graph.relationship(rel_type, start, end)
            if props is not None:
                links.append({"type": rel_type, "props": props})
    return [{"customer_a": customers[0][0][1] if customers[0] else None,
             "customer_b": customers[1][0][1] if customers[1] else None, "links": links}]
