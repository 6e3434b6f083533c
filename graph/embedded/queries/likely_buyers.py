"""``likely_buyers`` on the embedded store (Cypher: ``queries/likely_buyers.cypher``)."""

from collections.abc import Mapping
from typing import Any

from ...named_query import Rows
from ..graph import EmbeddedGraph


def run(graph: EmbeddedGraph, params: Mapping[str, Any]) -> Rows:
    rows = []
    for _, key, props in graph.nodes("Customer"):
        categories = props.get("propensity_categories") or []
        if params["category"] in categories:
            rows.append({"customer_id": key, "name": props.get("name"),
                         "probability": props["propensity_category_scores"][categories.index(params["category"])],
                         "as_of": props.get("predictions_as_of")})
    rows.sort(key=lambda row: (-row["probability"], str(row["customer_id"])))
    return rows[: params["limit"]]
