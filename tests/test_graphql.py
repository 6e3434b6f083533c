"""The GraphQL API in process (ASGI) on both backends: schema, roles, limits, loaders, mutations."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from served import served
from starlette.testclient import TestClient
from strawberry.extensions import validation_cache

from custgraph import queries
from custgraph.api.app import CACHE_SIZE, MAX_ALIASES, MAX_DEPTH, served_schema
from custgraph.api.metrics import Metrics
from custgraph.api.schema import sdl
from custgraph.graph.erased import ErasureKey
from custgraph.loaders import load_sources
from custgraph.samples.generate import SOURCES, generate
from custgraph.services import ResolveConfig, resolve

KEYS = {"CUSTGRAPH_API_KEYS": "rita:reader:reader-key-0123456789,ana:analyst:analyst-key-0123456789,"
                              "adam:admin:admin-key-0123456789abc"}
READER, ANALYST, ADMIN = "reader-key-0123456789", "analyst-key-0123456789", "admin-key-0123456789abc"
SCHEMA_FILE = Path(__file__).parent.parent / "api" / "schema.graphql"


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("api-data")
    generate(root, customers=250, seed=4)
    return root


@pytest.fixture
def client(store_env: dict[str, str], generated: Path) -> Iterator[TestClient]:
    with served(store_env, generated, KEYS) as test_client:
        yield test_client


def _ask(client: TestClient, query: str, key: str = ANALYST, **variables: Any) -> dict[str, Any]:
    response = client.post("/graphql", json={"query": query, "variables": variables},
                           headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def _busy_customer(client: TestClient) -> str:
    store = client.app.state.store  # type: ignore[attr-defined]
    ids = sorted({r["customer_id"] for r in store.run(queries.get("customer_identities")) if r["customer_id"]})
    return max(ids[:100], key=lambda c: (store.run(queries.get("customer_profile"), {"customer_id": c})[0]
                                         ["purchases"], c))


CUSTOMER = """
query One($id: String!) {
  customer(id: $id) {
    id name email phone sources
    goldenSources { attribute identity source stated }
    identities { id source email }
    links { a b rule score evidence }
    interactions { key count }
    journey(first: 5) { id at type channelId skus }
    productsBought { sku times amount }
    reps { id times }
    segment { segment r f m }
    churnRisk { risk recent previous }
    crossSell(first: 3) { sku score because { sku customers buyers } path { nodes { label key } } }
  }
}"""


def test_a_customer_with_everything_around_it(client: TestClient) -> None:
    busy = _busy_customer(client)
    data = _ask(client, CUSTOMER, id=busy)
    assert "errors" not in data, data
    customer = data["data"]["customer"]
    store = client.app.state.store  # type: ignore[attr-defined]
    profile = store.run(queries.get("customer_profile"), {"customer_id": busy})[0]
    assert customer["name"] == profile["customer"]["name"]
    assert [i["id"] for i in customer["identities"]] == [i["identity_id"] for i in profile["identities"]]
    records = {i["identity_id"]: i for i in profile["identities"]}
    taken = {s["attribute"]: s for s in customer["goldenSources"]}
    assert taken["name"]["identity"] in records and taken["email"]["source"] == records[taken["email"]["identity"]][
        "source"]
    assert records[taken["email"]["identity"]]["email"] == customer["email"]  # the record holds the golden value
    assert sum(c["count"] for c in customer["interactions"]) == profile["interactions"]
    assert len(customer["journey"]) == min(5, profile["interactions"])
    assert customer["crossSell"] and customer["crossSell"][0]["path"]["nodes"][0]["key"] == busy
    live = store.run(queries.get("segments"), {"customer_ids": [busy], "as_of": profile["customer"]["scores_as_of"]})
    assert customer["segment"] == {name: live[0][name] for name in ("segment", "r", "f", "m")}
    segment = store.run(queries.get("segments"), {"customer_ids": [busy]})[0]
    assert customer["segment"]["segment"] == segment["segment"]
    assert _ask(client, CUSTOMER, id="cust-nobody")["data"]["customer"] is None


def test_readers_see_masked_contact_data_and_cannot_change_anything(client: TestClient) -> None:
    busy = _busy_customer(client)
    full = _ask(client, CUSTOMER, id=busy)["data"]["customer"]
    masked = _ask(client, CUSTOMER, key=READER, id=busy)["data"]["customer"]
    assert full["email"] and masked["email"] != full["email"] and "***" in masked["email"]
    assert all(i["email"] is None or "***" in i["email"] for i in masked["identities"])
    assert {s["identity"] for s in masked["goldenSources"]} <= {i["id"] for i in masked["identities"]}  # pseudonyms
    assert masked["name"] == full["name"]
    a, b = full["identities"][0]["id"], full["identities"][-1]["id"]
    mutation = "mutation($a: String!, $b: String!) { unmerge(a: $a, b: $b, reason: \"test\") { customerA } }"
    for key in (READER, ANALYST):
        refused = _ask(client, mutation, key=key, a=a, b=b)
        assert refused["data"] is None and "admin" in refused["errors"][0]["message"]
    no_key = client.post("/graphql", json={"query": "{ transitions { count } }"})
    assert no_key.status_code == 401
    ide = client.get("/graphql", headers={"Accept": "text/html"})
    assert ide.status_code == 200 and "graphiql" in ide.text.lower()
    sneaky = client.get("/graphql", params={"query": "{ transitions { count } }"}, headers={"Accept": "text/html"})
    assert sneaky.status_code == 401
    wrong = client.post("/graphql", json={"query": "{ transitions { count } }"},
                        headers={"Authorization": "Bearer not-a-key-at-all-000"})
    assert wrong.status_code == 401


def test_admins_unmerge_and_confirm(client: TestClient) -> None:
    busy = _busy_customer(client)
    identities = _ask(client, CUSTOMER, id=busy)["data"]["customer"]["identities"]
    if len(identities) < 2:
        pytest.skip("the busiest customer has one record")
    a, b = identities[0]["id"], identities[1]["id"]
    split = _ask(client, """mutation($a: String!, $b: String!) {
        unmerge(a: $a, b: $b, reason: "two people") { customerA customerB customersWritten } }""",
                 key=ADMIN, a=a, b=b)
    assert "errors" not in split, split
    assert split["data"]["unmerge"]["customerA"] != split["data"]["unmerge"]["customerB"]
    joined = _ask(client, """mutation($a: String!, $b: String!) {
        confirmReview(a: $a, b: $b, reason: "same person after all") { customerA customerB } }""",
                  key=ADMIN, a=a, b=b)
    assert joined["data"]["confirmReview"]["customerA"] == joined["data"]["confirmReview"]["customerB"]


def test_search_pages_with_cursors(client: TestClient) -> None:
    query = """query($after: String) { customers(search: "a", first: 7, after: $after) {
        edges { cursor node { id } } pageInfo { hasNextPage endCursor } } }"""
    seen: list[str] = []
    after = None
    for _ in range(3):
        page = _ask(client, query, after=after)["data"]["customers"]
        seen += [edge["node"]["id"] for edge in page["edges"]]
        after = page["pageInfo"]["endCursor"]
        if not page["pageInfo"]["hasNextPage"]:
            break
    assert len(seen) == len(set(seen)) > 7
    bad = _ask(client, query, after="bm90LWEtY3Vyc29y")
    assert bad["data"] is None and "cursor" in bad["errors"][0]["message"]


# List fields bounded by what they are (a vocabulary, a top-k with a small cap, an argument's
# size): every other list field of the schema must have a cursor-paged twin, NAME + "Page".
BOUNDED_LISTS = {"sources", "interactions", "channels", "evidence", "skus", "because", "nodes", "relationships",
                 "variant", "via", "customers", "crossSell", "crossSellPaths", "journeyVariants", "transitions",
                 "funnel", "edges", "goldenSources",  # goldenSources: one per golden attribute at most
                 # Analytics answers: a row per channel, touchpoint type or campaign, per month, or per
                 # cohort and month; causes are capped by `first`, examples at 3, a path by its lookback.
                 "credits", "retentionCohorts", "lifecycle", "causes", "examples", "path",
                 # Predictions: three models, ten deciles, a customer's three likeliest categories.
                 "models", "calibration", "baselineCalibration", "categoryPropensity", "categoryPropensityBecause"}


def test_every_list_that_grows_has_a_paged_twin() -> None:
    import strawberry
    from graphql import GraphQLList, GraphQLObjectType, get_nullable_type

    from custgraph.api.schema import build_schema

    schema = build_schema()
    assert isinstance(schema, strawberry.Schema)
    unpaged = []
    for type_ in schema._schema.type_map.values():
        if not isinstance(type_, GraphQLObjectType) or type_.name.startswith("__"):
            continue
        for name, field in type_.fields.items():
            if isinstance(get_nullable_type(field.type), GraphQLList) and name not in BOUNDED_LISTS:
                twin = type_.fields.get(name + "Page")
                if twin is None or not str(twin.type).endswith("Connection!"):
                    unpaged.append(f"{type_.name}.{name}")
    assert unpaged == []


PAGED_CUSTOMER_LISTS = [("identitiesPage", "identities", "id"), ("linksPage", "links", "a b"),
                        ("journeyPage", "journey(first: 500)", "id"), ("productsBoughtPage", "productsBought", "sku"),
                        ("repsPage", "reps", "id")]


def _walk(client: TestClient, query: str, path: list[str], first: int, **variables: Any) -> list[Any]:
    """Every node of a connection, page by page; checks each page's size and cursors."""
    nodes: list[Any] = []
    after = None
    for _ in range(200):
        data = _ask(client, query, first=first, after=after, **variables)
        assert "errors" not in data, data
        page = data["data"]
        for step in path:
            page = page[step]
        edges = page["edges"]
        assert len(edges) <= first
        assert page["pageInfo"]["endCursor"] == (edges[-1]["cursor"] if edges else None)
        nodes += [edge["node"] for edge in edges]
        if not page["pageInfo"]["hasNextPage"]:
            return nodes
        assert len(edges) == first
        after = page["pageInfo"]["endCursor"]
    raise AssertionError("more than 200 pages")


