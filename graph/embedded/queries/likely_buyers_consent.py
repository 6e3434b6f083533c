"""``likely_buyers_consent`` on the embedded store (Cypher: ``queries/likely_buyers_consent.cypher``)."""

from collections.abc import Mapping
from typing import Any

from ...named_query import Rows
from ..graph import EmbeddedGraph
from .likely_buyers import likely
from .prospects_for_product import consented


def run(graph: EmbeddedGraph, params: Mapping[str, Any]) -> Rows:
    found = [consented(props, params["channel"]) for _, props, _ in likely(graph, params["category"])]
    return [{"prospects": len(found), "reachable": sum(found), "left_out": len(found) - sum(found)}]
