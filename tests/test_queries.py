"""The query catalogue on both backends: the same answers, paths that exist, index-led plans.

Parity runs on every machine: ``tests/parity/answers.json`` holds Neo4j's answers to every
case (every query of the catalogue, none exempt) over one generated data set. The embedded
store is compared with them on every run, Java or not; with Neo4j the same cases run again and
must still give the recorded rows (floats to 1e-9: sums of the same numbers in another order
may differ in the last bit). After a change that is meant to change an answer, record again
with ``scripts/test tests/test_queries.py --record-parity`` and review the diff.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from custgraph import queries
from custgraph.errors import QueryParameterError
from custgraph.graph import Store
from custgraph.graph.embedded import EmbeddedStore
from custgraph.graph.neo4j import Neo4jStore
from custgraph.graph.values import tagged, untagged
from custgraph.loaders import load_sources
from custgraph.samples.generate import SOURCES, generate
from custgraph.services import ResolveConfig, resolve
from tests.conftest import Neo4jServer
from tests.graph_paths import walk

ANSWERS = Path(__file__).parent / "parity" / "answers.json"
DATA = {"customers": 400, "seed": 21}
# Queries whose rows come in no particular order: compared as multisets.
UNORDERED = {"identity_links", "identity_records"}
# Cases that may rightly have no rows (a resolved store has no derived mismatches...).
MAY_BE_EMPTY = {"profile_unknown", "derived_mismatches", "interactions_without_identity"}
AS_OF = "2026-11-01T00:00:00Z"
# Queries that serve one customer or one product: they must start from an index.
INDEX_LED = ("customer_profile", "cross_sell", "cross_sell_paths", "journey", "search_customers",
             "prospects_for_product", "customer_links")


@dataclass
class Loaded:
    stores: dict[str, Store]
    embedded_path: Path
    root: Path
    cases: dict[str, tuple[str, dict[str, Any]]] = field(default_factory=dict)

    def answer(self, backend: str, case: str) -> list[dict[str, Any]]:
        name, params = self.cases[case]
        return self.stores[backend].run(queries.get(name), params)


def _load_and_resolve(store: Store, root: Path) -> None:
    report = load_sources(store, [root / source for source in SOURCES], Path(tempfile.mkdtemp()) / "rejects.jsonl")
    assert report.total("rejected") == 0
    resolve(store, ResolveConfig())


def _cases(store: Store) -> dict[str, tuple[str, dict[str, Any]]]:
    """Cases over customers chosen for what they exercise: many purchases, a review pair, kana names."""
    profiles = {row["customer_id"] for row in store.run(queries.get("customer_identities")) if row["customer_id"]}
    ranked = sorted(profiles)
    purchases = {c: store.run(queries.get("customer_profile"), {"customer_id": c})[0]["purchases"]
                 for c in ranked[:200]}
    busy = max(purchases, key=lambda c: (purchases[c], c))
    buyers = [c for c in ranked[:200] if purchases[c]]
    members = [i["identity_id"] for i in store.run(queries.get("customer_profile"), {"customer_id": busy})[0]
               ["identities"]]
    offers = store.run(queries.get("cross_sell"), {"customer_id": busy, "k": 3})
    assert offers, "the busiest customer must get recommendations"
    kana_name = next(row["name"] for row in store.run(queries.get("search_customers"), {"text": "さ", "limit": 50})
                     if row["name"])
    answers: dict[tuple[str, str], int] = {}
    months: dict[tuple[str, str, str], int] = {}
    for row in store.run(queries.get("touchpoint_scores")):
        if row["channel_id"] is not None:
            n = row["nps_responses"] + row["csat_responses"]
            answers[(row["channel_id"], row["type"])] = answers.get((row["channel_id"], row["type"]), 0) + n
            months[(row["channel_id"], row["type"], row["month"])] = n
    steps = store.run(queries.get("journey"), {"customer_id": busy})
    middle = str(steps[len(steps) // 2]["at"])  # what a client polling for what is new asks from
    cell = max(answers, key=lambda key: (answers[key], key))  # the heat map's busiest cell
    cell_month = max((m for m in months if m[:2] == cell), key=lambda m: (months[m], m))[2]
    cases: dict[str, tuple[str, dict[str, Any]]] = {
        "profile_busy": ("customer_profile", {"customer_id": busy, "as_of": AS_OF}),
        "profile_unknown": ("customer_profile", {"customer_id": "cust-nobody"}),
        "search_name": ("search_customers", {"text": kana_name.split()[0]}),
        "search_half_width_kana": ("search_customers", {"text": "ｻﾄｳ"}),
        "search_upper_case": ("search_customers", {"text": "SMITH", "limit": 5}),
        "cross_sell": ("cross_sell", {"customer_id": busy}),
        "cross_sell_paths": ("cross_sell_paths", {"customer_id": busy, "sku": offers[0]["sku"]}),
        "prospects": ("prospects_for_product", {"sku": offers[0]["sku"], "k": 15}),
        "prospects_email": ("prospects_for_product", {"sku": offers[0]["sku"], "k": 15, "channel": "email"}),
        "prospects_consent_email": ("prospects_consent", {"sku": offers[0]["sku"], "channel": "email"}),
        "prospects_consent_sms": ("prospects_consent", {"sku": offers[0]["sku"], "channel": "sms"}),
        "likely_buyers": ("likely_buyers", {"category": offers[0]["category"], "limit": 25}),
        "likely_buyers_email": ("likely_buyers", {"category": offers[0]["category"], "limit": 25, "channel": "email"}),
        "likely_buyers_consent": ("likely_buyers_consent", {"category": offers[0]["category"], "channel": "email"}),
        "journey": ("journey", {"customer_id": busy}),
        "journey_since": ("journey", {"customer_id": busy, "since": middle}),
        "journey_variants": ("journey_variants", {"steps": 3, "limit": 30}),
        "transitions": ("transitions", {}),
        "funnel": ("funnel", {"steps": ["web_visit", "add_to_cart", "purchase", "support_ticket"]}),
        "funnel_window": ("funnel", {"steps": ["web_visit", "add_to_cart", "purchase"], "window_days": 7}),
        "touchpoint_scores": ("touchpoint_scores", {"since": "2025-01-01T00:00:00Z"}),
        "segments": ("segments", {"as_of": AS_OF}),
        "churn_risk": ("churn_risk", {"as_of": AS_OF, "limit": 40}),
        "product_popularity": ("product_popularity", {"limit": 30}),
        "customer_links": ("customer_links", {"customer_id": busy}),
        "latest_touchpoint": ("latest_touchpoint", {}),
        "segments_some": ("segments", {"as_of": AS_OF, "customer_ids": [busy, *buyers[:3], "cust-nobody"]}),
        "churn_risk_some": ("churn_risk", {"as_of": AS_OF, "customer_ids": buyers[:40], "limit": 40}),
        "customer_identities": ("customer_identities", {}),
        "derived_mismatches": ("derived_mismatches", {}),
        "identity_links": ("identity_links", {}),
        "identity_neighbourhood": ("identity_neighbourhood", {"ids": [members[-1], members[0], "crm:nobody"]}),
        "identity_customers": ("identity_customers", {"ids": [members[-1], members[0], "crm:nobody"]}),
        "identity_pair": ("identity_pair", {"a": members[0], "b": members[-1]}),
        "identity_path": ("identity_path", {"a": members[0], "b": members[-1]}),
        "identity_records": ("identity_records", {}),
        "interactions_without_identity": ("interactions_without_identity", {}),
        "node_counts": ("node_counts", {}),
        "relationship_counts": ("relationship_counts", {}),
        "review_queue": ("review_queue", {"limit": 20}),
        "journey_sequences": ("journey_sequences", {}),
        "journey_sequences_some": ("journey_sequences", {"customers": [busy, *buyers[:5], "cust-nobody"]}),
        "journey_sequences_since": ("journey_sequences", {"customers": [busy, *buyers[:5], "cust-nobody"],
                                                          "since": [2, 0, 1, 1000]}),
        "stored_segments": ("stored_segments", {}),
        "touchpoint_answers": ("touchpoint_answers", {"channel_id": cell[0], "type": cell[1], "limit": 25}),
        "touchpoint_answers_all": ("touchpoint_answers", {"limit": 40}),
        "touchpoint_answers_month": ("touchpoint_answers", {"channel_id": cell[0], "type": cell[1],
                                                            "month": cell_month}),
        "conversion_paths": ("conversion_paths", {}),
        "conversion_paths_category": ("conversion_paths", {"conversion": "add_to_cart", "lookback_days": 7,
                                                           "category": offers[0]["category"]}),
        "funnel_journeys": ("funnel_journeys", {"steps": ["web_visit", "add_to_cart", "purchase"], "window_days": 7}),
        "retention_cohorts": ("retention_cohorts", {}),
        "retention_cohorts_touch": ("retention_cohorts", {"start": "touch"}),
        "lifecycle": ("lifecycle", {}),
        "lifecycle_touch": ("lifecycle", {"start": "touch"}),
        "journey_paths_from": ("journey_paths", {"touchpoint": "add_to_cart", "steps": 3}),
        "journey_paths_into": ("journey_paths", {"touchpoint": "purchase", "direction": "into", "steps": 2,
                                                 "limit": 30}),
    }
    for index, customer in enumerate(buyers[:: max(1, len(buyers) // 5)][:5]):
        cases[f"profile_{index}"] = ("customer_profile", {"customer_id": customer, "as_of": AS_OF})
        cases[f"cross_sell_{index}"] = ("cross_sell", {"customer_id": customer, "k": 5})
        cases[f"journey_{index}"] = ("journey", {"customer_id": customer})
    return cases


def _recorded() -> dict[str, Any]:
    if not ANSWERS.exists():
        return {"data": DATA, "cases": {}}
    return untagged(json.loads(ANSWERS.read_text(encoding="utf-8")))  # type: ignore[no-any-return]


RECORDED = _recorded()
CASE_NAMES = sorted(RECORDED["cases"])


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Loaded]:
    """The data set on the embedded store, with the cases chosen from it."""
    root = tmp_path_factory.mktemp("catalogue-data")
    generate(root, customers=DATA["customers"], seed=DATA["seed"])
    path = tmp_path_factory.mktemp("catalogue-store") / "store"
    embedded = EmbeddedStore(path)
    embedded.init()
    _load_and_resolve(embedded, root)
    result = Loaded({"embedded": embedded}, path, root)
    result.cases = _cases(embedded)
    yield result
    for store in result.stores.values():
        store.close()


@pytest.fixture(scope="module")
def with_neo4j(loaded: Loaded, request: pytest.FixtureRequest) -> Loaded:
    """The same data set on Neo4j too."""
    if "neo4j" not in loaded.stores:
        server: Neo4jServer = request.getfixturevalue("neo4j_server")
        server.wipe()
        neo4j_store = Neo4jStore(server.uri, server.user, server.password)
        loaded.stores["neo4j"] = neo4j_store
        _load_and_resolve(neo4j_store, loaded.root)
    return loaded


def _comparable(name: str, rows: list[dict[str, Any]]) -> list[Any]:
    if name in UNORDERED:
        return sorted(rows, key=lambda row: json.dumps(tagged(row), sort_keys=True))
    return rows


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        return isinstance(a, int | float) and isinstance(b, int | float) and math.isclose(a, b, rel_tol=1e-9)
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def _check_against_the_record(loaded: Loaded, backend: str, case: str) -> None:
    recorded = RECORDED["cases"][case]
    name, params = loaded.cases[case]
    assert (name, tagged(params)) == (recorded["query"], tagged(recorded["params"])), (
        f"{case}: the data set or the case changed since the answers were recorded; record them again")
    rows = loaded.answer(backend, case)
    assert rows or case in MAY_BE_EMPTY, f"{case} has no rows: it tests nothing"
    expected = recorded["rows"]
    got, want = _comparable(name, rows), _comparable(name, expected)
    assert _same(got, want), f"{case} on {backend}:\n got      {got[:3]}\n recorded {want[:3]}"


def test_the_record_covers_every_query_and_every_case() -> None:
    """No query is exempt from parity; a case added to ``_cases`` needs a recorded answer."""
    assert {case["query"] for case in RECORDED["cases"].values()} == set(queries.names())


@pytest.mark.embedded
def test_the_recorded_cases_are_the_cases(loaded: Loaded) -> None:
    assert sorted(loaded.cases) == CASE_NAMES, "cases changed: record the answers again (--record-parity)"


@pytest.mark.embedded
@pytest.mark.parametrize("case", CASE_NAMES)
def test_the_embedded_store_gives_neo4js_recorded_answer(loaded: Loaded, case: str) -> None:
    _check_against_the_record(loaded, "embedded", case)


@pytest.mark.neo4j
@pytest.mark.parametrize("case", CASE_NAMES)
def test_neo4j_still_gives_the_recorded_answer(with_neo4j: Loaded, case: str) -> None:
    _check_against_the_record(with_neo4j, "neo4j", case)


@pytest.mark.neo4j
def test_record_parity(with_neo4j: Loaded, request: pytest.FixtureRequest) -> None:
    """With ``--record-parity``: writes Neo4j's answers to every case (a no-op otherwise)."""
    if not request.config.getoption("--record-parity"):
        return
    cases = {case: {"query": name, "params": params, "rows": _comparable(name, with_neo4j.answer("neo4j", case))}
             for case, (name, params) in sorted(with_neo4j.cases.items())}  # unordered rows sorted: stable diffs
    ANSWERS.parent.mkdir(exist_ok=True)
    ANSWERS.write_text(json.dumps(tagged({"data": DATA, "cases": cases}), ensure_ascii=False, indent=1,
                                  sort_keys=True) + "\n", encoding="utf-8")


