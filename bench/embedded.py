"""The embedded store as a new user meets it: opening, memory, disk, answers, and a second process.

    python bench/embedded.py [--customers 10000,100000] [--samples 200] [--before CODE_DIR] [--record]
    python bench/embedded.py --store DIR [--record]     # an existing store, this code only

For each size, generates that many persons (seed 3; 46,000 persons make about 100,000 records),
loads and resolves them into a new embedded store, then measures it, each figure in a fresh
process as a command would be:

- open: the time to open the store, and the process's peak memory (VmHWM) once open;
- stats: open plus the ``node_counts`` query, what ``custgraph stats`` costs;
- queries: p50 / p99 over --samples random customers of the per-customer queries (profile,
  journey, cross-sell, paths) and of ``search_customers``; each whole-graph query's median of 3;
- serve: ``custgraph serve`` answering the dashboard's whole-graph analytics and a page of
  customers found by search, over HTTP; the server's peak memory (VmHWM) afterwards;
- a second process: can it open the store while one has it open, and how long does it take;
- on disk: bytes, and bytes per interaction.

With ``--before CODE_DIR`` (an older custgraph laid out as installed: ``CODE_DIR/custgraph/...``),
the store is made by that code, a copy is opened (upgraded) by this one, and every probe runs
for both, alternating, so each before/after pair shares the machine's state. Targets (issue 14):
open < 1 s, serve <= 1 GiB, per-customer p50 <= 5 ms and search <= 20 ms at 100k persons,
whole-graph analytics no slower than before.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
import urllib.request
from pathlib import Path
from typing import Any

from provenance import heading

RESULTS = Path(__file__).with_name("RESULTS.md")
AS_OF = "2026-11-01T00:00:00Z"
WHOLE_GRAPH = {
    "journey_variants": {}, "transitions": {}, "funnel": {"steps": ["web_visit", "add_to_cart", "purchase"]},
    "touchpoint_scores": {}, "segments": {"as_of": AS_OF}, "churn_risk": {"as_of": AS_OF},
    "product_popularity": {}, "identity_records": {}, "relationship_counts": {},
}
DASHBOARD = ('{ jv: journeyVariants(steps: 10, first: 100) { variant customers } tr: transitions { count } '
             'fu: funnel(steps: ["web_visit", "add_to_cart", "purchase"]) { customers } '
             'ts: touchpointScores { month nps } cs: customers(search: "an", first: 20) { edges { node { name '
             'journey(first: 10) { id at type } } } } }')

# Make a store: argv[1] data folder, argv[2] store path (runs under the code being measured).
PREPARE = textwrap.dedent("""
    import sys, tempfile
    from pathlib import Path
    from custgraph.graph.embedded import EmbeddedStore
    from custgraph.loaders import load_sources
    from custgraph.samples.generate import SOURCES
    from custgraph.services import ResolveConfig, resolve
    data, path = Path(sys.argv[1]), Path(sys.argv[2])
    with EmbeddedStore(path) as store:
        store.init()
        load_sources(store, [data / source for source in SOURCES], Path(tempfile.mkdtemp()) / "rejects.jsonl")
        resolve(store, ResolveConfig())
""")

# Runs in a fresh process: argv[1] the store, argv[2] what to measure, argv[3] samples, argv[4] whole-graph.
PROBE = textwrap.dedent("""
    import json, random, statistics, sys, time
    from custgraph import queries
    from custgraph.graph.embedded import EmbeddedStore

    def peak_mib():
        # VmHWM, not getrusage's ru_maxrss: that one survives exec, so it would report the
        # benchmark's own peak for every probe it starts.
        with open("/proc/self/status") as status:
            return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:")) / 1024

    path, what, samples, whole = sys.argv[1], sys.argv[2], int(sys.argv[3]), json.loads(sys.argv[4])
    started = time.perf_counter()
    store = EmbeddedStore(path)
    result = {"open_s": time.perf_counter() - started, "open_peak_mib": peak_mib()}
    if what == "stats":
        result["counts"] = {row["label"]: row["count"] for row in store.run(queries.get("node_counts"))}
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
        for name, params in whole.items():
            timings = []
            for _ in range(3):
                began = time.perf_counter()
                store.run(queries.get(name), params)
                timings.append((time.perf_counter() - began) * 1000)
            result[name] = [statistics.median(timings)]
        result["queries_peak_mib"] = peak_mib()
    store.close()
    print(json.dumps(result), flush=True)
