"""Live events over HTTP, on both backends: per-event answers, keys, sending twice, a visitor who
signs in joining the customer's journey, and events reaching the journey and cross-sell."""

from __future__ import annotations

import os
import signal
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from custgraph import queries
from custgraph.api.settle_process import SettleProcess
from custgraph.config import Config
from custgraph.graph import open_store
from custgraph.loaders import load_sources
from custgraph.samples import generate
from custgraph.samples.generate import SOURCES
from custgraph.services import ResolveConfig, resolve, take_events
from tests.served import served

COLLECTOR, READER = "site-collector-key-0123456789", "reader-key-0123456789"
KEYS = {"CUSTGRAPH_API_KEYS": f"webshop:collector:{COLLECTOR},rita:reader:{READER}"}
SETTLED_WITHIN_S = 10.0  # the target is 5 s at the benchmark's rate (bench/events.py measures it)


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("events-data")
    generate(root, customers=120, seed=11)
    return root


@pytest.fixture
def client(store_env: dict[str, str], generated: Path) -> Iterator[TestClient]:
    with served(store_env, generated, KEYS) as test_client:
        yield test_client


def _send(client: TestClient, events: list[dict[str, Any]] | Any, key: str = COLLECTOR) -> Any:
    return client.post("/v1/events", json={"batch": events} if isinstance(events, list) else events,
                       headers={"Authorization": f"Bearer {key}"})


def _rows(client: TestClient, name: str, **params: object) -> list[dict[str, Any]]:
    return client.app.state.store.run(queries.get(name), params)  # type: ignore[attr-defined, no-any-return]


def _known(client: TestClient) -> tuple[str, str, str]:
    """A webshop record that belongs to a customer: (user id, customer id, a sku it has not bought)."""
    records = [r for r in _rows(client, "identity_records")
               if r["props"]["source"] == "webshop" and r["customer_id"]]
    record = sorted(records, key=lambda r: str(r["props"]["identity_id"]))[0]
    customer = str(record["customer_id"])
    owned = {p["sku"] for p in _rows(client, "customer_profile", customer_id=customer)[0]["products"]}
    sku = next(str(p["sku"]) for p in _rows(client, "product_popularity", limit=50) if p["sku"] not in owned)
    return str(record["props"]["source_id"]), customer, sku


def _until(check: Any, what: str) -> Any:
    deadline = time.monotonic() + SETTLED_WITHIN_S
    while True:
        found = check()
        if found:
            return found
        assert time.monotonic() < deadline, f"not within {SETTLED_WITHIN_S} s: {what}"
        time.sleep(0.2)


def test_every_event_gets_its_own_answer(client: TestClient) -> None:
    user, _, sku = _known(client)
    channel = _rows(client, "node_counts")  # any query: the store answers
    assert channel
    good = {"type": "track", "event": "Order Completed", "messageId": "m-good", "userId": user,
            "timestamp": "2026-11-30T10:00:00+09:00", "properties": {"sku": sku, "amount": 42.5, "channel": "web"}}
    batch = [good,
             {"type": "jump", "messageId": "m-type", "userId": user},
             {"type": "track", "event": "purchase", "userId": user},
             {"type": "track", "event": "purchase", "messageId": "m-amount", "userId": user,
              "properties": {"amount": "lots"}},
             {"type": "track", "event": "purchase", "messageId": "m-channel", "userId": user,
              "properties": {"channel": "no-such-channel"}},
             {"type": "identify", "messageId": "m-birthday", "userId": user, "traits": {"birthday": "1800-01-01"}},
             "not an object",
             {"type": "page", "messageId": "m-page", "anonymousId": "visitor-1", "properties": {"channel": "web"}}]
    response = _send(client, batch)
    assert response.status_code == 200, response.text
    answer = response.json()
    assert [e["status"] for e in answer["events"]] == ["accepted", "rejected", "rejected", "rejected", "rejected",
                                                       "rejected", "rejected", "accepted"]
    assert [e.get("field") for e in answer["events"][1:7]] == ["type", "messageId", "properties.amount",
                                                             "properties.channel", "traits.birthday", "(event)"]
    assert answer["accepted"] == 2 and answer["rejected"] == 6
    stored = client.app.state.store.get_node("Interaction", "webshop:m-good")  # type: ignore[attr-defined]
    assert stored is not None and stored["type"] == "purchase" and stored["amount"] == 42.5
    assert stored["at"].isoformat().startswith("2026-11-30T01:00:00")  # kept in UTC
    assert client.app.state.store.get_node("Interaction", "webshop:m-amount") is None  # type: ignore[attr-defined]

    assert _send(client, {"nope": 1}).status_code == 400
    assert _send(client, [good] * 501).status_code == 413
    assert _send(client, [good], key=READER).status_code == 403
    assert _send(client, [good], key="not-a-key-0123456789").status_code == 401
    asked = client.post("/graphql", json={"query": "{ transitions { count } }"},
                        headers={"Authorization": f"Bearer {COLLECTOR}"})
    assert asked.status_code == 403  # a collector's key sends events and nothing else
    signin = client.post("/signin", data={"key": COLLECTOR, "next": "/"}, follow_redirects=False)
    assert signin.status_code == 401


def test_sending_twice_changes_nothing(client: TestClient) -> None:
    user, _, sku = _known(client)
    batch = [{"type": "track", "event": "add_to_cart", "messageId": f"twice-{n}", "userId": user,
              "properties": {"sku": sku}} for n in range(3)]
    batch.append(dict(batch[0]))  # the same messageId twice in one batch
    first = _send(client, batch).json()
    assert [e["status"] for e in first["events"]] == ["accepted"] * 3 + ["duplicate"]
    def data() -> dict[str, int]:  # not the Summary nodes: settling the first batch may add one meanwhile
        return {r["label"]: r["count"] for r in _rows(client, "node_counts") if r["label"] != "Summary"}

    before = data()
    second = _send(client, batch).json()
    assert [e["status"] for e in second["events"]] == ["duplicate"] * 4
    assert data() == before


