"""The embedded default: networkx in memory, SQLite on disk.

Why SQLite: it is in the standard library, its transactions are atomic and,
with ``synchronous=FULL``, durable once ``COMMIT`` returns, even after
``kill -9`` or power loss. Each batch is one transaction, committed before the
in-memory graph changes, so what a call reported as written survives and a
batch cut off half-way leaves nothing of itself. Opening the store replays the
tables into networkx.

Layout of a store directory::

    graph.sqlite   nodes(label, key, props) and relationships(type, start, end, props),
                   keys and props as canonical JSON (see ``values.to_json``)
    lock           held (flock) by the one process that has the store open
"""

from __future__ import annotations

import fcntl
import functools
import os
import sqlite3
import threading
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import IO, Any, ParamSpec, TypeVar

from custgraph.errors import MissingEndpointError, StoreError, StoreLockedError

from ..batch import BatchResult, PreparedBatch, PreparedRelationships
from ..model import RelationshipKind, node_kind, relationship_kind
from ..named_query import NamedQuery, Rows
from ..rows import Key, RelationshipRow, WriteResult, outcome
from ..store import DEFAULT_BATCH_SIZE, Store
from ..values import from_json, to_json
from .derived import affinity_changes, derived_changes
from .graph import EmbeddedGraph, NodeId
from .queries import implementation

__all__ = ["EmbeddedStore"]

