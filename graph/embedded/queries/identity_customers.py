"""``identity_customers`` on the embedded store (Cypher: ``queries/identity_customers.cypher``)."""

from collections.abc import Mapping
from typing import Any

from ...named_query import Rows
from ..graph import EmbeddedGraph


def run(graph: EmbeddedGraph, params: Mapping[str, Any]) -> Rows:
    ids = graph.ids_by_key("Identity", list(dict.fromkeys(params["ids"])))
    keys = {node_id: key for key, node_id in ids.items()}
    customers = dict(graph.links_of("RESOLVES_TO", sorted(keys), outgoing=True))
    return [{"identity_id": keys[node_id], "customer_id": customer}
            for node_id, customer in sorted(customers.items(), key=lambda item: str(keys[item[0]]))]
