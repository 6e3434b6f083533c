"""The in-memory graph behind the embedded store, as the embedded implementations of the named queries see it.

Nodes of the networkx ``MultiDiGraph`` are ``(label, key)`` tuples with the node's
properties as their attributes; an edge's networkx key is its relationship type
and its attributes are its properties. A label index keeps "all nodes of a
label" from scanning the whole graph, as Neo4j's label scan would not either.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from types import MappingProxyType
from typing import Any

import networkx as nx

__all__ = ["EmbeddedGraph", "NodeId"]

NodeId = tuple[str, str | int]
_NONE: dict[str, Any] = {}


class EmbeddedGraph:
    """Read access for the query implementations; only the embedded store mutates it."""

    def __init__(self) -> None:
        self._graph: nx.MultiDiGraph[NodeId] = nx.MultiDiGraph()
        self._by_label: dict[str, dict[str | int, None]] = {}
        self._readonly: Any = self._graph.copy(as_view=True)
        # networkx's own adjacency dicts (node → neighbour → type → properties), for speed.
        self._succ: dict[NodeId, dict[NodeId, dict[str, dict[str, Any]]]] = self._graph._succ  # type: ignore[attr-defined]
        self._pred: dict[NodeId, dict[NodeId, dict[str, dict[str, Any]]]] = self._graph._pred  # type: ignore[attr-defined]
        self._props: dict[NodeId, dict[str, Any]] = self._graph._node  # type: ignore[attr-defined]

    @property
    def nx(self) -> Any:
        """A read-only networkx view, for algorithms (paths, components...)."""
        return self._readonly

    def labels(self) -> list[str]:
        return sorted(label for label, keys in self._by_label.items() if keys)

    def keys(self, label: str) -> Iterator[str | int]:
        yield from self._by_label.get(label, {})

    def count(self, label: str) -> int:
        return len(self._by_label.get(label, {}))

    def node(self, label: str, key: str | int) -> dict[str, Any] | None:
        node_id = (label, key)
        if node_id not in self._graph:
            return None
        return dict(self._graph.nodes[node_id])

    def props(self, node_id: NodeId) -> Mapping[str, Any]:
        """A node's properties, read-only and not copied (``node`` copies): for implementations that read a
        property or two of every node they pass; empty for a missing node."""
        return MappingProxyType(self._props.get(node_id, _NONE))

    def has_node(self, label: str, key: str | int) -> bool:
        return (label, key) in self._graph

    def relationship(self, rel_type: str, start: NodeId, end: NodeId) -> dict[str, Any] | None:
        data = self._graph.get_edge_data(start, end, key=rel_type)
        return None if data is None else dict(data)

    def out(self, node_id: NodeId, rel_type: str) -> Iterator[tuple[NodeId, dict[str, Any]]]:
        # The adjacency dicts directly: networkx's edge views cost ~10x more per call.
        for end, by_type in self._succ.get(node_id, {}).items():
            if rel_type in by_type:
                yield end, by_type[rel_type]

    def into(self, node_id: NodeId, rel_type: str) -> Iterator[tuple[NodeId, dict[str, Any]]]:
        for start, by_type in self._pred.get(node_id, {}).items():
            if rel_type in by_type:
                yield start, by_type[rel_type]

    def incident(self, node_id: NodeId) -> list[tuple[str, NodeId, NodeId]]:
        """Every relationship of the node, as (type, start, end)."""
        links = [(rel_type, node_id, end) for end, by_type in self._succ.get(node_id, {}).items()
                 for rel_type in by_type]
        links += [(rel_type, start, node_id) for start, by_type in self._pred.get(node_id, {}).items()
                  for rel_type in by_type if start != node_id]
        return links

    def relationship_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for _, _, key in self._graph.edges(keys=True):
            counts[key] = counts.get(key, 0) + 1
        return counts

    # Mutation, for EmbeddedStore only.

    def _set_node(self, label: str, key: str | int, properties: dict[str, Any]) -> None:
        self._graph.add_node((label, key))
        attributes = self._graph.nodes[(label, key)]
        attributes.clear()
        attributes.update(properties)
        self._by_label.setdefault(label, {})[key] = None

    def _set_relationship(self, rel_type: str, start: NodeId, end: NodeId, properties: dict[str, Any]) -> None:
        if self._graph.has_edge(start, end, key=rel_type):
            attributes = self._graph.edges[start, end, rel_type]
            attributes.clear()
            attributes.update(properties)
        else:
            self._graph.add_edge(start, end, key=rel_type, **properties)

    def _remove_relationship(self, rel_type: str, start: NodeId, end: NodeId) -> None:
        self._graph.remove_edge(start, end, key=rel_type)

    def _remove_node(self, node_id: NodeId) -> None:
        self._graph.remove_node(node_id)
        self._by_label.get(node_id[0], {}).pop(node_id[1], None)
