"""``customer_identities`` on the embedded store (Cypher: ``queries/customer_identities.cypher``)."""

from collections.abc import Mapping
from typing import Any

from ...named_query import Rows
from ..graph import EmbeddedGraph, key_of


def run(graph: EmbeddedGraph, params: Mapping[str, Any]) -> Rows:
    rows = [{"source": source, "source_id": source_id, "customer_id": None if customer is None else key_of(customer)}
            for source, source_id, customer in graph.select(
                "SELECT json_extract(i.props, '$.source'), json_extract(i.props, '$.source_id'), "
                "(SELECT c.key FROM relationships r, nodes c "
                "WHERE r.type = ? AND r.start_id = i.id AND c.id = r.end_id) "
                "FROM nodes i WHERE i.label = ?", (graph.code("RESOLVES_TO"), graph.code("Identity")))]
    return sorted(rows, key=lambda row: (str(row["source"]), str(row["source_id"])))
