"""The one storage interface every caller uses; backends differ only behind it."""

from __future__ import annotations

import asyncio
import functools
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from types import TracebackType
from typing import Any, Concatenate, ParamSpec, Self, TypeVar

from custgraph.errors import MissingEndpointError

from .batch import BatchResult, GraphBatch, PreparedBatch, PreparedRelationships, kept_neighbours
from .model import NodeKind, RelationshipKind, node_kind, relationship_kind
from .named_query import NamedQuery, Rows
from .rows import (
    JourneyEdit,
    Key,
    NodeRow,
    RelationshipRow,
    WriteResult,
    batches,
    coalesce_nodes,
    coalesce_relationships,
)

__all__ = ["DEFAULT_BATCH_SIZE", "Store", "one_writer"]

DEFAULT_BATCH_SIZE = 1000
P = ParamSpec("P")
R = TypeVar("R")


class Store(ABC):
    """A property graph keyed by the graph model.

    Writes are upserts by key, so repeating one changes nothing. ``write`` puts
    one ``GraphBatch`` in one transaction. ``upsert_nodes`` and
    ``upsert_relationships`` split their rows into batches of ``batch_size``;
    each batch is atomic and durable once the call returns. Rows that repeat a
    key within one call are merged (later values win) before anything is written.
    """

    batch_size: int = DEFAULT_BATCH_SIZE

    @property
    @abstractmethod
    def target(self) -> str:
        """Where the store is (URI or path), for messages; never holds a password."""

    @abstractmethod
    def init(self) -> None:
        """Create constraints and indexes (or tables); safe to run again."""

    def write(self, batch: GraphBatch | PreparedBatch) -> BatchResult:
        """Write ``batch`` in one transaction: all of it, or (on any error) none of it.

        Relationships may point at nodes written earlier in the same batch. A missing
        endpoint raises ``MissingEndpointError`` and nothing is written. Nodes in
        ``delete_nodes`` go last, with every relationship they have. A batch
        prepared beforehand (``GraphBatch.prepare``, e.g. on another thread) is not
        checked again.
        """
        return self._write(batch if isinstance(batch, PreparedBatch) else batch.prepare())

    def upsert_nodes(self, label: str, rows: Iterable[Mapping[str, Any]]) -> WriteResult:
        """Create or update nodes of ``label``; each row holds the key property."""
        kind = node_kind(label)
        result = WriteResult()
        for chunk in batches(coalesce_nodes(kind, rows), self._rows_per_batch()):
            result += self._write(PreparedBatch([(kind, list(chunk))], [])).get(label, WriteResult())
        return result

    def set_properties(self, label: str, rows: Iterable[Mapping[str, Any]]) -> int:
        """Set properties of existing ``label`` nodes, as ``upsert_nodes`` does (``None`` removes
        one), in batches of ``batch_size``; each row holds the key. A row whose node is not in the
        store is skipped: nothing is created. Returns how many nodes were found.

        Why beside ``upsert_nodes``: an upsert reads each node first, to tell created from updated
        from unchanged. A resolve sets a property of every record (its digest) and of every
        customer (its scores), and needs no count: at 100,000 records the digests took 3.9-4.9 s as
        an upsert on the embedded store and take 1.3-1.8 s so."""
        kind = node_kind(label)
        found = 0
        for chunk in batches(coalesce_nodes(kind, rows), self._rows_per_batch()):
            found += self._set_properties(kind, list(chunk))
        return found

    @abstractmethod
    def _set_properties(self, kind: NodeKind, rows: list[NodeRow]) -> int:
        """Set the properties of these nodes that exist, in one transaction; how many exist."""

    def upsert_relationships(
        self,
        rel_type: str,
        rows: Iterable[RelationshipRow | Sequence[Any]],
        replace_from: Iterable[Key] | None = None,
        replace_to: Iterable[Key] | None = None,
    ) -> WriteResult:
        """Create or update relationships between existing nodes, by their keys.

        With ``replace_from`` (start keys), ``rows`` are the whole set of ``rel_type``
        relationships of those start nodes: any other is deleted (a source row whose
        channel changed must not keep its old one). ``replace_to`` does the same for
        end nodes. Raises ``MissingEndpointError`` and writes nothing when any
        endpoint is missing.
        """
        kind = relationship_kind(rel_type)
        prepared = coalesce_relationships(kind, rows)
        chunks = [list(chunk) for chunk in batches(prepared, self._rows_per_batch())] or [[]]
        with self._batches_of_one_call():
            if len(chunks) > 1:  # one batch checks itself inside its transaction
                missing = self._missing_endpoints(kind, prepared)
                if missing:
                    unique = list(dict.fromkeys(missing))
                    raise MissingEndpointError(rel_type, unique[:5], len(unique))
            if (replace_from is not None or replace_to is not None) and not self._holds_any(rel_type):
                replace_from = replace_to = None  # none of this type is stored: none can be stale
            keep_from = _by_chunk(kept_neighbours(prepared, replace_from or (), True), chunks, start=True)
            keep_to = _by_chunk(kept_neighbours(prepared, replace_to or (), False), chunks, start=False)
            result = WriteResult()
            for index, chunk in enumerate(chunks):
                part = PreparedRelationships(kind, chunk, keep_from.get(index, {}), keep_to.get(index, {}))
                result += self._write(PreparedBatch([], [part])).get(rel_type, WriteResult())
            return result

    def _holds_any(self, rel_type: str) -> bool:
        """Whether any ``rel_type`` relationship is stored (``True`` where a backend cannot tell
        cheaply: replacing then looks for stale links as usual)."""
        return True

    def _rows_per_batch(self) -> int:
        """How many rows ``upsert_nodes``, ``set_properties`` and ``upsert_relationships`` put in one
        transaction: ``batch_size``, unless a backend has reason to use more."""
        return self.batch_size

    @contextmanager
    def _batches_of_one_call(self) -> Iterator[None]:
        """Around the endpoint check and every batch of one ``upsert_relationships`` call: where
        a backend can keep what the check found for the batches (the embedded store); a no-op."""
        yield

    @contextmanager
    def writing(self, action: str) -> Iterator[None]:
        """Hold the store for one user action that writes (a load, a resolve, a decision), so that
        actions of several processes take turns instead of interleaving their batches. The
        embedded store waits for another process's action to end; Neo4j serialises each
        transaction itself, and this is a no-op there."""
        yield

    @contextmanager
    def synced_at_end(self) -> Iterator[None]:
        """For an action whose batches need only be durable together, when it ends (a resolve:
        a run cut off part-way is redone by the next, so losing its last batches to a power cut
        is no worse). Batches stay atomic and in order. The embedded store then syncs the disk
        once at the end instead of at every batch; Neo4j commits as configured (a no-op)."""
        yield

    @abstractmethod
    def _write(self, batch: PreparedBatch) -> BatchResult:
        """Write a checked batch in one transaction."""

    @abstractmethod
    def _missing_endpoints(self, kind: RelationshipKind, rows: list[RelationshipRow]) -> list[tuple[str, object]]:
        """(label, key) of every endpoint of ``rows`` that is not in the store."""

    @abstractmethod
    def delete_nodes(self, label: str, keys: Iterable[Key]) -> int:
        """Delete these nodes and their relationships; returns how many existed."""

    @abstractmethod
    def rebuild_derived(self, customer_ids: Iterable[Key], *, links_hold: bool = False) -> dict[Key, JourneyEdit]:
        """Clear and rebuild ``HAD``, ``NEXT``, ``BOUGHT`` and ``SERVES`` of these customers.

        Derived from their identities' interactions: a customer's interactions in
        time order (ties by id) are chained by ``NEXT``; ``BOUGHT`` counts purchases
        (``times``), sums their amounts shared equally among the products of each
        (``amount``, 2 decimals) and keeps ``first_at`` / ``last_at``; ``SERVES``
        counts the interactions a rep handled (``times``). A customer without
        identities keeps nothing.

        ``links_hold``: most of their links are there already (live events add a
        touchpoint or two to known customers). Then a customer whose journey only
        grew at its end (every new touchpoint later than its last, none gone) gets
        the links of what it gained, added to what it had, not its journey rebuilt;
        the others are brought in line (a customer that gained and lost nothing is
        left as it is). Returns how each customer whose journey changed changed
        (``JourneyEdit``: grown at its end, or how many of its first touchpoints a
        rebuild left as they were; empty without ``links_hold``).
        """

    @abstractmethod
    def rebuild_affinity(self) -> None:
        """Rebuild product affinity from every customer's ``BOUGHT``: ``Product.buyers`` (customers
        who bought it) and ``(x)-[:ALSO_BOUGHT {customers}]->(y)`` for every pair of products that
        one customer or more bought both of (both directions).

        Why kept in the graph: cross-sell for one customer then reads a few hundred product links
        instead of walking every other buyer of every product the customer owns (milliseconds
        instead of seconds at 100,000 customers). The whole table is rebuilt (products are few:
        at most products² links), after every resolve that touched a customer.
        """

    @abstractmethod
    def existing_keys(self, label: str, keys: Iterable[Key]) -> set[Key]:
        """Which of ``keys`` are keys of ``label`` nodes in the store."""

    def existing_keys_of(self, wanted: Mapping[str, Iterable[Key]]) -> dict[str, set[Key]]:
        """``existing_keys`` for several labels at once: a backend may ask in one round trip (live
        events check six labels per request)."""
        return {label: self.existing_keys(label, keys) for label, keys in wanted.items()}

    @abstractmethod
    def get_node(self, label: str, key: Key) -> dict[str, Any] | None:
        """The node's properties (key included), or ``None``."""

    def get_nodes(self, label: str, keys: Iterable[Key]) -> dict[Key, dict[str, Any]]:
        """``get_node`` for many keys, missing ones left out: a backend may read them in one round
        trip (a live-events resolve reads every customer that signed-in visitors joined)."""
        found = {key: self.get_node(label, key) for key in dict.fromkeys(keys)}
        return {key: props for key, props in found.items() if props is not None}

    @abstractmethod
    def get_relationship(self, rel_type: str, start: Key, end: Key) -> dict[str, Any] | None:
        """The relationship's properties, or ``None``."""

    @abstractmethod
    def run(self, query: NamedQuery, params: Mapping[str, Any] | None = None) -> Rows:
        """Run a named read query from the catalogue."""

    async def arun(self, query: NamedQuery, params: Mapping[str, Any] | None = None) -> Rows:
        """``run`` for async callers (the API): here on a worker thread, so the event loop keeps
        serving; a backend with an async client overrides it and skips the thread hop."""
        return await asyncio.to_thread(self.run, query, params)

    async def aclose(self) -> None:  # noqa: B027 - a hook: nothing to release unless arun opened something
        """Release what ``arun`` opened (nothing here); ``close`` still releases the rest."""

    def forget_deleted(self) -> None:  # noqa: B027 - a hook: a backend that can do more says so
        """Make what was deleted leave the store's files now (erasure). The embedded store overwrites
        freed pages as it deletes and empties its write-ahead log here; Neo4j reuses the space of
        deleted records later, and keeps them in its transaction logs until they rotate."""

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


def one_writer(action: str) -> Callable[[Callable[Concatenate[Store, P], R]], Callable[Concatenate[Store, P], R]]:
    """Run a use case whose first argument is the store as one writing action (``Store.writing``)."""

    def decorate(use_case: Callable[Concatenate[Store, P], R]) -> Callable[Concatenate[Store, P], R]:
        @functools.wraps(use_case)
        def wrapper(store: Store, /, *args: P.args, **kwargs: P.kwargs) -> R:
            with store.writing(action):
                return use_case(store, *args, **kwargs)

        return wrapper

    return decorate


def _by_chunk(
    kept: dict[Key, list[Key]], chunks: list[list[RelationshipRow]], start: bool
) -> dict[int, dict[Key, list[Key]]]:
    """Each anchor goes with the batch of its first row (or the first batch), so its
    stale links are deleted in the same transaction as its first new one."""
    if not kept:
        return {}
    first: dict[Key, int] = {}
    for number, chunk in enumerate(chunks):
        for row in chunk:
            first.setdefault(row.start if start else row.end, number)
    grouped: dict[int, dict[Key, list[Key]]] = {}
    for anchor, keep in kept.items():
        grouped.setdefault(first.get(anchor, 0), {})[anchor] = keep
    return grouped
