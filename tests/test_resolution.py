"""Identity resolution on both backends: quality, parity, incremental = full, unmerge, explain, derived links."""

from __future__ import annotations

import csv
import datetime as dt
import gc
import io
import itertools
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from custgraph import queries
from custgraph.errors import ConfigError, UnknownIdentityError
from custgraph.graph import ErasureKey, JourneyEdit, RelationshipRow, Store
from custgraph.graph.embedded import EmbeddedStore
from custgraph.graph.neo4j import store as neo4j_store
from custgraph.loaders import load_sources
from custgraph.resolution import explain, read_config
from custgraph.resolution import resolve as resolve_identities
from custgraph.resolution.cluster import Link, clusters
from custgraph.resolution.quality import pairwise_quality
from custgraph.resolution.records import match_record
from custgraph.resolution.scoring import rule_pairs
from custgraph.samples.generate import SOURCES, generate
from custgraph.services import RecordMemo, ResolveConfig, confirm, erase, resolve, take_events, unmerge
from tests.conftest import Neo4jServer, StoreFactory
from tests.embedded_dump import everything

CONFIG = ResolveConfig()


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("resolution-data")
    generate(root, customers=300, seed=11)
    return root


def _load(store: Store, folders: list[Path]) -> None:
    report = load_sources(store, folders, Path(tempfile.mkdtemp()) / "rejects.jsonl")
    assert report.total("rejected") == 0


def _assignment(store: Store) -> dict[str, str]:
    return {f"{r['source']}:{r['source_id']}": r["customer_id"]
            for r in store.run(queries.get("customer_identities"))}


def _truth(root: Path) -> dict[str, str]:
    with open(root / "truth.csv", encoding="utf-8") as handle:
        return {f"{r['source']}:{r['source_id']}": r["person_id"] for r in csv.DictReader(handle)}


def _partition(assignment: dict[str, str]) -> set[frozenset[str]]:
    groups: dict[str, set[str]] = {}
    for record, customer in assignment.items():
        groups.setdefault(customer, set()).add(record)
    return {frozenset(group) for group in groups.values()}


