"""``review_queue`` on the embedded store (Cypher: ``queries/review_queue.cypher``)."""

from collections.abc import Mapping
from typing import Any

from ...named_query import Rows
from ..graph import EmbeddedGraph, decoded, key_of

CHUNK = 900  # ids per statement, under SQLite's limit on bound values
FIELDS = ("identity_id", "source", "name", "email", "phone", "birth_date", "street", "city", "postal_code")


def run(graph: EmbeddedGraph, params: Mapping[str, Any]) -> Rows:
    # Thousands of pairs wait at 100k records: rank them by score from the links alone, then read
    # the keys and records of the pairs that can be shown (ties at the cut included) only.
    limit = int(params["limit"])
    links = [(start, end, decoded(props)) for start, end, props in graph.links("POSSIBLY_SAME_AS")]
    scores = sorted((link.get("score") or 0.0 for _, _, link in links), reverse=True)
    if limit <= 0 or not scores:
        return []
    cut = scores[min(limit, len(scores)) - 1]
    kept = [(start, end, link) for start, end, link in links if (link.get("score") or 0.0) >= cut]
    ids = sorted({node for start, end, _ in kept for node in (start, end)})
    records: dict[int, dict[str, Any]] = {}
    for at in range(0, len(ids), CHUNK):
        chunk = ids[at:at + CHUNK]
        for node_id, props, customer in graph.select(
                "SELECT n.id, n.props, c.key FROM nodes n LEFT JOIN relationships r ON r.start_id = n.id "
                f"AND r.type = ? LEFT JOIN nodes c ON c.id = r.end_id WHERE n.id IN ({','.join('?' * len(chunk))})",
                (graph.code("RESOLVES_TO"), *chunk)):
            stored = decoded(props)
            records[node_id] = {**{name: stored.get(name) for name in FIELDS},
                                "customer_id": None if customer is None else key_of(customer)}
    pairs = []
    for start, end, link in kept:
        first, second = sorted((records[start], records[end]), key=lambda record: str(record["identity_id"]))
        pairs.append({"a": first["identity_id"], "b": second["identity_id"], "score": link.get("score"),
                      "evidence": link.get("evidence"), "records": [first, second]})
    pairs.sort(key=lambda pair: (-(pair["score"] or 0.0), str(pair["a"]), str(pair["b"])))
    return pairs[:limit]
