"""``custgraph load``: source folders → validated, normalised nodes and relationships.

Parsing and writing overlap: one writer thread sends batch N to the store while
the caller's thread parses, checks and builds batch N+1 (the driver waits on the
socket without the GIL, so this hides most of the Python work behind the store's).

Order of work: every folder's mapping and every file's header is checked before
anything is written (a problem there is fatal and leaves the store untouched).
Then files load entity by entity (products, channels, reps, customers,
interactions) so references point at nodes that exist. Bad rows go to the
reject file and never stop good rows; rows are written in store batches, so a
store failure leaves whole batches only and a re-run completes the load.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
from collections import Counter, deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from custgraph.errors import ConfigError, RowRejectedError, SourceFileError
from custgraph.graph import (
    DEFAULT_BATCH_SIZE,
    KEY_NODE,
    ErasureKey,
    NodeRow,
    PreparedBatch,
    RelationshipRow,
    Store,
    WriteResult,
    legacy_tombstone,
    normalise,
    one_writer,
    typed_batch,
)

from .contract import ENTITIES, FORMATS, LOAD_ORDER, Entity
from .mapping import SourceMapping, read_mapping
from .progress import FileProgress
from .readers import read_rows
from .report import FileReport, LoadReport, RejectWriter
from .validate import RowParser

__all__ = ["PlannedFile", "erased_among", "load_sources", "plan_sources", "possible_tombstones", "tombstone_functions",
           "tombstone_keys"]

# Batches of one file have distinct keys and point only at nodes of earlier files,
# so two can be written at once; the store's transactions keep each one whole.
WRITERS = 2
LAST_LOAD = "last_load"  # the Summary node that says when the store last took a load
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff]")


@dataclass(frozen=True)
class PlannedFile:
    path: Path
    entity: Entity
    mapping: SourceMapping


def plan_sources(folders: Sequence[Path]) -> list[PlannedFile]:
    """Every file to load, in load order; fatal problems are raised before any write."""
    planned: list[PlannedFile] = []
    names: dict[str, Path] = {}
    for folder in folders:
        if not folder.is_dir():
            raise SourceFileError(str(folder), None, "", "not a directory")
        mapping = read_mapping(folder)
        if mapping.name in names:
            raise SourceFileError(str(folder), None, "",
                                  f"source {mapping.name!r} is also {names[mapping.name]}; load each source once")
        names[mapping.name] = folder
        found = 0
        for entity in ENTITIES.values():
            files = [path for path in (folder / f"{entity.name}{suffix}" for suffix in FORMATS) if path.exists()]
            if len(files) > 1:
                listed = ", ".join(path.name for path in files)
                raise SourceFileError(str(folder), None, "", f"several {entity.name} files: {listed}")
            if files:
                planned.append(PlannedFile(files[0], entity, mapping))
                found += 1
        if not found:
            raise SourceFileError(str(folder), None, "",
                                  f"no {', '.join(ENTITIES)} file ({' / '.join(FORMATS)})")
    for plan in planned:
        _check_header(plan)
    return sorted(planned, key=lambda plan: LOAD_ORDER.index(plan.entity.name))


def _check_header(plan: PlannedFile) -> None:
    source = read_rows(plan.path)  # JSONL and CSV rows are lazy: nothing is read or left open yet
    if source.columns is None or not source.columns:
        return  # JSONL (checked per row) or an empty file (reported as such)
    for name in plan.entity.required:
        column = plan.mapping.column(plan.entity.name, name)
        if column not in source.columns:
            raise SourceFileError(str(plan.path), 1, column, "required column is missing from the header")


@one_writer("load")
def load_sources(
    store: Store,
    folders: Sequence[Path],
    rejects_path: Path,
    progress: FileProgress | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    whole_rows: bool = False,
    erasure_key: ErasureKey | None = None,
) -> LoadReport:
    """``whole_rows``: an invalid optional field rejects its row (by default the field is dropped,
    reported in the rejects file, and the row loads). ``erasure_key``: the key the store's
    erasures were made with (graph/erased.py); a store with keyed erasures needs it."""
    plans = plan_sources(folders)
    report = LoadReport(rejects_path=str(rejects_path))
    with (
        RejectWriter(rejects_path) as rejects,
        (progress or FileProgress(enabled=False)) as bars,
        ThreadPoolExecutor(max_workers=WRITERS, thread_name_prefix="custgraph-writer") as writer,
    ):
        loader = _Loader(store, rejects, bars, batch_size, report, writer, whole_rows, erasure_key)
        loader.tombstones = loader._tombstone_functions()  # a key problem stops the load before any write
        for plan in plans:
            loader.load_file(plan)
    # When the store last took a load, for the dashboard's data freshness (a load cut off part-way
    # never gets here; the rows it wrote are kept and a re-run completes it).
    store.upsert_nodes("Summary", [{"summary_id": LAST_LOAD, "loaded_at": dt.datetime.now(dt.UTC),
                                    "files": len(report.files), "rows": report.total("rows"),
                                    "created": report.total("created"), "updated": report.total("updated")}])
    if rejects.count == 0:
        report.rejects_path = None
    return report


@dataclass
class _Pending:
    line: int
    row: dict[str, Any]


Reject = Callable[[int, str, str], None]
Build = Callable[[PlannedFile, list[_Pending], Reject, Counter[str]], "_Work"]


@dataclass
class _Loader:
    store: Store
    rejects: RejectWriter
    progress: FileProgress
    batch_size: int
    report: LoadReport
    writer: ThreadPoolExecutor
    whole_rows: bool = False
    erasure_key: ErasureKey | None = None
    tombstones: list[Callable[[str], str]] | None = None  # how erased ids are hashed in this store
    known: dict[str, set[Any]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def load_file(self, plan: PlannedFile) -> None:
        entity, mapping = plan.entity, plan.mapping
        file_report = FileReport(str(plan.path), mapping.name, entity.name)
        self.report.files.append(file_report)
        source = read_rows(plan.path)
        if source.columns is not None and not source.columns:
            file_report.notes.append("empty file")
        elif source.columns is not None:
            known = {mapping.column(entity.name, f.name) for f in entity.fields}
            ignored = [column for column in source.columns if column not in known]
            if ignored:
                file_report.notes.append(f"ignored columns: {', '.join(ignored)}")
        build = self._builder(entity.name)
        parse = RowParser(entity, mapping, self.whole_rows)
        key_column = mapping.column(entity.name, entity.key)
        seen: dict[Any, int] = {}
        pending: list[_Pending] = []
        counts: Counter[str] = Counter()
        self.progress.start(f"{mapping.name}/{plan.path.name}", source.size)

        def reject(line: int, column: str, reason: str) -> None:
            with self.lock:  # called by the parsing and the writing thread
                file_report.rejected += 1
                self.rejects.write(mapping.name, str(plan.path), line, column, reason)

        def drop(line: int, column: str, reason: str) -> None:
            with self.lock:
                file_report.dropped += 1
                self.rejects.write(mapping.name, str(plan.path), line, column, reason, action="field dropped")

        in_flight: deque[Future[WriteResult]] = deque()

        def submit(batch: list[_Pending]) -> None:
            """Write ``batch`` while the next one is parsed; a bounded number in flight bounds memory."""
            work = build(plan, batch, reject, counts)
            file_report.erased += work.erased
            if work.batch is None:
                return
            if len(in_flight) >= WRITERS:
                self._count(file_report, in_flight.popleft().result())
            in_flight.append(self.writer.submit(self._write, work.label, work.batch))

        for raw in source.rows:
            file_report.rows += 1
            if raw.problem is not None:
                reject(raw.line, *raw.problem)
            else:
                try:
                    row = parse(raw.values)
                except RowRejectedError as bad:
                    reject(raw.line, bad.field, bad.reason)
                else:
                    for column, reason in parse.dropped:
                        drop(raw.line, column, reason)
                    key = row[entity.key]
                    if key in seen:
                        reject(raw.line, key_column, f"duplicate {entity.key} {key!r} (first on line {seen[key]})")
                    else:
                        seen[key] = raw.line
                        pending.append(_Pending(raw.line, row))
            if len(pending) >= self.batch_size:
                submit(pending)
                pending = []
            if file_report.rows % 1000 == 0:
                self.progress.advance(raw.position, file_report.rows)
        if pending:
            submit(pending)
        while in_flight:  # a file's batches are all written before the next file's start
            self._count(file_report, in_flight.popleft().result())
        self.progress.finish(file_report.rows)
        if file_report.rows == 0 and "empty file" not in file_report.notes:
            file_report.notes.append("no rows")
        file_report.notes += [f"{n} {what} could not be normalised (kept as given)"
                              for what, n in sorted(counts.items())]

    def _count(self, file_report: FileReport, result: WriteResult) -> None:
        file_report.created += result.created
        file_report.updated += result.updated
        file_report.unchanged += result.unchanged

    def _write(self, label: str, batch: PreparedBatch) -> WriteResult:
        """One transaction per batch (writer thread); relationship counts go to the report."""
        written = self.store.write(batch)
        with self.lock:
            for part in batch.relationships:
                result = written.get(part.kind.type, WriteResult())
                self.report.relationships_created += result.created
                self.report.relationships_updated += result.updated
                self.report.relationships_deleted += result.deleted
        return written.get(label, WriteResult())

    def _remember(self, label: str, keys: list[Any]) -> None:
        """Keys count as known once their batch is handed to the writer: batches are written in order."""
        self.known.setdefault(label, set()).update(keys)

    def _existing(self, label: str, keys: set[Any]) -> set[Any]:
        known = self.known.setdefault(label, set())
        unknown = {key for key in keys if key not in known}
        if unknown:
            known.update(self.store.existing_keys(label, unknown))
        return {key for key in keys if key in known}

    # One builder per entity: nodes and relationships from a batch of valid rows, built and
    # checked on the parsing thread so that the writer thread only talks to the store.

    def _builder(self, entity: str) -> Build:
        return {
            "products": self._products,
            "channels": self._simple("Channel"),
            "reps": self._simple("Rep"),
            "customers": self._customers,
            "interactions": self._interactions,
        }[entity]

    def _simple(self, label: str) -> Build:
        def build(plan: PlannedFile, batch: list[_Pending], reject: Reject, notes: Counter[str]) -> _Work:
            key = plan.entity.key
            nodes = [NodeRow(p.row.pop(key), p.row) for p in batch]
            self._remember(label, [node.key for node in nodes])
            return _Work(label, typed_batch([(label, nodes)]))

        return build

    def _products(self, plan: PlannedFile, batch: list[_Pending], reject: Reject, notes: Counter[str]) -> _Work:
        categories: dict[str, NodeRow] = {}
        links = []
        nodes = [NodeRow(p.row.pop("sku"), p.row) for p in batch]
        for node in nodes:
            category = node.properties["category"]
            if category:
                category_id = normalise.text(category)
                categories[category_id] = NodeRow(category_id, {"name": category})
                links.append(RelationshipRow(node.key, category_id))
        skus = [node.key for node in nodes]
        self._remember("Product", skus)
        return _Work("Product", typed_batch(
            [("Product", nodes), ("Category", list(categories.values()))],
            [("IN_CATEGORY", links)],
            replace_from={"IN_CATEGORY": skus},
        ))

    def _tombstone_functions(self) -> list[Callable[[str], str]]:
        return tombstone_functions(self.store, self.erasure_key)

    def _erased(self, identities: set[str]) -> set[str]:
        """Those of ``identities`` erased on request (graph/erased.py): their rows are skipped."""
        assert self.tombstones is not None
        return erased_among(self.store, identities, self.tombstones)

    def _customers(self, plan: PlannedFile, batch: list[_Pending], reject: Reject, notes: Counter[str]) -> _Work:
        nodes = [identity_node(plan.mapping, pending.row, notes) for pending in batch]
        erased = self._erased({str(node.key) for node in nodes})
        nodes = [node for node in nodes if node.key not in erased]
        self._remember("Identity", [node.key for node in nodes])
        return _Work("Identity", typed_batch([("Identity", nodes)]) if nodes else None, len(erased))

    def _interactions(self, plan: PlannedFile, batch: list[_Pending], reject: Reject, notes: Counter[str]) -> _Work:
        mapping = plan.mapping
        source = mapping.name
        identities = self._existing("Identity", {f"{source}:{p.row['customer_id']}" for p in batch})
        channels = self._existing("Channel", {p.row["channel_id"] for p in batch if p.row["channel_id"]})
        reps = self._existing("Rep", {p.row["rep_id"] for p in batch if p.row["rep_id"]})
        products = self._existing("Product", {sku for p in batch for sku in (p.row["sku"] or [])})
        erased = self._erased({f"{source}:{p.row['customer_id']}" for p in batch} - identities)
        skipped = 0
        nodes: list[NodeRow] = []
        performed, via, handled_by, about = [], [], [], []
        for pending in batch:
            row = pending.row
            identity = f"{source}:{row['customer_id']}"
            problem = None
            if identity in erased:
                skipped += 1
                continue
            if identity not in identities:
                problem = ("customer_id", f"unknown customer {row['customer_id']!r} in source {source!r}")
            elif row["channel_id"] and row["channel_id"] not in channels:
                problem = ("channel_id", f"unknown channel {row['channel_id']!r}")
            elif row["rep_id"] and row["rep_id"] not in reps:
                problem = ("rep_id", f"unknown rep {row['rep_id']!r}")
            else:
                missing = [sku for sku in row["sku"] or [] if sku not in products]
                if missing:
                    problem = ("sku", f"unknown product {missing[0]!r}")
            if problem:
                reject(pending.line, mapping.column("interactions", problem[0]), problem[1])
                continue
            node = interaction_node(source, row)
            nodes.append(node)
            performed.append(RelationshipRow(identity, node.key))
            if row["channel_id"]:
                via.append(RelationshipRow(node.key, row["channel_id"]))
            if row["rep_id"]:
                handled_by.append(RelationshipRow(node.key, row["rep_id"]))
            about += [RelationshipRow(node.key, sku) for sku in dict.fromkeys(row["sku"] or ())]
        if not nodes:
            return _Work("Interaction", None, skipped)
        keys = [node.key for node in nodes]
        return _Work("Interaction", typed_batch(
            [("Interaction", nodes)],
            [("PERFORMED", performed), ("VIA", via), ("HANDLED_BY", handled_by), ("ABOUT", about)],
            replace_from={"VIA": keys, "HANDLED_BY": keys, "ABOUT": keys},
            replace_to={"PERFORMED": keys},
        ), skipped)


@dataclass(frozen=True)
class _Work:
    """What one batch of rows becomes: the main label's nodes and everything linked, or nothing."""

    label: str
    batch: PreparedBatch | None
    erased: int = 0  # rows skipped because their record was erased on request