@pytest.mark.parametrize(("paged", "listed", "fields"), PAGED_CUSTOMER_LISTS)
def test_a_customers_growing_lists_page_with_cursors(client: TestClient, paged: str, listed: str,
                                                      fields: str) -> None:
    busy = _busy_customer(client)
    whole = _ask(client, f"query($id: String!) {{ customer(id: $id) {{ {listed} {{ {fields} }} }} }}", id=busy)
    expected = whole["data"]["customer"][listed.split("(")[0]]
    assert len(expected) > 2, "the busy customer should need several pages of 2"
    query = (f"query($id: String!, $first: Int!, $after: String) {{ customer(id: $id) {{ {paged}(first: $first, "
             f"after: $after) {{ edges {{ cursor node {{ {fields} }} }} pageInfo {{ hasNextPage endCursor }} }} }} }}")
    assert _walk(client, query, ["customer", paged], 2, id=busy) == expected


def test_outreach_leaves_out_customers_without_consent_and_says_how_many(client: TestClient) -> None:
    bought = _ask(client, "query($id: String!) { customer(id: $id) { productsBought { sku } } }",
                  id=_busy_customer(client))["data"]["customer"]["productsBought"]
    counts = {p["sku"]: _ask(client, """query($sku: String!) { outreach(sku: $sku, channel: EMAIL) {
                                          channel prospects reachable leftOut } }""", sku=p["sku"])["data"]["outreach"]
              for p in bought}
    sku = max((sku for sku, c in counts.items() if c["prospects"] <= 100), key=lambda sku: counts[sku]["prospects"])
    everyone = _ask(client, "query($sku: String!) { prospects(sku: $sku, first: 100) { customer { id } } }",
                    sku=sku)["data"]["prospects"]
    mailed = _ask(client, """query($sku: String!) { prospects(sku: $sku, first: 100, channel: EMAIL) {
                               customer { id emailOptIn } } }""", sku=sku)["data"]["prospects"]
    assert all(p["customer"]["emailOptIn"] is True for p in mailed)
    assert 0 < len(mailed) < len(everyone), "the sample data has customers on both sides of the consent"
    assert counts[sku] == {"channel": "EMAIL", "prospects": len(everyone), "reachable": len(mailed),
                           "leftOut": len(everyone) - len(mailed)}
    assert {p["customer"]["id"] for p in mailed} <= {p["customer"]["id"] for p in everyone}
    assert _ask(client, '{ outreach(sku: "NO-SUCH", channel: SMS) { leftOut } }')["data"]["outreach"] is None
    assert "errors" in _ask(client, '{ outreach(sku: "X", channel: POST) { leftOut } }')


