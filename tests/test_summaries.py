"""The dashboard's summary, kept at resolve time, on both backends: every figure it keeps, and
every funnel and journey beginning counted from it, equals the named query's answer."""

from __future__ import annotations

import datetime as dt
import importlib
import json
import random
import tempfile
from collections.abc import Collection
from pathlib import Path
from typing import Any

import pytest

from custgraph import queries
from custgraph.graph import Store
from custgraph.graph.neo4j import store as neo4j_store
from custgraph.loaders import load_sources
from custgraph.samples import SOURCES, generate
from custgraph.services import (
    STARTS,
    Attribution,
    Journeys,
    KeptJourneys,
    ResolveConfig,
    SettledPass,
    attribute,
    dropoff_causes,
    events,
    funnel_dropoff_causes,
    read_answers,
    read_journeys,
    read_summary,
    resolve,
    retention,
    score_causes,
    settle_events,
    summaries,
    summarise,
    take_events,
    unsettled,
    warm_kept,
)
from custgraph.services.attribution import BY
from custgraph.services.summaries import _whole_journeys as whole_journeys
from tests.conftest import Neo4jServer


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("summary-data")
    generate(root, customers=200, seed=5)
    return root


def test_the_summary_kept_at_resolve_equals_the_named_queries(store: Store, generated: Path) -> None:
    store.init()
    assert read_summary(store) is None and read_journeys(store) is None
    load_sources(store, [generated / source for source in SOURCES], Path(tempfile.mkdtemp()) / "rejects.jsonl")
    report = resolve(store, ResolveConfig())
    assert "summary" in report.seconds
    summary, journeys, answers = read_summary(store), read_journeys(store), read_answers(store)
    assert summary is not None and journeys is not None and answers is not None
    assert summary.journeys_of == journeys.refreshed_at
    assert summary.last_load is not None and summary.last_load < summary.refreshed_at  # loaded, then resolved

    def run(name: str, **params: object) -> list[dict[str, object]]:
        return store.run(queries.get(name), params)

    assert summary.scores == run("touchpoint_scores") and summary.scores
    assert summary.transitions == run("transitions") and summary.transitions
    segments = run("segments", as_of=summary.as_of)
    assert sum(summary.segments.values()) == len(segments)
    assert summary.segments == {name: sum(1 for row in segments if row["segment"] == name)
                                for name in summary.segments}
    assert summary.revenue == round(sum(float(row["monetary"]) for row in segments), 2)  # type: ignore[arg-type]
    assert summary.churn == run("churn_risk", as_of=summary.as_of, limit=50)

    sequences = run("journey_sequences")
    assert list(journeys.customers) == [row["customer_id"] for row in sequences]
    for steps in range(1, 11):
        assert journeys.variants(steps, 20) == run("journey_variants", steps=steps, limit=20), steps
    for touchpoint in (*journeys.types, "no_such_type"):
        for direction in ("from", "into"):
            for steps in (1, 3):
                assert journeys.paths(touchpoint, direction, steps, 15) == run(
                    "journey_paths", touchpoint=touchpoint, direction=direction, steps=steps, limit=15)
    draw = random.Random(1)
    cases = [["web_visit", "add_to_cart", "purchase"], ["purchase", "purchase"], ["no_such_type", "purchase"],
             ["purchase", "no_such_type"]]
    cases += [[draw.choice(journeys.types) for _ in range(draw.randint(1, 6))] for _ in range(25)]
    for n, steps in enumerate(cases):
        window = (None, 1, 7, 60)[n % 4]
        assert journeys.funnel(steps, window_days=window) == run("funnel", steps=steps, window_days=window), steps
    # Those listed as dropped at a step are those whose journey reached the step before only.
    steps = ["web_visit", "add_to_cart", "purchase"]
    funnel = journeys.funnel(steps, dropped=10_000)
    assert [len(row["dropped"]) for row in funnel] == [row["drop_off"] for row in funnel]
    assert funnel[2]["drop_off"] > 0
    types = {row["customer_id"]: row["types"] for row in sequences}
    for customer in funnel[2]["dropped"][:20]:
        journey = types[customer]
        after_cart = journey[journey.index("web_visit"):]
        assert "add_to_cart" in after_cart
        assert "purchase" not in after_cart[after_cart.index("add_to_cart"):]
    # The analytics counted from the kept journeys equal those read from the graph.
    _kept_analytics_equal_the_graphs(store, journeys, cases)
    held = KeptJourneys()
    assert held.current(store) == journeys and held.current(store) is held.current(store)  # read once
    unread = read_journeys(store)
    assert unread is not None and not unread.made("first_held") and not unread.made("moments")
    warm_kept(unread)
    assert unread.made("first_held") and unread.made("moments")

    # Counted before the summary itself was written.
    assert {k: v for k, v in summary.nodes.items() if k != "Summary"} == {
        row["label"]: row["count"] for row in run("node_counts") if row["label"] != "Summary"}
    assert summary.relationships == {row["type"]: row["count"] for row in run("relationship_counts")}

    # A heat-map cell's answers, as kept (times as text), are the query's rows for that cell.
    def as_text(rows: list[dict[str, object]]) -> list[dict[str, object]]:
        return [{k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in row.items()} for row in rows]

    assert answers.by_cell
    for cell in answers.by_cell:
        channel, kind = cell.split("|")
        assert answers.of(channel, kind, None, 1000) == as_text(run(
            "touchpoint_answers", channel_id=channel, type=kind, limit=1000)), cell
    month = str(answers.by_cell[max(answers.by_cell, key=lambda c: len(answers.by_cell[c]))][0]["answered_at"])[:7]
    busiest = max(answers.by_cell, key=lambda c: len(answers.by_cell[c])).split("|")
    assert answers.of(busiest[0], busiest[1], month, 5) == as_text(run(
        "touchpoint_answers", channel_id=busiest[0], type=busiest[1], month=month, limit=5))

    # Segment movement: the first resolve moved every customer from no segment; the next one counts
    # each customer's segment before and after it.
    customers = {r["customer_id"] for r in run("customer_identities")} - {None}
    assert sum(m["customers"] for m in summary.moves) == len(customers)
    assert {m["from"] for m in summary.moves} == {None}
    before = {r["customer_id"]: r["segment"] for r in run("stored_segments")}
    assert any(before.values())
    resolve(store, ResolveConfig(), full=True)
    after = {r["customer_id"]: r["segment"] for r in run("stored_segments")}
    again = read_summary(store)
    assert again is not None
    expected: dict[tuple[object, object], int] = {}
    for customer, segment in after.items():
        key = (before.get(customer), segment)
        expected[key] = expected.get(key, 0) + 1
    assert {(m["from"], m["to"]): m["customers"] for m in again.moves} == expected
    assert held.current(store) != journeys  # a resolve kept new journeys: read again