def tombstone_functions(store: Store, erasure_key: ErasureKey | None) -> list[Callable[[str], str]]:
    """Unkeyed tombstones of older versions always; keyed ones when the store has them, with
    the key they were made with (a load with another key would let erased persons back)."""
    functions: list[Callable[[str], str]] = [legacy_tombstone]
    marker = store.get_node("Erased", KEY_NODE)
    if marker is not None:
        if erasure_key is None:
            raise ConfigError("CUSTGRAPH_ERASURE_KEY_FILE", "this store holds erasures made with a key that is not "
                              "here: copy the erasure key file from the machine that erased, or set the variable")
        if marker.get("fingerprint") != erasure_key.fingerprint:
            raise ConfigError("CUSTGRAPH_ERASURE_KEY_FILE", f"the erasure key in {erasure_key.path} is not the one "
                              "this store's erasures were made with; loading with it would bring erased persons back")
        functions.append(erasure_key.tombstone)
    return functions


def possible_tombstones(erasure_key: ErasureKey | None) -> list[Callable[[str], str]]:
    """Every tombstone a store may hold for a record, before its key marker is read: the caller
    looks for them and for ``KEY_NODE`` at once, and calls ``tombstone_functions`` (which checks
    the key) only when the marker is there (live events save a round trip per request)."""
    return [legacy_tombstone, *([erasure_key.tombstone] if erasure_key is not None else [])]


