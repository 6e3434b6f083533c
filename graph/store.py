"""The one storage interface every caller uses; backends differ only behind it."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping, Sequence
from types import TracebackType
from typing import Any, Self

from .named_query import NamedQuery, Rows
from .rows import RelationshipRow, WriteResult

__all__ = ["DEFAULT_BATCH_SIZE", "Store"]

DEFAULT_BATCH_SIZE = 1000


class Store(ABC):
    """A property graph keyed by the graph model.

    Writes are upserts by key, so repeating one changes nothing. A call writes
    its rows in batches of ``batch_size``; each batch is atomic and durable once
    the call returns. Rows that repeat a key within one call are merged (later
    values win) before anything is written.
    """

    batch_size: int = DEFAULT_BATCH_SIZE

    @property
    @abstractmethod
    def target(self) -> str:
        """Where the store is (URI or path), for messages; never holds a password."""

    @abstractmethod
    def init(self) -> None:
        """Create constraints and indexes (or tables); safe to run again."""

    @abstractmethod
    def upsert_nodes(self, label: str, rows: Iterable[Mapping[str, Any]]) -> WriteResult:
        """Create or update nodes of ``label``; each row holds the key property."""

    @abstractmethod
    def upsert_relationships(
        self,
        rel_type: str,
        rows: Iterable[RelationshipRow | Sequence[Any]],
        replace_from: Iterable[str | int] | None = None,
        replace_to: Iterable[str | int] | None = None,
    ) -> WriteResult:
        """Create or update relationships between existing nodes, by their keys.

        With ``replace_from`` (start keys), ``rows`` are the whole set of ``rel_type``
        relationships of those start nodes: any other is deleted first (a source row
        whose channel changed must not keep its old one). ``replace_to`` does the
        same for end nodes. Raises
        ``MissingEndpointError`` and writes nothing when any endpoint is missing.
        """

    @abstractmethod
    def existing_keys(self, label: str, keys: Iterable[str | int]) -> set[str | int]:
        """Which of ``keys`` are keys of ``label`` nodes in the store."""

    @abstractmethod
    def get_node(self, label: str, key: str | int) -> dict[str, Any] | None:
        """The node's properties (key included), or ``None``."""

    @abstractmethod
    def get_relationship(
        self, rel_type: str, start: str | int, end: str | int
    ) -> dict[str, Any] | None:
        """The relationship's properties, or ``None``."""

    @abstractmethod
    def run(self, query: NamedQuery, params: Mapping[str, Any] | None = None) -> Rows:
        """Run a named read query from the catalogue."""

    @abstractmethod
    def ping(self) -> None:
        """Raise ``StoreUnavailableError`` unless the store answers now."""

    @abstractmethod
    def close(self) -> None:
        """Release connections, files and locks; the store is unusable afterwards."""

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