def _same_attribution(kept: Attribution, read: Attribution) -> None:
    assert (kept.conversions, kept.paths, set(kept.credits)) == (read.conversions, read.paths, set(read.credits))
    for key, models in read.credits.items():
        assert kept.credits[key] == pytest.approx(models, rel=1e-9, abs=1e-9), key


def _kept_analytics_equal_the_graphs(store: Store, journeys: Journeys, funnels: list[list[str]]) -> None:
    assert journeys.facts is not None and len(journeys.facts.channels) == len(journeys.customers)
    top = store.run(queries.get("product_popularity"), {"limit": 1})[0]
    sku, category = top["sku"], top["category"]
    assert category is not None
    for by in BY:
        for conversion, lookback, about, within in (
                ("purchase", 30, None, None), ("purchase", 2, None, None), ("add_to_cart", 90, None, None),
                ("purchase", 30, sku, None), ("purchase", 30, None, category), ("purchase", 30, sku, category),
                ("no_such_type", 30, None, None)):
            read = attribute(store, by, conversion, about, within, lookback, 3.0)
            _same_attribution(attribute(store, by, conversion, about, within, lookback, 3.0, kept=journeys), read)
            assert read.conversions > 0 or conversion == "no_such_type"
    found = []
    for kind in ("nps", "csat"):
        for lookback in (30, 5):
            read_causes = score_causes(store, kind, lookback, min_support=2, alpha=0.999)
            assert score_causes(store, kind, lookback, min_support=2, alpha=0.999,
                                  kept=journeys) == read_causes
            found.append(read_causes)
    for n, steps in enumerate(funnels[:10]):
        for step in range(1, len(steps)):
            window = (None, 7)[n % 2]
            read_causes = dropoff_causes(store, steps, step, window, min_support=2, alpha=0.999)
            assert dropoff_causes(store, steps, step, window, min_support=2, alpha=0.999,
                                  kept=journeys) == read_causes
            found.append(read_causes)
    assert found[0].tested > 0 and found[4].tested > 0  # (causes and their examples: tests/test_root_causes.py)
    for start in STARTS:
        assert retention(store, start, kept=journeys) == retention(store, start)
        assert retention(store, start).cohorts


