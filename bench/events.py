"""Live events: events/s accepted, request latency, and freshness (accepted → in the journey).

    python bench/events.py [--persons 2000] [--backends embedded,neo4j] [--seconds 20] [--senders 1,10]
                           [--probes 4] [--warm-up 0] [--record]

Builds a store of --persons generated persons (loaded and resolved: the match model exists),
starts ``custgraph serve`` on 127.0.0.1 as its own process, and for each sender count sends
batches of 100 events for --seconds from that many threads (pre-encoded bodies: the client's
own work stays small on this 2-core machine, which it shares with the server). The mix: 70 %
page views of anonymous visitors, 25 % purchases and carts of known customers, 5 % visitors
signing in (identify). Meanwhile --probes probes (4), in a process of their own, each send one
purchase of a known customer at a time and poll the ``journey`` named query until it shows:
freshness is acknowledgement → visible. Several probes so that a row has tens of them: with one
probe (5-7 per row) its "p99" was the slowest probe. A probe's purchase carries its own time and
the probe reads the journey from that time on (``since``): reading whole journeys (650
touchpoints after 300 s of load, 48 ms a read on Neo4j) 40 times a second took the machine from
the server it measured (one sender: 1,817 and 2,773 events/s with 4 such probes, 3,179 and 3,835
with 1, alternating runs after 60 s of load). Rows of 5c40a9a and before read whole journeys.
Every acknowledged touchpoint is looked up in the store at the end (lost = acknowledged but absent).
A request the server holds while settling lags (``CUSTGRAPH_EVENTS_MAX_LAG``, eacf623 on) counts in
request latency and events/s, not in freshness, which starts at the acknowledgement.
--warm-up S first sends the same load for S seconds, unmeasured, to each freshly started server:
a Neo4j server compiles its hot paths under load (a request took 66 ms cold and 26 ms after about
four minutes of it), so a row without warm-up measures a cold server. The heading says which.
Neo4j comes from CUSTGRAPH_TEST_NEO4J_URI / _USER / _PASSWORD (it is wiped and rebuilt).
Targets (issue 17): >= 3,000 events/s on the embedded store, >= 2,000 on Neo4j, freshness
p99 <= 5 s, 0 lost.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import multiprocessing
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from figures import quantile, record
from neo4j_target import target
from provenance import heading

from custgraph import queries
from custgraph.config import Config
from custgraph.errors import StoreError
from custgraph.graph import Store, open_store
from custgraph.loaders import load_sources
from custgraph.samples.generate import SOURCES, generate
from custgraph.services import ResolveConfig, resolve

KEY = "bench-collector-key-0123456789"
BATCH = 100
PROBES_START_S = 1.0


def _build(env: dict[str, str], persons: int) -> list[str]:
    """The store, and the webshop user ids of resolved customers (the senders' known users)."""
    data = Path(tempfile.mkdtemp(prefix="bench-events-"))
    generate(data, persons, seed=3)
    with open_store(Config.from_env(env), require_schema=False) as store:
        store.init()
        load_sources(store, [data / source for source in SOURCES], data / "rejects.jsonl")
        resolve(store, ResolveConfig())
        return sorted(str(r["source_id"]) for r in store.run(queries.get("customer_identities"))
                      if r["source"] == "webshop" and r["customer_id"])


def _port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _post(url: str, body: bytes) -> dict[str, Any]:
    request = urllib.request.Request(url, body, {"Content-Type": "application/json",
                                                 "Authorization": f"Bearer {KEY}"})
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())  # type: ignore[no-any-return]


def _batch(prefix: str, number: int, users: list[str]) -> tuple[list[str | None], bytes]:
    """The messageIds of the events that make a touchpoint (None for an identify), and the body."""
    ids: list[str | None] = []
    events: list[dict[str, Any]] = []
    for n in range(BATCH):
        message = f"{prefix}-{number}-{n}"
        ids.append(message if n % 20 < 19 else None)
        user = users[(number * BATCH + n) % len(users)]
        share = n % 20
        if share < 14:
            events.append({"type": "page", "messageId": message, "anonymousId": f"{prefix}-v{number}-{n % 7}",
                           "context": {"source": "webshop"}, "properties": {"channel": "web"}})
        elif share < 19:
            events.append({"type": "track", "event": "add_to_cart" if share % 2 else "purchase", "messageId": message,
                           "userId": user, "context": {"source": "webshop"},
                           "properties": {"channel": "web", "amount": 12.5}})
        else:
            events.append({"type": "identify", "messageId": message, "anonymousId": f"{prefix}-v{number}-{n % 7}",
                           "userId": user, "context": {"source": "webshop"}})
    return ids, json.dumps({"batch": events}).encode()


