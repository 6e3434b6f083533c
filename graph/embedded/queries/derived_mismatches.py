"""``derived_mismatches`` on the embedded store (Cypher: ``queries/derived_mismatches.cypher``)."""

from collections.abc import Mapping
from typing import Any

from ...named_query import Rows
from ..facts import when
from ..graph import EmbeddedGraph


def _before(one: str | None, other: str | None) -> bool:
    first, second = when(one), when(other)
    return first is not None and second is not None and first < second


def run(graph: EmbeddedGraph, params: Mapping[str, Any]) -> Rows:
    performed: dict[int, int] = {}
    for identity, _, _ in graph.links("PERFORMED"):
        performed[identity] = performed.get(identity, 0) + 1
    interactions: dict[int, int] = {}
    for identity, customer, _ in graph.links("RESOLVES_TO"):
        interactions[customer] = interactions.get(customer, 0) + performed.get(identity, 0)
    had: dict[int, set[int]] = {}
    for customer, x, _ in graph.links("HAD"):
        had.setdefault(customer, set()).add(x)
    nexts: dict[int, list[int]] = {}
    for x, y, _ in graph.links("NEXT"):
        nexts.setdefault(x, []).append(y)
    at = dict(graph.select("SELECT id, at FROM interaction_facts"))
    owned: dict[int, set[int]] = {}  # the store's own copy of HAD, which journeys are read by (database.py)
    for customer, x in graph.select("SELECT customer, id FROM interaction_facts WHERE customer IS NOT NULL"):
        owned.setdefault(customer, set()).add(x)
    rows = []
    for customer, key in sorted(graph.ids("Customer").items(), key=lambda item: str(item[1])):
        mine = had.get(customer, set())
        pairs = [(x, y) for x in mine for y in nexts.get(x, [])]
        stray = sum(1 for x, y in pairs if y not in mine or _before(at[y], at[x]))
        expected = interactions.get(customer, 0)
        if len(mine) != expected or len(pairs) != max(expected - 1, 0) or stray or owned.get(customer, set()) != mine:
            rows.append({"customer_id": key, "interactions": expected, "had": len(mine), "next": len(pairs),
                         "stray": stray})
    return rows
