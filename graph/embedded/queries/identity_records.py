"""``identity_records`` on the embedded store (Cypher: ``queries/identity_records.cypher``)."""

from collections.abc import Mapping
from typing import Any

from ...named_query import Rows
from ..graph import EmbeddedGraph, decoded, key_of


def run(graph: EmbeddedGraph, params: Mapping[str, Any]) -> Rows:
    rows = [(key_of(key), decoded(props), None if customer is None else key_of(customer))
            for key, props, customer in graph.select(
                "SELECT i.key, i.props, "
                "(SELECT c.key FROM relationships r, nodes c "
                "WHERE r.type = ? AND r.start_id = i.id AND c.id = r.end_id) "
                "FROM nodes i WHERE i.label = ?", (graph.code("RESOLVES_TO"), graph.code("Identity")))]
    rows.sort(key=lambda row: str(row[0]))
    return [{"props": props, "customer_id": customer} for _, props, customer in rows]
