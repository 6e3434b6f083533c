"""Dashboard view latency: server time per view, p50 / p95, on a store of N persons.

    python bench/dashboard.py [--persons 100000] [--store PATH] [--backends embedded,neo4j] [--repeat 20] [--record]

Builds the store (generated persons, seed 3, loaded and resolved) unless --store names an
embedded store that exists already, or --built says the stores hold them (they are then only
read, so one build serves many runs).
Each view is requested --repeat times through the app in this process (Starlette's test
client, signed in as an admin), alternating views so that a slow moment of this shared machine
touches them all; the time is the server's (request in, page out), without a network. Neo4j
comes from CUSTGRAPH_TEST_NEO4J_URI / _USER / _PASSWORD.
Targets: every view <= 300 ms p95 at 100,000 persons on both backends (issue 16); attribution, root
causes (under the heat map and each funnel step) and retention each <= 1 s (issue 18).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from figures import quantile, record
from neo4j_target import target
from provenance import heading
from starlette.testclient import TestClient

from custgraph import queries
from custgraph.api import create_app
from custgraph.api.auth import KeyRing
from custgraph.config import Config
from custgraph.graph import open_store
from custgraph.loaders import load_sources
from custgraph.samples.generate import SOURCES, generate
from custgraph.services import ResolveConfig, resolve

KEY = "bench-admin-key-0123456789"


def _build(env: dict[str, str], persons: int) -> None:
    data = Path(tempfile.mkdtemp(prefix="bench-dashboard-"))
    generate(data, persons, seed=3)
    with open_store(Config.from_env(env), require_schema=False) as store:
        store.init()
        load_sources(store, [data / source for source in SOURCES], data / "rejects.jsonl")
        resolve(store, ResolveConfig())


def _views(client: TestClient) -> dict[str, str]:
    store = client.app.state.store  # type: ignore[attr-defined]
    customer = next(r["customer_id"] for r in store.run(queries.get("churn_risk"), {"limit": 1}))
    name = str(store.run(queries.get("customer_profile"), {"customer_id": customer})[0]["customer"]["name"])
    scores = store.run(queries.get("touchpoint_scores"))
    busiest = max(scores, key=lambda row: (row["nps_responses"], str(row["channel_id"]), str(row["type"])))
    return {
        "overview": "/",
        "search": f"/customers?q={name.split()[0]}",
        "customer": f"/customers/{customer}",
        "journeys (3-step funnel)": "/journeys?step=web_visit&step=add_to_cart&step=purchase",
        "touchpoints": "/touchpoints",
        "touchpoints, a cell's answers": f"/touchpoints?channel={busiest['channel_id']}&type={busiest['type']}",
        "journeys, paths into purchase": "/journeys?through=purchase&direction=into&depth=3",
        "segments and churn": "/segments",
        "review queue": "/review",
        "attribution": "/attribution",
        "retention": "/retention",
        "touchpoints, root causes": "/touchpoints?causes=1",
        "journeys, drop-off causes": "/journeys?step=web_visit&step=add_to_cart&step=purchase&causes=1",
    }


def measure(env: dict[str, str], repeat: int) -> dict[str, list[float]]:
    keys = KeyRing.from_env({"CUSTGRAPH_API_KEYS": f"bench:admin:{KEY}"})
    with TestClient(create_app(Config.from_env(env), keys)) as client:
        client.post("/signin", data={"key": KEY, "next": "/"})
        views = _views(client)
        times: dict[str, list[float]] = {name: [] for name in views}
        for _ in range(repeat):
            for name, path in views.items():
                started = time.perf_counter()
                response = client.get(path)
                times[name].append(time.perf_counter() - started)
                assert response.status_code == 200, (path, response.status_code)
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--store", help="the embedded store: built there when missing, else only read")
    parser.add_argument("--backends", default="embedded")
    parser.add_argument("--built", action="store_true", help="the stores hold the persons already: only read them")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--record", action="store_true", help="append the table to bench/RESULTS.md")
    args = parser.parse_args()
    lines = [heading(f"Dashboard views, {args.persons:,} persons") + f"{args.repeat} requests per view, "
             "alternating; server time in process (ms).", "",
             "| backend | view | p50 | p95 | max |", "|---|---|---|---|---|"]
    for backend in args.backends.split(","):
        if backend == "embedded":
            env = {"CUSTGRAPH_STORE": args.store or tempfile.mkdtemp(prefix="bench-dashboard-store-")}
        else:
            neo4j = target()
            if neo4j is None:
                return 2
            env = {"CUSTGRAPH_STORE": neo4j.uri, "NEO4J_USER": neo4j.user, "NEO4J_PASSWORD": neo4j.password}
        if not args.built and not (backend == "embedded" and args.store and Path(args.store).exists()):
            print(f"building {args.persons:,} persons on {backend}...", file=sys.stderr)
            _build(env, args.persons)
        for name, taken in measure(env, args.repeat).items():
            lines.append(f"| {backend} | {name} | {statistics.median(taken) * 1000:,.0f} | "
                         f"{quantile(taken, 0.95) * 1000:,.0f} | {max(taken) * 1000:,.0f} |")
            print(lines[-1], flush=True)
    if args.record:
        record(lines)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
