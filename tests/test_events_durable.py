"""Acknowledged means durable: ``custgraph serve`` killed with SIGKILL at random moments while a
client sends events; after a restart every acknowledged event is in the store exactly once."""

from __future__ import annotations

import json
import os
import random
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

from custgraph import queries
from custgraph.config import Config
from custgraph.graph import open_store
from tests.test_serve_e2e import _free_port, _running

KEY = "durable-collector-key-0123456789"
ROUNDS = 2
BATCH = 20


def _sender(url: str, stop: threading.Event, sent: list[str], acked: list[str], prefix: str) -> None:
    """Batches of page events until the server goes away (or ``stop``); what got a 200 is acked."""
    number = 0
    while not stop.is_set():
        ids = [f"{prefix}-{number + n}" for n in range(BATCH)]
        number += BATCH
        body = json.dumps({"batch": [{"type": "page", "messageId": i, "anonymousId": f"v-{i}"} for i in ids]})
        request = urllib.request.Request(url, body.encode(), {"Content-Type": "application/json",
                                                              "Authorization": f"Bearer {KEY}"})
        sent.extend(ids)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                answer = json.loads(response.read())
        except (OSError, urllib.error.HTTPError, ValueError):
            return  # killed mid-request: these ids may or may not be stored, never half
        assert [e["status"] for e in answer["events"]] == ["accepted"] * BATCH, answer
        acked.extend(ids)


def test_acknowledged_events_survive_sigkill(store_env: dict[str, str], tmp_path: Path) -> None:
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("CUSTGRAPH_")}, **store_env,
           "CUSTGRAPH_API_KEYS": f"site:collector:{KEY}"}
    command = [sys.executable, "-m", "custgraph"]
    with open_store(Config.from_env(store_env), require_schema=False) as store:
        store.init()
    chance = random.Random(int(time.time()))
    sent: list[str] = []
    acked: list[str] = []
    for round_ in range(ROUNDS):
        port = _free_port()
        with _running([*command, "serve", "--port", str(port)], port, env, tmp_path / f"serve-{round_}.log") as server:
            stop = threading.Event()
            senders = [threading.Thread(target=_sender, args=(f"http://127.0.0.1:{port}/v1/events", stop, sent, acked,
                                                              f"r{round_}s{n}")) for n in range(2)]
            for sender in senders:
                sender.start()
            time.sleep(chance.uniform(0.5, 2.5))
            server.kill()  # SIGKILL: no shutdown, no flush
            server.wait(timeout=30)
            stop.set()
            for sender in senders:
                sender.join(timeout=60)
    assert len(acked) >= ROUNDS * BATCH, "too few events acknowledged for the test to mean anything"
    with open_store(Config.from_env(store_env)) as store:
        stored = store.existing_keys("Interaction", {f"site:{i}" for i in sent})
        assert {f"site:{i}" for i in acked} <= stored  # every acknowledged event ...
        for identity in chance.sample(acked, 20):  # ... with its visitor's record and who did it
            assert store.get_node("Identity", f"site:anon:v-{identity}") is not None
        counts = {row["label"]: row["count"] for row in store.run(queries.get("node_counts"))}
        assert counts["Interaction"] == len(stored)  # once each: no copies under other keys
    # A server started again settles what the killed ones took and never settled.
    port = _free_port()
    with _running([*command, "serve", "--port", str(port)], port, env, tmp_path / "serve-last.log"):
        deadline = time.monotonic() + 60
        with open_store(Config.from_env(store_env)) as store:
            while store.get_node("Identity", f"site:anon:v-{acked[0]}").get("resolved") is None:  # type: ignore[union-attr]
                assert time.monotonic() < deadline, "the restarted server did not settle the events"
                time.sleep(0.5)
