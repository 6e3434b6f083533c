"""The Neo4j backend: the official driver, ``UNWIND $rows`` batches, managed transactions.

Managed transactions (``execute_read`` / ``execute_write``) retry transient
errors (deadlocks, leader switches) for up to ``max_transaction_retry_time``;
everything else becomes a ``CustgraphError`` that names the URI.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, LiteralString

import neo4j
from neo4j import AsyncGraphDatabase, GraphDatabase, ManagedTransaction
from neo4j import exceptions as neo4j_errors

from custgraph.errors import (
    ConfigError,
    MissingEndpointError,
    SchemaNotInitialisedError,
    StoreAuthError,
    StoreError,
    StoreUnavailableError,
)

from ..batch import BatchResult, PreparedBatch, PreparedRelationships
from ..model import NODE_KINDS, NodeKind, RelationshipKind
from ..named_query import NamedQuery, Rows
from ..rows import JourneyEdit, NodeRow, RelationshipRow, WriteResult, batches
from ..store import DEFAULT_BATCH_SIZE, Store
from ..values import from_neo4j
from . import statements
from .batched import batched_cypher

__all__ = ["Neo4jStore"]

# From this many customers, rebuild_derived clears their derived links and builds them anew (a
# resolve: the links are mostly new); below, it brings them in line (live events: most hold).
BUILT_ANEW = 1000


class _Rows(list[Any]):
    """Parameter rows that the driver's debug log shows as a count.

    The driver formats every RUN message for its debug log before checking the
    log level; with the rows' own repr that costs ~8% of a load's Python time
    and would put personal data in a debug log.
    """

    def __repr__(self) -> str:
        return f"<{len(self)} rows>"



class Neo4jStore(Store):
    """A store on a Neo4j server, cluster or Aura database."""

    def __init__(
        self,
        uri: str,
        user: str = "neo4j",
        password: str | None = None,
        database: str | None = None,
        *,
        batch_size: int = DEFAULT_BATCH_SIZE,
        require_schema: bool = True,
        connection_timeout: float = 10.0,
        max_retry_time: float = 30.0,
    ) -> None:
        self._uri = uri
        self._user = user
        self._database = database
        # UNRECOGNIZED notifications say a label or relationship type does not exist yet, which
        # every query over an empty or freshly loaded store meets (no SAME_AS before the first
        # resolve); the driver would log each one as a warning. Deprecations and performance
        # notes still come through.
        self._options: dict[str, Any] = {
            "auth": (user, password) if password is not None else None, "connection_timeout": connection_timeout,
            "max_transaction_retry_time": max_retry_time, "user_agent": "custgraph",
            "notifications_disabled_classifications": ["UNRECOGNIZED"]}
        self._async_driver: neo4j.AsyncDriver | None = None
        self.batch_size = batch_size
        try:
            self._driver = GraphDatabase.driver(uri, **self._options)
        except (ValueError, neo4j_errors.ConfigurationError) as error:
            raise ConfigError("store", f"invalid Neo4j URI {uri!r}: {error}") from None
        try:
            self.ping()
            if require_schema:
                self.check_schema()
        except BaseException:
            self._driver.close()
            raise

    @property
    def target(self) -> str:
        return self._uri if self._database is None else f"{self._uri} (database {self._database})"

    @contextmanager
    def _errors(self) -> Iterator[None]:
        """Translate driver errors into one clear line that names the URI."""
        try:
            yield
        except neo4j_errors.AuthError:
            raise StoreAuthError(
                self.target,
                f"Neo4j rejected the credentials of user {self._user!r} (check NEO4J_USER / NEO4J_PASSWORD)",
            ) from None
        except (neo4j_errors.ServiceUnavailable, neo4j_errors.SessionExpired) as error:
            raise StoreUnavailableError(
                self.target, f"cannot reach Neo4j (is it running?): {type(error).__name__}"
            ) from None
        except neo4j_errors.Neo4jError as error:
            if error.code and error.code.endswith("DatabaseNotFound"):
                raise StoreError(self.target, "the database does not exist (check NEO4J_DATABASE)") from None
            raise StoreError(self.target, f"Neo4j error {error.code}") from error
        except neo4j_errors.DriverError as error:
            raise StoreError(self.target, f"driver error {type(error).__name__}") from error

    def _session(self) -> neo4j.Session:
        return self._driver.session(database=self._database)

    def ping(self) -> None:
        with self._errors():
            self._driver.verify_connectivity()

    def init(self) -> None:
        with self._errors(), self._session() as session:
            for statement in statements.constraint_statements() + statements.index_statements():
                session.run(statement).consume()

    def check_schema(self) -> None:
        """Fail fast when ``custgraph init`` has not created the key constraints."""
        with self._errors():
            records, _, _ = self._driver.execute_query(
                "SHOW CONSTRAINTS YIELD type, labelsOrTypes, properties",
                database_=self._database,
                routing_=neo4j.RoutingControl.READ,
            )
        unique = {
            (tuple(r["labelsOrTypes"]), tuple(r["properties"]))
            for r in records
            if "UNIQUENESS" in r["type"] or r["type"] == "NODE_KEY"
        }
        missing = [k.label for k in NODE_KINDS.values() if ((k.label,), (k.key,)) not in unique]
        if missing:
            raise SchemaNotInitialisedError(
                self.target,
                f"no key constraint for {', '.join(missing)}; run `custgraph init` against this store first",
            )

    def _write(self, batch: PreparedBatch) -> BatchResult:
        with self._errors(), self._session() as session:
            return session.execute_write(_write_batch, batch)

    def _missing_endpoints(self, kind: RelationshipKind, rows: list[RelationshipRow]) -> list[tuple[str, object]]:
        check = statements.check_endpoints(kind.type)
        missing: list[tuple[str, object]] = []
        with self._errors(), self._session() as session:
            for chunk in batches(rows, self.batch_size):
                payload = [{"start": row.start, "end": row.end} for row in chunk]
                missing += session.execute_read(_missing, check, kind, payload)
        return missing

    def existing_keys(self, label: str, keys: Iterable[str | int]) -> set[str | int]:
        statement = statements.existing_keys(label)
        found: set[str | int] = set()
        with self._errors(), self._session() as session:
            for chunk in batches(list(dict.fromkeys(keys)), self.batch_size * 10):
                found.update(r["key"] for r in session.execute_read(_read, statement, {"keys": _Rows(chunk)}))
        return found

    def existing_keys_of(self, wanted: Mapping[str, Iterable[str | int]]) -> dict[str, set[str | int]]:
        labels = tuple(wanted)
        keys = {label: list(dict.fromkeys(wanted[label])) for label in labels}
        if not labels or max(len(found) for found in keys.values()) > self.batch_size * 10:
            return super().existing_keys_of(keys)  # a long list: in chunks, a label at a time
        params = {f"keys_{number}": _Rows(keys[label]) for number, label in enumerate(labels)}
        with self._errors(), self._session() as session:
            rows = session.execute_read(_read, statements.existing_keys_of(labels), params)
        found: dict[str, set[str | int]] = {label: set() for label in labels}
        for row in rows:
            found[labels[row["label"]]].add(row["key"])
        return found

    def wipe(self) -> None:
        """Delete every node and relationship, in bounded transactions (tests and benchmarks)."""
        with self._errors(), self._session() as session:
            for statement in statements.WIPE:
                session.run(statement).consume()

    def _set_properties(self, kind: NodeKind, rows: list[NodeRow]) -> int:
        payload = [_node_payload(row.key, row.properties) for row in rows]
        with self._errors(), self._session() as session:
            return session.execute_write(_single_count, statements.set_properties(kind.label),
                                         {"rows": _Rows(payload)}, "found")

    def delete_nodes(self, label: str, keys: Iterable[str | int]) -> int:
        statement = statements.delete_nodes(label)
        deleted = 0
        with self._errors(), self._session() as session:
            for chunk in batches(list(dict.fromkeys(keys)), self.batch_size):
                deleted += session.execute_write(_single_count, statement, {"keys": _Rows(chunk)}, "deleted")
        return deleted

    def rebuild_derived(self, customer_ids: Iterable[str | int], *,
                        links_hold: bool = False) -> dict[str | int, JourneyEdit]:
        customers = list(dict.fromkeys(customer_ids))
        steps = statements.CLEAR_DERIVED + statements.BUILD_DERIVED if len(customers) >= BUILT_ANEW \
            and not links_hold else statements.ALIGN_DERIVED
        edits: dict[str | int, JourneyEdit] = {}
        with self._errors(), self._session() as session:
            for chunk in batches(customers, max(1, self.batch_size // 5)):
                if links_hold:
                    edits |= session.execute_write(_grow_journeys, list(chunk))
                else:
                    session.execute_write(_run_all, steps, {"ids": _Rows(chunk)})
        return edits

    def rebuild_affinity(self) -> None:
        with self._errors(), self._session() as session:
            session.execute_write(_run_all, statements.REBUILD_AFFINITY, {})

    def get_node(self, label: str, key: str | int) -> dict[str, Any] | None:
        statement = statements.get_node(label)
        with self._errors(), self._session() as session:
            records = session.execute_read(_read, statement, {"key": key})
        return from_neo4j(records[0]["props"]) if records else None

    def get_nodes(self, label: str, keys: Iterable[str | int]) -> dict[str | int, dict[str, Any]]:
        statement = statements.get_nodes(label)
        found: dict[str | int, dict[str, Any]] = {}
        with self._errors(), self._session() as session:
            for chunk in batches(list(dict.fromkeys(keys)), self.batch_size * 10):
                records = session.execute_read(_read, statement, {"keys": _Rows(chunk)})
                found.update((record["key"], from_neo4j(record["props"])) for record in records)
        return found

    def get_relationship(self, rel_type: str, start: str | int, end: str | int) -> dict[str, Any] | None:
        statement = statements.get_relationship(rel_type)
        with self._errors(), self._session() as session:
            records = session.execute_read(_read, statement, {"start": start, "end": end})
        return from_neo4j(records[0]["props"]) if records else None

    def run(self, query: NamedQuery, params: Mapping[str, Any] | None = None) -> Rows:
        bound = query.bind(params or {})
        with self._errors(), self._session() as session:
            records = session.execute_read(_read, _text(query), bound)
        return [from_neo4j(record) for record in records]

    async def arun(self, query: NamedQuery, params: Mapping[str, Any] | None = None) -> Rows:
        """Through the async driver (opened on first use, on the caller's event loop): no thread
        hop per query, which is a millisecond of an API request's few."""
        bound = query.bind(params or {})
        if self._async_driver is None:
            self._async_driver = AsyncGraphDatabase.driver(self._uri, **self._options)
        with self._errors():
            async with self._async_driver.session(database=self._database) as session:
                records = await session.execute_read(_aread, _text(query), bound)
        return [from_neo4j(record) for record in records]

    async def aclose(self) -> None:
        if self._async_driver is not None:
            await self._async_driver.close()
            self._async_driver = None

    def close(self) -> None:
        self._driver.close()


def _text(query: NamedQuery) -> LiteralString:
    return batched_cypher(query) if query.batched_on else query.cypher


def _read(tx: ManagedTransaction, statement: Any, params: dict[str, Any]) -> list[dict[str, Any]]:
    # ``dict(record)``, not ``record.data()``: data() walks every value again to turn nodes into
    # maps, which no named query returns (they return maps and scalars); 20 % of reading 5,000
    # records' properties.
    return [dict(record) for record in tx.run(statement, params)]


async def _aread(tx: neo4j.AsyncManagedTransaction, statement: Any, params: dict[str, Any]) -> list[dict[str, Any]]:
    return [dict(record) async for record in await tx.run(statement, params)]


def _single_count(tx: ManagedTransaction, statement: Any, params: dict[str, Any], field: str) -> int:
    record = tx.run(statement, params).single()
    return int(record[field]) if record else 0


def _run_all(tx: ManagedTransaction, batch: Iterable[Any], params: dict[str, Any]) -> None:
    for statement in batch:
        tx.run(statement, params).consume()


def _grow_journeys(tx: ManagedTransaction, customers: list[str | int]) -> dict[str | int, JourneyEdit]:
    """``GROW_JOURNEYS`` for these customers, then ``BOUGHT_AGAIN`` for those grown and
    ``ALIGN_DERIVED`` for the others, in one transaction; returns how each journey changed."""
    rows = list(tx.run(statements.GROW_JOURNEYS, {"ids": _Rows(customers)}))
    pairs = [{"customer_id": row["customer_id"], "sku": sku} for row in rows if row["grows"] for sku in row["skus"]]
    if pairs:
        tx.run(statements.BOUGHT_AGAIN, {"pairs": _Rows(pairs)}).consume()
    rest = [row["customer_id"] for row in rows if not row["grows"]]
    if rest:
        _run_all(tx, statements.ALIGN_DERIVED, {"ids": _Rows(rest)})
    return {row["customer_id"]: JourneyEdit(int(row["unchanged"]), int(row["had"])) for row in rows}


def _missing(
    tx: ManagedTransaction, statement: Any, kind: RelationshipKind, rows: list[dict[str, Any]]
) -> list[tuple[str, object]]:
    missing: list[tuple[str, object]] = []
    for record in tx.run(statement, rows=_Rows(rows)):
        if record["no_start"]:
            missing.append((kind.start, record["start"]))
        if record["no_end"]:
            missing.append((kind.end, record["end"]))
    return missing


_PLAIN_TYPES = frozenset({str, int, float, bool, list, type(None)})


def _split(properties: Mapping[str, Any]) -> tuple[dict[str, Any], list[dict[str, str]]]:
    """Plain properties, and dates / datetimes as ISO text for the server to convert."""
    if not properties:
        return {}, []
    plain: dict[str, Any] = {}
    temporal: list[dict[str, str]] = []
    for name, value in properties.items():
        if value.__class__ in _PLAIN_TYPES:
            plain[name] = value  # the common case: one set lookup
        elif isinstance(value, dt.datetime):
            kind = "localdatetime" if value.tzinfo is None else "datetime"
            temporal.append({"k": name, "t": kind, "v": value.isoformat()})
        elif isinstance(value, dt.date):
            temporal.append({"k": name, "t": "date", "v": value.isoformat()})
        else:
            plain[name] = value
    return plain, temporal


def _node_payload(key: Any, properties: Mapping[str, Any]) -> dict[str, Any]:
    plain, temporal = _split(properties)
    return {"key": key, "props": plain, "temporal": temporal}


def _relationship_payload(row: RelationshipRow) -> dict[str, Any]:
    plain, temporal = _split(row.properties)
    return {"start": row.start, "end": row.end, "props": plain, "temporal": temporal}


def _counted(tx: ManagedTransaction, statement: Any, rows: list[dict[str, Any]], result: WriteResult) -> list[Any]:
    """Run an upsert, add its outcomes to ``result``; returns the records (for 'created' / 'missing')."""
    records = list(tx.run(statement, rows=_Rows(rows)))
    counts = {record["outcome"]: record["rows"] for record in records}
    result.created += counts.get("created", 0)
    result.updated += counts.get("updated", 0)
    result.unchanged += counts.get("unchanged", len(rows) - sum(counts.values()))
    result.batches = 1
    return records


def _write_batch(tx: ManagedTransaction, batch: PreparedBatch) -> BatchResult:
    """All statements of one batch in one transaction; raising rolls all of it back.

    Node parts with links attached (every row of a relationship part anchored on
    nodes of that part) write their new nodes and those links in one statement
    (``create_star``); everything else goes through the general upserts.
    """
    results: BatchResult = {}
    created: dict[str, set[Any]] = {}  # nodes new in this batch have no stale links to delete
    attached = _attachments(batch)
    written: dict[int, set[Any]] = {}  # relationship part → anchors whose links the star wrote
    order = sorted(range(len(batch.nodes)), key=lambda index: index in attached)  # link targets first
    found = _existing_up_front(tx, batch)
    for index in order:
        node_kind, nodes = batch.nodes[index]
        result = results.setdefault(node_kind.label, WriteResult(batches=1))
        if not nodes:
            continue
        # New nodes need no comparison with old values: one MERGE with their links.
        existing = found[node_kind.label] if found is not None else {
            r["key"] for r in tx.run(statements.existing_keys(node_kind.label), keys=_Rows(node.key for node in nodes))}
        new = [node for node in nodes if node.key not in existing]
        nodes = [node for node in nodes if node.key in existing]
        new_keys = {node.key for node in new}
        if new:
            parts = [(batch.relationships[i], start) for i, start in attached.get(index, [])]
            _write_star(tx, node_kind.label, new, parts, results)
            result.created += len(new)
            for part_index, _ in attached.get(index, []):
                written[part_index] = new_keys
        if nodes:
            payload = [_node_payload(node.key, node.properties) for node in nodes]
            records = _counted(tx, statements.upsert_nodes(node_kind.label), payload, result)
            new_keys |= {key for record in records for key in record["created"]}
        created.setdefault(node_kind.label, set()).update(new_keys)
    for part_index, part in enumerate(batch.relationships):
        kind = part.kind
        result = results.setdefault(kind.type, WriteResult(batches=1))
        for kept, from_start, label in ((part.keep_from, True, kind.start), (part.keep_to, False, kind.end)):
            new_nodes = created.get(label, set())
            groups = [{"anchor": anchor, "keep": keep} for anchor, keep in kept.items() if anchor not in new_nodes]
            if groups:
                stale = tx.run(statements.delete_stale(kind.type, from_start), groups=_Rows(groups))
                result.deleted += int(stale.single(strict=True)["deleted"])
        done = written.get(part_index, set())
        rows = [row for row in part.rows if row.start not in done and row.end not in done] if done else part.rows
        new_starts, new_ends = created.get(kind.start, set()), created.get(kind.end, set())
        fresh = [_relationship_payload(row) for row in rows if row.start in new_starts or row.end in new_ends]
        known = [_relationship_payload(row) for row in rows if row.start not in new_starts
                 and row.end not in new_ends]
        if fresh:
            found = tx.run(statements.create_relationships(kind.type), rows=_Rows(fresh)).single(strict=True)["rows"]
            if found != len(fresh):
                _raise_missing(kind, _missing(tx, statements.check_endpoints(kind.type), kind, fresh),
                               len(fresh) - found)
            result.created += len(fresh)
        if known:
            records = _counted(tx, statements.upsert_relationships(kind.type), known, result)
            missing = [(kind.start, key) for record in records for key in record["no_start"]]
            missing += [(kind.end, key) for record in records for key in record["no_end"]]
            if missing:
                _raise_missing(kind, missing, sum(r["rows"] for r in records if r["outcome"] == "missing"))
    for node_kind, keys in batch.deletions:
        if keys:
            deleted = tx.run(statements.delete_nodes(node_kind.label), keys=_Rows(keys)).single(strict=True)
            results.setdefault(node_kind.label, WriteResult(batches=1)).deleted += int(deleted["deleted"])
    return results


def _existing_up_front(tx: ManagedTransaction, batch: PreparedBatch) -> dict[str, set[Any]] | None:
    """Which nodes of every part exist, in one statement (a round trip per part cost a live-events
    request a tenth of its time). Writing a part creates nodes of its own label only, so asking
    before the first part is asking before each; a label in two parts is asked part by part."""
    labels = tuple(kind.label for kind, _ in batch.nodes)
    if len(labels) < 2 or len(set(labels)) < len(labels):
        return None
    params = {f"keys_{n}": _Rows(node.key for node in nodes) for n, (_, nodes) in enumerate(batch.nodes)}
    found: dict[str, set[Any]] = {label: set() for label in labels}
    for record in tx.run(statements.existing_keys_of(labels), params):
        found[labels[record["label"]]].add(record["key"])
    return found


def _attachments(batch: PreparedBatch) -> dict[int, list[tuple[int, bool]]]:
    """node part → [(relationship part, node is the start)] for parts wholly anchored on it.

    A part anchored on two node parts (events write an Identity, an Interaction and PERFORMED
    between them in one batch) goes with the later one: nodes are written in the order given, so
    its other ends exist when its star is written."""
    keys = [{node.key for node in nodes} for _, nodes in batch.nodes]
    attached: dict[int, list[tuple[int, bool]]] = {}
    for part_index, part in enumerate(batch.relationships):
        if not part.rows:
            continue
        for node_index, (node_kind, _) in reversed(list(enumerate(batch.nodes))):
            if part.kind.start == node_kind.label and all(row.start in keys[node_index] for row in part.rows):
                attached.setdefault(node_index, []).append((part_index, True))
                break
            if part.kind.end == node_kind.label and all(row.end in keys[node_index] for row in part.rows):
                attached.setdefault(node_index, []).append((part_index, False))
                break
    return attached


def _write_star(
    tx: ManagedTransaction, label: str, nodes: list[NodeRow], parts: list[tuple[PreparedRelationships, bool]],
    results: BatchResult,
) -> None:
    links: list[dict[Any, list[Any]]] = []
    bare: list[bool] = []  # links without properties travel as the other node's key alone
    for part, node_is_start in parts:
        by_anchor: dict[Any, list[Any]] = {}
        plain_only = not any(row.properties for row in part.rows)
        for row in part.rows:
            anchor, other = (row.start, row.end) if node_is_start else (row.end, row.start)
            if plain_only:
                by_anchor.setdefault(anchor, []).append(other)
            else:
                props, temporal = _split(row.properties)
                by_anchor.setdefault(anchor, []).append({"o": other, "props": props, "temporal": temporal})
        links.append(by_anchor)
        bare.append(plain_only)
    payload = []
    names = [f"l{index}" for index in range(len(links))]
    for node in nodes:  # new nodes: a missing value needs no removal, so it is not sent
        item = _node_payload(node.key, {name: value for name, value in node.properties.items() if value is not None})
        for name, by_anchor in zip(names, links, strict=True):
            item[name] = by_anchor.get(node.key, [])
        payload.append(item)
    statement = statements.create_star(
        label, tuple((part.kind.type, start, plain) for (part, start), plain in zip(parts, bare, strict=True)))
    record = tx.run(statement, rows=_Rows(payload)).single(strict=True)
    for index, (part, node_is_start) in enumerate(parts):
        expected = sum(len(item[f"l{index}"]) for item in payload)
        if record[f"c{index}"] != expected:
            anchors = {node.key for node in nodes}
            rows = [_relationship_payload(r) for r in part.rows if (r.start if node_is_start else r.end) in anchors]
            _raise_missing(part.kind, _missing(tx, statements.check_endpoints(part.kind.type), part.kind, rows),
                           expected - int(record[f"c{index}"]))
        results.setdefault(part.kind.type, WriteResult(batches=1)).created += expected


def _raise_missing(kind: RelationshipKind, missing: list[tuple[str, object]], total: int) -> None:
    raise MissingEndpointError(kind.type, list(dict.fromkeys(missing))[:5], total)
