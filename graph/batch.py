"""One atomic write: nodes of several labels and relationships of several types, and deletions.

Why: a loaded interaction and its links (who did it, via which channel, about
which products) belong together; so do an erased person's tombstones, their
anonymised touchpoints and the deletion of their records. ``Store.write`` puts a ``GraphBatch`` in one
transaction on either backend, so a failure leaves the whole batch or none of it,
and Neo4j pays one commit per batch instead of one per label and type.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .model import NodeKind, RelationshipKind, node_kind, relationship_kind
from .rows import Key, NodeRow, RelationshipRow, WriteResult, coalesce_nodes, coalesce_relationships

__all__ = ["BatchResult", "GraphBatch", "PreparedBatch", "PreparedRelationships", "kept_neighbours", "typed_batch"]


@dataclass
class GraphBatch:
    """What to write; nodes are written before relationships, in the order given."""

    nodes: list[tuple[str, Sequence[Mapping[str, Any]]]] = field(default_factory=list)
    relationships: list[tuple[str, Sequence[RelationshipRow | Sequence[Any]]]] = field(default_factory=list)
    # rel_type → start keys whose other links of that type are deleted (see Store.upsert_relationships)
    replace_from: dict[str, Iterable[Key]] = field(default_factory=dict)
    replace_to: dict[str, Iterable[Key]] = field(default_factory=dict)
    # label → keys of nodes deleted with all their relationships, after everything above is written
    delete_nodes: dict[str, Iterable[Key]] = field(default_factory=dict)

    def prepare(self) -> PreparedBatch:
        """Check every row before anything is written; raises ``InvalidRowError``."""
        nodes = [(node_kind(label), coalesce_nodes(node_kind(label), rows)) for label, rows in self.nodes]
        relationships = []
        by_type: dict[str, list[RelationshipRow | Sequence[Any]]] = {}
        for rel_type, rows in self.relationships:  # one part per type, so a pair is written once
            by_type.setdefault(rel_type, []).extend(rows)
        for rel_type, rows in by_type.items():
            kind = relationship_kind(rel_type)
            prepared = coalesce_relationships(kind, rows)
            relationships.append(PreparedRelationships(
                kind,
                prepared,
                kept_neighbours(prepared, self.replace_from[rel_type], True) if rel_type in self.replace_from else {},
                kept_neighbours(prepared, self.replace_to[rel_type], False) if rel_type in self.replace_to else {},
            ))
        for rel_type in sorted({*self.replace_from, *self.replace_to} - set(by_type)):
            kind = relationship_kind(rel_type)
            relationships.append(PreparedRelationships(
                kind, [],
                kept_neighbours([], self.replace_from.get(rel_type, ()), True),
                kept_neighbours([], self.replace_to.get(rel_type, ()), False),
            ))
        deletions = [(node_kind(label), list(dict.fromkeys(keys))) for label, keys in self.delete_nodes.items()]
        return PreparedBatch(nodes, relationships, deletions)


@dataclass
class PreparedRelationships:
    kind: RelationshipKind
    rows: list[RelationshipRow]
    keep_from: dict[Key, list[Key]]  # start → the ends it keeps; its other links go
    keep_to: dict[Key, list[Key]]  # end → the starts it keeps


@dataclass
class PreparedBatch:
    nodes: list[tuple[NodeKind, list[NodeRow]]]
    relationships: list[PreparedRelationships]
    deletions: list[tuple[NodeKind, list[Key]]] = field(default_factory=list)  # after the writes


def typed_batch(
    nodes: Sequence[tuple[str, list[NodeRow]]],
    relationships: Sequence[tuple[str, list[RelationshipRow]]] = (),
    replace_from: Mapping[str, Iterable[Key]] | None = None,
    replace_to: Mapping[str, Iterable[Key]] | None = None,
) -> PreparedBatch:
    """A batch of rows that are typed and unique already, taken as they are.

    For the loader: its parser typed every value and rejected repeated keys, and
    checking and merging them again in ``GraphBatch.prepare`` cost about a tenth
    of a load's Python time. Labels and types are still checked against the model.
    """
    replace_from, replace_to = replace_from or {}, replace_to or {}
    return PreparedBatch(
        [(node_kind(label), rows) for label, rows in nodes],
        [PreparedRelationships(
            relationship_kind(rel_type),
            rows,
            kept_neighbours(rows, replace_from[rel_type], True) if rel_type in replace_from else {},
            kept_neighbours(rows, replace_to[rel_type], False) if rel_type in replace_to else {},
        ) for rel_type, rows in relationships],
    )


BatchResult = dict[str, WriteResult]  # label or relationship type → what happened


def kept_neighbours(
    rows: Sequence[RelationshipRow], anchors: Iterable[Key], anchor_is_start: bool
) -> dict[Key, list[Key]]:
    """For each anchor node: the neighbours it keeps (those in ``rows``); other links go."""
    kept: dict[Key, list[Key]] = {anchor: [] for anchor in anchors}
    for row in rows:
        anchor, other = (row.start, row.end) if anchor_is_start else (row.end, row.start)
        if anchor in kept:
            kept[anchor].append(other)
    return kept
