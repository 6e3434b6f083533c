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


def _few_ends(graph: EmbeddedGraph, rel_type: str, interactions: list[int]) -> dict[int, list[Any]]:
    """Interaction id → the keys at the ends of its ``rel_type`` links, sorted, for a few interactions
    (by id: the few channels, reps and products they reach are named once, not once per link)."""
    found: dict[int, list[int]] = {}
    for start, end, _ in graph.links_by_id(rel_type, interactions, outgoing=True):
        found.setdefault(start, []).append(end)
    keys = node_keys(graph, sorted({end for ends in found.values() for end in ends}))
    return {start: [keys[ends[0]]] if len(ends) == 1 else sorted((keys[end] for end in ends), key=str)
            for start, ends in found.items()}


def run(graph: EmbeddedGraph, params: Mapping[str, Any]) -> Rows:
    columns = ("id", "type", "t", "sentiment", "score", "score_kind", "amount")
    wanted = params.get("customers")
    if wanted is None:  # every customer: each relationship type's ends grouped in one pass
        keys = graph.ids("Customer")
        channels, reps = _ends(graph, "VIA", graph.ids("Channel")), _ends(graph, "HANDLED_BY", graph.ids("Rep"))
        products = _Products(graph.ids("Product"))
        about = products.of(graph)

        def skus_of(x: int) -> list[Any]:
            return products(about.get(x))

        campaigns = interaction_campaigns(graph)
        journeys = graph.journeys(columns)
    else:  # a few: their interactions' links by id (of the touchpoints after those ``since`` leaves out)
        keys = {node_id: key for key, node_id in graph.ids_by_key("Customer", list(wanted)).items()}
        skip = dict(zip(wanted, params.get("since") or [], strict=False))
        whole = ",".join(str(int(customer)) for customer in keys if not skip.get(keys[customer]))
        found = list(graph.journeys(columns, f"r.start_id IN ({whole})")) if whole else []
        for customer in keys:
            if skip.get(keys[customer]):
                after = graph.journey_since(columns, customer, int(skip[keys[customer]]))
                found += [(customer, after)] if after is not None else []
        found.sort(key=lambda item: item[0])
        interactions = [step[0] for _, journey in found for step in journey]
        channels = {x: ends[0] for x, ends in _few_ends(graph, "VIA", interactions).items()}
        reps = {x: ends[0] for x, ends in _few_ends(graph, "HANDLED_BY", interactions).items()}
        listed = _few_ends(graph, "ABOUT", interactions)

        def skus_of(x: int) -> list[Any]:
            return listed.get(x, [])

        campaigns = interaction_campaigns(graph, interactions)
        journeys = iter(found)
    rows: Rows = []
    scored: list[int] = []
    for customer, journey in journeys:
        ids, types, micros, sentiments, scores, kinds, amounts = zip(*journey, strict=True)
        answers = [None if score is None else x for x, score in zip(ids, scores, strict=True)]
        scored.extend(x for x in answers if x is not None)
        rows.append({"customer_id": keys[customer], "types": list(types), "micros": list(micros),
                     "channels": [channels.get(x) for x in ids], "campaigns": [campaigns.get(x) for x in ids],
                     "reps": [reps.get(x) for x in ids], "skus": [skus_of(x) for x in ids],
                     "sentiments": list(sentiments), "scores": list(scores), "score_kinds": list(kinds),
                     "amounts": list(amounts), "answer_ids": answers})
    answer_keys = node_keys(graph, scored)
    for row in rows:
        row["answer_ids"] = [None if x is None else answer_keys[x] for x in row["answer_ids"]]
    return sorted(rows, key=lambda row: str(row["customer_id"]))
