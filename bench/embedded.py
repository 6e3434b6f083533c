"""The embedded store as a new user meets it: opening, memory, disk, per-customer answers, and
whether a second process can work on a store that one has open.

    python bench/embedded.py [--customers 10000,46000] [--samples 200] [--store DIR] [--record]

For each size, generates that many persons (seed 3; 46,000 persons make about 100,000 records),
loads and resolves them into a new embedded store (or measures an existing one, --store), then,
each in a fresh process as a command would be:

- open: the time to open the store, and the process's peak memory (max RSS) once open;
- stats: open plus the ``node_counts`` query, what ``custgraph stats`` costs;
- queries: p50 / p99 over --samples random customers of the per-customer queries (profile,
  journey, cross-sell, paths) and of ``search_customers``, and the peak memory at the end;
- second process: while one process holds the store open, can another open it, and how long
  does it take to be told.

And on disk: the store's bytes, and bytes per interaction. The targets (issue 14): open < 1 s,
serve <= 1 GiB, per-customer p50 <= 5 ms and search <= 20 ms at 100k persons.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path
from typing import Any

from custgraph.graph.embedded import EmbeddedStore
from custgraph.loaders import load_sources
from custgraph.samples.generate import SOURCES, generate
from custgraph.services import ResolveConfig, resolve
from provenance import heading

from custgraph import queries

RESULTS = Path(__file__).with_name("RESULTS.md")

# Runs in a fresh process: argv[1] the store, argv[2] what to measure, argv[3] samples.
PROBE = textwrap.dedent("""
    import json, random, statistics, sys, time
    from custgraph import queries
    from custgraph.graph.embedded import EmbeddedStore

    def peak_mib():
        # VmHWM, not getrusage's ru_maxrss: that one survives exec, so it would report the
        # benchmark's own peak (it loads and resolves in process) for every probe it starts.
        with open("/proc/self/status") as status:
            return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:")) / 1024

    path, what, samples = sys.argv[1], sys.argv[2], int(sys.argv[3])
    started = time.perf_counter()
    store = EmbeddedStore(path)
    result = {"open_s": time.perf_counter() - started, "open_peak_mib": peak_mib()}
    if what == "stats":
        store.run(queries.get("node_counts"))
        result["stats_s"] = time.perf_counter() - started
    elif what == "hold":
        print(json.dumps(result), flush=True)
        sys.stdin.readline()  # held open until told
    elif what == "queries":
        rows = store.run(queries.get("customer_identities"))
        customers = sorted({row["customer_id"] for row in rows if row["customer_id"]})
        products = [row["sku"] for row in store.run(queries.get("product_popularity"))]
        names = [row["name"].split()[-1] for row in store.run(queries.get("search_customers"),
                                                                {"text": "a", "limit": 200})]
        draws = {
            "customer_profile": lambda r: {"customer_id": r.choice(customers)},
            "journey": lambda r: {"customer_id": r.choice(customers)},
            "cross_sell": lambda r: {"customer_id": r.choice(customers)},
            "cross_sell_paths": lambda r: {"customer_id": r.choice(customers), "sku": r.choice(products)},
            "search_customers": lambda r: {"text": r.choice(names)},
        }
        rng = random.Random(5)
        for name, draw in draws.items():
            query = queries.get(name)
            store.run(query, draw(rng))
            timings = []
            for _ in range(samples):
                params = draw(rng)
                began = time.perf_counter()
                store.run(query, params)
                timings.append((time.perf_counter() - began) * 1000)
            timings.sort()
            result[name] = [statistics.median(timings), timings[min(len(timings) - 1, int(0.99 * len(timings)))]]
        result["queries_peak_mib"] = peak_mib()
    store.close()
    print(json.dumps(result), flush=True)
