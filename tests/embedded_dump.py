"""Every node and relationship of an embedded store, by keys: to compare two stores whole."""

from __future__ import annotations

from typing import Any

from custgraph.graph.embedded import EmbeddedStore
from custgraph.graph.embedded.graph import decoded
from custgraph.graph.model import NODE_KINDS, RELATIONSHIP_KINDS


def everything(store: EmbeddedStore, leave_out: frozenset[str] = frozenset()) -> list[tuple[Any, ...]]:
    """(label, key, properties) and (type, start key, end key, properties), sorted; ``leave_out``
    names properties that differ from run to run (times of writing). The dashboard's summary is left
    out: it is made from the rest and stamped with when (tests/test_summaries.py checks it)."""
    graph, found = store.graph, []
    keys: dict[int, Any] = {}
    for label in NODE_KINDS:
        if label == "Summary":
            continue
        for node_id, key, props in graph.nodes(label):
            keys[node_id] = key
            found.append((label, key, {name: value for name, value in props.items() if name not in leave_out}))
    for rel_type in RELATIONSHIP_KINDS:
        found += [(rel_type, keys[start], keys[end], decoded(props)) for start, end, props in graph.links(rel_type)]
    return sorted(found, key=repr)