@pytest.mark.parametrize("backend_name", [pytest.param("embedded", marks=pytest.mark.embedded),
                                          pytest.param("neo4j", marks=pytest.mark.neo4j)])
def test_every_cross_sell_path_exists_in_the_graph(loaded: Loaded, backend_name: str,
                                                   request: pytest.FixtureRequest) -> None:
    if backend_name == "neo4j":
        request.getfixturevalue("with_neo4j")
    store = loaded.stores[backend_name]
    walked = 0
    for case in ("cross_sell", *[f"cross_sell_{n}" for n in range(5)]):
        customer = loaded.cases[case][1]["customer_id"]
        owned = {p["sku"] for p in store.run(queries.get("customer_profile"), {"customer_id": customer})[0]["products"]}
        for offer in loaded.answer(backend_name, case):
            assert offer["sku"] not in owned
            paths = [offer["path"], *store.run(queries.get("cross_sell_paths"),
                                               {"customer_id": customer, "sku": offer["sku"]})]
            assert len(paths) >= 2  # the product link and at least one path through another customer
            for path in paths:
                walk(store, path["nodes"], path["relationships"])
                assert path["nodes"][0]["key"] == customer and path["nodes"][-1]["key"] == offer["sku"]
                walked += 1
    assert walked > 10


@pytest.mark.neo4j
def test_queries_for_one_customer_or_product_start_from_an_index(with_neo4j: Loaded) -> None:
    loaded = with_neo4j
    store = loaded.stores["neo4j"]
    assert isinstance(store, Neo4jStore)
    for case, (name, params) in loaded.cases.items():
        if name not in INDEX_LED:
            continue
        query = queries.get(name)
        with store._driver.session() as session:
            plan = session.run("EXPLAIN " + query.cypher, query.bind(params)).consume().plan
        scans = list(_label_scans(plan))
        assert not scans, f"{case}: {name} scans {scans}"
    with store._driver.session() as session:  # the check can fail: a whole-graph query does scan
        plan = session.run("EXPLAIN " + queries.get("transitions").cypher, {"min_count": 1}).consume().plan
    assert list(_label_scans(plan))


