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
    "JourneyEdit",
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


class JourneyEdit(NamedTuple):
    """How ``Store.rebuild_derived`` (``links_hold``) changed a customer's journey: its first
    ``unchanged`` touchpoints are the ones it had first, of the ``had`` it had (a journey that only
    grew at its end: both equal; 0 unchanged: take it whole). Why: what keeps journeys for the
    dashboard then reads what changed, not a journey of thousands of touchpoints."""

    unchanged: int
    had: int

    def then(self, later: JourneyEdit) -> JourneyEdit:
        """This edit and ``later`` (of the journey it left), one after the other, as one: what
        neither changed stays."""
        return JourneyEdit(min(self.unchanged, later.unchanged), self.had)


class NodeRow(NamedTuple):
    """One node to upsert: its key and its other properties."""

    key: Key
    properties: dict[str, Any]


@dataclass
class WriteResult:
    """What an upsert did, row by row after coalescing duplicate keys."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0  # relationships removed by replace_from/_to; for a label, nodes deleted
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


def _check_key(name: str, index: int, field_name: str, key: object) -> Key:
    if key.__class__ is str and key.strip():
        return key
    if isinstance(key, bool) or not isinstance(key, str | int):
        raise InvalidRowError(f"{name} row {index}", field_name, "a key must be a string or an integer")
    if isinstance(key, str):
        raise InvalidRowError(f"{name} row {index}", field_name, "a key must not be empty")
    return key


def _check_properties(name: str, index: int, properties: Mapping[str, Any], skip: str = "") -> dict[str, Any]:
    checked: dict[str, Any] = {}
    for prop, value in properties.items():
        if prop == skip:
            continue
        if prop.__class__ is not str or not prop:
            raise InvalidRowError(f"{name} row {index}", str(prop), "property names must be non-empty strings")
        problem = check_value(value)
        if problem:
            raise InvalidRowError(f"{name} row {index}", prop, problem)
        checked[prop] = value
    return checked


def coalesce_nodes(kind: NodeKind, rows: Iterable[Mapping[str, Any]]) -> list[NodeRow]:
    """Check rows and merge repeated keys (later values win), keeping first-seen order."""
    merged: dict[Key, dict[str, Any]] = {}
    label, key_name = kind.label, kind.key
    for index, row in enumerate(rows):
        if not isinstance(row, Mapping):
            raise InvalidRowError(f"{label} row {index}", key_name, "a node row must be a mapping of properties")
        if row.get(key_name) is None:
            raise InvalidRowError(f"{label} row {index}", key_name, "the key property is missing")
        key = _check_key(label, index, key_name, row[key_name])
        properties = _check_properties(label, index, row, skip=key_name)
        if key in merged:
            merged[key].update(properties)
        else:
            merged[key] = properties
    return [NodeRow(key, props) for key, props in merged.items()]


def coalesce_relationships(
    kind: RelationshipKind, rows: Iterable[RelationshipRow | Sequence[Any]]
) -> list[RelationshipRow]:
    """Check rows and merge repeated (start, end) pairs, keeping first-seen order."""
    merged: dict[tuple[Key, Key], dict[str, Any]] = {}
    name = kind.type
    for index, raw in enumerate(rows):
        if not isinstance(raw, Sequence) or isinstance(raw, str) or len(raw) not in (2, 3):
            raise InvalidRowError(f"{name} row {index}", "start", "a relationship row is (start, end[, properties])")
        row = raw if raw.__class__ is RelationshipRow else RelationshipRow(*raw)
        start = _check_key(name, index, "start", row.start)
        end = _check_key(name, index, "end", row.end)
        if not isinstance(row.properties, Mapping):
            raise InvalidRowError(f"{name} row {index}", "properties", "properties must be a mapping")
        properties = _check_properties(name, index, row.properties) if row.properties else {}
        if (start, end) in merged:
            merged[(start, end)].update(properties)
        else:
            merged[(start, end)] = properties
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