def _customer_of(store: Store, user: str) -> str:
    rows = store.run(queries.get("identity_neighbourhood"), {"ids": [f"webshop:{user}"]})
    return str(rows[0]["customer_id"])


def _probe_for(url: str, env: dict[str, str], users: list[str], probes: int, seconds: float,
               label: str) -> tuple[list[float], list[str]]:
    """``probes`` probes for ``seconds``, in a process of their own (``_run``): each sends one
    purchase of a known customer at a time and polls the ``journey`` named query until it shows.
    Freshness per probe in seconds (``inf`` after 60 s), and the errors met."""
    stop = threading.Event()
    fresh: list[float] = []
    errors: list[str] = []

    def probe(store: Store, index: int) -> None:
        number = 0
        while not stop.is_set():
            user = users[(number * 7919 + index * 104_729) % len(users)]
            customer = _customer_of(store, user)
            message = f"{label}probe-{index}-{number}"
            number += 1
            at = dt.datetime.now(dt.UTC).isoformat()
            event = {"type": "track", "event": "purchase", "messageId": message, "userId": user, "timestamp": at,
                     "context": {"source": "webshop"}, "properties": {"channel": "web", "amount": 1}}
            _post(url, json.dumps({"batch": [event]}).encode())
            acknowledged = time.perf_counter()
            while True:
                try:
                    rows = store.run(queries.get("journey"), {"customer_id": customer, "since": at, "limit": 100_000})
                except StoreError as error:  # a read that failed (Neo4j's driver gave up retrying): poll again
                    errors.append(f"probe: {error}")
                    rows = []
                if any(row["interaction_id"] == f"webshop:{message}" for row in rows):
                    fresh.append(time.perf_counter() - acknowledged)
                    break
                if time.perf_counter() - acknowledged > 60:
                    fresh.append(float("inf"))
                    break
                time.sleep(0.05)
                customer = _customer_of(store, user)  # a merge may have moved the user to another customer
            time.sleep(0.2)

    with open_store(Config.from_env(env)) as store:
        _running([threading.Thread(target=probe, args=(store, i)) for i in range(probes)], stop, seconds)
    return fresh, errors


def _running(threads: list[threading.Thread], stop: threading.Event, seconds: float) -> None:
    """Start the threads, let them run for ``seconds``, then stop them and wait for their ends."""
    for thread in threads:
        thread.start()
    time.sleep(seconds)
    stop.set()
    for thread in threads:
        thread.join()