SCHEMA_VERSION = "1"
P = ParamSpec("P")
R = TypeVar("R")
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS nodes (
    label TEXT NOT NULL, key TEXT NOT NULL, props TEXT NOT NULL,
    PRIMARY KEY (label, key)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS relationships (
    type TEXT NOT NULL, start_key TEXT NOT NULL, end_key TEXT NOT NULL, props TEXT NOT NULL,
    PRIMARY KEY (type, start_key, end_key)
) WITHOUT ROWID;
"""

_DELETE_LINK = "DELETE FROM relationships WHERE type = ? AND start_key = ? AND end_key = ?"


def _locked(method: Callable[P, R]) -> Callable[P, R]:
    """Run a store method under the store's lock."""

    @functools.wraps(method)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        store = args[0]
        assert isinstance(store, EmbeddedStore)
        with store._lock:
            return method(*args, **kwargs)

    return wrapper


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
    """A store in one local directory; one process at a time, any number of threads.

    One lock serialises calls: SQLite's connection and networkx's dicts are not
    safe to use from several threads at once, and the embedded store is the
    single-machine default, not the one for heavy concurrent traffic.
    """

    def __init__(self, path: str | os.PathLike[str], batch_size: int = DEFAULT_BATCH_SIZE) -> None:
        self._dir = Path(path)
        self.batch_size = batch_size
        self._lock_file: IO[str] | None = None
        self._db: sqlite3.Connection | None = None
        self._lock = threading.RLock()
        self._open_directory()
        self._graph = EmbeddedGraph()
        self._replay()

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
            strangers = [p.name for p in self._dir.iterdir() if p.name != "lock"]
            if strangers:
                raise StoreError(str(self._dir), "exists and is not a custgraph store (no graph.sqlite)")
        try:
            self._dir.mkdir(parents=True, exist_ok=True)
            self._lock_file = open(self._dir / "lock", "a+", encoding="utf-8")  # noqa: SIM115
        except OSError as error:
            raise StoreError(str(self._dir), f"cannot open: {error.strerror}") from None
        try:
            fcntl.flock(self._lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._lock_file.close()
            self._lock_file = None
            raise StoreLockedError(str(self._dir), "another custgraph process has this store open") from None
        self._db = sqlite3.connect(database, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        # Deleted rows are overwritten with zeros, not left in free pages: an erased person must
        # leave the file (SQLite's own default keeps them, and builds differ).
        self._db.execute("PRAGMA secure_delete=ON")
        self.init()

    @_locked
    def init(self) -> None:
        db = self._connection()
        db.executescript(_SCHEMA)
        found = db.execute("SELECT value FROM meta WHERE name = 'schema_version'").fetchone()
        if found is None:
            db.execute("INSERT INTO meta VALUES ('schema_version', ?)", (SCHEMA_VERSION,))
        elif found[0] != SCHEMA_VERSION:
            raise StoreError(str(self._dir), f"schema version {found[0]}, this custgraph reads {SCHEMA_VERSION}")

    def _connection(self) -> sqlite3.Connection:
        if self._db is None:
            raise StoreError(str(self._dir), "the store is closed")
        return self._db

    def _replay(self) -> None:
        db = self._connection()
        for label, key, props in db.execute("SELECT label, key, props FROM nodes"):
            self._graph._set_node(label, from_json(key), from_json(props))
        for rel_type, start, end, props in db.execute("SELECT type, start_key, end_key, props FROM relationships"):
            kind = relationship_kind(rel_type)
            self._graph._set_relationship(
                rel_type, (kind.start, from_json(start)), (kind.end, from_json(end)), from_json(props)
            )

    def _commit(self, statements: list[tuple[str, list[tuple[str, ...]]]]) -> None:
        """One batch, one transaction: all of it is on disk when this returns, or none."""
        db = self._connection()
        db.execute("BEGIN IMMEDIATE")
        try:
            for statement, rows in statements:
                if rows:
                    db.executemany(statement, rows)
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    @_locked
    def _write(self, batch: PreparedBatch) -> BatchResult:
        results: BatchResult = {}
        nodes: dict[NodeId, dict[str, Any]] = {}  # what this batch makes of each node it touches
        for kind, rows in batch.nodes:
            result = results.setdefault(kind.label, WriteResult(batches=1))
            for node in rows:
                node_id: NodeId = (kind.label, node.key)
                old = nodes.get(node_id) or self._graph.node(kind.label, node.key)
                verdict = outcome(old, node.properties)
                result.count(verdict)
                if verdict != "unchanged":
                    nodes[node_id] = _merged(old or {kind.key: node.key}, node.properties)

        def exists(label: str, key: Key) -> bool:
            return (label, key) in nodes or self._graph.has_node(label, key)

        for part in batch.relationships:
            missing = [(label, key) for row in part.rows
                       for label, key in ((part.kind.start, row.start), (part.kind.end, row.end))
                       if not exists(label, key)]
            if missing:
                unique = list(dict.fromkeys(missing))
                raise MissingEndpointError(part.kind.type, unique[:5], len(unique))

        deleted: list[tuple[str, NodeId, NodeId]] = []
        links: dict[tuple[str, NodeId, NodeId], dict[str, Any]] = {}
        for part in batch.relationships:
            rel_type = part.kind.type
            result = results.setdefault(rel_type, WriteResult(batches=1))
            stale = self._stale(part)
            result.deleted += len(stale)
            deleted += [(rel_type, start, end) for start, end in stale]
            for row in part.rows:
                start, end = (part.kind.start, row.start), (part.kind.end, row.end)
                old = links.get((rel_type, start, end)) or self._graph.relationship(rel_type, start, end)
                verdict = outcome(old, row.properties)
                result.count(verdict)
                if verdict != "unchanged":
                    links[(rel_type, start, end)] = _merged(old, row.properties)

        removed: list[NodeId] = []
        for kind, keys in batch.deletions:
            present = [(kind.label, key) for key in keys if exists(kind.label, key)]
            results.setdefault(kind.label, WriteResult(batches=1)).deleted += len(present)
            removed += present
        if removed:
            gone = set(removed)
            deleted = list(dict.fromkeys([*deleted, *(link for node_id in removed
                                                       for link in self._graph.incident(node_id))]))
            links = {link: props for link, props in links.items() if link[1] not in gone and link[2] not in gone}
            nodes = {node_id: props for node_id, props in nodes.items() if node_id not in gone}
        self._apply(nodes, deleted, links, removed)
        return results

    def _apply(
        self,
        nodes: dict[NodeId, dict[str, Any]],
        deleted: list[tuple[str, NodeId, NodeId]],
        links: dict[tuple[str, NodeId, NodeId], dict[str, Any]],
        removed: list[NodeId] | None = None,
    ) -> None:
        """Commit node writes, link deletions, link writes and node deletions in one transaction, then
        mirror them in memory."""
        self._commit([
            ("INSERT INTO nodes (label, key, props) VALUES (?, ?, ?) "
             "ON CONFLICT (label, key) DO UPDATE SET props = excluded.props",
             [(label, to_json(key), to_json(props)) for (label, key), props in nodes.items()]),
            (_DELETE_LINK, [(rel_type, to_json(start[1]), to_json(end[1])) for rel_type, start, end in deleted]),
            ("INSERT INTO relationships (type, start_key, end_key, props) VALUES (?, ?, ?, ?) "
             "ON CONFLICT (type, start_key, end_key) DO UPDATE SET props = excluded.props",
             [(rel_type, to_json(start[1]), to_json(end[1]), to_json(props))
              for (rel_type, start, end), props in links.items()]),
            ("DELETE FROM nodes WHERE label = ? AND key = ?", [(label, to_json(key)) for label, key in removed or ()]),
        ])
        for (label, key), props in nodes.items():
            self._graph._set_node(label, key, props)
        for rel_type, start, end in deleted:
            self._graph._remove_relationship(rel_type, start, end)
        for (rel_type, start, end), props in links.items():
            self._graph._set_relationship(rel_type, start, end, props)
        for node_id in removed or ():
            self._graph._remove_node(node_id)

    @_locked
    def delete_nodes(self, label: str, keys: Iterable[str | int]) -> int:
        node_kind(label)
        present: list[NodeId] = [(label, key) for key in dict.fromkeys(keys) if self._graph.has_node(label, key)]
        links = [link for node_id in present for link in self._graph.incident(node_id)]
        self._commit([
            (_DELETE_LINK, [(rel_type, to_json(start[1]), to_json(end[1])) for rel_type, start, end in links]),
            ("DELETE FROM nodes WHERE label = ? AND key = ?", [(label, to_json(key)) for label, key in present]),
        ])
        for node_id in present:
            self._graph._remove_node(node_id)
        return len(present)

    @_locked
    def forget_deleted(self) -> None:
        """Copy the write-ahead log into the database (whose freed pages secure_delete has zeroed)
        and empty it, so no deleted byte stays in either file."""
        self._connection().execute("PRAGMA wal_checkpoint(TRUNCATE)")

    @_locked
    def rebuild_derived(self, customer_ids: Iterable[str | int]) -> None:
        deleted, written = derived_changes(self._graph, customer_ids)
        self._apply({}, deleted, written)

    @_locked
    def rebuild_affinity(self) -> None:
        nodes, (deleted, written) = affinity_changes(self._graph)
        self._apply(nodes, deleted, written)

    def _stale(self, part: PreparedRelationships) -> list[tuple[NodeId, NodeId]]:
        """Links of the anchors that the batch does not keep."""
        kind, stale = part.kind, []
        for anchor, neighbours in part.keep_from.items():
            keep, start = set(neighbours), (kind.start, anchor)
            stale += [(start, end) for end, _ in self._graph.out(start, kind.type) if end[1] not in keep]
        for anchor, neighbours in part.keep_to.items():
            keep, end = set(neighbours), (kind.end, anchor)
            stale += [(start, end) for start, _ in self._graph.into(end, kind.type) if start[1] not in keep]
        return list(dict.fromkeys(stale))  # a link between two anchors is found from both ends

    @_locked
    def _missing_endpoints(self, kind: RelationshipKind, rows: list[RelationshipRow]) -> list[tuple[str, object]]:
        return [(label, key) for row in rows for label, key in ((kind.start, row.start), (kind.end, row.end))
                if not self._graph.has_node(label, key)]

    @_locked
    def existing_keys(self, label: str, keys: Iterable[str | int]) -> set[str | int]:
        node_kind(label)
        return {key for key in keys if self._graph.has_node(label, key)}

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
        if key is None:
            return answer(self._graph, bound)
        rows: Rows = []
        for value in bound["keys"]:
            if self._graph.has_node("Customer", value):
                rows += [{key: value, **row} for row in answer(self._graph, {**bound, key: value})] or [{key: value}]
        return rows

    @_locked
    def ping(self) -> None:
        self._connection().execute("SELECT 1").fetchone()

    @_locked
    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None
        if self._lock_file is not None:
            fcntl.flock(self._lock_file, fcntl.LOCK_UN)
            self._lock_file.close()
            self._lock_file = None