def _crm_update(generated: Path, root: Path, row: dict[str, str]) -> Path:
    """A crm folder (the generated mapping) holding one customers row: a changed record to load."""
    update = root / "crm"
    update.mkdir(parents=True)
    (update / "mapping.toml").write_text((generated / "crm" / "mapping.toml").read_text(encoding="utf-8"),
                                         encoding="utf-8")
    with open(update / "customers.csv", "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(row))
        writer.writeheader()
        writer.writerow(row)
    return update


@pytest.fixture
def resolved(store: Store, generated: Path) -> Iterator[Store]:
    _load(store, [generated / source for source in SOURCES])
    resolve(store, CONFIG)
    yield store


def test_resolution_finds_the_people_behind_the_records(resolved: Store, generated: Path) -> None:
    assignment = _assignment(resolved)
    quality = pairwise_quality(assignment, _truth(generated))
    assert None not in assignment.values()
    assert quality.records == len(_truth(generated))
    assert quality.precision >= 0.97, quality
    assert quality.recall >= 0.90, quality


def test_a_second_run_changes_nothing(resolved: Store) -> None:
    before = _assignment(resolved)
    report = resolve(resolved, CONFIG)
    assert report.dirty == 0 and report.compared == 0 and report.customers_written == 0
    assert _assignment(resolved) == before


def test_a_run_hands_what_it_kept_from_the_collector_back(store: Store, generated: Path) -> None:
    """Resolve freezes its long-lived objects (``graph/collector.py``); a server must get its
    collector back as it was, whether or not it had frozen objects of its own first."""
    _load(store, [generated / source for source in SOURCES])
    resolve(store, CONFIG, full=True)
    assert gc.get_freeze_count() == 0
    gc.freeze()  # a process that froze its start-up objects itself
    try:
        frozen = gc.get_freeze_count()
        resolve(store, CONFIG, full=True)
        assert 0 < gc.get_freeze_count() <= frozen  # not thawed, nothing added (some freed as usual)
    finally:
        gc.unfreeze()


def test_touchpoints_loaded_for_unchanged_records_reach_their_customer_on_the_next_run(
        resolved: Store, tmp_path: Path) -> None:
    identity = next(r for r in resolved.run(queries.get("customer_identities")) if r["source"] == "crm")
    customer = identity["customer_id"]
    before = len(resolved.run(queries.get("journey"), {"customer_id": customer}))
    extra = tmp_path / "crm"
    extra.mkdir()
    (extra / "mapping.toml").write_text('[source]\nname = "crm"\ntrust = 90\n', encoding="utf-8")
    (extra / "interactions.csv").write_text(
        "interaction_id,customer_id,type,at,channel_id\n"
        f"LATE-1,{identity['source_id']},email_open,2026-10-30T10:00:00+00:00,email\n", encoding="utf-8")
    _load(resolved, [extra])
    assert resolved.run(queries.get("derived_mismatches")) != []
    report = resolve(resolved, CONFIG)
    assert report.dirty == 0 and report.customers_caught_up == 1
    assert len(resolved.run(queries.get("journey"), {"customer_id": customer})) == before + 1
    assert resolved.run(queries.get("derived_mismatches")) == []


def test_a_change_that_no_score_sees_still_reaches_the_golden_customer(
        resolved: Store, generated: Path, tmp_path: Path) -> None:
    """A new street (not compared) from the most trusted source must replace the customer's."""
    with open(generated / "crm" / "customers.csv", encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assignment = _assignment(resolved)
    row = next(r for r in rows if r["Street"] and assignment.get(f"crm:{r['CustomerNo']}"))
    customer = assignment[f"crm:{row['CustomerNo']}"]
    row.update({"Street": "1 Changed Street", "LastModified": "2026-11-01T09:00:00+00:00"})
    _load(resolved, [_crm_update(generated, tmp_path, row)])
    report = resolve(resolved, CONFIG)
    assert report.dirty == 1 and report.customers_written >= 1
    golden = resolved.get_node("Customer", customer)
    assert golden is not None and golden["street"] == "1 Changed Street"
    assert _assignment(resolved) == assignment


def test_every_customer_keeps_the_scores_the_whole_graph_queries_give(resolved: Store) -> None:
    customers = sorted({r["customer_id"] for r in resolved.run(queries.get("customer_identities"))})
    stored = {c: resolved.get_node("Customer", c) or {} for c in customers}
    as_of = {props["scores_as_of"] for props in stored.values()}
    assert len(as_of) == 1 and None not in as_of
    (moment,) = as_of
    assert moment == resolved.run(queries.get("latest_touchpoint"))[0]["at"]
    segments = {r["customer_id"]: r for r in resolved.run(queries.get("segments"), {"as_of": moment})}
    churn = {r["customer_id"]: r for r in resolved.run(queries.get("churn_risk"), {"as_of": moment,
                                                                                   "limit": len(customers)})}
    assert 0 < len(segments) < len(customers) and churn
    for customer, props in stored.items():
        assert props.get("rfm_segment") == segments.get(customer, {}).get("segment"), customer
        assert props.get("rfm_monetary") == segments.get(customer, {}).get("monetary"), customer
        assert props.get("churn_risk") == churn.get(customer, {}).get("risk"), customer
        assert props.get("churn_nps_drop") == churn.get(customer, {}).get("nps_drop"), customer


def test_incremental_resolution_equals_a_full_run_from_scratch(
    store: Store, open_test_store: StoreFactory, generated: Path, tmp_path: Path
) -> None:
    _load(store, [generated / "crm", generated / "webshop", generated / "support"])
    resolve(store, CONFIG)
    _load(store, [generated / "survey"])
    report = resolve(store, CONFIG)
    assert 0 < report.dirty < report.records  # only the new records were dirty
    assert report.customers_written < report.customers  # only the customers they can join were rewritten
    incremental = _assignment(store)
    links = _sorted_links(store)
    with EmbeddedStore(tmp_path / "scratch") as scratch:
        _load(scratch, [generated / source for source in SOURCES])
        # The same learned model: the store's own, trained on the first three sources (the
        # fourth adds less than retrain_growth); a model trained on all four scores otherwise.
        model = store.get_node("MatchModel", "identity")
        assert model is not None and not report.trained
        scratch.upsert_nodes("MatchModel", [model])
        resolve(scratch, CONFIG, full=True)
        assert _assignment(scratch) == incremental  # same clusters, same customer ids
        assert _sorted_links(scratch) == links


def test_a_memo_kept_across_runs_gives_what_runs_without_one_give(
    store: Store, generated: Path, tmp_path: Path
) -> None:
    """The events settler keeps what it derived from records between runs (``RecordMemo``): a
    record another writer changed in between must be derived afresh, not taken from the memo."""
    with open(generated / "crm" / "customers.csv", encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    changed = next(r for r in rows if r["EMail"])
    changed.update({"EMail": "someone.else@example.org", "Street": "1 Changed Street",
                    "LastModified": "2026-11-01T09:00:00+00:00"})
    update = _crm_update(generated, tmp_path / "update", changed)
    memo = RecordMemo()
    with EmbeddedStore(tmp_path / "without") as without:
        for folders in ([generated / "crm", generated / "webshop", generated / "support"],
                        [generated / "survey"], [update]):
            reports = []
            for target, kept in ((store, memo), (without, None)):
                _load(target, folders)
                reports.append(resolve_identities(target, CONFIG, memo=kept))
            assert reports[0].dirty == reports[1].dirty > 0
            assert _assignment(store) == _assignment(without)
            assert _sorted_links(store) == _sorted_links(without)
    customer = _assignment(store)[f"crm:{changed['CustomerNo']}"]
    golden = store.get_node("Customer", customer)
    assert golden is not None and golden["street"] == "1 Changed Street"


def _events_touching_records(store: Store) -> list[dict[str, object]]:
    """Events that change records: a visitor's pages and sign-in, a new record with a known
    e-mail (a rule), one with a known person's name, birth date and address (the model), and
    new traits on a known webshop record."""
    records = sorted((r["props"] for r in store.run(queries.get("identity_records"))),
                     key=lambda props: str(props["identity_id"]))
    crm = [p for p in records if p["source"] == "crm" and p.get("birth_date") and p.get("email") and p.get("street")]
    user = next(str(p["source_id"]) for p in records if p["source"] == "webshop")
    named = crm[1]
    given, _, family = str(named["name"]).partition(" ")
    return [*({"type": "page", "messageId": f"p-{n}", "anonymousId": "scoped-visitor", "properties": {"channel": "web"}}
              for n in range(3)),
            {"type": "identify", "messageId": "i-1", "anonymousId": "scoped-visitor", "userId": user},
            {"type": "identify", "messageId": "i-2", "userId": "scoped-new-1", "traits": {"email": crm[0]["email"]}},
            {"type": "identify", "messageId": "i-3", "userId": "scoped-new-2",
             "traits": {"firstName": given, "lastName": family, "birthday": named["birth_date"].isoformat(),
                        "address": {"street": named["street"], "city": named.get("city"),
                                    "postalCode": named.get("postal_code")}}},
            {"type": "identify", "messageId": "i-4", "userId": user, "traits": {"phone": "+81 90-1234-5678"}}]


def _resolve_both_keeping_a_basis(store: Store, whole: Store, generated: Path, memo: RecordMemo) -> None:
    """Load and resolve the same records in both stores; then a whole run on ``store`` with ``memo``
    keeps its basis for the scoped runs after it."""
    for target in (store, whole):
        _load(target, [generated / "crm", generated / "webshop", generated / "support"])
        resolve(target, CONFIG)
    assert resolve_identities(store, CONFIG, memo=memo, may_train=False, catch_up=False).dirty == 0


def test_a_run_over_the_records_events_changed_gives_what_a_whole_run_gives(
    store: Store, generated: Path, tmp_path: Path
) -> None:
    """The events settler's records pass reads the changed records and what they can move, and
    scores them against the basis its memo kept (``scoped.py``): it must cluster as a whole run
    does, and the next whole run must leave the store as a whole run alone does (here against a
    store that takes the same events and resolves whole)."""
    memo = RecordMemo()
    with EmbeddedStore(tmp_path / "whole") as whole:
        _resolve_both_keeping_a_basis(store, whole, generated, memo)
        assert memo.basis is not None  # the whole run kept its basis
        events = _events_touching_records(store)
        changed = take_events(store, events, "webshop").records
        assert take_events(whole, events, "webshop").records == changed
        scoped = resolve_identities(store, CONFIG, memo=memo, may_train=False, catch_up=False, changed=changed)
        reference = resolve_identities(whole, CONFIG, may_train=False, catch_up=False)
        assert scoped.scoped and not reference.scoped
        assert scoped.records < reference.records // 10  # it read what the change can move, not every record
        assert scoped.dirty == len(changed) == 4
        # The whole run also resolves again the records whose name became more common (term
        # frequencies): the scoped run leaves them to the next whole run.
        assert reference.dirty == scoped.dirty + 2
        assert _assignment(store) == _assignment(whole)
        together = _assignment(store)
        assert together["webshop:anon:scoped-visitor"] == together[f"webshop:{events[3]['userId']}"]
        for new in ("webshop:scoped-new-1", "webshop:scoped-new-2"):  # each joined the person it names
            assert sum(customer == together[new] for customer in together.values()) > 1, new
        again = resolve_identities(store, CONFIG, memo=memo, may_train=False, catch_up=False, changed=changed)
        assert again.scoped and again.dirty == 0 and again.customers_written == 0  # nothing changed since

        memo.basis.made_at -= 3600  # the kept basis has served its time: a basis is read anew beside the passes
        begun = resolve_identities(store, CONFIG, memo=memo, may_train=False, catch_up=False, changed=set())
        assert begun.scoped and begun.dirty == 0 and memo.refresh is not None
        memo.refresh.made.result(timeout=120)
        caught_up = resolve_identities(store, CONFIG, memo=memo, may_train=False, catch_up=False, changed=set())
        assert caught_up.scoped and memo.refresh is None and not memo.basis.aged()
        assert caught_up.dirty == 3  # those two, and the new record with that name
        assert _assignment(store) == _assignment(whole)
        assert _sorted_links(store) == _sorted_links(whole)
        counts = [{row["type"]: row["count"] for row in target.run(queries.get("relationship_counts"))}
                  for target in (store, whole)]
        assert counts[0] == counts[1]  # co-purchases (ALSO_BOUGHT) counted again by the whole pass too
        skus = [row["sku"] for row in whole.run(queries.get("product_popularity"), {"limit": 100})]
        assert [store.run(queries.get("prospects_for_product"), {"sku": sku, "k": 1000}) for sku in skus] == [
            whole.run(queries.get("prospects_for_product"), {"sku": sku, "k": 1000}) for sku in skus]


def test_visitors_who_sign_in_join_their_customer_as_a_whole_run_joins_them(
    store: Store, generated: Path, tmp_path: Path
) -> None:
    """A bare visitor's record whose one tie is its sign-in (identify) joins the customer of the
    record it signed in as without that customer being read and re-clustered (``scoped.py``
    joins): one visitor who had a customer of its own (its pages, settled before), one new in the
    same pass. The store must end as a whole run leaves it: memberships, links, golden customers,
    journeys; and the customer it left is gone."""
    memo = RecordMemo()
    with EmbeddedStore(tmp_path / "whole") as whole:
        _resolve_both_keeping_a_basis(store, whole, generated, memo)
        users = sorted(str(r["source_id"]) for r in store.run(queries.get("customer_identities"))
                       if r["source"] == "webshop")[:2]
        at = "2026-06-01T10:00:00+00:00"  # the same time in both stores
        pages = [{"type": "page", "messageId": f"j-p-{n}", "anonymousId": "joins-old", "timestamp": at,
                  "properties": {"channel": "web"}} for n in range(2)]
        later = [{"type": "page", "messageId": "j-p-new", "anonymousId": "joins-new", "timestamp": at,
                  "properties": {"channel": "web"}},
                 {"type": "identify", "messageId": "j-i-old", "anonymousId": "joins-old", "userId": users[0],
                  "timestamp": at},
                 {"type": "identify", "messageId": "j-i-new", "anonymousId": "joins-new", "userId": users[1],
                  "timestamp": at}]
        for events in (pages, later):
            changed = take_events(store, events, "webshop").records
            assert take_events(whole, events, "webshop").records == changed
            scoped = resolve_identities(store, CONFIG, memo=memo, may_train=False, catch_up=False, changed=changed)
            assert scoped.scoped
        assert (scoped.joined, scoped.dirty, scoped.records) == (2, 2, 0)  # no customer read to re-cluster
        assert scoped.customers_removed == 1  # the customer of the old visitor's pages alone
        resolve_identities(whole, CONFIG, may_train=False, catch_up=False)
        together = _assignment(store)
        assert together == _assignment(whole)
        assert together["webshop:anon:joins-old"] == together[f"webshop:{users[0]}"]
        assert together["webshop:anon:joins-new"] == together[f"webshop:{users[1]}"]
        assert _sorted_links(store) == _sorted_links(whole)
        for customer in (together[f"webshop:{user}"] for user in users):
            assert store.get_node("Customer", customer) == whole.get_node("Customer", customer)
            assert store.run(queries.get("journey"), {"customer_id": customer, "limit": 1000}) == whole.run(
                queries.get("journey"), {"customer_id": customer, "limit": 1000})
        assert store.run(queries.get("derived_mismatches")) == []


def test_events_of_a_person_erased_on_request_are_ignored(resolved: Store, tmp_path: Path) -> None:
    """Live events check each record against the erasure tombstones (in the one look-up a request
    makes for every label): an erased person's events are answered "ignored" and write nothing."""
    key = ErasureKey.read(str(tmp_path / "erasure.key"), create=True)
    assert key is not None
    webshop = sorted((user, customer) for user, customer in _assignment(resolved).items()
                     if user.startswith("webshop:"))
    (gone, customer), (kept, _) = webshop[0], next(pair for pair in webshop[1:] if pair[1] != webshop[0][1])
    erase(resolved, customer, key)
    events = [{"type": "track", "event": "purchase", "messageId": f"after-erasure-{n}", "userId": user.split(":", 1)[1],
               "properties": {"amount": 5}} for n, user in enumerate((gone, kept))]
    taken = take_events(resolved, events, "webshop", key)
    assert [outcome.status for outcome in taken.outcomes] == ["ignored", "accepted"]
    assert resolved.get_node("Identity", gone) is None
    assert resolved.get_node("Interaction", "webshop:after-erasure-0") is None
    assert resolved.get_node("Interaction", "webshop:after-erasure-1") is not None
    # Without the key the erasures were made with, nothing is taken: those events could bring the person back.
    later = [{**event, "messageId": f"later-{n}"} for n, event in enumerate(events)]
    other = ErasureKey.read(str(tmp_path / "other.key"), create=True)
    for wrong in (None, other):
        with pytest.raises(ConfigError, match="erasure"):
            take_events(resolved, later, "webshop", wrong)
    assert resolved.existing_keys("Interaction", ["webshop:later-0", "webshop:later-1"]) == set()


def _sorted_links(store: Store) -> list[dict[str, object]]:
    return sorted(store.run(queries.get("identity_links")), key=lambda row: (row["type"], row["a"], row["b"]))


def test_the_embedded_store_and_neo4j_give_the_same_clusters(
    resolved: Store, generated: Path, tmp_path: Path, backend: str
) -> None:
    other = tmp_path / "other"
    with EmbeddedStore(other) as embedded:
        _load(embedded, [generated / source for source in SOURCES])
        resolve(embedded, CONFIG)
        assert _assignment(embedded) == _assignment(resolved)
        customer = sorted(set(_assignment(resolved).values()))[0]
        node = embedded.get_node("Customer", customer)
        assert node is not None and node == resolved.get_node("Customer", customer)


@pytest.mark.neo4j
def test_neo4j_clears_and_builds_derived_links_as_it_aligns_them(
    neo4j_server: Neo4jServer, generated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Neo4j rebuilds many customers' derived links by clearing and building them, and a few by
    bringing them in line (``BUILT_ANEW``); the embedded store has one way (``derived.py``). Both
    ways must give the same links."""
    neo4j_server.wipe()
    with neo4j_store.Neo4jStore(neo4j_server.uri, neo4j_server.user, neo4j_server.password) as resolved:
        _load(resolved, [generated / source for source in SOURCES])
        resolve(resolved, CONFIG)
        customers = sorted(set(_assignment(resolved).values()))

        def derived() -> tuple[dict[str, int], list[object]]:
            counts = {row["type"]: row["count"] for row in resolved.run(queries.get("relationship_counts"))}
            return counts, [resolved.run(queries.get("customer_profile"), {"customer_id": c}) for c in customers[:25]]

        aligned = derived()  # the resolve wrote them for fewer customers than BUILT_ANEW
        monkeypatch.setattr(neo4j_store, "BUILT_ANEW", 1)
        resolved.rebuild_derived(customers)
        assert derived() == aligned
        monkeypatch.setattr(neo4j_store, "BUILT_ANEW", len(customers) + 1)
        resolved.rebuild_derived(customers)
        assert derived() == aligned
        assert resolved.run(queries.get("derived_mismatches")) == []


def _derived_links(store: Store, request: pytest.FixtureRequest) -> list[tuple[object, ...]]:
    """Every HAD, NEXT, BOUGHT and SERVES link as (type, start key, end key, properties), read raw."""
    kept = ("HAD", "NEXT", "BOUGHT", "SERVES")
    if isinstance(store, EmbeddedStore):
        return [row for row in everything(store) if row[0] in kept]
    server: Neo4jServer = request.getfixturevalue("neo4j_server")
    with server.driver() as driver:
        records, _, _ = driver.execute_query(
            "MATCH (a)-[r:HAD|NEXT|BOUGHT|SERVES]->(b) RETURN type(r) AS type, "
            "coalesce(a.customer_id, a.interaction_id, a.rep_id) AS a, "
            "coalesce(b.interaction_id, b.sku, b.customer_id) AS b, "
            "properties(r) AS props")
    return sorted(((r["type"], r["a"], r["b"], dict(r["props"])) for r in records), key=repr)


def test_journeys_that_grew_at_their_end_get_the_links_a_rebuild_gives(
        resolved: Store, generated: Path, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Live events' customers (``links_hold``) whose journeys only gained touchpoints get the links of
    what they gained added to theirs: at the end, or from the earliest one gained on (one before all
    it had, one between two of its own). Either way the links must be those a rebuild of every
    journey gives: NEXT from the last touchpoint and
    along the new ones (two at one time, ordered by key), BOUGHT counted again from every purchase
    of the product (a purchase splits its amount between three products: sums in cents would
    drift), SERVES counted on from what it was."""
    user_of = {customer: user.split(":", 1)[1] for user, customer in sorted(_assignment(resolved).items(), reverse=True)
               if user.startswith("webshop:")}
    journeys = {c: resolved.run(queries.get("journey"), {"customer_id": c}) for c in sorted(user_of)}
    # A customer who bought a product before buys it again (BOUGHT counted on from what it had),
    # one served by a rep is served again (SERVES), and three others.
    buyer, sku = next((c, row["skus"][0]) for c, rows in journeys.items() for row in rows
                      if row["type"] == "purchase" and row["skus"])
    served, rep = next((c, row["rep_id"]) for c, rows in journeys.items() for row in rows
                       if row["rep_id"] and c != buyer)
    others = [c for c in journeys if c not in (buyer, served)][:3]
    # and one gains a touchpoint between two of its own, at distinct times, and one at its end.
    middle, (earlier, later_one) = next((c, pair) for c, rows in journeys.items() if c not in (buyer, served, *others)
                                        for pair in itertools.pairwise(rows) if pair[0]["at"] < pair[1]["at"])
    skus = [sku, *(row["sku"] for row in resolved.run(queries.get("product_popularity"), {"limit": 3})
                   if row["sku"] != sku)][:3]
    chosen = {user_of[c]: c for c in (buyer, served, *others, middle)}
    latest = dt.datetime.fromisoformat(str(resolved.run(queries.get("latest_touchpoint"))[0]["at"]))
    users = list(chosen)

    def event(n: int, user: str, at: dt.datetime, **properties: object) -> dict[str, object]:
        return {"type": "track", "event": "purchase", "messageId": f"grown-{n}", "userId": user,
                "timestamp": at.isoformat(), "properties": {"channel": "web", **properties}}

    later = latest + dt.timedelta(days=1)
    three = [{"sku": sku} for sku in skus]
    events = [event(0, users[0], later, amount=10, products=three),
              event(1, users[0], later + dt.timedelta(hours=1), amount=10, products=three, rep=rep),
              event(2, users[1], later, amount=3.335, sku=skus[0], rep=rep),  # the rep that served it
              event(4, users[2], later, amount=1), event(3, users[2], later, amount=2, sku=skus[1]),  # one time: by key
              event(5, users[3], latest - dt.timedelta(days=3000), amount=7, sku=skus[2]),  # before all it had
              event(7, users[5], _at(earlier["at"]) + (_at(later_one["at"]) - _at(earlier["at"])) / 2, amount=4),
              event(8, users[5], later, amount=6),  # and one after all it had
              {"type": "page", "messageId": "grown-6", "anonymousId": "grown-visitor", "timestamp": later.isoformat()}]
    taken = take_events(resolved, events, "webshop")
    assert {outcome.status for outcome in taken.outcomes} == {"accepted"}
    customers = sorted(chosen.values())
    before = {c: len(journeys[c]) for c in customers}
    edits = resolved.rebuild_derived(customers, links_hold=True)
    position = journeys[middle].index(later_one)
    assert edits == {**{chosen[user]: JourneyEdit(before[chosen[user]], before[chosen[user]]) for user in users[:3]},
                     chosen[users[3]]: JourneyEdit(0, before[chosen[users[3]]]),  # went back before all it had
                     middle: JourneyEdit(position, before[middle])}  # what comes before the one it gained
    appended = _derived_links(resolved, request)
    assert resolved.run(queries.get("derived_mismatches")) == []
    monkeypatch.setattr(neo4j_store, "BUILT_ANEW", 1)  # Neo4j clears and builds: nothing left of the appending
    assert resolved.rebuild_derived(customers) == {}
    assert _derived_links(resolved, request) == appended
    assert resolved.rebuild_derived(customers, links_hold=True) == {}  # nothing gained: nothing grown


def test_records_that_change_customers_take_their_older_touchpoints_along(
        resolved: Store, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Live events' rebuilds (``links_hold``) find what a customer gained from its newest touchpoints,
    and from the records that joined it (a visitor who signs in brings visits older than the
    customer's latest). Two customers that swap two records with as many touchpoints each gain and
    lose as many as they had, in one rebuild: counts alone would call them unchanged. They must end
    with the links a rebuild of every journey gives."""
    performed = _performed(resolved, request)
    assignment = _assignment(resolved)
    by_count: dict[int, list[str]] = {}
    for record, interactions in sorted(performed.items()):
        by_count.setdefault(len(interactions), []).append(record)
    first, second = next((a, b) for records in by_count.values() for a, b in itertools.combinations(records, 2)
                         if assignment[a] != assignment[b])
    one, other = assignment[first], assignment[second]
    resolved.upsert_relationships("RESOLVES_TO", [RelationshipRow(first, other), RelationshipRow(second, one)],
                                  replace_from=[first, second])
    edits = resolved.rebuild_derived([one, other], links_hold=True)
    assert set(edits) == {one, other}  # each journey changed
    moved = _derived_links(resolved, request)
    assert {(link[1], link[2]) for link in moved if link[0] == "HAD"} >= {
        (customer, x) for record, customer in ((first, other), (second, one)) for x in performed[record]}
    assert resolved.run(queries.get("derived_mismatches")) == []
    monkeypatch.setattr(neo4j_store, "BUILT_ANEW", 1)
    resolved.rebuild_derived([one, other])
    assert _derived_links(resolved, request) == moved


def _performed(store: Store, request: pytest.FixtureRequest) -> dict[str, list[str]]:
    """Each Identity record's interactions (keys), read raw."""
    if isinstance(store, EmbeddedStore):
        found: dict[str, list[str]] = {}
        for row in everything(store):
            if row[0] == "PERFORMED":
                found.setdefault(str(row[1]), []).append(str(row[2]))
        return found
    server: Neo4jServer = request.getfixturevalue("neo4j_server")
    with server.driver() as driver:
        records, _, _ = driver.execute_query("MATCH (i:Identity)-[:PERFORMED]->(x) "
                                             "RETURN i.identity_id AS record, collect(x.interaction_id) AS xs")
    return {r["record"]: [str(x) for x in r["xs"]] for r in records}


def _at(value: object) -> dt.datetime:
    return value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))


def test_derived_relationships_follow_the_identities(resolved: Store) -> None:
    counts = {row["type"]: row["count"] for row in resolved.run(queries.get("relationship_counts"))}
    assert counts["HAD"] == counts["PERFORMED"] > 0
    assert counts["NEXT"] > 0 and counts["BOUGHT"] > 0 and counts["SERVES"] > 0
    assert resolved.run(queries.get("derived_mismatches")) == []


def test_a_customer_whose_records_left_keeps_no_touchpoints(resolved: Store) -> None:
    """A customer's records deleted (and with them what linked their interactions to it), a rebuild
    of its links leaves it no touchpoint: on the embedded store, no interaction's facts still name
    it (the index journeys are cut and grown by), which ``derived_mismatches`` checks too."""
    records: dict[str, list[str]] = {}
    for record, customer in _assignment(resolved).items():
        records.setdefault(customer, []).append(record)
    customer = next(c for c in sorted(records) if resolved.run(queries.get("journey"), {"customer_id": c}))
    resolved.delete_nodes("Identity", records[customer])
    resolved.rebuild_derived([customer])
    assert resolved.run(queries.get("journey"), {"customer_id": customer}) == []
    assert resolved.run(queries.get("derived_mismatches")) == []
    assert resolved.run(queries.get("journey_sequences"), {"customers": [customer], "since": [1]}) == []


def _pair_in_one_customer(store: Store) -> tuple[str, str, str]:
    groups: dict[str, list[str]] = {}
    for record, customer in sorted(_assignment(store).items()):
        groups.setdefault(customer, []).append(record)
    customer, members = next((c, m) for c, m in sorted(groups.items()) if len(m) >= 3)
    return members[0], members[1], customer


def test_explain_shows_the_chain_of_links_that_exists_in_the_graph(resolved: Store) -> None:
    a, b, customer = _pair_in_one_customer(resolved)
    explanation = explain(resolved, CONFIG, a, b)
    assert explanation.together and explanation.customer_a == customer
    assert explanation.path and explanation.path[0]["from"] == a and explanation.path[-1]["to"] == b
    for step in explanation.path:  # every link of the chain is in the store, with its evidence
        link = resolved.get_relationship("SAME_AS", *sorted((step["from"], step["to"])))
        assert link is not None and link["rule"] == step["rule"] and link["evidence"]
    assert any("rule" in line for line in explanation.lines())
    with pytest.raises(UnknownIdentityError):
        explain(resolved, CONFIG, a, "crm:nobody")


def test_unmerge_is_recorded_respected_and_rebuilds_only_the_customers_it_touches(resolved: Store) -> None:
    a, b, customer = _pair_in_one_customer(resolved)
    before = _assignment(resolved)
    report = unmerge(resolved, CONFIG, a, b, by="alice@example.com", reason="different birth dates on the phone")
    after = _assignment(resolved)
    assert after[a] != after[b]
    decision = resolved.get_relationship("NOT_SAME_AS", *sorted((a, b)))
    assert decision is not None and decision["by"] == "alice@example.com" and decision["at"] is not None
    changed = {record for record in before if before[record] != after[record]}
    assert changed <= {r for r, c in before.items() if c == customer}  # nobody else moved
    assert report.customers_written <= 3 and report.records < len(before) / 10  # it read its neighbourhood only
    assert resolved.run(queries.get("derived_mismatches")) == []
    resolve(resolved, CONFIG, full=True)  # every later run respects the decision, and agrees with it
    assert _assignment(resolved) == after
    why = explain(resolved, CONFIG, a, b)
    assert not why.together and any("NOT_SAME_AS by alice@example.com" in line for line in why.lines())
    assert resolved.run(queries.get("derived_mismatches")) == []


def test_a_confirmed_review_pair_joins_and_stays_joined_and_leaves_the_queue(resolved: Store) -> None:
    queue = [row for row in resolved.run(queries.get("identity_links")) if row["type"] == "POSSIBLY_SAME_AS"]
    before = _assignment(resolved)
    apart = [(str(row["a"]), str(row["b"])) for row in queue if before[row["a"]] != before[row["b"]]]
    a, b = apart[0] if apart else sorted(next((x, y) for x in before for y in before if before[x] != before[y]))
    confirm(resolved, CONFIG, a, b, by="bob", reason="same person, checked the order history")
    assert _assignment(resolved)[a] == _assignment(resolved)[b]
    assert resolved.get_relationship("POSSIBLY_SAME_AS", a, b) is None
    link = resolved.get_relationship("SAME_AS", a, b)
    assert link is not None and link["rule"] == "confirmed" and "bob" in link["evidence"][0]
    resolve(resolved, CONFIG, full=True)
    assert _assignment(resolved)[a] == _assignment(resolved)[b]
    assert resolved.get_relationship("POSSIBLY_SAME_AS", a, b) is None
    unmerge(resolved, CONFIG, a, b, by="carol", reason="no, twins")  # the latest decision counts
    assert _assignment(resolved)[a] != _assignment(resolved)[b]
    assert resolved.get_relationship("CONFIRMED_SAME_AS", a, b) is None
    assert resolved.run(queries.get("derived_mismatches")) == []


def test_a_weak_link_does_not_glue_two_clusters_and_decisions_hold() -> None:
    config = ResolveConfig()
    strong = [Link("a1", "a2", "email", 1.0, ()), Link("b1", "b2", "email", 1.0, ())]
    weak = Link("a2", "b1", "probabilistic", 0.97, ("name: same",))
    members = ["a1", "a2", "b1", "b2"]
    assert clusters(members, [*strong, weak], [], config).groups == [["a1", "a2"], ["b1", "b2"]]
    second = Link("a1", "b2", "probabilistic", 0.96, ("name: same",))
    assert clusters(members, [*strong, weak, second], [], config).groups == [["a1", "a2", "b1", "b2"]]
    assert clusters(members, [*strong, weak, second], [("a1", "b1")], config).groups == [["a1", "a2"], ["b1", "b2"]]
    assert clusters(["x", "y"], [Link("x", "y", "email", 1.0, ())], [("x", "y")], config).groups == [["x"], ["y"]]


def test_visitors_who_signed_in_as_one_record_are_each_linked_to_it_not_to_each_other() -> None:
    """A customer gathers a visitor record per device and sign-in: each is tied to the record it
    signed in as (a star), not to every other visitor (a clique of n² links that each resolve
    touching the customer read). Visitors of a record not in the store keep every pair."""
    person = match_record({"identity_id": "shop:u1", "source": "shop"})
    visitors = [match_record({"identity_id": f"shop:anon:v{n}", "known_as": "shop:u1"}) for n in range(3)]
    orphans = [match_record({"identity_id": f"shop:anon:w{n}", "known_as": "shop:gone"}) for n in range(3)]
    found = rule_pairs([*visitors, person, *orphans], ["identify"], None)
    assert sorted(found) == sorted([("shop:anon:v0", "shop:u1"), ("shop:anon:v1", "shop:u1"),
                                    ("shop:anon:v2", "shop:u1"), ("shop:anon:w0", "shop:anon:w1"),
                                    ("shop:anon:w0", "shop:anon:w2"), ("shop:anon:w1", "shop:anon:w2")])
    assert {rule for rule, _ in found.values()} == {"identify"}
    assert sorted(rule_pairs([person, *visitors], ["identify"], {"shop:anon:v1"})) == [("shop:anon:v1", "shop:u1")]


def test_a_link_past_a_cardinality_cap_is_held_for_review_with_the_reason() -> None:
    from custgraph.resolution.cluster import Traits

    config = ResolveConfig(max_birth_dates=2, max_email_domains=2, max_identities=4)
    links = [Link("a", "b", "email", 1.0, ()), Link("b", "c", "phone_and_family_name", 1.0, ()),
             Link("c", "d", "email", 1.0, ())]
    dates = {"a": Traits("1980-01-01"), "b": Traits("1980-01-02"), "c": Traits("1990-05-05"), "d": Traits()}
    done = clusters("abcd", links, [], config, dates)
    assert done.groups == [["a", "b"], ["c", "d"]]
    assert [(held.link.a, held.link.b) for held in done.held] == [("b", "c")]
    assert "3 birth dates" in done.held[0].reason and "1990-05-05" in done.held[0].reason
    domains = {m: Traits(None, f"{m}.example") for m in "abc"}
    assert clusters("abc", links[:2], [], config, domains).held[0].reason.startswith("would give a customer 3 e-mail")
    chain = [Link(x, y, "email", 1.0, ()) for x, y in zip("abcde", "bcdef", strict=False)]
    assert [len(group) for group in clusters("abcdef", chain, [], config).groups] == [4, 2]
    confirmed = [Link("b", "c", "confirmed", 1.0, ()), *links[:1]]  # a person's word goes past the caps
    assert clusters("abc", confirmed, [], config, dates).groups == [["a", "b", "c"]]
    # Bare visitors' records (signed in from many devices) do not count toward max_identities.
    visits = [Link("a", f"v{n}", "identify", 1.0, ()) for n in range(6)]
    bare = {f"v{n}": Traits(counted=False) for n in range(6)}
    assert clusters(["a", *bare], visits, [], config, bare).groups == [["a", *sorted(bare)]]
    both = clusters(["a", "b", "c", "d", "e", *bare], [*chain[:4], *visits], [], config, bare)
    assert [len(group) for group in both.groups] == [10, 1]  # four counted records and six visitors
    assert both.held[0].reason.startswith("would make a customer of 5 records")


def test_the_config_file_is_checked(tmp_path: Path) -> None:
    good = tmp_path / "resolve.toml"
    good.write_text("[resolve]\nlink_threshold = 0.99\nmax_birth_dates = 3\n")
    config = read_config(good)
    assert config.link_threshold == 0.99 and config.max_birth_dates == 3
    bad = tmp_path / "bad.toml"
    bad.write_text("[resolve]\nlink_treshold = 0.99\n")
    with pytest.raises(ConfigError, match="link_treshold"):
        read_config(bad)
    bad.write_text("[resolve]\nreview_threshold = 0.99\nlink_threshold = 0.5\n")
    with pytest.raises(ConfigError, match="review_threshold"):
        read_config(bad)
    bad.write_text("[resolve]\n[resolve.weights]\nbirth_date_same = 12.0\n")  # a file from before learning
    with pytest.raises(ConfigError, match="weights: learned from the data"):
        read_config(bad)
    with pytest.raises(ConfigError, match="duckdb or spark"):
        ResolveConfig(engine="oracle")


def test_cli_resolve_explain_and_export(store_env: dict[str, str], generated: Path, tmp_path: Path) -> None:
    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        import os
        return subprocess.run([sys.executable, "-m", "custgraph", *args], capture_output=True, text=True,
                              env={**os.environ, **store_env}, cwd=tmp_path, timeout=300)

    assert cli("init").returncode == 0
    assert cli("load", "--quiet", *(str(generated / s) for s in SOURCES)).returncode == 0
    done = cli("resolve")
    assert done.returncode == 0, done.stderr
    assert "customers in all" in done.stdout
    exported = cli("export", "identities")
    assert exported.returncode == 0, exported.stderr
    rows = list(csv.DictReader(io.StringIO(exported.stdout)))
    assert list(rows[0]) == ["source", "source_id", "customer_id"]
    assert len(rows) == len(_truth(generated)) and all(row["customer_id"] for row in rows)
    unknown = cli("explain", "crm:nobody", "crm:nobody2")
    assert unknown.returncode == 2 and "no identity 'crm:nobody'" in unknown.stderr
    by_customer: dict[str, list[str]] = {}
    for row in rows:
        by_customer.setdefault(row["customer_id"], []).append(f"{row['source']}:{row['source_id']}")
    a, b = next(members for members in by_customer.values() if len(members) >= 2)[:2]
    shown = cli("explain", a, b)
    assert shown.returncode == 0 and "are one customer" in shown.stdout, shown.stderr
    split = cli("unmerge", a, b, "--by", "qa", "--reason", "test")
    assert split.returncode == 0 and "different people" in split.stdout, split.stderr
    assert "are apart" in cli("explain", a, b).stdout


def test_the_shipped_example_config_is_the_default() -> None:
    example = Path(__file__).resolve().parents[1] / "examples" / "resolve.toml"
    assert read_config(example) == ResolveConfig()


@pytest.mark.parametrize(("a", "b"), [
    ({"name_norm": "taro yamada"}, {"name_kana_norm": "やまだ たろう"}),  # romaji vs kana reading
    ({"name_norm": "satou makoto"}, {"name_norm": "makoto sato"}),  # long vowel, token order
    ({"name_norm": "山田 太郎"}, {"name_norm": "山田太郎"}),  # kanji with and without a space
    ({"name_norm": "しょうた いけだ"}, {"name_norm": "ikeda shota"}),  # small ゃゅょ
    ({"name_norm": "bob smith"}, {"name_norm": "smith robert"}),  # nickname
    ({"name_norm": "becca dubois"}, {"name_norm": "rebecca dubois"}),  # nickname, not similar as strings
])
def test_name_forms_meet_across_scripts(a: dict[str, str], b: dict[str, str]) -> None:
    from custgraph.resolution.records import match_record

    first, second = match_record({"identity_id": "x:1", **a}), match_record({"identity_id": "x:2", **b})
    assert set(first.names) & set(second.names)


def test_phone_numbers_meet_in_national_and_international_form() -> None:
    from custgraph.resolution.records import match_record

    international = match_record({"identity_id": "x:1", "phone_norm": "+819012345678"})
    national = match_record({"identity_id": "x:2", "phone": "０９０-１２３４-５６７８"})  # no country: not E.164
    assert international.phone == national.phone is not None


def test_generated_names_have_a_long_tail(tmp_path: Path) -> None:
    """Most people's full name is theirs alone, a few names are common: as in a real population."""
    from collections import Counter

    from custgraph.samples.generate import _Generator

    gen = _Generator(tmp_path, 3000, seed=5, interactions_per_customer=1)
    people = [gen.person(n) for n in range(3000)]
    full = Counter((p.given, p.family) for p in people)
    family = Counter(p.family for p in people)
    assert sum(1 for p in people if full[(p.given, p.family)] == 1) / len(people) > 0.6
    assert family.most_common(1)[0][1] / len(people) < 0.03
    assert len(family) > 600


def test_golden_names_take_one_form_per_script() -> None:
    from custgraph.resolution.survivorship import golden

    crm = {"identity_id": "crm:1", "trust": 90, "name": "Stewart, Emily", "name_norm": "stewart emily"}
    shop = {"identity_id": "shop:1", "trust": 50, "name": "Elizabeth Stewart", "name_norm": "elizabeth stewart"}
    assert golden([crm, shop])["name"] == "Emily Stewart"
    japanese = {"identity_id": "crm:2", "trust": 90, "name": "山田 花子", "name_norm": "山田 花子"}
    assert golden([japanese])["name"] == "山田 花子"  # family name first, as written


def test_golden_sources_name_the_record_each_attribute_came_from() -> None:
    from custgraph.resolution import golden, sources_of

    crm = {"identity_id": "crm:1", "source": "crm", "trust": 90, "name": "Emily Stewart", "email": None,
           "city": "Perth", "email_opt_in": False}
    shop = {"identity_id": "shop:1", "source": "shop", "trust": 50, "name": "Em Stewart", "email": "em@example.com",
            "city": "Sydney", "email_opt_in": True}
    origin, stated = sources_of(golden([crm, shop]))
    assert origin == {"name": "crm:1", "city": "crm:1", "email_opt_in": "crm:1", "email": "shop:1"}
    assert stated == frozenset()
    said = {"consent_email_opt_in": True, "consent_at": dt.datetime(2026, 1, 1, tzinfo=dt.UTC), "consent_by": "api"}
    origin, stated = sources_of(golden([crm, {**shop, **said}]))
    assert origin["email_opt_in"] == "shop:1" and stated == {"email_opt_in"}
    assert sources_of({"customer_id": "written-before-sources"}) == ({}, frozenset())