def _decoded(journeys: Journeys) -> dict[str, tuple[object, ...]]:
    """Each customer's kept journey in names and times, whatever codes the journeys chose."""
    facts = journeys.facts
    assert facts is not None
    found: dict[str, tuple[object, ...]] = {}
    for n, customer in enumerate(journeys.customers):
        length = len(journeys.codes[n])
        found[customer] = (
            [journeys.type_name(code) for code in journeys.codes[n]],
            [journeys.micros(n, index) for index in range(length)],
            *([facts.value(code) for code in column[n]] for column in (facts.channels, facts.campaigns, facts.reps)),
            [[facts.value(code) for code in codes] for codes in facts.skus_of(n, length)],
            facts.marks_of(n))
    return found


def test_live_events_show_in_the_kept_journeys_before_the_next_resolve(store: Store, generated: Path) -> None:
    store.init()
    load_sources(store, [generated / source for source in SOURCES], Path(tempfile.mkdtemp()) / "rejects.jsonl")
    resolve(store, ResolveConfig())
    held = KeptJourneys()
    before = held.current(store)
    assert before is not None and held.current(store) is before
    user, customer = next((str(row["source_id"]), str(row["customer_id"])) for row in store.run(
        queries.get("customer_identities")) if row["source"] == "webshop" and row["customer_id"])
    sku = str(store.run(queries.get("product_popularity"), {"limit": 1})[0]["sku"])
    visits = [{"type": "page", "messageId": f"visit-{n}", "anonymousId": "anon-7",
               "timestamp": f"2026-11-2{n}T09:00:00Z", "properties": {"channel": "web", "campaign": "spring"}}
              for n in range(2)]
    later = [{"type": "identify", "messageId": "signin-7", "anonymousId": "anon-7", "userId": user,
              "timestamp": "2026-11-28T09:00:00Z"},
             {"type": "track", "event": "purchase", "messageId": "buy-7", "userId": user,
              "timestamp": "2026-11-28T09:05:00Z", "properties": {"sku": sku, "amount": 12, "channel": "web"}}]
    visitors: set[str] = set()
    for batch in (visits, later):
        taken = take_events(store, batch, "webshop")
        assert {outcome.status for outcome in taken.outcomes} == {"accepted"}
        settle_events(store, ResolveConfig(), taken.records, taken.performers)
        kept = held.current(store)
        assert kept is not None and kept is not before
        # The kept journeys with what settled equal journeys taken anew from the graph.
        assert _decoded(kept) == _decoded(summarise(store)[1])
        # What a merge derives again only for the changed customers (times, root-cause candidates) counts the same.
        _same_attribution(attribute(store, "campaign", kept=kept), attribute(store, "campaign"))
        funnel = ["web_visit", "add_to_cart", "purchase"]
        assert funnel_dropoff_causes(store, funnel, kept=kept) == funnel_dropoff_causes(store, funnel)
        visitors |= set(kept.customers) - set(before.customers)
    # The visitor was a customer of their own, then joined the known customer: one customer in the kept
    # journeys. Its id is made from its records, so it may be the one the visitor had.
    now = {str(row["source_id"]): str(row["customer_id"]) for row in store.run(queries.get("customer_identities"))
           if row["source"] == "webshop"}
    merged = now[user]
    assert now["anon:anon-7"] == merged
    assert visitors and not (visitors - {merged}) & set(kept.customers)
    assert len(kept.codes[kept.customers.index(merged)]) == len(before.codes[before.customers.index(customer)]) + 3
    assert attribute(store, "campaign", kept=kept).credits["spring"]["last_touch"] == 1.0