def test_predictions_with_what_moved_them_and_how_the_models_were_checked(client: TestClient) -> None:
    busy = _busy_customer(client)
    customer = _ask(client, """query($id: String!) { customer(id: $id) {
        purchasePropensity { asOf probability because { feature effect } }
        churnProbability { probability because { feature } } churnRisk { risk }
        categoryPropensity { category probability } categoryPropensityBecause { feature effect } } }""",
                    id=busy)["data"]["customer"]
    models = _ask(client, "{ predictionModels { asOf horizonDays models { name used why auc baselineAuc brier "
                          "calibration { predicted observed customers } } } }")["data"]["predictionModels"]
    used = {m["name"]: m for m in models["models"]}
    assert models["horizonDays"] == 90 and set(used) == {"propensity", "category", "churn"}
    assert used["propensity"]["used"] == "model" and used["propensity"]["auc"] > 0.5
    assert sum(b["customers"] for b in used["propensity"]["calibration"]) > 100
    propensity = customer["purchasePropensity"]
    assert propensity["asOf"] == models["asOf"] and 0 <= propensity["probability"] <= 1
    assert len(propensity["because"]) == 3 and all(isinstance(e["effect"], float) for e in propensity["because"])
    churn = used["churn"]
    assert (customer["churnProbability"] is not None) == (churn["used"] == "model")
    assert churn["used"] != "model" or churn["auc"] > churn["baselineAuc"]
    categories = customer["categoryPropensity"]
    assert len(categories) == 3 and len(customer["categoryPropensityBecause"]) == 3
    top = categories[0]["category"]
    buyers = _ask(client, "query($c: String!) { likelyBuyers(category: $c, first: 100) { customer { id } "
                          "probability } }", c=top)["data"]["likelyBuyers"]
    assert buyers and [b["probability"] for b in buyers] == sorted((b["probability"] for b in buyers), reverse=True)
    paged = _walk(client, """query($c: String!, $first: Int!, $after: String) {
        likelyBuyersPage(category: $c, first: $first, after: $after) {
          edges { cursor node { customer { id } probability } } pageInfo { hasNextPage endCursor } } }""",
                  ["likelyBuyersPage"], 7, c=top)
    assert paged[:len(buyers)] == buyers
    mailed = _walk(client, """query($c: String!, $first: Int!, $after: String) {
        likelyBuyersPage(category: $c, first: $first, after: $after, channel: EMAIL) {
          edges { cursor node { customer { id emailOptIn } } } pageInfo { hasNextPage endCursor } } }""",
                   ["likelyBuyersPage"], 50, c=top)
    counted = _ask(client, """query($c: String!) { outreach(category: $c, channel: EMAIL) {
                                prospects reachable leftOut } }""", c=top)["data"]["outreach"]
    assert all(b["customer"]["emailOptIn"] is True for b in mailed) and 0 < len(mailed) < counted["prospects"]
    assert counted["reachable"] == len(mailed) and counted["leftOut"] == counted["prospects"] - len(mailed)
    assert "either sku or category" in _ask(client, '{ outreach(channel: SMS) { leftOut } }')["errors"][0]["message"]


