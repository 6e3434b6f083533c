"""The embedded default: SQLite on disk, read in place by every process.

Why SQLite: it is in the standard library, its transactions are atomic and,
with ``synchronous=FULL``, durable once ``COMMIT`` returns, even after
``kill -9`` or power loss (inside ``synced_at_end``: when the block ends); in
WAL mode readers in other processes go on while one writer commits, and each
sees whole batches only. Each batch is one
transaction, so what a call reported as written survives and a batch cut off
half-way leaves nothing of itself. Nothing is copied into memory: opening a
store reads a few rows (``database.py``), and the named queries read the
file (``graph.py``).

Layout of a store directory::

    graph.sqlite   the tables (``database.py``)
    lock           held (flock) by the one process writing (``writer_lock.py``)
    write-*.lock   whose write transaction is next: a server or its settling process (``write_turn.py``)
"""

from __future__ import annotations

import functools
import logging
import os
import re
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

from custgraph.errors import MissingEndpointError, StoreError

from ..batch import BatchResult, PreparedBatch, PreparedRelationships
from ..model import NodeKind, RelationshipKind, node_kind, relationship_kind
from ..named_query import NamedQuery, Rows
from ..rows import JourneyEdit, Key, NodeRow, RelationshipRow, WriteResult, outcome
from ..store import DEFAULT_BATCH_SIZE, Store
from ..values import to_json
from .database import BUSY_TIMEOUT_MS, WRITE_SEARCH_ROW, Names, connect, current_names, prepare_schema
from .derived import BULK, IdChange, IdLink, affinity_changes, appended_changes, derived_changes
from .facts import FACT_COLUMNS, fact_row
from .graph import EmbeddedGraph, NodeId, decoded
from .queries import implementation
from .search_terms import SEARCH_COLUMNS, identity_terms, search_row
from .write_turn import TURN_FILES, WriteTurn
from .writer_lock import WriterLock

__all__ = ["EmbeddedStore"]

log = logging.getLogger(__name__)
P = ParamSpec("P")
R = TypeVar("R")
# How long a writer waits for another process's writing action before giving up (a resolve of a
# million records takes minutes; a command may as well wait for it).
WRITER_WAIT_S = float(os.environ.get("CUSTGRAPH_WRITER_WAIT_S", "3600"))
Link = tuple[str, NodeId, NodeId]
FORGET_WAIT_S = 30.0
# Customers per transaction when rebuilding a few hundred (rebuild_derived). A request waiting to
# write waits for the chunk being written: with live events, 100 took 30-80 ms (p50 46) at 2,000
# persons, and the server spent 4-5 s of every 11 waiting for its turn. 25: one sender's p99
# 77 / 94 -> 43 / 44 ms, 4,690 / 4,359 -> 4,809 / 4,762 events/s (alternating pairs).
DERIVED_CHUNK = 25
# Inside ``synced_at_end`` batches are this many times ``batch_size`` (20,000 rows by default). A commit
# there costs no sync, and a bigger batch writes each page of an index it fills in random order once
# for more rows (a resolve's memberships fill the index by customer so). Two alternating pairs of
# whole resolves at 1,000,000 records: memberships 37.2 / 35.9 -> 30.9 / 26.1 s, the resolve 314 / 308
# -> 302 / 282 s. A batch then takes about half a second, what another thread's write may wait.
SYNCED_BATCHES_OF = 20
# An upsert, not INSERT OR REPLACE: a reloaded interaction keeps the ``customer`` its HAD link set.
_WRITE_FACTS = (f"INSERT INTO interaction_facts (id, {', '.join(FACT_COLUMNS)}) "
                f"VALUES ({', '.join('?' * (len(FACT_COLUMNS) + 1))}) ON CONFLICT (id) DO UPDATE SET "
                f"{', '.join(f'{column} = excluded.{column}' for column in FACT_COLUMNS)}")


def _locked(method: Callable[P, R]) -> Callable[P, R]:
    """Run a store method under the store's thread lock, and let another thread that waits for it
    have it next: a thread that releases a lock keeps the GIL and would take the lock again at once
    (the events settler's calls follow one another while a request waits to write its events)."""

    @functools.wraps(method)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        store = args[0]
        assert isinstance(store, EmbeddedStore)
        depth = store._depth
        with store._lock:
            depth.n = getattr(depth, "n", 0) + 1
            try:
                result = method(*args, **kwargs)
            finally:
                depth.n -= 1
                outermost = depth.n == 0
        if outermost:
            time.sleep(0)  # hand over the GIL, and with it the lock, to a thread waiting for it
        return result

    return wrapper