def _label_scans(plan: Any) -> Iterator[str]:
    operator = plan.get("operatorType", "") if isinstance(plan, dict) else plan.operator_type
    args = plan.get("args", {}) if isinstance(plan, dict) else plan.arguments
    children = plan.get("children", []) if isinstance(plan, dict) else plan.children
    details = str(args.get("Details", ""))
    if "AllNodesScan" in operator or ("NodeByLabelScan" in operator and
                                      any(f":{label}" in details for label in ("Customer", "Identity", "Interaction"))):
        yield f"{operator} {details}"
    for child in children:
        yield from _label_scans(child)


@pytest.mark.embedded
def test_the_answers_hold_together(loaded: Loaded) -> None:
    store = loaded.stores["embedded"]
    busy = loaded.cases["profile_busy"][1]["customer_id"]
    profile = loaded.answer("embedded", "profile_busy")[0]
    steps = loaded.answer("embedded", "journey")
    assert len(steps) == profile["interactions"] == sum(row["count"] for row in profile["by_type"])
    assert [s["at"] for s in steps] == sorted(s["at"] for s in steps)
    assert {s["identity_id"] for s in steps} <= {i["identity_id"] for i in profile["identities"]}
    assert len({s["source"] for s in steps}) >= 2, "a journey crosses sources"
    assert profile["purchases"] == sum(1 for s in steps if s["type"] == "purchase")
    since = loaded.cases["journey_since"][1]["since"]
    later = [s for s in steps if s["at"] >= dt.datetime.fromisoformat(since)]
    assert loaded.answer("embedded", "journey_since") == later and 0 < len(later) < len(steps)
    assert loaded.answer("embedded", "profile_unknown") == []

    funnel = loaded.answer("embedded", "funnel")
    assert [row["customers"] for row in funnel] == sorted((row["customers"] for row in funnel), reverse=True)
    assert all(0 <= row["conversion"] <= 1 for row in funnel)

    transitions = loaded.answer("embedded", "transitions")
    next_links = store.run(queries.get("relationship_counts"))
    assert sum(row["count"] for row in transitions) == next(r["count"] for r in next_links if r["type"] == "NEXT")

    segments = loaded.answer("embedded", "segments")
    buyers = [c for c in {r["customer_id"] for r in store.run(queries.get("customer_identities"))} if c and
              store.run(queries.get("customer_profile"), {"customer_id": c})[0]["purchases"]]
    assert sorted(row["customer_id"] for row in segments) == sorted(buyers)
    assert {row["segment"] for row in segments} <= {"champions", "loyal", "new", "at_risk", "hibernating",
                                                     "needs_attention"}
    assert all(1 <= row[score] <= 5 for row in segments for score in "rfm")
    some = loaded.answer("embedded", "segments_some")
    assert some == [row for row in segments if row["customer_id"] in set(loaded.cases["segments_some"][1]
                                                                           ["customer_ids"])]
    for row in loaded.answer("embedded", "touchpoint_scores"):
        assert row["nps"] is None or -100 <= row["nps"] <= 100
        assert row["csat"] is None or 1 <= row["csat"] <= 5
    risks = [row["risk"] for row in loaded.answer("embedded", "churn_risk")]
    assert risks == sorted(risks, reverse=True) and all(0 < r <= 1 for r in risks)
    assert busy in {row["customer_id"] for row in store.run(queries.get("search_customers"),
                                                            {"text": profile["identities"][0]["name"]})}