def test_query_lists_page_with_cursors(client: TestClient) -> None:
    sku = _ask(client, "query($id: String!) { customer(id: $id) { productsBought { sku } } }",
               id=_busy_customer(client))["data"]["customer"]["productsBought"][0]["sku"]
    prospects = _ask(client, "query($sku: String!) { prospects(sku: $sku, first: 100) { customer { id } score } }",
                     sku=sku)["data"]["prospects"]
    assert len(prospects) > 5
    paged = _walk(client, """query($sku: String!, $first: Int!, $after: String) {
        prospectsPage(sku: $sku, first: $first, after: $after) {
          edges { cursor node { customer { id } score } } pageInfo { hasNextPage endCursor } } }""",
                  ["prospectsPage"], 5, sku=sku)
    assert paged[:len(prospects)] == prospects
    scores = _ask(client, "{ touchpointScores { month channelId type nps csat } }")["data"]["touchpointScores"]
    assert len(scores) > 10
    assert _walk(client, """query($first: Int!, $after: String) { touchpointScoresPage(first: $first, after: $after) {
        edges { cursor node { month channelId type nps csat } } pageInfo { hasNextPage endCursor } } }""",
                 ["touchpointScoresPage"], 10) == scores
    bad = _ask(client, "{ touchpointScoresPage(after: \"bm90LWEtY3Vyc29y\") { edges { cursor } } }")
    assert bad["data"] is None and "cursor" in bad["errors"][0]["message"]
    too_many = _ask(client, "{ touchpointScoresPage(first: 101) { edges { cursor } } }")
    assert "first must be" in too_many["errors"][0]["message"]


