"""API overhead and throughput: GraphQL over HTTP against the same query through the driver.

    python bench/api.py [--customers 10000] [--samples 300] [--seconds 10] [--record]

Loads generated data (seed 9) into the Neo4j of CUSTGRAPH_TEST_NEO4J_URI /
_USER / _PASSWORD, starts ``custgraph serve`` on a free loopback port, and in
one run measures, for the same random customers:

- ``customer_profile`` and ``cross_sell`` run directly through the driver
  (``Neo4jStore.run``), against the GraphQL ``customer`` and ``crossSell``
  fields over HTTP (keep-alive); target p50 <= 1.3 x direct + 3 ms;
- requests/s of a customer + crossSell query at 1, 10 and 50 concurrent
  clients for --seconds each, with the number of errors (target: zero).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from neo4j_target import target
from provenance import heading

from custgraph import queries
from custgraph.graph.neo4j import Neo4jStore
from custgraph.loaders import load_sources
from custgraph.samples.generate import SOURCES, generate
from custgraph.services import ResolveConfig, resolve

RESULTS = Path(__file__).with_name("RESULTS.md")
KEY = "bench-analyst-key-0123456789"
PROFILE = "query Profile($id: String!) { customer(id: $id) { name email identities { id source } " \
          "productsBought { sku } } }"
OFFERS = "query Offers($id: String!) { customer(id: $id) { crossSell(first: 10) { sku score } } }"
BOTH = "query Both($id: String!) { customer(id: $id) { name identities { id } crossSell(first: 10) { sku } } }"


class Client:
    """One keep-alive HTTP connection to the API."""

    def __init__(self, port: int) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def ask(self, query: str, customer: str) -> dict[str, Any]:
        body = json.dumps({"query": query, "variables": {"id": customer}})
        self.connection.request("POST", "/graphql", body, {"Content-Type": "application/json",
                                                           "Authorization": f"Bearer {KEY}"})
        response = self.connection.getresponse()
        payload = json.loads(response.read())
        if response.status != 200 or payload.get("errors"):
            raise RuntimeError(f"{response.status}: {payload.get('errors')}")
        return payload  # type: ignore[no-any-return]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _p50(values: list[float]) -> float:
    return statistics.median(values)


def overhead(store: Neo4jStore, client: Client, customers: list[str]) -> list[str]:
    """p50 of each pair (direct, GraphQL), interleaved so that machine noise hits both."""
    lines = []
    for label, name, params, query in (("customer", "customer_profile", {}, PROFILE),
                                       ("crossSell", "cross_sell", {"k": 10}, OFFERS)):
        direct: list[float] = []
        api: list[float] = []
        named = queries.get(name)
        for customer in customers[:20]:  # warm both paths
            store.run(named, {"customer_id": customer, **params})
            client.ask(query, customer)
        for customer in customers:
            started = time.perf_counter()
            store.run(named, {"customer_id": customer, **params})
            direct.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            client.ask(query, customer)
            api.append((time.perf_counter() - started) * 1000)
        limit = 1.3 * _p50(direct) + 3
        lines.append(f"{label}: direct p50 {_p50(direct):.1f} ms, GraphQL p50 **{_p50(api):.1f} ms** "
                     f"(limit 1.3 x direct + 3 = {limit:.1f} ms: {'met' if _p50(api) <= limit else 'NOT met'}); "
                     f"p99 {sorted(direct)[int(0.99 * len(direct))]:.1f} / {sorted(api)[int(0.99 * len(api))]:.1f} ms")
    return lines


def throughput(port: int, customers: list[str], clients: int, seconds: float) -> str:
    done = [0] * clients
    errors = [0] * clients
    stop = time.monotonic() + seconds

    def work(index: int) -> None:
        client = Client(port)
        rng = random.Random(index)
        while time.monotonic() < stop:
            try:
                client.ask(BOTH, rng.choice(customers))
                done[index] += 1
            except Exception:
                errors[index] += 1
                client = Client(port)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(clients)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    return f"{clients} concurrent clients: **{sum(done) / elapsed:.0f} requests/s**, {sum(errors)} errors"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=10000, help="persons to generate")
    parser.add_argument("--samples", type=int, default=300, help="customers timed for the overhead")
    parser.add_argument("--seconds", type=float, default=10.0, help="length of each throughput run")
    parser.add_argument("--record", action="store_true", help="append the results to bench/RESULTS.md")
    args = parser.parse_args()
    neo4j = target()
    if neo4j is None:
        return 2
    root = Path(tempfile.mkdtemp(prefix="custgraph-api-"))
    generate(root, args.customers, seed=9)
    with neo4j.store() as store:
        store.wipe()
        store.init()
        load_sources(store, [root / source for source in SOURCES], root / "rejects.jsonl")
        resolve(store, ResolveConfig())
        ids = sorted({r["customer_id"] for r in store.run(queries.get("customer_identities")) if r["customer_id"]})
        customers = random.Random(1).sample(ids, min(args.samples, len(ids)))
        port = _free_port()
        env = {**os.environ, "CUSTGRAPH_STORE": neo4j.uri, "NEO4J_USER": neo4j.user, "NEO4J_PASSWORD": neo4j.password,
               "CUSTGRAPH_API_KEYS": f"bench:analyst:{KEY}"}
        log = open(root / "serve.log", "wb")  # noqa: SIM115 - closed below
        server = subprocess.Popen([sys.executable, "-m", "custgraph", "serve", "--port", str(port)], env=env,
                                  stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    if time.monotonic() > deadline or server.poll() is not None:
                        print((root / "serve.log").read_text(), file=sys.stderr)
                        return 1
                    time.sleep(0.2)
            lines = overhead(store, Client(port), customers)
            lines += [throughput(port, customers, clients, args.seconds) for clients in (1, 10, 50)]
        finally:
            server.terminate()
            server.wait(timeout=30)
            log.close()
    summary = f"- Neo4j, {args.customers:,} persons, {len(customers)} customers timed, one uvicorn worker:"
    print("\n".join([summary, *[f"  - {line}" for line in lines]]))
    if args.record:
        with open(RESULTS, "a", encoding="utf-8") as results:
            results.write(heading("API") + "seed 9; the same customers through "
                          "the driver and through GraphQL over loopback HTTP, interleaved.\n\n"
                          + "\n".join([summary, *[f"  - {line}" for line in lines]]) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
