"""Human decisions at scale: unmerge, confirm and reject on a resolved store, both backends.

    python bench/decisions.py [--records 100000] [--decisions 10] [--backends embedded,neo4j] [--record]

Generates persons until about that many source records exist (seed 42), loads and resolves
them, then times, alternating on the same store: ``unmerge`` of two records of one customer,
``confirm`` of a review-queue pair and ``reject`` (unmerge) of another, each followed by the
opposite decision so the store returns to its shape; and, for comparison, what a decision
cost before it was local: marking its two records dirty and running an incremental resolve.
Target: a decision answers in under 1 s at 100,000 records on both backends. Neo4j comes
from CUSTGRAPH_TEST_NEO4J_URI / _USER / _PASSWORD.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

from neo4j_target import target
from provenance import heading

from custgraph import queries
from custgraph.graph import Store
from custgraph.graph.embedded import EmbeddedStore
from custgraph.loaders import load_sources
from custgraph.samples import SOURCES, generate
from custgraph.services import ResolveConfig, confirm, resolve, unmerge

RESULTS = Path(__file__).with_name("RESULTS.md")
RECORDS_PER_PERSON = 2.18
CONFIG = ResolveConfig()


def _timed(action: object, *args: object) -> float:
    started = time.perf_counter()
    action(*args)  # type: ignore[operator]
    return time.perf_counter() - started


def measure(store: Store, root: Path, decisions: int) -> list[str]:
    load_sources(store, [root / source for source in SOURCES], Path(tempfile.mkdtemp()) / "rejects.jsonl")
    resolve(store, CONFIG, full=True)
    links = store.run(queries.get("identity_links"))
    same = sorted((str(r["a"]), str(r["b"])) for r in links if r["type"] == "SAME_AS")
    queue = sorted((str(r["a"]), str(r["b"])) for r in links if r["type"] == "POSSIBLY_SAME_AS")
    rng = random.Random(7)
    pairs = rng.sample(same, min(decisions, len(same)))
    answers = rng.sample(queue, min(decisions, len(queue)))
    times: dict[str, list[float]] = {"unmerge": [], "confirm": [], "reject": [], "resolve (before)": []}
    for a, b in pairs:
        times["unmerge"].append(_timed(unmerge, store, CONFIG, a, b, "bench", "split"))
        confirm(store, CONFIG, a, b, "bench", "undo")  # back together
        # What a decision used to cost: its two records marked dirty and an incremental resolve.
        store.upsert_nodes("Identity", [{"identity_id": a, "resolved": None}, {"identity_id": b, "resolved": None}])
        times["resolve (before)"].append(_timed(resolve, store, CONFIG))
    for a, b in answers:
        times["confirm"].append(_timed(confirm, store, CONFIG, a, b, "bench", "same"))
        times["reject"].append(_timed(unmerge, store, CONFIG, a, b, "bench", "not the same"))
    records = sum(1 for _ in store.run(queries.get("customer_identities")))
    lines = [f"{records:,} records"]
    for name, values in times.items():
        if values:
            lines.append(f"{name}: median **{statistics.median(values) * 1000:.0f} ms**, max "
                         f"{max(values) * 1000:.0f} ms over {len(values)}")
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--decisions", type=int, default=10, help="of each kind")
    parser.add_argument("--backends", default="embedded,neo4j")
    parser.add_argument("--record", action="store_true", help="append the figures to bench/RESULTS.md")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="custgraph-bench-decisions-"))
    generate(root / "data", round(args.records / RECORDS_PER_PERSON), seed=42)
    out: list[str] = []
    for backend in args.backends.split(","):
        if backend == "embedded":
            with EmbeddedStore(root / "store") as store:
                lines = measure(store, root / "data", args.decisions)
        else:
            found = target()
            if found is None:
                return 2
            with found.store() as store:
                store.wipe()
                store.init()
                lines = measure(store, root / "data", args.decisions)
        out += [f"{backend}: " + "; ".join(lines)]
        print(out[-1], flush=True)
    if args.record:
        with open(RESULTS, "a", encoding="utf-8") as handle:
            handle.write(heading("Decisions") + "decisions are local (services/decisions.py); target < 1 s "
                         "each at 100,000 records.\n\n")
            handle.write("".join(f"- {line}\n" for line in out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