def test_a_pass_may_leave_its_customers_for_the_next_to_keep(store: Store, generated: Path) -> None:
    """``keep=False`` (the server's records passes): the journeys rebuild and the resolve are written,
    the dashboard's kept journeys wait, and the store is not marked settled until a later pass keeps
    the customers left, told of them by the store alone: so does a server started again after a stop."""
    store.init()
    load_sources(store, [generated / source for source in SOURCES], Path(tempfile.mkdtemp()) / "rejects.jsonl")
    resolve(store, ResolveConfig())
    held = KeptJourneys()
    first = held.current(store)
    assert first is not None
    before = _decoded(first)
    (user, customer), (other, theirs) = [(str(row["source_id"]), str(row["customer_id"])) for row in store.run(
        queries.get("customer_identities")) if row["source"] == "webshop" and row["customer_id"]][:2]
    email = store.get_node("Identity", f"webshop:{other}")["email"]  # type: ignore[index]
    signin = {"type": "identify", "userId": other, "traits": {"email": email}, "timestamp": "2026-11-21T10:00:00Z"}
    taken = take_events(store, [{**signin, "messageId": "signin-8"}], "webshop")
    settle_events(store, ResolveConfig(), taken.records, taken.performers)
    events = [{"type": "page", "messageId": "visit-9", "anonymousId": "anon-9", "timestamp": "2026-11-20T09:00:00Z",
               "properties": {"channel": "web"}},
              {"type": "track", "event": "add_to_cart", "messageId": "cart-9", "userId": user,
               "timestamp": "2026-11-21T09:00:00Z", "properties": {"channel": "web"}},
              # A record written again (the resolve reads it again: a sign-in said the same before),
              # which buys: its customer, unchanged by the resolve, is rebuilt after it.
              {**signin, "messageId": "signin-9"},
              {"type": "track", "event": "purchase", "messageId": "buy-9", "userId": other,
               "timestamp": "2026-11-21T10:05:00Z", "properties": {"channel": "web", "amount": 3}}]
    taken = take_events(store, events, "webshop")
    assert unsettled(store) and f"webshop:{other}" in taken.records & taken.performers
    left = settle_events(store, ResolveConfig(), taken.records, taken.performers, keep=False)
    assert left.rebuilt == 3 and {customer, theirs} <= left.unkept and len(left.unkept) >= 3  # and the visitor's
    for who, message in ((customer, "cart-9"), (theirs, "buy-9")):  # they show before they are kept
        journey = store.run(queries.get("journey"), {"customer_id": who, "limit": 100_000})
        assert f"webshop:{message}" in {row["interaction_id"] for row in journey}
    waiting = held.current(store)
    assert waiting is not None and _decoded(waiting) == before and unsettled(store)
    # A server started again: its first pass catches up (a records pass, which hands them on), the
    # next keeps; neither is told of them.
    catch_up = settle_events(store, ResolveConfig(), set(), set(), everything=True, keep=False)
    assert left.unkept <= catch_up.unkept and unsettled(store)
    assert _decoded(held.current(store)) == before  # type: ignore[arg-type]
    kept = settle_events(store, ResolveConfig(), set(), set())
    assert kept == SettledPass(0) and not unsettled(store)
    now = held.current(store)
    assert now is not None and _decoded(now) == _decoded(summarise(store)[1]) != before


def _whole_reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The customers whose journeys the keeping reads whole from now on (a list it fills)."""
    read_whole: list[str] = []

    def reading_whole(store: Store, customers: Collection[str]) -> dict[str, dict[str, Any] | None]:
        read_whole.extend(customers)
        return whole_journeys(store, customers)

    monkeypatch.setattr(summaries, "_whole_journeys", reading_whole)
    return read_whole


def _resolved_users(store: Store, generated: Path) -> list[tuple[str, str]]:
    """Load and resolve the generated data; (customer, webshop user id) per known customer, in order."""
    store.init()
    load_sources(store, [generated / source for source in SOURCES], Path(tempfile.mkdtemp()) / "rejects.jsonl")
    resolve(store, ResolveConfig())
    known: dict[str, str] = {}  # a user id per customer
    for row in store.run(queries.get("customer_identities")):
        if row["source"] == "webshop" and row["customer_id"]:
            known.setdefault(str(row["customer_id"]), str(row["source_id"]))
    return sorted(known.items())


def test_a_pass_rebuilds_what_came_meanwhile(store: Store, generated: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``more``: between a pass's steps, the customers of the performers of events taken since it
    began are rebuilt then (before and after the resolve rebuilt them), and kept with the pass's
    own, in the order they were rebuilt: each kept part continues the journey held, none is read
    whole."""
    read_whole = _whole_reads(monkeypatch)
    monkeypatch.setattr(events, "MEANWHILE_SHARE", float("inf"))  # asked at every step, however long
    users = _resolved_users(store, generated)
    held = KeptJourneys()
    assert held.current(store) is not None
    (customer, user), (theirs, other) = users[:2]

    def cart(n: int, who: str) -> set[str]:
        return take_events(store, [{"type": "track", "event": "add_to_cart", "messageId": f"meanwhile-cart-{n}",
                                    "userId": who, "properties": {"channel": "web"}}], "webshop").performers

    def journey(who: str) -> set[str]:
        return {str(row["interaction_id"]) for row in store.run(queries.get("journey"),
                                                                {"customer_id": who, "limit": 100_000})}

    signed_in = take_events(store, [
        {"type": "page", "messageId": "meanwhile-visit", "anonymousId": "anon-62", "properties": {"channel": "web"}},
        {"type": "identify", "messageId": "meanwhile-signin", "anonymousId": "anon-62", "userId": user}], "webshop")
    first = cart(0, other)  # the pass rebuilds its customer first, then again for the next cart
    given: list[str] = []

    def more() -> set[str]:
        if not given:  # first asked after the clustering, before the resolve writes
            given.append(other)
            return cart(1, other)
        joined = store.run(queries.get("identity_neighbourhood"), {"ids": ["webshop:anon:anon-62"]})
        if user not in given and joined and joined[0]["customer_id"] == customer:  # the resolve rebuilt it
            given.append(user)
            return cart(2, user)
        return set()

    settled = settle_events(store, ResolveConfig(), signed_in.records, signed_in.performers | first, more=more)
    assert given == [other, user]
    assert {"webshop:meanwhile-cart-0", "webshop:meanwhile-cart-1"} <= journey(theirs)
    assert "webshop:meanwhile-visit" in journey(customer)
    assert "webshop:meanwhile-cart-2" in journey(customer) and settled.rebuilt == 2
    assert _decoded(held.current(store)) == _decoded(summarise(store)[1])  # type: ignore[arg-type]
    assert read_whole == []


