"""Load benchmark: custgraph's loader against a hand-written UNWIND MERGE loader, same Neo4j, same run.

    python bench/load.py [--customers 10000] [--sweep 250,500,1000,2000,5000] [--record]

Neo4j comes from CUSTGRAPH_TEST_NEO4J_URI / _USER / _PASSWORD (``eval "$(scripts/neo4j-local env)"``).
The database is wiped before each measurement. Reports rows/s and ratios measured in
one run, since this machine is shared and absolute numbers are noisy. ``--record``
appends the result to bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from statistics import median
from typing import Any

import neo4j
from neo4j_target import Target, target
from provenance import heading

from custgraph.graph.embedded import EmbeddedStore
from custgraph.graph.neo4j import Neo4jStore
from custgraph.loaders import load_sources
from custgraph.samples.generate import CRM_COLUMNS, SOURCES, generate

RESULTS = Path(__file__).with_name("RESULTS.md")


def wipe(neo4j: Target) -> None:
    with neo4j.store() as store:
        store.wipe()


def ours(store_factory: Any, folders: list[Path], batch_size: int) -> tuple[int, float]:
    with store_factory(batch_size) as store:
        started = time.perf_counter()
        report = load_sources(store, folders, Path(tempfile.mkdtemp()) / "rejects.jsonl", batch_size=batch_size)
        elapsed = time.perf_counter() - started
    assert report.total("rejected") == 0, report.as_dict()
    return report.total("rows"), elapsed


# --- the baseline: what a careful engineer writes by hand in an afternoon ---------------

NODE = "UNWIND $rows AS row MERGE (n:{label} {{{key}: row.key}}) SET n += row.props"
BASELINE = {
    "products": [
        NODE.format(label="Product", key="sku"),
        "UNWIND $rows AS row WITH row WHERE row.props.category IS NOT NULL "
        "MERGE (c:Category {category_id: toLower(row.props.category)}) SET c.name = row.props.category "
        "WITH row, c MATCH (p:Product {sku: row.key}) MERGE (p)-[:IN_CATEGORY]->(c)",
    ],
    "channels": [NODE.format(label="Channel", key="channel_id")],
    "reps": [NODE.format(label="Rep", key="rep_id")],
    "customers": [NODE.format(label="Identity", key="identity_id")],
    "interactions": [
        "UNWIND $rows AS row MERGE (n:Interaction {interaction_id: row.key}) "
        "SET n += row.props, n.at = datetime(row.at) "
        "WITH n, row MATCH (p:Identity {identity_id: row.identity}) MERGE (p)-[:PERFORMED]->(n) "
        "WITH n, row OPTIONAL MATCH (c:Channel {channel_id: row.channel}) "
        "FOREACH (_ IN CASE WHEN c IS NULL THEN [] ELSE [1] END | MERGE (n)-[:VIA]->(c)) "
        "WITH n, row OPTIONAL MATCH (r:Rep {rep_id: row.rep}) "
        "FOREACH (_ IN CASE WHEN r IS NULL THEN [] ELSE [1] END | MERGE (n)-[:HANDLED_BY]->(r)) "
        "WITH n, row UNWIND row.skus AS sku MATCH (p:Product {sku: sku}) MERGE (n)-[:ABOUT]->(p)",
    ],
}
KEYS = {"products": "sku", "channels": "channel_id", "reps": "rep_id", "customers": "source_id",
        "interactions": "interaction_id"}


def read(path: Path) -> Iterator[dict[str, Any]]:
    if path.suffix == ".csv":
        with open(path, encoding="utf-8", newline="") as handle:
            yield from csv.DictReader(handle)
    else:
        with open(path, encoding="utf-8") as handle:
            for line in handle:
                yield json.loads(line)


def baseline_rows(source: str, entity: str, raw: dict[str, Any]) -> dict[str, Any]:
    if source == "crm" and entity == "customers":
        raw = {canonical: raw[column] for canonical, column in CRM_COLUMNS.items()}
    row = {k: v for k, v in raw.items() if v not in ("", None)}
    key = row.pop(KEYS[entity])
    if entity == "customers":
        return {"key": f"{source}:{key}", "props": {**row, "source": source, "source_id": key}}
    if entity != "interactions":
        return {"key": key, "props": row}
    skus = row.pop("sku", [])
    skus = skus.split("|") if isinstance(skus, str) else skus
    props = {k: row[k] for k in ("type", "text", "score_kind") if k in row}
    props.update({k: float(row[k]) for k in ("amount", "score", "sentiment") if k in row})
    return {"key": f"{source}:{key}", "props": {**props, "source": source}, "at": row["at"],
            "identity": f"{source}:{row['customer_id']}", "channel": row.get("channel_id"),
            "rep": row.get("rep_id"), "skus": skus}


def baseline(driver: neo4j.Driver, root: Path, batch_size: int) -> tuple[int, float]:
    started = time.perf_counter()
    rows = 0
    with driver.session() as session:
        for entity in ("products", "channels", "reps", "customers", "interactions"):
            for source in SOURCES:
                path = next((root / source / f"{entity}{s}" for s in (".csv", ".jsonl")
                             if (root / source / f"{entity}{s}").exists()), None)
                if path is None:
                    continue
                batch: list[dict[str, Any]] = []
                for raw in read(path):
                    batch.append(baseline_rows(source, entity, raw))
                    if len(batch) == batch_size:
                        rows += _send(session, BASELINE[entity], batch)
                        batch = []
                if batch:
                    rows += _send(session, BASELINE[entity], batch)
    return rows, time.perf_counter() - started


def _send(session: neo4j.Session, statements: list[str], batch: list[dict[str, Any]]) -> int:
    def work(tx: neo4j.ManagedTransaction) -> None:
        for statement in statements:
            tx.run(statement, rows=batch).consume()

    session.execute_write(work)
    return len(batch)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=10_000)
    parser.add_argument("--sweep", default="250,500,1000,2000,5000")
    parser.add_argument("--repeat", type=int, default=3, help="alternating runs of ours and the baseline (median)")
    parser.add_argument("--record", action="store_true", help="append the results to bench/RESULTS.md")
    args = parser.parse_args()
    target_db = target()
    if target_db is None:
        return 2
    uri, user, password = target_db.uri, target_db.user, target_db.password
    root = Path(tempfile.mkdtemp(prefix="custgraph-bench-"))
    generated = generate(root, args.customers, seed=42)
    folders = [root / source for source in SOURCES]
    driver = neo4j.GraphDatabase.driver(uri, auth=(user, password))
    with Neo4jStore(uri, user, password, require_schema=False) as store:
        store.init()

    def neo4j_store(batch_size: int) -> Neo4jStore:
        wipe(target_db)
        return Neo4jStore(uri, user, password, batch_size=batch_size)

    def embedded_store(batch_size: int) -> EmbeddedStore:
        return EmbeddedStore(Path(tempfile.mkdtemp()) / "store", batch_size=batch_size)

    lines = []

    def say(text: str) -> None:
        print(text, flush=True)
        lines.append(text)

    say(f"- data: {args.customers:,} persons, {sum(generated.records.values()):,} customer records, "
        f"{generated.total_interactions:,} interactions (seed 42)")
    rows, seconds = ours(embedded_store, folders, 1000)
    say(f"- embedded store, batch 1000: {rows:,} rows in {seconds:.1f} s = {rows / seconds:,.0f} rows/s")
    ours_rates, base_rates = [], []
    for _ in range(args.repeat):  # alternate, so both see the same machine noise
        rows, seconds = ours(neo4j_store, folders, 1000)
        ours_rates.append(rows / seconds)
        wipe(target_db)
        base_rows, base_seconds = baseline(driver, root, 1000)
        base_rates.append(base_rows / base_seconds)
    ratios = sorted(o / b for o, b in zip(ours_rates, base_rates, strict=True))
    say(f"- Neo4j, custgraph load, batch 1000: {rows:,} rows, median {median(ours_rates):,.0f} rows/s "
        f"(runs: {', '.join(f'{r:,.0f}' for r in ours_rates)})")
    say(f"- Neo4j, hand-written UNWIND MERGE, batch 1000: {base_rows:,} rows, median {median(base_rates):,.0f} rows/s "
        f"(runs: {', '.join(f'{r:,.0f}' for r in base_rates)})")
    say(f"- ratio custgraph / hand-written, per pair: {', '.join(f'{r:.2f}' for r in ratios)}; "
        f"median **{median(ratios):.2f}** (target >= 0.85)")
    runs: dict[int, list[float]] = {}
    for _ in range(args.repeat):  # rounds over all sizes, so noise spreads evenly
        for size in [int(s) for s in args.sweep.split(",")]:
            rows, seconds = ours(neo4j_store, folders, size)
            runs.setdefault(size, []).append(rows / seconds)
    sweep = {size: median(rates) for size, rates in runs.items()}
    for size, rate in sweep.items():
        say(f"- sweep, Neo4j, batch {size}: median {rate:,.0f} rows/s")
    best = max(sweep.values())
    if 1000 in sweep:
        say(f"- default batch 1000 at {sweep[1000] / best:.2f} of the best batch size "
            f"({max(sweep, key=sweep.__getitem__)}) (target >= 0.90)")
    wipe(target_db)
    driver.close()
    if args.record:
        header = heading("Load") + "code as of that commit.\n\n"
        with open(RESULTS, "a", encoding="utf-8") as results:
            results.write(header + "\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