# The properties the store keeps an index of, beside the node (search terms, interaction facts).
_INDEXED = {"Identity": frozenset(SEARCH_COLUMNS), "Interaction": frozenset(FACT_COLUMNS)}
_PROPERTY_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")  # one a JSON path names as it is


def _searched(props: Mapping[str, Any]) -> tuple[Any, ...]:
    return tuple(props.get(field) for field in SEARCH_COLUMNS)


def _merged(old: Mapping[str, Any] | None, new: Mapping[str, Any]) -> dict[str, Any]:
    """``SET x += new`` semantics: new values win, ``None`` removes the property."""
    merged = dict(old or {})
    for name, value in new.items():
        if value is None:
            merged.pop(name, None)
        else:
            merged[name] = value
    return merged


class EmbeddedStore(Store):
    """A store in one local directory, shared by any number of processes and threads.

    Readers never wait. Writers take turns: a whole action (``writing``) at a
    time per directory, each batch one SQLite transaction. Within a process one
    lock serialises calls, as a SQLite connection must not be used by two
    threads at once.
    """

    def __init__(self, path: str | os.PathLike[str], batch_size: int = DEFAULT_BATCH_SIZE,
                 writer_wait_s: float | None = None, writer_lent: bool = False) -> None:
        self._dir = Path(path)
        self.batch_size = batch_size
        self._db: sqlite3.Connection | None = None
        self._lock = threading.RLock()
        self._depth = threading.local()  # how deep this thread is in locked calls (_locked)
        self._node_epoch = 0  # counts deletions of nodes: a node id found before one may be stale
        self._checked = threading.local()  # ids the endpoint check of this thread's write found
        self._sync_later = threading.local()  # on: this thread's commits sync at the end (synced_at_end)
        self._open_directory()
        self._writer = WriterLock(self._dir / "lock", WRITER_WAIT_S if writer_wait_s is None else writer_wait_s,
                                  lent=writer_lent)
        self._turn = WriteTurn(self._dir, background=writer_lent, wait_s=BUSY_TIMEOUT_MS / 1000)
        self._names = self._prepare()
        self._graph = EmbeddedGraph(self._connection(), self._names)

    @property
    def target(self) -> str:
        return str(self._dir)

    @property
    def graph(self) -> EmbeddedGraph:
        return self._graph

    def _open_directory(self) -> None:
        if self._dir.exists() and not self._dir.is_dir():
            raise StoreError(str(self._dir), "is a file, not an embedded store directory")
        database = self._dir / "graph.sqlite"
        if self._dir.is_dir() and not database.exists():
            strangers = [p.name for p in self._dir.iterdir() if p.name not in ("lock", *TURN_FILES)]
            if strangers:
                raise StoreError(str(self._dir), "exists and is not a custgraph store (no graph.sqlite)")
        try:
            self._dir.mkdir(parents=True, exist_ok=True)
            self._db = connect(database)
        except (OSError, sqlite3.Error) as error:
            raise StoreError(str(self._dir), f"cannot open: {getattr(error, 'strerror', None) or error}") from None

    def _prepare(self) -> Names:
        """The label and type codes; a new or older file is prepared first, as a writer (readers of a
        current file never wait for one)."""
        names = current_names(self._connection(), str(self._dir))
        if names is not None:
            return names

        def upgrading() -> None:
            log.warning("upgrading %s to the current store layout (once: about 10 s per 10,000 persons)",
                        self._dir)

        with self.writing("upgrade"):
            return prepare_schema(self._connection(), str(self._dir), upgrading)

    @_locked
    def init(self) -> None:
        self._names = self._prepare()

    def _connection(self) -> sqlite3.Connection:
        if self._db is None:
            raise StoreError(str(self._dir), "the store is closed")
        return self._db

    @contextmanager
    def writing(self, action: str) -> Iterator[None]:
        with self._writer.held(action):
            yield

    @contextmanager
    def synced_at_end(self) -> Iterator[None]:
        """This thread's transactions commit with ``synchronous=NORMAL`` inside (WAL mode: atomic
        and in order, not yet on disk), and the log is synced once at the end: at 100,000 records
        a resolve commits about 500 batches, each a sync under ``FULL``. Other threads' commits
        keep ``FULL`` (an API decision answered inside the window is on disk when answered).
        This thread's batches are ``SYNCED_BATCHES_OF`` times larger inside."""
        if getattr(self._sync_later, "on", False):
            yield
            return
        self._sync_later.on = True
        try:
            yield
        finally:
            self._sync_later.on = False
            self._sync_log()

    def _rows_per_batch(self) -> int:
        if getattr(self._sync_later, "on", False):
            return self.batch_size * SYNCED_BATCHES_OF
        return self.batch_size

    def _sync_log(self) -> None:
        """Put what was committed on disk: the write-ahead log holds every commit not yet
        checkpointed, and under ``NORMAL`` SQLite syncs both files around each checkpoint."""
        with self._lock:
            try:
                descriptor = os.open(self._dir / "graph.sqlite-wal", os.O_RDONLY)
            except FileNotFoundError:
                return  # no log: everything is in the database file, synced by its checkpoint
            try:
                os.fsync(descriptor)
            finally:
                os.close(descriptor)

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, taken at once so that what it reads is what it writes over."""
        db = self._connection()
        later = getattr(self._sync_later, "on", False)
        with self.writing("write"), self._turn.taken():
            if later:
                db.execute("PRAGMA synchronous=NORMAL")
            try:
                db.execute("BEGIN IMMEDIATE")
                try:
                    yield db
                except BaseException:
                    db.execute("ROLLBACK")
                    raise
                db.execute("COMMIT")
            finally:
                if later:
                    db.execute("PRAGMA synchronous=FULL")
            self._graph.changed()

    @contextmanager
    def _snapshot(self) -> Iterator[None]:
        """One read transaction: every read of one answer sees the same committed batches."""
        db = self._connection()
        if db.in_transaction:
            yield
            return
        db.execute("BEGIN")
        try:
            yield
        finally:
            db.execute("COMMIT")

    @_locked
    def _write(self, batch: PreparedBatch) -> BatchResult:
        with self._transaction():
            return self._plan_and_apply(batch)

    def _plan_and_apply(self, batch: PreparedBatch) -> BatchResult:
        graph = self._graph
        results: BatchResult = {}
        ids: dict[NodeId, int] = {}  # the stored nodes this batch names, looked up once
        nodes: dict[NodeId, dict[str, Any]] = {}  # what this batch makes of each node it touches
        identities: dict[Key, dict[str, Any]] = {}  # the stored Identity nodes, for their search terms
        for kind, rows in batch.nodes:
            result = results.setdefault(kind.label, WriteResult(batches=1))
            stored = graph.nodes_by_key(kind.label, [node.key for node in rows])
            if kind.label == "Identity":
                identities.update((key, props) for key, (_, props) in stored.items())
            ids.update(((kind.label, key), node_id) for key, (node_id, _) in stored.items())
            for node in rows:
                node_id: NodeId = (kind.label, node.key)
                old = nodes.get(node_id) or (stored[node.key][1] if node.key in stored else None)
                verdict = outcome(old, node.properties)
                result.count(verdict)
                if verdict != "unchanged":
                    nodes[node_id] = _merged(old or {kind.key: node.key}, node.properties)

        named = [(part.kind.start, key) for part in batch.relationships for key in (*part.keep_from,
                                                                                     *(row.start for row in part.rows))]
        named += [(part.kind.end, key) for part in batch.relationships for key in (*part.keep_to,
                                                                                   *(row.end for row in part.rows))]
        self._look_up(ids, named)
        for part in batch.relationships:
            missing = [(label, key) for row in part.rows
                       for label, key in ((part.kind.start, row.start), (part.kind.end, row.end))
                       if (label, key) not in ids and (label, key) not in nodes]
            if missing:
                unique = list(dict.fromkeys(missing))
                raise MissingEndpointError(part.kind.type, unique[:5], len(unique))

        deleted: list[Link] = []
        links: dict[Link, dict[str, Any]] = {}
        for part in batch.relationships:
            rel_type = part.kind.type
            result = results.setdefault(rel_type, WriteResult(batches=1))
            stale = self._stale(part, ids)
            result.deleted += len(stale)
            deleted += [(rel_type, start, end) for start, end in stale]
            ends = [((part.kind.start, row.start), (part.kind.end, row.end)) for row in part.rows]
            stored_links = graph.links_between(rel_type, list(dict.fromkeys(
                (ids[start], ids[end]) for start, end in ends if start in ids and end in ids)))
            for row, (start, end) in zip(part.rows, ends, strict=True):
                old = links.get((rel_type, start, end))
                if old is None and start in ids and end in ids and (ids[start], ids[end]) in stored_links:
                    old = decoded(stored_links[(ids[start], ids[end])])
                verdict = outcome(old, row.properties)
                result.count(verdict)
                if verdict != "unchanged":
                    links[(rel_type, start, end)] = _merged(old, row.properties)

        removed: list[NodeId] = []
        for kind, keys in batch.deletions:
            self._look_up(ids, [(kind.label, key) for key in keys])
            present = [(kind.label, key) for key in keys if (kind.label, key) in nodes or (kind.label, key) in ids]
            results.setdefault(kind.label, WriteResult(batches=1)).deleted += len(present)
            removed += present
        if removed:
            gone = set(removed)
            by_label: dict[str, dict[int, Key]] = {}
            for label, key in removed:
                if (label, key) in ids:
                    by_label.setdefault(label, {})[ids[(label, key)]] = key
            deleted = list(dict.fromkeys([*deleted, *(link for label, stored in by_label.items()
                                                       for link in graph.incident(label, stored))]))
            links = {link: props for link, props in links.items() if link[1] not in gone and link[2] not in gone}
            nodes = {node_id: props for node_id, props in nodes.items() if node_id not in gone}
        self._apply(nodes, deleted, links, removed, ids, identities)
        return results

    def _look_up(self, ids: dict[NodeId, int], wanted: Iterable[NodeId]) -> None:
        """Add the ids of the stored ones among ``wanted`` to ``ids``, a statement per label and chunk
        (none for those this thread's ``upsert_relationships`` has checked already)."""
        checked: dict[NodeId, int] = getattr(self._checked, "ids", None) or {}
        if checked and self._checked.epoch != self._node_epoch:
            checked = self._checked.ids = {}  # a node was deleted since: look everything up again
        by_label: dict[str, list[Key]] = {}
        for node in dict.fromkeys(wanted):
            if node not in ids:
                found = checked.get(node)
                if found is None:
                    by_label.setdefault(node[0], []).append(node[1])
                else:
                    ids[node] = found
        for label, keys in by_label.items():
            ids.update(((label, key), node_id) for key, node_id in self._graph.ids_by_key(label, keys).items())

    def _apply(
        self,
        nodes: dict[NodeId, dict[str, Any]],
        deleted: list[Link],
        links: dict[Link, dict[str, Any]],
        removed: list[NodeId] | None = None,
        known: dict[NodeId, int] | None = None,
        stored: Mapping[Key, Mapping[str, Any]] | None = None,
    ) -> None:
        """Write nodes, delete links, write links and delete nodes, inside the caller's transaction;
        keep each Identity's search terms and each Interaction's facts with it. ``stored``: the
        Identity nodes as the caller read them (else read here)."""
        db, code, removed = self._connection(), self._names.code, removed or []
        identities = [key for label, key in [*nodes, *removed] if label == "Identity"]
        unread = [key for key in identities if stored is None or key not in stored]
        before = {**(stored or {}),
                  **{key: props for key, (_, props) in self._graph.nodes_by_key("Identity", unread).items()}}
        db.executemany(
            "INSERT INTO nodes (label, key, props) VALUES (?, ?, ?) "
            "ON CONFLICT (label, key) DO UPDATE SET props = excluded.props",
            [(code[label], to_json(key), to_json(props)) for (label, key), props in nodes.items()])
        ids = dict(known or {})
        self._look_up(ids, [*(node for link in [*deleted, *links] for node in link[1:]), *removed,
                            *(("Identity", key) for key in identities)])
        db.executemany("DELETE FROM relationships WHERE type = ? AND start_id = ? AND end_id = ?",
                       [(code[rel_type], ids[start], ids[end]) for rel_type, start, end in deleted])
        db.executemany(
            "INSERT INTO relationships (type, start_id, end_id, props) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (type, start_id, end_id) DO UPDATE SET props = excluded.props",
            [(code[rel_type], ids[start], ids[end], to_json(props) if props else None)
             for (rel_type, start, end), props in links.items()])
        gone = set(removed)
        stale_terms, new_terms, rows = [], [], []
        for key in identities:
            node_id = ("Identity", key)
            old_props, new_props = before.get(key), None if node_id in gone else nodes[node_id]
            if new_props is not None and old_props is not None and _searched(old_props) == _searched(new_props):
                continue  # the searchable fields are as they were (most writes: resolve's digests)
            old = identity_terms(old_props)
            new = identity_terms(new_props)
            stale_terms += [(term, ids[node_id]) for term in old - new]
            new_terms += [(term, ids[node_id]) for term in new - old]
            if new_props is not None:
                rows.append(search_row(ids[node_id], new_props))
        db.executemany("DELETE FROM search_terms WHERE term = ? AND node_id = ?", stale_terms)
        db.executemany("INSERT OR IGNORE INTO search_terms (term, node_id) VALUES (?, ?)", new_terms)
        db.executemany(WRITE_SEARCH_ROW, rows)
        db.executemany("DELETE FROM identity_search WHERE id = ?",
                       [(ids[node_id],) for node_id in removed if node_id[0] == "Identity"])
        interactions = [node_id for node_id in nodes if node_id[0] == "Interaction"]
        self._look_up(ids, interactions)
        db.executemany(_WRITE_FACTS, [fact_row(ids[node_id], nodes[node_id]) for node_id in interactions])
        self._keep_customers([(ids[start], ids[end]) for rel_type, start, end in deleted if rel_type == "HAD"],
                             [(ids[start], ids[end]) for rel_type, start, end in links if rel_type == "HAD"])
        db.executemany("DELETE FROM interaction_facts WHERE id = ?",
                       [(ids[node_id],) for node_id in removed if node_id[0] == "Interaction"])
        db.executemany("DELETE FROM nodes WHERE id = ?", [(ids[node_id],) for node_id in removed])
        if removed:
            self._node_epoch += 1

    @_locked
    def delete_nodes(self, label: str, keys: Iterable[str | int]) -> int:
        node_kind(label)
        with self._transaction():
            wanted = list(dict.fromkeys(keys))
            stored = self._graph.ids_by_key(label, wanted)
            present: list[NodeId] = [(label, key) for key in wanted if key in stored]
            links = self._graph.incident(label, {node_id: key for key, node_id in stored.items()})
            self._apply({}, list(dict.fromkeys(links)), {}, present)
        return len(present)

    @_locked
    def _set_properties(self, kind: NodeKind, rows: list[NodeRow]) -> int:
        """Each map is changed inside SQLite (``json_set`` / ``json_remove`` by node id), not decoded
        and encoded whole here. A property the store keeps an index of, or a name a JSON path would
        have to quote, takes the upsert's path, which keeps the indexes with the nodes."""
        indexed = _INDEXED.get(kind.label, frozenset())
        with self._transaction() as db:
            ids = self._graph.ids_by_key(kind.label, [row.key for row in rows])
            present = [row for row in rows if row.key in ids]
            if any(not indexed.isdisjoint(row.properties) or not all(map(_PROPERTY_NAME.fullmatch, row.properties))
                   for row in present):
                self._plan_and_apply(PreparedBatch([(kind, present)], []))
                return len(present)
            by_shape: dict[tuple[tuple[str, ...], tuple[str, ...]], list[tuple[Any, ...]]] = {}
            for row in present:
                kept = tuple(name for name, value in row.properties.items() if value is not None)
                removed = tuple(name for name, value in row.properties.items() if value is None)
                by_shape.setdefault((kept, removed), []).append(
                    (*(f"$.{name}" for name in removed),
                     *(part for name in kept for part in (f"$.{name}", to_json(row.properties[name]))), ids[row.key]))
            for (kept, removed), values in by_shape.items():
                changed = f"json_remove(props{', ?' * len(removed)})" if removed else "props"
                if kept:
                    changed = f"json_set({changed}{', ?, json(?)' * len(kept)})"
                db.executemany(f"UPDATE nodes SET props = {changed} WHERE id = ?", values)
        return len(present)

    @_locked
    def forget_deleted(self) -> None:
        """Copy the write-ahead log into the database (whose freed pages secure_delete has zeroed)
        and empty it, so no deleted byte stays in either file. A reader in another process (a query
        of ``serve``) holds the log until its answer is done: try again for a while, then say so."""
        deadline = time.monotonic() + FORGET_WAIT_S
        with self.writing("forget deleted"):
            while True:
                busy, _, _ = self._connection().execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
                if not busy:
                    return
                if time.monotonic() > deadline:
                    log.warning("%s: a reader kept the write-ahead log for %.0f s; the deleted records leave it "
                                "at the next checkpoint", self._dir, FORGET_WAIT_S)
                    return
                time.sleep(0.1)

    def rebuild_derived(self, customer_ids: Iterable[str | int], *,
                        links_hold: bool = False) -> dict[str | int, JourneyEdit]:
        """A resolve's thousands of customers in one pass over each relationship type; a few hundred
        (a decision), or live events' customers however many (``links_hold``), ``DERIVED_CHUNK`` at a time,
        each its own transaction, so that a request waiting to write waits for one chunk, not for
        all of them. Either way only the links that change are written."""
        customers = list(dict.fromkeys(customer_ids))
        if len(customers) >= BULK and not links_hold:
            self._rebuild_derived(customers, whole=True, grow=False)
            return {}
        edits: dict[str | int, JourneyEdit] = {}
        for start in range(0, len(customers), DERIVED_CHUNK):
            edits |= self._rebuild_derived(customers[start:start + DERIVED_CHUNK], whole=False, grow=links_hold)
        return edits

    @_locked
    def _rebuild_derived(self, customers: list[str | int], whole: bool, grow: bool) -> dict[str | int, JourneyEdit]:
        edits: dict[str | int, JourneyEdit] = {}
        with self._transaction():
            appended: IdChange = ([], {})
            if grow:
                appended, customers, edits = appended_changes(self._graph, customers)
            # The others first: a customer that lost touchpoints to one that grew (a visitor's pages
            # when it signs in) has its NEXT links between them deleted, and the grown one's written.
            self._apply_by_id(*derived_changes(self._graph, customers, whole=whole, edits=edits if grow else None),
                              whole=whole)
            self._apply_by_id(*appended)
        return edits

    @_locked
    def rebuild_affinity(self) -> None:
        with self._transaction():
            nodes, (deleted, written) = affinity_changes(self._graph)
            self._apply(nodes, [], {})
            self._apply_by_id(deleted, written)

    def _apply_by_id(self, deleted: list[IdLink], written: Mapping[IdLink, dict[str, Any]],
                     whole: bool = False) -> None:
        """Delete and write relationships given by node ids, inside the caller's transaction (of the
        facts, only ``customer`` depends on a relationship). ``whole``: a resolve's links of every
        customer, whose facts' customers are set in one pass (``_keep_customers``)."""
        db, code = self._connection(), self._names.code
        db.executemany("DELETE FROM relationships WHERE type = ? AND start_id = ? AND end_id = ?",
                       [(code[rel_type], start, end) for rel_type, start, end in deleted])
        db.executemany(
            "INSERT INTO relationships (type, start_id, end_id, props) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (type, start_id, end_id) DO UPDATE SET props = excluded.props",
            [(code[rel_type], start, end, to_json(props) if props else None)
             for (rel_type, start, end), props in written.items()])
        self._keep_customers([(start, end) for rel_type, start, end in deleted if rel_type == "HAD"],
                             [(start, end) for rel_type, start, end in written if rel_type == "HAD"], whole)

    def _keep_customers(self, lost: list[tuple[int, int]], had: list[tuple[int, int]], whole: bool = False) -> None:
        """``interaction_facts.customer`` with the ``HAD`` links (customer id, interaction id) a write
        deleted and wrote, inside its transaction: the one place that keeps the column the journeys'
        index is on (``database.py``). A link moved to another customer is deleted first. ``whole``
        (a resolve's every customer): one statement over every facts row sets what changed, from
        the links as written. At 1.3M interactions that took 4.5 s from none set (0.6 s with
        nothing to change), one statement per link 10.8 s."""
        db = self._connection()
        db.executemany("UPDATE interaction_facts SET customer = NULL WHERE id = ? AND customer = ?",
                       [(end, start) for start, end in lost])
        if not whole:
            db.executemany("UPDATE interaction_facts SET customer = ? WHERE id = ?", had)
            return
        owner = "(SELECT h.start_id FROM relationships h INDEXED BY relationships_by_end " \
                "WHERE h.type = :had AND h.end_id = interaction_facts.id)"
        db.execute(f"UPDATE interaction_facts SET customer = {owner} WHERE customer IS NOT {owner}",
                   {"had": self._names.code["HAD"]})

    def _stale(self, part: PreparedRelationships, ids: dict[NodeId, int]) -> list[tuple[NodeId, NodeId]]:
        """Links of the anchors that the batch does not keep."""
        kind, stale = part.kind, []
        for keep_by_anchor, anchor_label, other_label, outgoing in (
                (part.keep_from, kind.start, kind.end, True), (part.keep_to, kind.end, kind.start, False)):
            anchors = {ids[(anchor_label, key)]: key for key in keep_by_anchor if (anchor_label, key) in ids}
            keep = {key: set(neighbours) for key, neighbours in keep_by_anchor.items()}
            for anchor_id, other in self._graph.links_of(kind.type, list(anchors), outgoing):
                anchor = anchors[anchor_id]
                if other not in keep[anchor]:
                    ends = ((anchor_label, anchor), (other_label, other))
                    stale.append(ends if outgoing else (ends[1], ends[0]))
        return list(dict.fromkeys(stale))  # a link between two anchors is found from both ends

    @_locked
    def _holds_any(self, rel_type: str) -> bool:
        """A first resolve writes memberships and links into types the store holds none of; looking
        for stale ones of a million anchors from each end took the links 47.6 s against 25.9 without
        (one pair at 1,000,000 records). Asked inside ``_batches_of_one_call``: no other process
        writes until the call's last batch."""
        code = self._names.code.get(rel_type)
        return code is not None and self._connection().execute(
            "SELECT 1 FROM relationships WHERE type = ? LIMIT 1", (code,)).fetchone() is not None

    @contextmanager
    def _batches_of_one_call(self) -> Iterator[None]:
        """Hold the writer lock from ``upsert_relationships``' endpoint check to its last batch:
        no other process writes in between, so the ids the check finds stay true for every batch
        (a deletion in this process starts over), and each endpoint is looked up once instead of
        twice (memberships of 100,000 records: 200,000 look-ups, about 1 s)."""
        with self.writing("write relationships"):
            self._checked.ids, self._checked.epoch = {}, self._node_epoch
            try:
                yield
            finally:
                self._checked.ids = None

    @_locked
    def _missing_endpoints(self, kind: RelationshipKind, rows: list[RelationshipRow]) -> list[tuple[str, object]]:
        ids: dict[NodeId, int] = {}
        ends = [(label, key) for row in rows for label, key in ((kind.start, row.start), (kind.end, row.end))]
        with self._snapshot():
            self._look_up(ids, ends)
        if getattr(self._checked, "ids", None) is not None and self._checked.epoch == self._node_epoch:
            self._checked.ids.update(ids)
        return [end for end in ends if end not in ids]

    @_locked
    def existing_keys(self, label: str, keys: Iterable[str | int]) -> set[str | int]:
        node_kind(label)
        with self._snapshot():
            return set(self._graph.ids_by_key(label, list(keys)))

    @_locked
    def get_node(self, label: str, key: str | int) -> dict[str, Any] | None:
        node_kind(label)
        return self._graph.node(label, key)

    @_locked
    def get_relationship(self, rel_type: str, start: str | int, end: str | int) -> dict[str, Any] | None:
        kind = relationship_kind(rel_type)
        return self._graph.relationship(rel_type, (kind.start, start), (kind.end, end))

    @_locked
    def run(self, query: NamedQuery, params: Mapping[str, Any] | None = None) -> Rows:
        bound = query.bind(params or {})
        answer = implementation(query.name)
        key = query.batched_on
        with self._snapshot():
            if key is None:
                return answer(self._graph, bound)
            rows: Rows = []
            for value in bound["keys"]:
                if self._graph.has_node("Customer", value):
                    rows += [{key: value, **row} for row in answer(self._graph, {**bound, key: value})] or [
                        {key: value}]
            return rows

    @_locked
    def ping(self) -> None:
        self._connection().execute("SELECT 1").fetchone()

    @_locked
    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None
