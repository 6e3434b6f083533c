"""Query latency: p50 / p99 of every catalogue query, on both backends.

    python bench/queries.py [--customers 10000,100000] [--backends embedded,neo4j] [--record]

For each size, generates that many persons (seed 3), loads and resolves them,
then times each query: queries for one customer or product over --samples
random customers (or products), whole-graph analytics --repeat times. Latency
is measured in this process around ``store.run`` (for Neo4j: the round trip
through the driver, rows converted to Python). Neo4j comes from
CUSTGRAPH_TEST_NEO4J_URI / _USER / _PASSWORD. Target: per-customer queries
under 20 ms p50 on Neo4j at 100k customers.
"""

from __future__ import annotations

import argparse
import logging
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from neo4j_target import target
from provenance import heading

from custgraph import queries
from custgraph.graph import Store
from custgraph.graph.embedded import EmbeddedStore
from custgraph.loaders import load_sources
from custgraph.samples.generate import SOURCES, generate
from custgraph.services import ResolveConfig, resolve

RESULTS = Path(__file__).with_name("RESULTS.md")
AS_OF = "2026-11-01T00:00:00Z"

Params = Callable[[random.Random], dict[str, Any]]


def cases(customers: list[str], products: list[str], names: list[str]) -> dict[str, tuple[bool, Params]]:
    """query → (for one customer or product?, how to draw its parameters)."""
    return {
        "customer_profile": (True, lambda r: {"customer_id": r.choice(customers), "as_of": AS_OF}),
        "search_customers": (True, lambda r: {"text": r.choice(names)}),
        "cross_sell": (True, lambda r: {"customer_id": r.choice(customers)}),
        "cross_sell_paths": (True, lambda r: {"customer_id": r.choice(customers), "sku": r.choice(products)}),
        "journey": (True, lambda r: {"customer_id": r.choice(customers)}),
        "prospects_for_product": (True, lambda r: {"sku": r.choice(products)}),
        "product_popularity": (False, lambda r: {}),
        "journey_variants": (False, lambda r: {}),
        "transitions": (False, lambda r: {}),
        "funnel": (False, lambda r: {"steps": ["web_visit", "add_to_cart", "purchase"]}),
        "touchpoint_scores": (False, lambda r: {}),
        "segments": (False, lambda r: {"as_of": AS_OF}),
        "churn_risk": (False, lambda r: {"as_of": AS_OF}),
    }


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def measure(store: Store, root: Path, samples: int, repeat: int) -> list[str]:
    load_sources(store, [root / source for source in SOURCES], Path(tempfile.mkdtemp()) / "rejects.jsonl")
    resolve(store, ResolveConfig())
    rows = store.run(queries.get("customer_identities"))
    customers = sorted({row["customer_id"] for row in rows if row["customer_id"]})
    products = [row["sku"] for row in store.run(queries.get("product_popularity"))]
    names = [row["name"].split()[-1] for row in store.run(queries.get("search_customers"), {"text": "a",
                                                                                         "limit": 200})]
    rng = random.Random(5)
    lines = []
    for name, (single, draw) in cases(customers, products, names).items():
        query = queries.get(name)
        runs = samples if single else repeat
        store.run(query, draw(rng))  # warm up: plan cache, page cache
        timings = []
        for _ in range(runs):
            params = draw(rng)
            started = time.perf_counter()
            store.run(query, params)
            timings.append((time.perf_counter() - started) * 1000)
        lines.append(f"{name}: p50 {statistics.median(timings):.1f} ms, p99 {percentile(timings, 0.99):.1f} ms "
                     f"({runs} runs)")
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", default="10000,100000", help="person counts, comma-separated")
    parser.add_argument("--backends", default="embedded,neo4j")
    parser.add_argument("--samples", type=int, default=200, help="runs of each per-customer query")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each whole-graph query")
    parser.add_argument("--record", action="store_true", help="append the results to bench/RESULTS.md")
    args = parser.parse_args()
    logging.getLogger("neo4j").setLevel(logging.ERROR)  # notifications about unused labels are noise here
    backends = args.backends.split(",")
    neo4j = target() if "neo4j" in backends else None
    if "neo4j" in backends and neo4j is None:
        return 2
    report: list[str] = []
    for size in (int(s) for s in args.customers.split(",")):
        root = Path(tempfile.mkdtemp(prefix="custgraph-queries-"))
        generated = generate(root, size, seed=3)
        for backend in backends:
            if backend == "embedded":
                with EmbeddedStore(Path(tempfile.mkdtemp()) / "store") as store:
                    store.init()
                    lines = measure(store, root, args.samples, args.repeat)
            else:
                assert neo4j is not None
                with neo4j.store() as store:
                    store.wipe()
                    store.init()
                    lines = measure(store, root, args.samples, args.repeat)
            summary = (f"- {backend}, {size:,} persons ({sum(generated.records.values()):,} records, "
                       f"{generated.total_interactions:,} interactions):")
            report += [summary, *[f"  - {line}" for line in lines]]
            print("\n".join([summary, *[f"  - {line}" for line in lines]]), flush=True)
    if args.record:
        with open(RESULTS, "a", encoding="utf-8") as results:
            results.write(heading("Query latency") + "seed 3; "
                          f"per-customer queries over {args.samples} random customers or products, whole-graph "
                          f"queries {args.repeat} times; target: per-customer p50 < 20 ms on Neo4j at 100k "
                          f"customers.\n\n" + "\n".join(report) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