def test_a_visitor_who_signs_in_joins_the_customers_journey(client: TestClient) -> None:
    user, customer, sku = _known(client)
    visits = [{"type": "page", "messageId": f"visit-{n}", "anonymousId": "anon-42",
               "timestamp": f"2026-11-2{n}T09:00:00Z", "properties": {"channel": "web"}} for n in range(3)]
    assert _send(client, visits).json()["accepted"] == 3
    visitor = _until(lambda: _customer_of(client, "webshop:anon:anon-42"), "the visitor resolved")
    assert visitor != customer  # a visitor nobody knows yet is a customer of their own
    signed_in = {"type": "identify", "messageId": "signin-1", "anonymousId": "anon-42", "userId": user,
                 "timestamp": "2026-11-29T09:00:00Z"}
    bought = {"type": "track", "event": "purchase", "messageId": "buy-1", "userId": user,
              "timestamp": "2026-11-29T09:05:00Z", "properties": {"sku": sku, "amount": 10, "channel": "web"}}
    assert _send(client, [signed_in, bought]).json()["accepted"] == 2
    wanted = {"webshop:visit-0", "webshop:visit-1", "webshop:visit-2", "webshop:buy-1"}

    def joined_journey() -> str | None:
        customer = _customer_of(client, f"webshop:{user}")
        if customer is None or _customer_of(client, "webshop:anon:anon-42") != customer:
            return None
        journey = {row["interaction_id"] for row in _rows(client, "journey", customer_id=customer, limit=1000)}
        return customer if wanted <= journey else None

    joined = _until(joined_journey, "the visitor's visits and the purchase in the customer's journey")
    links = _rows(client, "customer_links", customer_id=joined)
    assert any(link["rule"] == "identify" for link in links)
    profile = _rows(client, "customer_profile", customer_id=joined)[0]
    assert sku in {p["sku"] for p in profile["products"]}  # BOUGHT: what cross-sell starts from
    offers = _rows(client, "cross_sell", customer_id=joined, k=10)
    assert sku not in {offer["sku"] for offer in offers}  # nobody is offered what they just bought


def _customer_of(client: TestClient, identity: str) -> str | None:
    rows = _rows(client, "identity_neighbourhood", ids=[identity])
    return str(rows[0]["customer_id"]) if rows and rows[0]["customer_id"] else None


def test_settling_runs_in_its_own_process_and_outlives_its_death(client: TestClient) -> None:
    """Passes run in a process of their own (a core of their own); one killed is started again,
    and the events taken meanwhile still settle."""
    settler = client.app.state.settler  # type: ignore[attr-defined]
    # A collector key is configured: the process starts with the server, before any event.
    _until(lambda: settler.process.pid, "the settling process started with the server")
    visit = {"type": "page", "anonymousId": "anon-7", "timestamp": "2026-11-20T09:00:00Z",
             "properties": {"channel": "web"}}
    assert _send(client, [{**visit, "messageId": "first-visit"}]).json()["accepted"] == 1
    _until(lambda: _customer_of(client, "webshop:anon:anon-7"), "the first visitor resolved")
    first = settler.process.pid
    assert first is not None and first != os.getpid()
    os.kill(first, signal.SIGKILL)
    again = {**visit, "anonymousId": "anon-8", "messageId": "second-visit"}
    assert _send(client, [again]).json()["accepted"] == 1
    _until(lambda: _customer_of(client, "webshop:anon:anon-8"), "the second visitor resolved")
    assert settler.process.pid not in (None, first)


def test_a_records_pass_takes_the_events_that_came_while_it_ran(store_env: dict[str, str], generated: Path) -> None:
    """The settling process asks the server between a records pass's steps for the performers of
    events taken since it began, and rebuilds their journeys then, not in the next pass."""
    config = Config.from_env(store_env)
    with open_store(config, require_schema=False) as store:
        store.init()
        load_sources(store, [generated / s for s in SOURCES], Path(tempfile.mkdtemp()) / "rejects.jsonl")
        resolve(store, ResolveConfig())
        record = min((r for r in store.run(queries.get("identity_records"))
                      if r["props"]["source"] == "webshop" and r["customer_id"]),
                     key=lambda r: str(r["props"]["identity_id"]))
        user, customer = str(record["props"]["source_id"]), str(record["customer_id"])
        visit = take_events(store, [{"type": "page", "messageId": "meanwhile-visit", "anonymousId": "anon-61",
                                     "properties": {"channel": "web"}}], "webshop")
        asks: list[set[str]] = []

        def more() -> set[str]:  # on the server's thread, while the pass runs in its process
            came = set() if asks else take_events(store, [{
                "type": "track", "event": "add_to_cart", "messageId": "meanwhile-cart", "userId": user,
                "properties": {"channel": "web"}}], "webshop").performers
            asks.append(came)
            return came

        process = SettleProcess(store, config, ResolveConfig())
        process.start()
        try:
            settled = process.settle(visit.records, visit.performers, everything=False, settled=False, keep=False,
                                     more=more)
        finally:
            process.close()
        assert asks and asks[0] == {f"webshop:{user}"}
        journey = {row["interaction_id"] for row in store.run(queries.get("journey"),
                                                               {"customer_id": customer, "limit": 100_000})}
        assert "webshop:meanwhile-cart" in journey
        assert customer in settled.unkept  # handed on to be kept, like the pass's own