def tombstone_keys(identities: set[str], tombstones: list[Callable[[str], str]]) -> dict[str, str]:
    """The ``Erased`` key each of ``identities`` would have, erased on request → the identity."""
    return {tombstone(identity): identity for identity in identities for tombstone in tombstones}


def erased_among(store: Store, identities: set[str], tombstones: list[Callable[[str], str]]) -> set[str]:
    """Those of ``identities`` erased on request (graph/erased.py)."""
    by_key = tombstone_keys(identities, tombstones)
    return {by_key[str(key)] for key in store.existing_keys("Erased", set(by_key))}


def interaction_node(source: str, row: dict[str, Any]) -> NodeRow:
    props = {name: row[name] for name in ("type", "at", "amount", "quantity", "score", "sentiment", "text",
                                          "campaign")}
    kind = row["score_kind"]
    if row["score"] is not None and kind is None:
        kind = "nps" if row["type"] == "survey_response" else None
    props["source"] = source
    props["source_id"] = row["interaction_id"]
    props["score_kind"] = kind.lower() if kind else None
    return NodeRow(f"{source}:{row['interaction_id']}", props)


def display_name(row: dict[str, Any]) -> str | None:
    """The name as the source gave it, else family + given (CJK) or given + family."""
    if row["name"]:
        return str(row["name"])
    given, family = row["given_name"], row["family_name"]
    if not (given or family):
        return None
    parts = [family, given] if _CJK.search(f"{given or ''}{family or ''}") else [given, family]
    return " ".join(part for part in parts if part)


def identity_node(mapping: SourceMapping, row: dict[str, Any], notes: Counter[str]) -> NodeRow:
    """An ``Identity`` node: the source's fields plus the normalised forms resolution compares."""
    name = display_name(row)
    node: dict[str, Any] = {
        "source": mapping.name,
        "trust": mapping.trust,
        **row,
        "name": name,
        "name_norm": normalise.name(name) if name else None,
        "name_kana_norm": normalise.name(row["name_kana"]) if row["name_kana"] else None,
        "postal_code_norm": normalise.text(row["postal_code"]).replace(" ", "").replace("-", "")
        if row["postal_code"] else None,
        "country": row["country"].upper() if row["country"] else None,
    }
    node["email_norm"] = _normalised(normalise.email, row["email"], "e-mail addresses", notes)
    region = node["country"] or mapping.country
    node["phone_norm"] = _normalised(lambda value: normalise.phone(value, region), row["phone"], "phone numbers", notes)
    return NodeRow(f"{mapping.name}:{row['source_id']}", node)


def _normalised(function: Callable[[str], str], value: str | None, what: str, notes: Counter[str]) -> str | None:
    if not value:
        return None
    try:
        return function(value)
    except ValueError:
        notes[what] += 1
        return None