@pytest.mark.embedded
def test_search_folds_case_width_and_kana(loaded: Loaded) -> None:
    store = loaded.stores["embedded"]
    profile = loaded.answer("embedded", "profile_busy")[0]
    email = next(i["email"] for i in profile["identities"] if i["email"])
    by_email = store.run(queries.get("search_customers"), {"text": email.upper()})
    assert by_email[0]["customer_id"] == profile["customer"]["customer_id"]
    half_width = loaded.answer("embedded", "search_half_width_kana")
    full_width = store.run(queries.get("search_customers"), {"text": "サトウ"})
    assert half_width == full_width and half_width
    with pytest.raises(QueryParameterError, match="nothing to search"):
        store.run(queries.get("search_customers"), {"text": "  "})


@pytest.mark.embedded
def test_cli_query_lists_runs_and_formats(loaded: Loaded) -> None:
    command = [sys.executable, "-m", "custgraph", "--store", str(loaded.embedded_path), "query"]
    listing = subprocess.run([*command, "--list"], capture_output=True, text=True, check=True).stdout
    assert ("cross_sell(customer_id: string, k: integer = 10, complaint_days: integer = 90, as_of: datetime = null)"
            in listing)
    busy = loaded.cases["profile_busy"][1]["customer_id"]
    expected = [row["sku"] for row in loaded.answer("embedded", "cross_sell")[:3]]
    loaded.stores["embedded"].close()  # one process at a time holds an embedded store
    try:
        out = subprocess.run([*command, "cross_sell", "-p", f"customer_id={busy}", "-p", "k=3", "--format", "json"],
                             capture_output=True, text=True, check=True).stdout
        assert [row["sku"] for row in json.loads(out)] == expected
        table = subprocess.run([*command, "funnel", "-p", "steps=web_visit,purchase"], capture_output=True,
                               text=True, check=True).stdout
        assert table.splitlines()[0].split() == ["step", "type", "customers", "conversion", "drop_off", "median_hours"]
        bad = subprocess.run([*command, "journey", "-p", "customer_id=x", "-p", "limit=many"],
                             capture_output=True, text=True)
        assert bad.returncode == 2 and "limit" in bad.stderr and "integer" in bad.stderr
    finally:
        loaded.stores["embedded"] = EmbeddedStore(loaded.embedded_path)
