"""Identity-resolution benchmark: quality against truth.csv and speed, on both backends.

    python bench/identity.py [--records 10000,100000] [--backends embedded,neo4j] [--record]

For each size, generates persons until about that many source records exist
(seed 42, the generator's default noise: typos, nicknames, old e-mails, moved
addresses, kana/kanji/romaji, in-source duplicates), loads them, and times a
full ``resolve`` from scratch (comparison, clustering, golden customers and the
derived relationships). Quality is pairwise precision / recall / F1 against
``truth.csv``. Neo4j comes from CUSTGRAPH_TEST_NEO4J_URI / _USER / _PASSWORD.
``--record`` appends the results to bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import csv
import sys
import tempfile
import time
from pathlib import Path

from custgraph.graph import Store
from custgraph.graph.embedded import EmbeddedStore
from custgraph.loaders import load_sources
from custgraph.resolution.quality import pairwise_quality
from custgraph.samples.generate import SOURCES, generate
from custgraph.services import ResolveConfig, resolve
from neo4j_target import target
from provenance import heading

from custgraph import queries

RESULTS = Path(__file__).with_name("RESULTS.md")
RECORDS_PER_PERSON = 2.18  # what the generator's source membership gives on average


def truth(root: Path) -> dict[str, str]:
    with open(root / "truth.csv", encoding="utf-8") as handle:
        return {f"{row['source']}:{row['source_id']}": row["person_id"] for row in csv.DictReader(handle)}


def measure(store: Store, root: Path) -> str:
    report = load_sources(store, [root / source for source in SOURCES], Path(tempfile.mkdtemp()) / "rejects.jsonl")
    assert report.total("rejected") == 0
    started = time.perf_counter()
    result = resolve(store, ResolveConfig(), full=True)
    seconds = time.perf_counter() - started
    predicted = {f"{r['source']}:{r['source_id']}": r["customer_id"]
                 for r in store.run(queries.get("customer_identities"))}
    quality = pairwise_quality(predicted, truth(root))
    phases = ", ".join(f"{name} {value:.1f}" for name, value in result.seconds.items())
    return (f"{quality.records:,} records: resolve {seconds:.1f} s ({phases}); "
            f"{result.compared:,} pairs compared; precision **{quality.precision:.4f}**, "
            f"recall **{quality.recall:.4f}**, F1 {quality.f1:.4f}; {quality.customers:,} customers for "
            f"{quality.persons:,} persons ({quality.false_pairs:,} false pairs, {quality.missed_pairs:,} missed)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", default="10000,100000", help="source-record counts, comma-separated")
    parser.add_argument("--backends", default="embedded,neo4j")
    parser.add_argument("--interactions-per-customer", type=float, default=10.0)
    parser.add_argument("--record", action="store_true", help="append the results to bench/RESULTS.md")
    args = parser.parse_args()
    backends = args.backends.split(",")
    neo4j = target() if "neo4j" in backends else None
    if "neo4j" in backends and neo4j is None:
        return 2
    lines: list[str] = []
    for size in (int(s) for s in args.records.split(",")):
        root = Path(tempfile.mkdtemp(prefix="custgraph-identity-"))
        generated = generate(root, round(size / RECORDS_PER_PERSON), seed=42,
                             interactions_per_customer=args.interactions_per_customer)
        interactions = f"{generated.total_interactions:,} interactions"
        for backend in backends:
            if backend == "embedded":
                with EmbeddedStore(Path(tempfile.mkdtemp()) / "store") as store:
                    line = measure(store, root)
            else:
                assert neo4j is not None
                with neo4j.store() as store:
                    store.wipe()
                    store.init()
                    line = measure(store, root)
            lines.append(f"- {backend}, {line}, {interactions}")
            print(lines[-1], flush=True)
    if args.record:
        header = (heading("Identity resolution") + "default `ResolveConfig`; seed 42; targets: precision >= 0.99 and "
                  "recall >= 0.97 at 100k records, resolve < 60 s embedded and < 120 s on Neo4j at 100k.\n\n")
        with open(RESULTS, "a", encoding="utf-8") as results:
            results.write(header + "\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
