"""``prospects_consent`` on the embedded store (Cypher: ``queries/prospects_consent.cypher``)."""

from collections.abc import Mapping
from typing import Any

from ...named_query import Rows
from ..graph import EmbeddedGraph
from .prospects_for_product import consented, prospects


def run(graph: EmbeddedGraph, params: Mapping[str, Any]) -> Rows:
    target = ("Product", params["sku"])
    if not graph.has_node(*target):
        return []
    found = prospects(graph, target)
    keys = graph.ids("Customer")
    customers = graph.nodes_by_key("Customer", [keys[c] for c in found])
    reachable = sum(1 for _, props in customers.values() if consented(props, params["channel"]))
    return [{"prospects": len(found), "reachable": reachable, "left_out": len(found) - reachable}]