""")


def probe(path: Path, what: str, samples: int = 0) -> dict[str, Any]:
    done = subprocess.run([sys.executable, "-c", PROBE, str(path), what, str(samples)], capture_output=True,
                          text=True, timeout=3600)
    if done.returncode != 0:
        raise RuntimeError(f"probe {what} failed: {done.stderr.strip()[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def second_process(path: Path) -> str:
    """Open the store in one process and try a second; what the second one gets."""
    with subprocess.Popen([sys.executable, "-c", PROBE, str(path), "hold", "0"], stdin=subprocess.PIPE,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as holder:
        assert holder.stdin is not None and holder.stdout is not None
        holder.stdout.readline()  # open
        started = time.perf_counter()
        second = subprocess.run([sys.executable, "-c", PROBE, str(path), "open", "0"], capture_output=True,
                                text=True, timeout=3600)
        took = time.perf_counter() - started
        holder.stdin.write("\n")
        holder.stdin.flush()
        holder.wait(timeout=600)
    if second.returncode == 0:
        return f"opened in {json.loads(second.stdout.splitlines()[-1])['open_s']:.2f} s"
    message = second.stderr.strip().splitlines()[-1] if second.stderr.strip() else "failed"
    return f"refused after {took:.2f} s ({message[:160]})"


def prepare(size: int, store_path: Path) -> tuple[int, int]:
    """Generate, load and resolve ``size`` persons into a new store; (records, interactions)."""
    root = Path(tempfile.mkdtemp(prefix="custgraph-embedded-data-"))
    generated = generate(root, size, seed=3)
    with EmbeddedStore(store_path) as store:
        store.init()
        load_sources(store, [root / source for source in SOURCES], root / "rejects.jsonl")
        resolve(store, ResolveConfig())
    return sum(generated.records.values()), generated.total_interactions


def measure(store_path: Path, samples: int) -> list[str]:
    with EmbeddedStore(store_path) as store:
        counts = {row["label"]: row["count"] for row in store.run(queries.get("node_counts"))}
    disk = sum(f.stat().st_size for f in store_path.iterdir() if f.is_file())
    interactions = counts.get("Interaction", 0)
    opened = [probe(store_path, "open") for _ in range(3)]
    stats = probe(store_path, "stats")
    answers = probe(store_path, "queries", samples)
    open_s = sorted(o["open_s"] for o in opened)[1]
    lines = [
        f"records {counts.get('Identity', 0):,}, customers {counts.get('Customer', 0):,}, interactions "
        f"{interactions:,}",
        f"open: **{open_s:.2f} s** (median of 3), peak memory once open **{opened[1]['open_peak_mib']:,.0f} MiB**",
        f"`stats` (open + node_counts): {stats['stats_s']:.2f} s",
        f"on disk: {disk / 2**20:,.0f} MiB, {disk / max(interactions, 1):,.0f} bytes per interaction",
        f"a second process while one has it open: {second_process(store_path)}",
    ]
    for name in ("customer_profile", "journey", "cross_sell", "cross_sell_paths", "search_customers"):
        p50, p99 = answers[name]
        lines.append(f"{name}: p50 **{p50:.1f} ms**, p99 {p99:.1f} ms ({samples} runs, after open)")
    lines.append(f"peak memory after the queries: {answers['queries_peak_mib']:,.0f} MiB")
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--customers", default="10000,46000", help="person counts, comma-separated")
    parser.add_argument("--samples", type=int, default=200, help="runs of each per-customer query")
    parser.add_argument("--store", type=Path, action="append", help="measure this existing store instead of "
                        "generating (repeatable)")
    parser.add_argument("--record", action="store_true", help="append the results to bench/RESULTS.md")
    args = parser.parse_args()
    report: list[str] = []
    targets: list[tuple[str, Path]] = []
    if args.store:
        targets += [(f"store {path}", path) for path in args.store]
    else:
        for size in (int(s) for s in args.customers.split(",")):
            path = Path(tempfile.mkdtemp(prefix="custgraph-embedded-")) / "store"
            started = time.perf_counter()
            records, interactions = prepare(size, path)
            print(f"{size:,} persons: {records:,} records, {interactions:,} interactions, loaded and resolved "
                  f"in {time.perf_counter() - started:.0f} s", flush=True)
            targets.append((f"{size:,} persons", path))
    for title, path in targets:
        lines = measure(path, args.samples)
        block = [f"- {title}:", *[f"  - {line}" for line in lines]]
        print("\n".join(block), flush=True)
        report += block
    if args.record:
        with open(RESULTS, "a", encoding="utf-8") as results:
            results.write(heading("Embedded store") + "seed 3; each figure from a fresh process, as a command "
                          "would run; targets (issue 14): open < 1 s, serve <= 1 GiB, per-customer p50 <= 5 ms, "
                          "search <= 20 ms at 100k persons.\n\n" + "\n".join(report) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
