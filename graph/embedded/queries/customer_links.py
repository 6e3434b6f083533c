"""``customer_links`` on the embedded store (Cypher: ``queries/customer_links.cypher``)."""

from collections.abc import Mapping
from typing import Any

from ...named_query import Rows
from ..graph import EmbeddedGraph


def run(graph: EmbeddedGraph, params: Mapping[str, Any]) -> Rows:
    rows = []
    for identity, _ in graph.into(("Customer", params["customer_id"]), "RESOLVES_TO"):
        for other, link in graph.out(identity, "SAME_AS"):
            rows.append({"a": identity[1], "b": other[1], "rule": link.get("rule"), "score": link.get("score"),
                         "evidence": link.get("evidence")})
    return sorted(rows, key=lambda row: (str(row["a"]), str(row["b"])))