def test_attribution_sets_the_models_side_by_side(client: TestClient) -> None:
    fields = "firstTouch lastTouch linear timeDecay positionBased markov shapley"
    found = _ask(client, f"{{ attribution {{ conversions paths credits {{ key {fields} }} }} }}")["data"]["attribution"]
    assert 0 < found["conversions"] < found["paths"]
    for model in fields.split():
        assert abs(sum(credit[model] for credit in found["credits"]) - found["conversions"]) < 1e-6, model
    by_type = _ask(client, "{ attribution(by: \"type\", lookbackDays: 7, halfLifeDays: 2) { credits { key linear } } }")
    assert {"web_visit", "add_to_cart"} <= {credit["key"] for credit in by_type["data"]["attribution"]["credits"]}
    bad = _ask(client, "{ attribution(by: \"colour\") { conversions } }")
    assert bad["data"] is None and "choose one of channel, type, campaign" in bad["errors"][0]["message"]


def test_score_causes_answer_with_their_statistics(client: TestClient) -> None:
    found = _ask(client, """{ scoreCauses(kind: "nps", minSupport: 2, alpha: 0.99) { kind cases low tested
        causes { kind value cases low lift pValue qValue examples { customerId score path { type rep } } } } }""")
    causes = found["data"]["scoreCauses"]
    assert 0 < causes["low"] < causes["cases"] and causes["tested"] > 0
    for cause in causes["causes"]:  # alpha 0.99: what leans towards low answers at all
        assert cause["lift"] > 1 and cause["pValue"] <= cause["qValue"] <= 0.99 and cause["low"] <= cause["cases"]
        assert all(example["score"] <= 6 for example in cause["examples"])
    bad = _ask(client, "{ scoreCauses(kind: \"ces\") { cases } }")
    assert bad["data"] is None and "nps or csat" in bad["errors"][0]["message"]
    funnel = _ask(client, """{ funnel(steps: ["web_visit", "add_to_cart", "purchase"]) { customers }
        dropoffCauses(steps: ["web_visit", "add_to_cart", "purchase"], step: 2) { kind cases low } }""")["data"]
    counts = [step["customers"] for step in funnel["funnel"]]
    assert funnel["dropoffCauses"] == {"kind": "drop-off after add_to_cart", "cases": counts[1],
                                       "low": counts[1] - counts[2]}


def test_retention_and_lifecycle_add_up(client: TestClient) -> None:
    found = _ask(client, """{ retentionCohorts { cohort monthsSince customers cohortSize rate }
        lifecycle(start: "touch") { month new returning resurrecting dormant active } }""")["data"]
    firsts = [cell for cell in found["retentionCohorts"] if cell["monthsSince"] == 0]
    assert firsts and all(cell["customers"] == cell["cohortSize"] and cell["rate"] == 1.0 for cell in firsts)
    months = found["lifecycle"]
    assert months and all(m["active"] == m["new"] + m["returning"] + m["resurrecting"] for m in months)
    bad = _ask(client, "{ lifecycle(start: \"signup\") { month } }")
    assert "purchase or touch" in bad["errors"][0]["message"]


