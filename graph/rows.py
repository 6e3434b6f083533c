"""Checking and coalescing write rows, shared by both backends.

Both stores must accept and refuse the same rows and count the same outcome,
so the checks live here once rather than in each backend.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple, TypeVar

from custgraph.errors import InvalidRowError

from .model import NodeKind, RelationshipKind
from .values import check_value, same_value

__all__ = [
    "Key",
    "NodeRow",
    "RelationshipRow",
    "WriteResult",
    "batches",
    "coalesce_nodes",
    "coalesce_relationships",
    "outcome",
]

Key = str | int
T = TypeVar("T")


class RelationshipRow(NamedTuple):
    """One relationship to upsert: start and end node keys, and its properties."""

    start: Key
    end: Key
    properties: Mapping[str, Any] = {}


@dataclass(frozen=True)
class NodeRow:
    key: Key
    properties: dict[str, Any]


@dataclass
class WriteResult:
    """What an upsert did, row by row after coalescing duplicate keys."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0  # relationships removed by upsert_relationships(replace_from=...)
    batches: int = 0

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged

    def count(self, verdict: str) -> None:
        """Add one row with the verdict of ``outcome``."""
        if verdict not in ("created", "updated", "unchanged"):
            raise ValueError(verdict)
        setattr(self, verdict, getattr(self, verdict) + 1)

    def __iadd__(self, other: WriteResult) -> WriteResult:
        self.created += other.created
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.deleted += other.deleted
        self.batches += other.batches
        return self


def _check_key(where: str, field_name: str, key: object) -> Key:
    if isinstance(key, bool) or not isinstance(key, str | int):
        raise InvalidRowError(where, field_name, "a key must be a string or an integer")
    if isinstance(key, str) and not key.strip():
        raise InvalidRowError(where, field_name, "a key must not be empty")
    return key


def _check_properties(where: str, properties: Mapping[str, Any]) -> dict[str, Any]:
    checked: dict[str, Any] = {}
    for name, value in properties.items():
        if not isinstance(name, str) or not name:
            raise InvalidRowError(where, str(name), "property names must be non-empty strings")
        problem = check_value(value)
        if problem:
            raise InvalidRowError(where, name, problem)
        checked[name] = value
    return checked


def coalesce_nodes(kind: NodeKind, rows: Iterable[Mapping[str, Any]]) -> list[NodeRow]:
    """Check rows and merge repeated keys (later values win), keeping first-seen order."""
    merged: dict[Key, dict[str, Any]] = {}
    for index, row in enumerate(rows):
        where = f"{kind.label} row {index}"
        if not isinstance(row, Mapping):
            raise InvalidRowError(where, kind.key, "a node row must be a mapping of properties")
        if row.get(kind.key) is None:
            raise InvalidRowError(where, kind.key, "the key property is missing")
        key = _check_key(where, kind.key, row[kind.key])
        properties = _check_properties(where, {k: v for k, v in row.items() if k != kind.key})
        merged.setdefault(key, {}).update(properties)
    return [NodeRow(key, props) for key, props in merged.items()]


def coalesce_relationships(
    kind: RelationshipKind, rows: Iterable[RelationshipRow | Sequence[Any]]
) -> list[RelationshipRow]:
    """Check rows and merge repeated (start, end) pairs, keeping first-seen order."""
    merged: dict[tuple[Key, Key], dict[str, Any]] = {}
    for index, raw in enumerate(rows):
        where = f"{kind.type} row {index}"
        if not isinstance(raw, Sequence) or isinstance(raw, str) or len(raw) not in (2, 3):
            raise InvalidRowError(where, "start", "a relationship row is (start, end[, properties])")
        row = RelationshipRow(*raw)
        start = _check_key(where, "start", row.start)
        end = _check_key(where, "end", row.end)
        if not isinstance(row.properties, Mapping):
            raise InvalidRowError(where, "properties", "properties must be a mapping")
        merged.setdefault((start, end), {}).update(_check_properties(where, row.properties))
    return [RelationshipRow(start, end, props) for (start, end), props in merged.items()]


def outcome(old: Mapping[str, Any] | None, new: Mapping[str, Any]) -> str:
    """'created', 'updated' or 'unchanged': the same rule the Neo4j statements apply."""
    if old is None:
        return "created"
    if all(same_value(old.get(name), value) for name, value in new.items()):
        return "unchanged"
    return "updated"


def batches(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]
