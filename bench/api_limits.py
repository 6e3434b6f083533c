"""Does one request hold the server? /healthz latency while the largest allowed request runs.

    python bench/api_limits.py [--customers 10000] [--rounds 5] [--record]

Generates persons (seed 9), loads and resolves them into an embedded store, starts
``custgraph serve`` on a free loopback port, and measures in one run:

- /healthz alone (idle), round by round alternating with the same polling while the request
  below runs, so machine noise hits both;
- the largest request the limits allow (api/limits.py): whole-graph analytics next to aliased
  pages of customers with their journeys, built up to just under MAX_COST; target: health
  answers in < 100 ms at every poll;
- how long the fragment bomb of the hardening issue (2^22 and 2^39 fields written out in 1-2 KB)
  takes to be refused, which took 12 s and forever before.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

from provenance import heading

from custgraph.api.limits import MAX_COST, size_of
from custgraph.api.schema import build_schema
from custgraph.graph.embedded import EmbeddedStore
from custgraph.loaders import load_sources
from custgraph.samples.generate import SOURCES, generate
from custgraph.services import ResolveConfig, resolve

RESULTS = Path(__file__).with_name("RESULTS.md")
ANALYTICS = ('jv: journeyVariants(steps: 10, first: 100) { variant customers } tr: transitions { count } '
             'fu: funnel(steps: ["web_visit", "add_to_cart", "purchase"]) { customers } '
             'ts: touchpointScores { month nps }')
PAGE = ('c{n}: customers(search: "{letter}", first: 100) {{ edges {{ node {{ name email '
        'journey(first: {steps}) {{ id at type channelId skus amount }} }} }} }}')


def largest_allowed() -> tuple[str, int]:
    """Pages of 100 customers with journeys, as many and as long as MAX_COST allows."""
    schema = build_schema()._schema
    best = ("{ " + ANALYTICS + " }", 0)
    for pages in range(1, 12):
        for steps in range(1, 100):
            parts = [PAGE.format(n=n, letter="aeioulnrstk"[n], steps=steps) for n in range(pages)]
            query = "{ " + ANALYTICS + " " + " ".join(parts) + " }"
            cost = size_of(query, schema)[0].cost
            if cost > MAX_COST:
                break
            if cost > best[1]:
                best = (query, cost)
    return best


def fragment_bomb(levels: int) -> str:
    fragments = ["fragment F0 on Transition { count }"]
    fragments += [f"fragment F{n} on Transition {{ ...F{n - 1} ...F{n - 1} }}" for n in range(1, levels + 1)]
    return " ".join(fragments) + f" {{ transitions {{ ...F{levels} }} }}"


def post(port: int, query: str) -> tuple[float, dict[str, Any]]:
    request = urllib.request.Request(f"http://127.0.0.1:{port}/graphql", json.dumps({"query": query}).encode(),
                                     {"Content-Type": "application/json"})
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=300) as response:
        answer = json.loads(response.read())
    return time.perf_counter() - started, answer


def health_while(port: int, busy: threading.Thread | None, polls: int = 40) -> list[float]:
    """Milliseconds per /healthz, polled while ``busy`` runs (or ``polls`` times when idle)."""
    if busy is not None:
        busy.start()
    took: list[float] = []
    while (busy.is_alive() if busy is not None else len(took) < polls):
        started = time.perf_counter()
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=60) as response:
            response.read()
        took.append((time.perf_counter() - started) * 1000)
        time.sleep(0.01)
    if busy is not None:
        busy.join()
    return took


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=10000, help="persons to generate")
    parser.add_argument("--rounds", type=int, default=5, help="idle / busy pairs")
    parser.add_argument("--record", action="store_true", help="append the figures to bench/RESULTS.md")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="custgraph-bench-limits-"))
    generated = generate(work / "data", args.customers, seed=9)
    with EmbeddedStore(work / "store") as store:
        load_sources(store, [work / "data" / s for s in SOURCES], work / "rejects.jsonl")
        resolve(store, ResolveConfig())
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CUSTGRAPH_")}
    server = subprocess.Popen([sys.executable, "-m", "custgraph", "--store", str(work / "store"), "serve",
                               "--port", str(port)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(600):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2).read()
                break
            except OSError:
                time.sleep(0.5)
        query, cost = largest_allowed()
        idle: list[float] = []
        busy: list[float] = []
        answers: list[float] = []
        for _ in range(args.rounds):
            idle += health_while(port, None)

            def ask() -> None:
                seconds, answer = post(port, query)
                assert "errors" not in answer, answer["errors"]
                answers.append(seconds)

            busy += health_while(port, threading.Thread(target=ask))
        bombs = []
        for levels in (22, 39):
            seconds, answer = post(port, fragment_bomb(levels))
            assert "maximum number of fields" in answer["errors"][0]["message"], answer
            bombs.append(f"{levels} levels ({len(fragment_bomb(levels)):,} bytes): refused in {seconds * 1000:.0f} ms")
    finally:
        server.terminate()
        server.wait(timeout=60)

    def figures(values: list[float]) -> str:
        ordered = sorted(values)
        return (f"p50 {statistics.median(ordered):.1f} ms, p99 {ordered[int(0.99 * (len(ordered) - 1))]:.1f} ms, "
                f"max {ordered[-1]:.1f} ms over {len(ordered)} polls")

    lines = [
        f"data: {generated.persons:,} persons, {sum(generated.records.values()):,} records, "
        f"{generated.total_interactions:,} interactions (seed 9), embedded store, one uvicorn worker",
        f"largest allowed request: cost {cost:,} of {MAX_COST:,} ({len(query):,} bytes), answered in "
        f"{statistics.median(answers):.2f} s median over {len(answers)} runs",
        f"/healthz idle: {figures(idle)}",
        f"/healthz while that request runs: **{figures(busy)}** (target: every poll < 100 ms: "
        f"{'met' if max(busy) < 100 else 'NOT met'})",
        *bombs,
    ]
    print("\n".join(lines))
    if args.record:
        with open(RESULTS, "a", encoding="utf-8") as out:
            out.write(heading("API limits") + "rounds alternate idle and busy polling.\n\n")
            out.write("".join(f"- {line}\n" for line in lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
