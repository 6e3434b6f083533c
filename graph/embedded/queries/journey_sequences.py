"""``journey_sequences`` on the embedded store (Cypher: ``queries/journey_sequences.cypher``)."""

from collections.abc import Mapping
from typing import Any

from ...named_query import Rows
from ..graph import EmbeddedGraph
from .support import interaction_campaigns, node_keys


def _ends(graph: EmbeddedGraph, rel_type: str, keys: dict[int, Any]) -> dict[int, Any]:
    """Interaction id → the key at the end of its ``rel_type`` link (the least id's, were there
    several), grouped in SQLite: one pass over the links' index."""
    return {start: keys[end] for start, end in graph.select(
        "SELECT start_id, min(end_id) FROM relationships WHERE type = ? GROUP BY start_id", (graph.code(rel_type),))}


class _Products:
    """The sorted keys at the ends of an interaction's ABOUT links, from their ids as SQLite's
    group_concat gives them; a text seen before (the same products) is read once."""

    def __init__(self, keys: dict[int, Any]) -> None:
        self.keys = keys
        self.seen: dict[Any, list[Any]] = {None: []}

    def __call__(self, ends: str | None) -> list[Any]:
        found = self.seen.get(ends)
        if found is None:
            found = self.seen[ends] = sorted((self.keys[int(end)] for end in str(ends).split(",")), key=str)
        return found

    def of(self, graph: EmbeddedGraph) -> dict[int, str]:
        """Interaction id → its products' ids as text, grouped in SQLite."""
        return dict(graph.select("SELECT start_id, group_concat(end_id) FROM relationships WHERE type = ? "
                                 "GROUP BY start_id", (graph.code("ABOUT"),)))


def run(graph: EmbeddedGraph, params: Mapping[str, Any]) -> Rows:
    keys = graph.ids("Customer")
    channels, reps = _ends(graph, "VIA", graph.ids("Channel")), _ends(graph, "HANDLED_BY", graph.ids("Rep"))
    products = _Products(graph.ids("Product"))
    about = products.of(graph)
    campaigns = interaction_campaigns(graph)
    rows: Rows = []
    scored: list[int] = []
    columns = ("id", "type", "t", "sentiment", "score", "score_kind")
    for customer, journey in graph.journeys(columns):
        ids, types, micros, sentiments, scores, kinds = zip(*journey, strict=True)
        answers = [None if score is None else x for x, score in zip(ids, scores, strict=True)]
        scored.extend(x for x in answers if x is not None)
        rows.append({"customer_id": keys[customer], "types": list(types), "micros": list(micros),
                     "channels": [channels.get(x) for x in ids], "campaigns": [campaigns.get(x) for x in ids],
                     "reps": [reps.get(x) for x in ids], "skus": [products(about.get(x)) for x in ids],
                     "sentiments": list(sentiments), "scores": list(scores), "score_kinds": list(kinds),
                     "answer_ids": answers})
    answer_keys = node_keys(graph, scored)
    for row in rows:
        row["answer_ids"] = [None if x is None else answer_keys[x] for x in row["answer_ids"]]
    return sorted(rows, key=lambda row: str(row["customer_id"]))