def test_limits_and_bad_arguments_are_graphql_errors_not_500s(client: TestClient) -> None:
    deep = "{ customers(search: \"a\") { edges { node { crossSell { path { nodes { label } } } } } } }"
    assert "errors" not in _ask(client, deep)
    tokens = "{ " + " ".join(f"t{n}: __typename" for n in range(1200)) + " }"
    assert "token" in _ask(client, tokens)["errors"][0]["message"].lower()
    aliases = "{ " + " ".join(f"t{n}: transitions {{ count }}" for n in range(25)) + " }"
    assert "aliases" in _ask(client, aliases)["errors"][0]["message"].lower()
    assert "first must be" in _ask(client, "{ prospects(sku: \"X\", first: 5000) { score } }")["errors"][0]["message"]
    typo = _ask(client, "{ customer(id: 42) { id } }")
    assert typo["data"] is None and typo["errors"]
    empty = _ask(client, "{ customers(search: \"   \") { edges { cursor } } }")
    assert "nothing to search" in empty["errors"][0]["message"]


def test_a_repeated_query_is_validated_once_with_the_limits_on() -> None:
    """Validation is most of a small request's cost; the limits must not defeat its cache
    (strawberry's limiters made a new rule class per request, so every request missed it)."""
    schema = served_schema(Metrics())
    cache = validation_cache._get_validate_cache(CACHE_SIZE)
    query = "query Repeated { a: __typename b: __typename }"
    schema.execute_sync(query)
    before = cache.cache_info()
    for _ in range(3):
        assert schema.execute_sync(query).errors is None
    after = cache.cache_info()
    assert (after.hits - before.hits, after.misses - before.misses) == (3, 0)
    deep = "{ " + "a { " * (MAX_DEPTH + 1) + "b" + " }" * (MAX_DEPTH + 1) + " }"
    assert "exceeds maximum operation depth" in str(schema.execute_sync(deep).errors)
    too_many = "{ " + " ".join(f"t{n}: __typename" for n in range(MAX_ALIASES + 1)) + " }"
    assert "aliases" in str(schema.execute_sync(too_many).errors)


def test_a_page_of_customers_costs_a_bounded_number_of_store_round_trips(client: TestClient) -> None:
    store = client.app.state.store  # type: ignore[attr-defined]
    busy = _busy_customer(client)
    calls: list[str] = []
    original = store.arun  # the API reaches the store through arun only

    async def counting(query: Any, params: Any = None) -> Any:
        calls.append(query.label)
        return await original(query, params)

    store.arun = counting
    try:
        page = _ask(client, """{ customers(search: "a", first: 100) { edges { node {
            name identities { id } links { rule } journey(first: 20) { type } crossSell(first: 5) { sku }
            segment { segment } churnRisk { risk } } } } }""")
        page_calls = len(calls)
        calls.clear()
        for query in ("query($id: String!) { customer(id: $id) { crossSell(first: 10) { sku } } }",
                      "query($id: String!, $n: Int = 4) { customer(id: $id) { crossSell(first: $n) { sku } } }"):
            assert _ask(client, query, id=busy)["data"]["customer"]["crossSell"]  # a literal, then a variable
    finally:
        store.arun = original
    assert "errors" not in page, page
    assert len(page["data"]["customers"]["edges"]) > 50
    assert 2 <= page_calls <= 5, page_calls  # search + one run per loader, whatever the page size
    assert calls == ["cross_sell[batch]", "cross_sell[batch]"], calls  # the customer's existence comes with it


def test_metrics_count_operations(client: TestClient) -> None:
    _ask(client, "query Named { transitions { count } }")
    text = client.get("/metrics").text
    assert 'custgraph_graphql_operations_total{operation="Named",outcome="ok"} 1' in text
    assert 'custgraph_graphql_duration_seconds_count{operation="Named"} 1' in text