""")


def _env(code: Path | None) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("CUSTGRAPH_")}
    if code is not None:
        env["PYTHONPATH"] = str(code)
    return env


def probe(code: Path | None, path: Path, what: str, samples: int = 0) -> dict[str, Any]:
    done = subprocess.run([sys.executable, "-c", PROBE, str(path), what, str(samples), json.dumps(WHOLE_GRAPH)],
                          capture_output=True, text=True, timeout=7200, env=_env(code), cwd=code or None)
    if done.returncode != 0:
        raise RuntimeError(f"probe {what} failed: {done.stderr.strip()[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def second_process(code: Path | None, path: Path) -> str:
    """Open the store in one process and try a second; what the second one gets."""
    with subprocess.Popen([sys.executable, "-c", PROBE, str(path), "hold", "0", "{}"], stdin=subprocess.PIPE,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env(code),
                          cwd=code or None) as holder:
        assert holder.stdin is not None and holder.stdout is not None
        holder.stdout.readline()  # open
        started = time.perf_counter()
        second = subprocess.run([sys.executable, "-c", PROBE, str(path), "open", "0", "{}"], capture_output=True,
                                text=True, timeout=7200, env=_env(code), cwd=code or None)
        took = time.perf_counter() - started
        holder.stdin.write("\n")
        holder.stdin.flush()
        holder.wait(timeout=600)
    if second.returncode == 0:
        return f"opened in {json.loads(second.stdout.splitlines()[-1])['open_s']:.2f} s"
    message = second.stderr.strip().splitlines()[-1] if second.stderr.strip() else "failed"
    return f"refused after {took:.2f} s ({message[:120]})"


def serve(code: Path | None, path: Path) -> dict[str, float]:
    """``custgraph serve`` on the store: seconds until ready, seconds for the dashboard query, peak MiB."""
    with socket.socket() as spare:
        spare.bind(("127.0.0.1", 0))
        port = spare.getsockname()[1]
    started = time.perf_counter()
    server = subprocess.Popen([sys.executable, "-m", "custgraph", "--store", str(path), "serve", "--port", str(port)],
                              env=_env(code), cwd=code or None, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=5) as response:
                    if response.status == 200:
                        break
            except OSError:
                if server.poll() is not None or time.perf_counter() - started > 3600:
                    raise RuntimeError("the server did not come up") from None
                time.sleep(0.5)
        ready = time.perf_counter() - started
        request = urllib.request.Request(f"http://127.0.0.1:{port}/graphql", json.dumps({"query": DASHBOARD}).encode(),
                                         {"Content-Type": "application/json"})
        began = time.perf_counter()
        with urllib.request.urlopen(request, timeout=3600) as response:
            answer = json.loads(response.read())
        if "errors" in answer:
            raise RuntimeError(f"the dashboard query failed: {answer['errors']}")
        took = time.perf_counter() - began
        with open(f"/proc/{server.pid}/status", encoding="ascii") as status:
            peak = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:")) / 1024
    finally:
        server.terminate()
        server.wait(timeout=60)
    return {"ready_s": ready, "dashboard_s": took, "peak_mib": peak}


def disk(path: Path, interactions: int) -> str:
    size = sum(f.stat().st_size for f in path.iterdir() if f.is_file())
    return f"{size / 2**20:,.0f} MiB, {size / max(interactions, 1):,.0f} bytes per interaction"


def measure(sides: dict[str, tuple[Path | None, Path]], samples: int) -> list[str]:
    """Every probe for each side in turn (before, after, before, after...)."""
    got: dict[str, dict[str, Any]] = {name: {} for name in sides}
    for name, (code, path) in sides.items():
        got[name]["stats"] = probe(code, path, "stats")
    for name, (code, path) in sides.items():
        got[name]["open"] = probe(code, path, "open")
    for name, (code, path) in sides.items():
        got[name]["queries"] = probe(code, path, "queries", samples)
    for name, (code, path) in sides.items():
        got[name]["serve"] = serve(code, path)
    for name, (code, path) in sides.items():
        got[name]["second"] = second_process(code, path)
    lines = []
    counts = next(iter(got.values()))["stats"]["counts"]
    lines.append(f"records {counts.get('Identity', 0):,}, customers {counts.get('Customer', 0):,}, interactions "
                 f"{counts.get('Interaction', 0):,}")

    def row(title: str, show: Any) -> None:
        lines.append(f"{title}: " + "; ".join(f"{name} {show(got[name])}" for name in sides))

    row("open (median of 2)", lambda g: f"**{sorted([g['stats']['open_s'], g['open']['open_s']])[0]:.3f} s**, "
        f"{g['open']['open_peak_mib']:,.0f} MiB once open")
    row("`stats` (open + node_counts)", lambda g: f"{g['stats']['stats_s']:.2f} s")
    for name, (_, path) in sides.items():
        lines.append(f"on disk, {name}: {disk(path, counts.get('Interaction', 0))}")
    row("a second process while one has it open", lambda g: g["second"])
    row("serve: ready after", lambda g: f"{g['serve']['ready_s']:.1f} s")
    row("serve: dashboard analytics + a search page over HTTP", lambda g: f"{g['serve']['dashboard_s']:.2f} s")
    row("serve: peak memory", lambda g: f"**{g['serve']['peak_mib']:,.0f} MiB**")
    for query in ("customer_profile", "journey", "cross_sell", "cross_sell_paths", "search_customers"):
        row(f"{query} p50 / p99 ({samples} runs)",
            lambda g, q=query: f"**{g['queries'][q][0]:.1f}** / {g['queries'][q][1]:.1f} ms")
    for query in WHOLE_GRAPH:
        row(f"{query} (median of 3)", lambda g, q=query: f"{g['queries'][q][0]:,.0f} ms")
    row("peak memory after all the queries", lambda g: f"{g['queries']['queries_peak_mib']:,.0f} MiB")
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--customers", default="10000,100000", help="person counts, comma-separated")
    parser.add_argument("--samples", type=int, default=200, help="runs of each per-customer query")
    parser.add_argument("--before", type=Path, help="an older custgraph laid out as installed, to compare with")
    parser.add_argument("--before-name", help="what to call it in bench/RESULTS.md (e.g. its commit)")
    parser.add_argument("--store", type=Path, help="measure this existing store with this code only")
    parser.add_argument("--record", action="store_true", help="append the results to bench/RESULTS.md")
    args = parser.parse_args()
    report: list[str] = []
    if args.store is not None:
        report += [f"- {args.store.name}:", *[f"  - {line}" for line in measure({"this": (None, args.store)},
                                                                                  args.samples)]]
        print("\n".join(report), flush=True)
    for size in (int(s) for s in args.customers.split(",")) if args.store is None else ():
        root = Path(tempfile.mkdtemp(prefix="custgraph-embedded-"))
        subprocess.run([sys.executable, "-m", "custgraph", "generate", "--customers", str(size), "--seed", "3",
                        str(root / "data")], check=True, capture_output=True, env=_env(None))
        first = args.before  # the code that makes the store: the older one when comparing
        started = time.perf_counter()
        made = subprocess.run([sys.executable, "-c", PREPARE, str(root / "data"), str(root / "made")],
                              env=_env(first), cwd=first or None, capture_output=True, text=True)
        if made.returncode != 0:
            raise RuntimeError(made.stderr[-2000:])
        print(f"{size:,} persons loaded and resolved in {time.perf_counter() - started:.0f} s", flush=True)
        sides: dict[str, tuple[Path | None, Path]] = {}
        if args.before is not None:
            shutil.copytree(root / "made", root / "upgraded")
            began = time.perf_counter()
            upgrade = probe(None, root / "upgraded", "open")
            print(f"upgraded a copy in {time.perf_counter() - began:.0f} s ({upgrade['open_s']:.0f} s in open)",
                  flush=True)
            sides = {"before": (args.before, root / "made"), "after": (None, root / "upgraded")}
        else:
            sides = {"this": (None, root / "made")}
        block = [f"- {size:,} persons:", *[f"  - {line}" for line in measure(sides, args.samples)]]
        if args.before is not None:
            block.insert(1, f"  - upgrading the before store to this layout: {upgrade['open_s']:.0f} s (once)")
        print("\n".join(block), flush=True)
        report += block
        shutil.rmtree(root, ignore_errors=True)
    if args.record:
        with open(RESULTS, "a", encoding="utf-8") as results:
            before = f"before = {args.before_name or args.before}, " if args.before else ""
            results.write(heading("Embedded store") + f"{before}seed 3; each figure from a fresh process, as a "
                          "command would run; targets (issue 14): open < 1 s, serve <= 1 GiB, per-customer p50 <= "
                          "5 ms, search <= 20 ms at 100k persons, whole-graph no slower than before.\n\n"
                          + "\n".join(report) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
