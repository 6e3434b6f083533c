"""``likely_buyers`` on the embedded store (Cypher: ``queries/likely_buyers.cypher``)."""

from collections.abc import Iterator, Mapping
from typing import Any

from ...named_query import Rows
from ..graph import EmbeddedGraph
from .prospects_for_product import consented


def likely(graph: EmbeddedGraph, category: str) -> Iterator[tuple[Any, Mapping[str, Any], float]]:
    """(key, properties, probability) of every customer whose three likeliest categories hold ``category``."""
    for _, key, props in graph.nodes("Customer"):
        categories = props.get("propensity_categories") or []
        if category in categories:
            yield key, props, props["propensity_category_scores"][categories.index(category)]


def run(graph: EmbeddedGraph, params: Mapping[str, Any]) -> Rows:
    channel = params.get("channel")
    rows = [{"customer_id": key, "name": props.get("name"), "probability": probability,
             "as_of": props.get("predictions_as_of")}
            for key, props, probability in likely(graph, params["category"])
            if channel is None or consented(props, channel)]
    rows.sort(key=lambda row: (-row["probability"], str(row["customer_id"])))
    return rows[: params["limit"]]
