"""``product_popularity`` on the embedded store (Cypher: ``queries/product_popularity.cypher``)."""

from collections.abc import Mapping
from typing import Any

from ...named_query import Rows
from ..graph import EmbeddedGraph


def run(graph: EmbeddedGraph, params: Mapping[str, Any]) -> Rows:
    rows: list[dict[str, Any]] = [
        {"sku": p.get("sku"), "name": p.get("name"), "category": p.get("category"), "buyers": int(p.get("buyers") or 0)}
        for p in (graph.node("Product", key) or {} for key in graph.keys("Product"))]
    rows.sort(key=lambda row: (-row["buyers"], str(row["sku"])))
    return rows[: params["limit"]]