def test_the_exported_schema_is_current() -> None:
    assert SCHEMA_FILE.read_text(encoding="utf-8") == sdl(), (
        "api/schema.graphql is stale: python -m custgraph.api.schema > api/schema.graphql")


def test_consents_set_by_hand_beat_the_sources_and_survive_a_full_resolve(client: TestClient) -> None:
    busy = _busy_customer(client)
    query = "query($id: String!) { customer(id: $id) { emailOptIn smsOptIn } }"
    update = """mutation($id: String!, $email: Boolean) {
        updateConsents(customerId: $id, emailOptIn: $email) { emailOptIn smsOptIn } }"""
    before = _ask(client, query, id=busy)["data"]["customer"]["emailOptIn"]
    wanted = not before
    changed = _ask(client, update, key=ADMIN, id=busy, email=wanted)
    assert changed["data"]["updateConsents"]["emailOptIn"] is wanted, changed
    assert _ask(client, query, id=busy)["data"]["customer"]["emailOptIn"] is wanted
    store = client.app.state.store  # type: ignore[attr-defined]
    resolve(store, ResolveConfig(), full=True)
    assert _ask(client, query, id=busy)["data"]["customer"]["emailOptIn"] is wanted
    assert "admin" in _ask(client, update, key=ANALYST, id=busy, email=True)["errors"][0]["message"]


def test_erasing_a_person_leaves_nothing_personal_and_keeps_the_totals(client: TestClient, generated: Path,
                                                                       store_env: dict[str, str]) -> None:
    store = client.app.state.store  # type: ignore[attr-defined]
    busy = _busy_customer(client)
    profile = store.run(queries.get("customer_profile"), {"customer_id": busy})[0]
    identities = [i["identity_id"] for i in profile["identities"]]
    emails = {i["email"] for i in profile["identities"] if i["email"]}
    purchases_before = sum(r["buyers"] for r in store.run(queries.get("product_popularity")))
    steps = store.run(queries.get("journey"), {"customer_id": busy})
    erased = _ask(client, """mutation($id: String!) { erasePerson(customerId: $id) {
        customerId customers identities interactions } }""", key=ADMIN, id=busy)
    assert erased["data"]["erasePerson"] == {"customerId": busy, "customers": [busy], "identities": len(identities),
                                             "interactions": len(steps)}
    assert store.get_node("Customer", busy) is None
    assert all(store.get_node("Identity", identity) is None for identity in identities)
    assert all(store.get_node("Interaction", step["interaction_id"]) is None for step in steps)
    for email in emails:
        assert store.run(queries.get("search_customers"), {"text": email}) == []
    left = [row for row in store.run(queries.get("interactions_without_identity"))]
    assert len(left) >= len(steps)  # anonymised copies, attached to no one
    assert sum(r["buyers"] for r in store.run(queries.get("product_popularity"))) < purchases_before
    assert _ask(client, CUSTOMER, id=busy)["data"]["customer"] is None
    again = _ask(client, "mutation($id: String!) { erasePerson(customerId: $id) { identities } }",
                 key=ADMIN, id=busy)
    assert "no customer" in again["errors"][0]["message"]

    # The sources still hold the person: loading them again skips their rows and touchpoints.
    anonymous = len(store.run(queries.get("interactions_without_identity")))
    key = ErasureKey.read(store_env["CUSTGRAPH_ERASURE_KEY_FILE"])
    reload = load_sources(store, [generated / s for s in SOURCES], Path(tempfile.mkdtemp()) / "rejects.jsonl",
                          erasure_key=key)
    assert (reload.total("erased"), reload.total("rejected")) == (len(identities) + len(steps), 0)
    assert reload.total("created") == 0
    resolve(store, ResolveConfig())
    assert all(store.get_node("Identity", identity) is None for identity in identities)
    assert store.get_node("Customer", busy) is None
    assert len(store.run(queries.get("interactions_without_identity"))) == anonymous
    for email in emails:
        assert store.run(queries.get("search_customers"), {"text": email}) == []