def _run(url: str, env: dict[str, str], users: list[str], senders: int, seconds: float, probes: int,
         label: str = "") -> dict[str, Any]:
    """``label``: starts every message id, so that no run of a server resends another's events.
    The probes run in a process of their own: in this one, their reads of long journeys held the
    interpreter lock while a sender waited for it, and the sender's latency counted that wait."""
    stop = threading.Event()
    latencies: list[float] = []
    acked: list[str] = []
    errors: list[str] = []
    lock = threading.Lock()

    taken = 0

    def send(index: int) -> None:
        nonlocal taken
        number = 0
        while not stop.is_set():
            ids, body = _batch(f"{label}s{senders}-{index}", number, users)
            number += 1
            started = time.perf_counter()
            try:
                answer = _post(url, body)
            except OSError as error:
                errors.append(str(error))
                return
            with lock:
                latencies.append(time.perf_counter() - started)
                done = [outcome["status"] in ("accepted", "duplicate") for outcome in answer["events"]]
                taken += sum(done)
                acked.extend(message for message, ok in zip(ids, done, strict=True) if ok and message)

    sending = [threading.Thread(target=send, args=(i,)) for i in range(senders)]
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        probing = pool.submit(_probe_for, url, env, users, probes, seconds + PROBES_START_S, f"{label}{senders}-")
        time.sleep(PROBES_START_S)  # the probes' process starts (imports, store) before the clock does
        started = time.perf_counter()
        _running(sending, stop, seconds)
        elapsed = time.perf_counter() - started  # to the senders' last answer (the probe may still wait)
        fresh, probe_errors = probing.result()
    with open_store(Config.from_env(env)) as store:
        stored = store.existing_keys("Interaction", {f"webshop:{m}" for m in acked})
    return {"rate": taken / elapsed, "latencies": latencies, "fresh": fresh, "acked": len(acked),
            "lost": len(acked) - len(stored), "errors": errors + probe_errors}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=2000)
    parser.add_argument("--backends", default="embedded")
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--senders", default="1,10")
    parser.add_argument("--settle-every", type=float, default=0.5, help="CUSTGRAPH_SETTLE_EVERY of the server")
    parser.add_argument("--probes", type=int, default=4, help="concurrent freshness probes")
    parser.add_argument("--warm-up", type=float, default=0.0, metavar="SECONDS",
                        help="unmeasured load (one sender, the same mix) before the rows of each backend")
    parser.add_argument("--record", action="store_true", help="append the table to bench/RESULTS.md")
    args = parser.parse_args()
    warmed = (f"each backend's rows after {args.warm_up:g} s of the same load from one sender, unmeasured "
              "(the server warm)" if args.warm_up > 0 else "no warm-up (each server measured from its first request)")
    lines = [heading(f"Live events, {args.persons:,} persons") + f"batches of {BATCH}, {args.seconds:g} s per row; "
             f"`custgraph serve` in its own process, senders in this one, {args.probes} freshness probes in "
             "a process of their own; "
             f"{warmed}.", "",
             "| backend | settle every | senders | events/s accepted | request p50 ms | p99 ms | freshness p50 s "
             "| p99 s | probes | touchpoints acknowledged | lost |", "|---|---|---|---|---|---|---|---|---|---|---|"]
    for backend in args.backends.split(","):
        if backend == "embedded":
            env = {"CUSTGRAPH_STORE": tempfile.mkdtemp(prefix="bench-events-store-")}
        else:
            neo4j = target()
            if neo4j is None:
                return 2
            with neo4j.store() as wiped:
                wiped.wipe()
            env = {"CUSTGRAPH_STORE": neo4j.uri, "NEO4J_USER": neo4j.user, "NEO4J_PASSWORD": neo4j.password}
        print(f"building {args.persons:,} persons on {backend}...", file=sys.stderr)
        users = _build(env, args.persons)
        port = _port()
        log = open(Path(tempfile.mkdtemp()) / "serve.log", "wb")  # noqa: SIM115 - open for the server's life
        server = subprocess.Popen([sys.executable, "-m", "custgraph", "serve", "--port", str(port)],
                                  env={**os.environ, **env, "CUSTGRAPH_API_KEYS": f"webshop:collector:{KEY}",
                                       "CUSTGRAPH_SETTLE_EVERY": str(args.settle_every)},
                                  stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 120
            while True:
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2):
                        break
                except OSError:
                    assert time.monotonic() < deadline and server.poll() is None, "the server did not come up"
                    time.sleep(0.3)
            if args.warm_up > 0:
                print(f"warming {backend} up for {args.warm_up:g} s...", file=sys.stderr)
                warm = _run(f"http://127.0.0.1:{port}/v1/events", env, users, 1, args.warm_up, args.probes,
                            "warm-")
                print(f"warm-up: {warm['rate']:,.0f} events/s, lost {warm['lost']}", file=sys.stderr)
            for senders in (int(n) for n in args.senders.split(",")):
                found = _run(f"http://127.0.0.1:{port}/v1/events", env, users, senders, args.seconds,
                             args.probes)
                lat, fresh = found["latencies"], found["fresh"]
                lines.append(
                    f"| {backend} | {args.settle_every:g} s | {senders} | {found['rate']:,.0f} | "
                    f"{statistics.median(lat) * 1000:,.0f} | "
                    f"{quantile(lat, 0.99) * 1000:,.0f} | {statistics.median(fresh):.2f} | "
                    f"{quantile(fresh, 0.99):.2f} | {len(fresh)} | {found['acked']:,} | {found['lost']} |")
                print(lines[-1], flush=True)
                if found["errors"]:
                    print(f"sender and probe errors: {found['errors'][:3]}", file=sys.stderr)
        finally:
            server.terminate()
            server.wait(timeout=60)
            log.close()
    if args.record:
        record(lines)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
