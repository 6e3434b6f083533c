"""``identity_records`` on the embedded store (Cypher: ``queries/identity_records.cypher``)."""

from collections.abc import Mapping
from typing import Any

from ...collector import collector_paused
from ...named_query import Rows
from ..graph import EmbeddedGraph


def run(graph: EmbeddedGraph, params: Mapping[str, Any]) -> Rows:
    customer_of = {identity: customer for identity, customer, _ in graph.links("RESOLVES_TO")}
    customers = graph.ids("Customer")
    with collector_paused():  # a property map per record: hundreds of thousands of new objects
        rows = [(key, props, customers.get(customer_of.get(node_id, -1)))
                for node_id, key, props in graph.nodes("Identity")]
    rows.sort(key=lambda row: str(row[0]))
    return [{"props": props, "customer_id": customer} for _, props, customer in rows]