def test_a_resolve_rebuilds_next_the_customers_that_an_event_came_for(store: Store, generated: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """A customer the resolve has yet to rebuild, whose event came meanwhile, is left to it (its
    rebuild reads the event) but rebuilt in its next slice, not in its turn."""
    monkeypatch.setattr(events, "MEANWHILE_SHARE", float("inf"))  # asked at every step, however long
    monkeypatch.setattr(importlib.import_module("custgraph.resolution.resolve"), "MEANWHILE_SLICE", 1)
    chosen = _resolved_users(store, generated)[:5]
    signed_in = take_events(store, [event for n, (_, user) in enumerate(chosen) for event in (
        {"type": "page", "messageId": f"sooner-visit-{n}", "anonymousId": f"anon-sooner-{n}",
         "properties": {"channel": "web"}},
        {"type": "identify", "messageId": f"sooner-signin-{n}", "anonymousId": f"anon-sooner-{n}", "userId": user})],
        "webshop")
    rebuilt: list[list[str]] = []
    rebuild = store.rebuild_derived

    def recording(customer_ids: Any, **options: Any) -> Any:
        rebuilt.append([str(customer) for customer in customer_ids])
        return rebuild(customer_ids, **options)

    monkeypatch.setattr(store, "rebuild_derived", recording)
    asks: list[int] = []
    last, user = chosen[-1]

    def more() -> set[str]:
        asks.append(len(rebuilt))
        if len(asks) == 2:  # after the resolve's first slice: the last customer in its order buys
            return take_events(store, [{"type": "track", "event": "purchase", "messageId": "sooner-buy",
                                        "userId": user, "properties": {"channel": "web"}}], "webshop").performers
        return set()

    settle_events(store, ResolveConfig(), signed_in.records, signed_in.performers, more=more)
    slices = [chunk for chunk in rebuilt if len(chunk) == 1 and chunk[0] in dict(chosen)]
    assert [chunk[0] for chunk in slices][:2] == [chosen[0][0], last]  # next, not fifth
    assert sorted(chunk[0] for chunk in slices) == sorted(dict(chosen))  # each once: left to the resolve
    journey = {row["interaction_id"] for row in store.run(queries.get("journey"), {"customer_id": last,
                                                                                   "limit": 100_000})}
    assert {"webshop:sooner-buy", "webshop:sooner-visit-4"} <= journey


def test_a_pass_rebuilds_what_came_meanwhile_between_its_keepings_reads(store: Store, generated: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """A journeys pass asks between its keeping's reads too (a customer a read): a journey rebuilt
    then whose read is still to come is read with both changes (here one cart in the middle of it,
    after one at its end); the others are left to the next pass to keep. Then what is kept is what
    a resolve would keep, and no journey was read whole."""
    read_whole = _whole_reads(monkeypatch)
    monkeypatch.setattr(summaries, "JOURNEYS_READ", 1)
    monkeypatch.setattr(events, "MEANWHILE_SHARE", float("inf"))  # asked at every read, however long
    users = _resolved_users(store, generated)
    held = KeptJourneys()
    assert held.current(store) is not None
    (first, a), (second, b), (third, c), (other, d) = users[:4]
    latest = dt.datetime.fromisoformat(str(store.run(queries.get("latest_touchpoint"))[0]["at"]))

    def journey(who: str) -> list[dict[str, Any]]:
        return store.run(queries.get("journey"), {"customer_id": who, "limit": 100_000})

    middle = journey(third)[len(journey(third)) // 2 - 1: len(journey(third)) // 2 + 1]
    early, late = (dt.datetime.fromisoformat(str(row["at"])) for row in middle)
    assert early < late

    def cart(name: str, who: str, at: dt.datetime) -> set[str]:
        return take_events(store, [{"type": "track", "event": "add_to_cart", "messageId": f"between-{name}",
                                    "userId": who, "timestamp": at.isoformat(),
                                    "properties": {"channel": "web"}}], "webshop").performers

    performers = set().union(*(cart(f"{n}", who, latest + dt.timedelta(days=1)) for n, who in enumerate((a, b, c))))
    asked: list[int] = []

    def more() -> set[str]:
        asked.append(len(asked))
        if len(asked) == 1:  # after the first customer's read: it, and the third, whose read is to come
            return cart("first", a, latest + dt.timedelta(days=2)) | cart("third", c, early + (late - early) / 2)
        if len(asked) == 2:
            return cart("other", d, latest + dt.timedelta(days=2))  # one this pass does not keep
        return set()

    settled = settle_events(store, ResolveConfig(), set(), performers, more=more)
    assert len(asked) >= 2 and settled.unkept == {first, other} and settled.rebuilt == 4
    assert {f"webshop:between-{n}" for n in ("0", "first")} <= {row["interaction_id"] for row in journey(first)}
    assert {f"webshop:between-{n}" for n in ("2", "third")} <= {row["interaction_id"] for row in journey(third)}
    assert "webshop:between-other" in {row["interaction_id"] for row in journey(other)}
    now = _decoded(summarise(store)[1])
    kept = _decoded(held.current(store))  # type: ignore[arg-type]
    assert kept[third] == now[third] and kept[second] == now[second]
    assert kept[first] != now[first] and kept[other] != now[other]  # left to the next pass
    assert settle_events(store, ResolveConfig(), set(), set()) == SettledPass(0)
    assert _decoded(held.current(store)) == now  # type: ignore[arg-type]
    assert read_whole == []


def _marks(backend: str, request: pytest.FixtureRequest) -> tuple[int, int]:
    """On Neo4j, how many touchpoints a journey links keep the Unlinked mark, and how many that none
    links lack it (graph/neo4j/statements.py); none of either, always, on the embedded store."""
    if backend != "neo4j":
        return 0, 0
    server: Neo4jServer = request.getfixturevalue("neo4j_server")
    with server.driver() as driver:
        records, _, _ = driver.execute_query(
            "MATCH (x:Interaction) WITH x, EXISTS { ()-[:HAD]->(x) } AS linked "
            "RETURN sum(CASE WHEN linked AND x:Unlinked THEN 1 ELSE 0 END) AS kept, "
            "sum(CASE WHEN NOT linked AND NOT x:Unlinked THEN 1 ELSE 0 END) AS lacking")
    return int(records[0]["kept"]), int(records[0]["lacking"])


def test_a_journey_that_grew_is_kept_as_what_it_gained(store: Store, generated: Path, backend: str,
                                                        request: pytest.FixtureRequest,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """A pass keeps a journey that grew as the touchpoints from the first it gained on (``since``),
    whether at its end, between two it had, or a signed-in visitor's visit: a server joins them to
    the journey it holds, over several parts at once, and reads a journey whole where a part does
    not continue the one it holds (a pass that rebuilt it and failed before keeping). Each time,
    what it holds is what a resolve would keep."""
    store.init()
    load_sources(store, [generated / source for source in SOURCES], Path(tempfile.mkdtemp()) / "rejects.jsonl")
    resolve(store, ResolveConfig())
    assert _marks(backend, request) == (0, 0)
    held = KeptJourneys()
    assert held.current(store) is not None
    user, customer = next((str(row["source_id"]), str(row["customer_id"])) for row in store.run(
        queries.get("customer_identities")) if row["source"] == "webshop" and row["customer_id"])
    sku = store.run(queries.get("product_popularity"), {"limit": 1})[0]["sku"]
    latest = dt.datetime.fromisoformat(str(store.run(queries.get("latest_touchpoint"))[0]["at"]))

    def taken(n: float, **event: object) -> Any:
        at = (latest + dt.timedelta(days=n)).isoformat()
        return take_events(store, [{"type": "track", "messageId": f"grew-{n}", "userId": user, "timestamp": at,
                                    **event}], "webshop")

    def settled(n: float, **event: object) -> dict[str, Any]:
        events = taken(n, **event)
        settle_events(store, ResolveConfig(), events.records, events.performers)
        return kept_row()

    def kept_row() -> dict[str, Any]:
        node = store.get_node("Summary", "journeys_settled")
        assert node is not None
        part = store.get_node("Summary", f"journeys_settled:{node['series']}:{int(node['parts']) - 1}")
        assert part is not None
        return json.loads(str(part["data"]))[customer]  # type: ignore[no-any-return]

    def whole() -> dict[str, tuple[object, ...]]:
        return _decoded(summarise(store)[1])

    read_whole: list[str] = []  # the customers whose journeys the server read whole

    def reading_whole(store: Store, customers: Collection[str]) -> dict[str, dict[str, Any] | None]:
        read_whole.extend(customers)
        return whole_journeys(store, customers)

    monkeypatch.setattr(summaries, "_whole_journeys", reading_whole)
    had = len(store.run(queries.get("journey"), {"customer_id": customer, "limit": 100_000}))
    bought = settled(1, event="purchase", properties={"sku": sku, "amount": 5, "campaign": "spring"})
    answered = settled(2, event="survey_answer", properties={"score": 9, "score_kind": "nps", "channel": "web"})
    assert (bought["since"], answered["since"]) == (had, had + 1)
    assert bought["types"] == ["purchase"] and answered["scores"] == [9]
    assert _decoded(held.current(store)) == whole()  # type: ignore[arg-type]
    settled(3, event="add_to_cart", properties={"sku": sku})
    assert _decoded(held.current(store)) == whole()  # type: ignore[arg-type]
    # A touchpoint between two it had: kept from there on.
    inserted = settled(1.5, event="add_to_cart", properties={"sku": sku})
    assert (inserted["since"], inserted["had"]) == (had + 1, had + 3)
    assert inserted["types"] == ["add_to_cart", "survey_answer", "add_to_cart"]
    assert _decoded(held.current(store)) == whole()  # type: ignore[arg-type]
    # A visitor who signs in: the resolve joins its visit, earlier than the last touchpoint.
    visit = {"type": "page", "anonymousId": "grew-visitor", "properties": {"channel": "web"}}
    visited = take_events(store, [{**visit, "messageId": "grew-visit",
                                   "timestamp": (latest + dt.timedelta(days=2.5)).isoformat()}], "webshop")
    settle_events(store, ResolveConfig(), visited.records, visited.performers)
    signed_in = take_events(store, [{"type": "identify", "messageId": "grew-signin", "anonymousId": "grew-visitor",
                                     "userId": user}], "webshop")
    settle_events(store, ResolveConfig(), signed_in.records, signed_in.performers)
    visitor = store.run(queries.get("identity_neighbourhood"), {"ids": ["webshop:anon:grew-visitor"]})[0]
    assert visitor["customer_id"] == customer  # whose id stays, though the visitor's id sorts first
    joined = kept_row()
    assert (joined["since"], joined["had"], joined["types"]) == (had + 3, had + 4, ["web_visit", "add_to_cart"])
    assert _marks(backend, request) == (0, 0)
    assert _decoded(held.current(store)) == whole()  # type: ignore[arg-type]
    # The customer tells a new e-mail: its record changes, its touchpoints do not, and no journey
    # is kept again (a resolve's customers are kept only where their touchpoints changed).
    parts = (store.get_node("Summary", "journeys_settled") or {}).get("parts")
    told = take_events(store, [{"type": "identify", "messageId": "grew-email", "userId": user,
                                "traits": {"email": "grew-new@example.org"}}], "webshop")
    assert told.records == {f"webshop:{user}"}
    settle_events(store, ResolveConfig(), told.records, told.performers)
    assert store.run(queries.get("identity_neighbourhood"), {"ids": [f"webshop:{user}"]})[0]["customer_id"] == customer
    assert (store.get_node("Summary", "journeys_settled") or {}).get("parts") == parts
    assert _decoded(held.current(store)) == whole()  # type: ignore[arg-type]
    assert read_whole == []  # each part continued the journey held
    assert taken(4, event="purchase", properties={"amount": 2}).performers  # rebuilt, then the pass fails
    store.rebuild_derived([customer], links_hold=True)
    assert settled(5, event="purchase", properties={"amount": 1})["since"] == had + 6
    assert _decoded(held.current(store)) == whole()  # type: ignore[arg-type]
    assert read_whole == [customer]
    # An event that came while a records pass ran, which rebuilt its customer and kept it: the
    # journeys pass that takes its performer next finds the journey as kept, and keeps nothing.
    came = taken(7, event="purchase", properties={"amount": 3})
    told = take_events(store, [{"type": "identify", "messageId": "grew-email-2", "userId": user,
                                "traits": {"email": "grew-newer@example.org"}}], "webshop")
    settle_events(store, ResolveConfig(), told.records, set())
    assert kept_row()["types"][-1] == "purchase"
    parts = (store.get_node("Summary", "journeys_settled") or {}).get("parts")
    settle_events(store, ResolveConfig(), set(), came.performers)
    assert (store.get_node("Summary", "journeys_settled") or {}).get("parts") == parts
    assert _decoded(held.current(store)) == whole()  # type: ignore[arg-type]
    assert read_whole == [customer]
    assert _marks(backend, request) == (0, 0)


def test_a_journey_is_read_since_any_touchpoint_whatever_its_chain(
        store: Store, generated: Path, backend: str, request: pytest.FixtureRequest,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """``journey_sequences`` with ``since`` gives the columns of the whole row from there on, for
    every count kept: Neo4j walks a journey's last few back along NEXT from its end, and sorts it
    whole where that does not find them (more than 50 after, or a chain with two ends). (And a
    resolve that builds the journeys anew, as it does for 1,000 customers or more, leaves no
    touchpoint marked unlinked.)"""
    monkeypatch.setattr(neo4j_store, "BUILT_ANEW", 1)
    store.init()
    load_sources(store, [generated / source for source in SOURCES], Path(tempfile.mkdtemp()) / "rejects.jsonl")
    resolve(store, ResolveConfig())
    assert _marks(backend, request) == (0, 0)
    longest = max(store.run(queries.get("journey_sequences")), key=lambda row: len(row["types"]))
    customer, length = str(longest["customer_id"]), len(longest["types"])
    assert length > 60  # some reads walk back, some sort whole

    def since(kept: list[int]) -> dict[int, dict[str, Any]]:
        rows = {k: store.run(queries.get("journey_sequences"), {"customers": [customer], "since": [k]})
                for k in kept}
        assert [k for k, found in rows.items() if found] == [k for k in kept if k < length]
        return {k: found[0] for k, found in rows.items() if found}

    def after(kept: int) -> dict[str, Any]:
        return {name: value[kept:] if isinstance(value, list) else value for name, value in longest.items()}

    counts = [1, length - 60, length - 51, length - 50, length - 49, length - 3, length - 1, length]
    for kept, row in since(counts).items():
        assert row == after(kept), kept
    ids = [str(row["interaction_id"]) for row in store.run(queries.get("journey"), {"customer_id": customer,
                                                                                    "limit": length})]
    store.upsert_relationships("NEXT", [], replace_from=[ids[-4]])  # two ends: the walk finds too few
    for kept, row in since([length - 3, length - 5]).items():
        assert row == after(kept), kept


def test_a_warmer_merges_what_settled_only_while_questions_come(store: Store, generated: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """``KeptJourneys.ahead``: the resolve's journeys are read ahead of any question; what live events
    settle is merged ahead only while questions come, and a question always sees it."""
    store.init()
    load_sources(store, [generated / source for source in SOURCES], Path(tempfile.mkdtemp()) / "rejects.jsonl")
    resolve(store, ResolveConfig())
    user, customer = next((str(row["source_id"]), str(row["customer_id"])) for row in store.run(
        queries.get("customer_identities")) if row["source"] == "webshop" and row["customer_id"])

    def touchpoints(journeys: Journeys | None) -> int:
        assert journeys is not None
        return len(journeys.codes[journeys.customers.index(customer)])

    def visit(n: int) -> None:
        event = {"type": "track", "event": "add_to_cart", "messageId": f"ahead-{n}", "userId": user,
                 "timestamp": f"2026-11-2{n}T09:00:00Z", "properties": {"channel": "web"}}
        taken = take_events(store, [event], "webshop")
        settle_events(store, ResolveConfig(), taken.records, taken.performers)

    held = KeptJourneys()
    first = held.ahead(store)  # nobody has asked, but a resolve kept them: read ahead
    assert first is not None and held.ahead(store) is None  # then nothing new
    visit(1)
    assert held.ahead(store) is None  # settled, with no question in IN_USE_S: left for the question
    asked = held.current(store)
    assert touchpoints(asked) == touchpoints(first) + 1
    visit(2)
    ahead = held.ahead(store)  # a question came lately: merged ahead of the next
    assert ahead is not None and touchpoints(ahead) == touchpoints(first) + 2
    assert held.current(store) is ahead
    monkeypatch.setattr("custgraph.services.summaries.IN_USE_S", 0.0)
    visit(3)
    assert held.ahead(store) is None
    assert touchpoints(held.current(store)) == touchpoints(first) + 3
