"""``review_queue`` on the embedded store (Cypher: ``queries/review_queue.cypher``)."""

from collections.abc import Mapping
from typing import Any

from ...named_query import Rows
from ..graph import EmbeddedGraph, decoded, key_of

FIELDS = ("identity_id", "source", "name", "email", "phone", "birth_date", "street", "city", "postal_code")


def run(graph: EmbeddedGraph, params: Mapping[str, Any]) -> Rows:
    # The queue is small (pairs a human has yet to answer): read it whole, then the records of the
    # pairs shown, each with its customer.
    ids = {node_id for start, end, _ in graph.links("POSSIBLY_SAME_AS") for node_id in (start, end)}
    marks = ",".join("?" * len(ids))
    records: dict[int, dict[str, Any]] = {}
    for node_id, props, customer in graph.select(
            f"SELECT n.id, n.props, c.key FROM nodes n LEFT JOIN relationships r ON r.start_id = n.id AND r.type = ? "
            f"LEFT JOIN nodes c ON c.id = r.end_id WHERE n.id IN ({marks})",
            (graph.code("RESOLVES_TO"), *ids)) if ids else []:
        stored = decoded(props)
        records[node_id] = {**{name: stored.get(name) for name in FIELDS},
                            "customer_id": None if customer is None else key_of(customer)}
    pairs = []
    for start, end, props in graph.links("POSSIBLY_SAME_AS"):
        first, second = sorted((records[start], records[end]), key=lambda record: str(record["identity_id"]))
        link = decoded(props)
        pairs.append({"a": first["identity_id"], "b": second["identity_id"], "score": link.get("score"),
                      "evidence": link.get("evidence"), "records": [first, second]})
    pairs.sort(key=lambda pair: (-(pair["score"] or 0.0), str(pair["a"]), str(pair["b"])))
    return pairs[:int(params["limit"])]
