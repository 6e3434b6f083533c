"""The dashboard over HTTP, on both backends: sign-in and roles, masking, both languages, the
numbers against the named queries, decisions, and nothing loaded from another origin.
(tests/test_dashboard_browser.py drives the same pages in Chromium.)"""

from __future__ import annotations

import html
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from custgraph import queries
from custgraph.api import create_app
from custgraph.api.auth import KeyRing
from custgraph.api.dashboard.i18n import LABELS, Language
from custgraph.config import Config
from custgraph.samples import generate
from custgraph.services import MODELS, read_answers, read_journeys, read_predictions, read_summary, update_consents
from custgraph.services import attribute as attribute_conversions
from tests.served import served

KEYS = {"CUSTGRAPH_API_KEYS": "rita:reader:reader-key-0123456789,adam:admin:admin-key-0123456789abc"}
READER, ADMIN = "reader-key-0123456789", "admin-key-0123456789abc"
VIEWS = ("/", "/customers?q=a", "/journeys?step=web_visit&step=add_to_cart&step=purchase", "/touchpoints",
         "/journeys?step=web_visit&step=add_to_cart&step=purchase&causes=1", "/touchpoints?causes=1",
         "/attribution?by=type&lookback=14", "/retention?start=touch", "/segments", "/review")
FOREIGN = re.compile(r"""(?:src|href|action)\s*=\s*["']?\s*(?:[a-z][a-z0-9+.-]*:)?//""", re.IGNORECASE)
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("dashboard-data")
    generate(root, customers=150, seed=7)
    return root


@pytest.fixture
def client(store_env: dict[str, str], generated: Path) -> Iterator[TestClient]:
    with served(store_env, generated, KEYS) as test_client:
        yield test_client


def _sign_in(client: TestClient, key: str) -> None:
    response = client.post("/signin", data={"key": key, "next": "/"}, follow_redirects=False)
    assert response.status_code == 303, response.text


def _rows(client: TestClient, name: str, **params: object) -> list[dict[str, object]]:
    return client.app.state.store.run(queries.get(name), params)  # type: ignore[attr-defined, no-any-return]


def test_sign_in_sign_out_and_the_cookie(client: TestClient) -> None:
    first = client.get("/journeys?step=purchase", follow_redirects=False)
    assert first.status_code == 303 and first.headers["location"] == "/signin?next=%2Fjourneys%3Fstep%3Dpurchase"
    refused = client.post("/signin", data={"key": "not-a-key-0123456789", "next": "/"}, follow_redirects=False)
    assert refused.status_code == 401 and LABELS["bad_key"][0] in refused.text
    accepted = client.post("/signin", data={"key": ADMIN, "next": "/segments"}, follow_redirects=False)
    assert accepted.headers["location"] == "/segments"
    cookie = accepted.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie
    # Off-site targets are not followed after sign-in.
    elsewhere = client.post("/signin", data={"key": ADMIN, "next": "//example.org/x"}, follow_redirects=False)
    assert elsewhere.headers["location"] == "/"
    assert client.get("/segments").status_code == 200
    client.post("/signout")
    assert client.get("/segments", follow_redirects=False).status_code == 303


def test_every_view_in_both_languages_with_nothing_from_elsewhere(client: TestClient) -> None:
    _sign_in(client, ADMIN)
    for language, index in (("en", 0), ("ja", 1)):
        client.cookies.set("custgraph_lang", language)
        for view in VIEWS:
            page = client.get(view)
            assert page.status_code == 200, (view, page.text[-2000:])
            assert f'<html lang="{language}">' in page.text
            title = re.search(r"<title>([^<]*)</title>", page.text)  # text alone: no markup in the tab's name
            assert title and title.group(1).endswith(f" · {LABELS['app'][index]}"), (view, page.text[:600])
            assert LABELS["overview"][index] in page.text  # the navigation, in the page's language
            assert not FOREIGN.search(page.text), (view, FOREIGN.search(page.text))
            assert "script-src 'none'" in page.headers["content-security-policy"]
            assert "<script" not in page.text
    client.cookies.delete("custgraph_lang")
    assert '<html lang="ja">' in client.get("/", headers={"accept-language": "ja-JP,en;q=0.5"}).text
    assert '<html lang="en">' in client.get("/", headers={"accept-language": "de-DE"}).text


def test_the_numbers_shown_are_the_named_queries_answers(client: TestClient) -> None:
    _sign_in(client, ADMIN)
    client.cookies.set("custgraph_lang", "en")
    counts = {row["label"]: row["count"] for row in _rows(client, "node_counts")}
    overview = client.get("/").text
    assert 'data-testid="last-load">none yet<' not in overview and 'data-testid="last-load">' in overview
    assert f'data-testid="customers">{counts["Customer"]:,}<' in overview
    assert f'data-testid="interactions">{counts["Interaction"]:,}<' in overview
    segments = client.get("/segments").text
    summary = read_summary(client.app.state.store)  # type: ignore[attr-defined]
    assert summary and summary.moves and 'data-testid="movement"' in segments
    shown = [int(n.replace(",", "")) for n in re.findall(r'<td class="num">([\d,]+)</td>',
                                                          segments.split('data-testid="movement"')[1].split("</table>")[0])]
    assert sum(shown) == sum(m["customers"] for m in summary.moves)
    steps = ["web_visit", "add_to_cart", "purchase"]
    funnel = _rows(client, "funnel", steps=steps)
    page = client.get("/journeys?" + "&".join(f"step={s}" for s in steps)).text
    shown = re.findall(r'data-testid="reached">([\d,]+)<', page)
    assert [int(n.replace(",", "")) for n in shown] == [row["customers"] for row in funnel]
    assert all(int(n.replace(",", "")) > 0 for n in shown)
    windowed = _rows(client, "funnel", steps=steps, window_days=3)
    page = client.get("/journeys?window=3&" + "&".join(f"step={s}" for s in steps)).text
    shown = re.findall(r'data-testid="reached">([\d,]+)<', page)
    assert [int(n.replace(",", "")) for n in shown] == [row["customers"] for row in windowed]
    assert windowed[-1]["customers"] < funnel[-1]["customers"]  # the window drops the slow converters
    hours = re.findall(r'data-testid="median-hours">([\d,.]+) h<', page)
    assert [float(h.replace(",", "")) for h in hours] == [row["median_hours"] for row in windowed]
    paths = _rows(client, "journey_paths", touchpoint="purchase", direction="into", steps=2, limit=15)
    page = client.get("/journeys?through=purchase&direction=into&depth=2").text
    shown = re.findall(r'data-testid="path-customers">([\d,]+)<', page)
    assert shown and [int(n.replace(",", "")) for n in shown] == [row["customers"] for row in paths]


def _numbers(page: str, testid: str) -> list[float]:
    return [float(n.replace(",", "")) for n in re.findall(rf'data-testid="{testid}">([\d,.]+)<', page)]


def test_attribution_retention_and_root_causes_show_what_the_use_cases_find(client: TestClient) -> None:
    _sign_in(client, ADMIN)
    client.cookies.set("custgraph_lang", "en")
    store = client.app.state.store  # type: ignore[attr-defined]
    found = attribute_conversions(store, by="type", lookback_days=14)
    page = client.get("/attribution?by=type&lookback=14").text
    assert _numbers(page, "conversions") == [found.conversions] and found.conversions > 0
    for model in MODELS:  # each column sums to the conversions (to its rounding)
        assert abs(sum(_numbers(page, f"credit-{model}")) - found.conversions) < 0.05 * len(found.credits), model
    cells = _rows(client, "retention_cohorts", start="purchase")
    page = client.get("/retention").text
    assert _numbers(page, "cohort-size") == [row["customers"] for row in cells if row["months_since"] == 0]
    assert _numbers(page, "lifecycle-active") == [row["active"] for row in _rows(client, "lifecycle", start="purchase")]
    page = client.get("/touchpoints").text
    assert 'data-testid="score-causes' not in page and 'data-testid="find-score-causes"' in page  # when asked
    assert 'data-testid="score-causes' in client.get("/touchpoints?causes=1").text
    steps = ["web_visit", "add_to_cart", "purchase"]
    funnel = _rows(client, "funnel", steps=steps)
    page = client.get("/journeys?" + "&".join(f"step={s}" for s in steps)).text
    assert 'data-testid="dropoff-causes' not in page
    page = client.get("/journeys?causes=1&" + "&".join(f"step={s}" for s in steps)).text
    for step in (1, 2):  # every step but the last says why customers stop there
        assert f'data-testid="dropoff-causes-{step}' in page
        section = page.split(f'data-testid="dropoff-causes-{step}')[1].split("</table>")[0]
        assert all(low <= funnel[step - 1]["drop_off"] for low in _numbers(section, "cause-low"))


def test_predictions_on_the_segments_and_customer_pages(client: TestClient) -> None:
    _sign_in(client, ADMIN)
    store = client.app.state.store  # type: ignore[attr-defined]
    report = read_predictions(store)
    assert report is not None and report.models["category"].used == "model", report
    english = Language("en")
    page = client.get("/segments").text
    table = page.split('data-testid="prediction-models"')[1].split("</table>")[0]
    for name, model in report.models.items():
        row = table.split(f'<th scope="row">{name}</th>')[1].split("</tr>")[0]
        assert LABELS[f"used_{model.used}"][0] in row
        if model.validation is not None:
            assert english.number(model.validation.auc, 3) in row
    categories = sorted({str(r["category"]) for r in _rows(client, "product_popularity", limit=1000) if r["category"]})
    listed = page.split('data-testid="likely-buyers"')[1].split("</table>")[0]
    expected = _rows(client, "likely_buyers", category=categories[0], limit=20)
    assert expected and [html.unescape(n) for n in re.findall(r'href="/customers/([^"]+)"', listed)] == [
        str(r["customer_id"]) for r in expected]
    chosen = client.get(f"/segments?category={categories[-1]}").text
    assert f'<input type="hidden" name="category" value="{categories[-1]}">' in chosen  # the product form keeps it
    other = chosen.split('data-testid="likely-buyers"')[1]
    assert [m for m in re.findall(r'href="/customers/([^"]+)"', other.split("</table>")[0])] == [
        str(r["customer_id"]) for r in _rows(client, "likely_buyers", category=categories[-1], limit=20)]
    sku = str(_rows(client, "product_popularity", limit=1)[0]["sku"])
    prospects = page.split('data-testid="product-prospects"')[1].split("</table>")[0]
    assert [m for m in re.findall(r'href="/customers/([^"]+)"', prospects)] == [
        str(r["customer_id"]) for r in _rows(client, "prospects_for_product", sku=sku, k=20)] != []
    customer = str(expected[0]["customer_id"])
    props = store.get_node("Customer", customer)
    shown = client.get(f"/customers/{customer}").text
    for field, prefix, testid in (("purchase_propensity", "propensity", "purchase-propensity"),
                                  ("churn_probability", "churn", "churn-probability")):
        cell = shown.split(f'data-testid="{testid}"')[1].split("</dd>")[0]
        if props.get(field) is None:  # at 150 persons the purchase model has too little history
            assert cell == ">—", cell
        else:
            assert english.percent(props[field]) in cell
            assert all(feature in cell for feature in props[f"{prefix}_features"])
    assert all(category in shown for category in props["propensity_categories"])


def test_every_golden_attribute_names_the_record_it_came_from(client: TestClient) -> None:
    records = _rows(client, "identity_records")
    members: dict[str, list[dict[str, object]]] = {}
    for row in records:
        if row["customer_id"]:
            members.setdefault(str(row["customer_id"]), []).append(row["props"])  # type: ignore[arg-type]
    spread = sorted((c for c, props in members.items() if len({p["source"] for p in props}) > 2), key=str)[:5]
    assert spread, "no customer with records in three sources"
    _sign_in(client, ADMIN)
    checked = 0
    for customer in spread:
        page = client.get(f"/customers/{customer}").text
        shown = re.findall(r'<tr data-attribute="(\w+)"><th scope="row">[^<]*</th>\s*<td[^>]*>([^<]*)</td>\s*'
                           r'<td data-testid="taken-from">([^<]*)</td>', page)
        assert {attribute for attribute, _, _ in shown} >= {"name", "email"}
        by_id = {str(p["identity_id"]): p for p in members[customer]}
        for attribute, value, taken in shown:
            record = by_id[taken.split(" (")[0]]  # one of this customer's own records ...
            if attribute not in ("name", "birth_date", "email_opt_in", "sms_opt_in"):
                assert str(record[attribute]) == value, (customer, attribute)  # ... holding the value shown
            checked += 1
    assert checked >= 10
    # A consent the person gave themselves is marked as theirs, not a source's.
    update_consents(client.app.state.store, spread[0], {"sms_opt_in": True}, by="test")  # type: ignore[attr-defined]
    page = client.get(f"/customers/{spread[0]}").text
    row = re.search(r'<tr data-attribute="sms_opt_in">.*?</tr>', page, re.DOTALL)
    stated = LABELS["stated"][0]
    assert row and stated in html.unescape(row.group(0)) and LABELS["yes"][0] in row.group(0)
    assert stated not in html.unescape(page.replace(row.group(0), ""))


def test_a_reader_never_sees_contact_data(client: TestClient) -> None:
    records = _rows(client, "identity_records")
    emails = {str(r["props"].get("email")) for r in records if r["props"].get("email")}  # type: ignore[union-attr]
    assert emails
    _sign_in(client, READER)
    customer = next(r for r in records if r["customer_id"] and r["props"].get("email"))  # type: ignore[union-attr]
    name = str(customer["props"]["name"]).split()[0]  # type: ignore[index]
    pages = [client.get(view).text for view in VIEWS]
    pages.append(client.get(f"/customers?q={name}").text)
    pages.append(client.get(f"/customers/{customer['customer_id']}").text)
    assert 'data-testid="golden-email"' in pages[-1]
    for page in pages:
        shown = set(EMAIL.findall(page))
        assert not shown & emails, shown & emails
    refused = client.get(f"/customers?q={customer['props']['email']}").text  # type: ignore[index]
    assert LABELS["search_reader"][0] in refused
    # Readers get no decision forms, and a decision posted anyway is refused.
    assert 'action="/decisions"' not in client.get("/review").text
    assert client.post("/decisions", data={"action": "confirm", "a": "x", "b": "y", "reason": "r"}).status_code == 403


def test_an_admin_confirms_a_review_pair_from_the_page(client: TestClient) -> None:
    queue = _rows(client, "review_queue")
    assert queue, "the generated data must leave pairs to review"
    pair = queue[0]
    _sign_in(client, ADMIN)
    page = client.get("/review").text
    token = re.search(r'name="csrf" value="([0-9a-f]+)"', page)
    assert token and 'action="/decisions"' in page
    form = {"action": "confirm", "a": pair["a"], "b": pair["b"], "reason": "same person, checked", "back": "/review"}
    assert client.post("/decisions", data=form).status_code == 400  # no token
    foreign = client.post("/decisions", data={**form, "csrf": token.group(1)},
                          headers={"origin": "http://elsewhere.test"})
    assert foreign.status_code == 400
    assert [p["a"] for p in _rows(client, "review_queue")].count(pair["a"]) >= 1
    done = client.post("/decisions", data={**form, "csrf": token.group(1)}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"].startswith("/review?done=confirm")
    assert (pair["a"], pair["b"]) not in {(p["a"], p["b"]) for p in _rows(client, "review_queue")}
    linked = _rows(client, "identity_pair", a=pair["a"], b=pair["b"])[0]
    assert linked["customer_a"] == linked["customer_b"]


def test_without_keys_loopback_sees_the_dashboard_at_once(client: TestClient, store_env: dict[str, str]) -> None:
    with TestClient(create_app(Config.from_env(store_env), KeyRing())) as open_client:  # a second process, say
        page = open_client.get("/", follow_redirects=False)
        assert page.status_code == 200 and 'data-testid="customers"' in page.text
        assert 'action="/decisions"' not in open_client.get("/review").text  # the local caller is an analyst


def test_graphiql_and_its_assets_are_served_from_the_package(client: TestClient) -> None:
    page = client.get("/graphql", headers={"accept": "text/html"})
    assert page.status_code == 200
    assets = re.findall(r'(?:src|href)="(/static/[^"]+)"', page.text)
    assert any("graphiql" in asset and asset.endswith(".js") for asset in assets)
    assert not FOREIGN.search(page.text)
    for asset in assets:
        assert client.get(asset).status_code == 200, asset
    vendored = Path(__file__).parent.parent / "api" / "static" / "vendor"
    folders = list(vendored.iterdir())
    assert folders and all((folder / "LICENSE").is_file() for folder in folders)


def test_an_admin_erases_a_person_from_their_profile(client: TestClient) -> None:
    # someone with a journey and a survey answer, so that the summary holds them
    answers = read_answers(client.app.state.store)  # type: ignore[attr-defined]
    assert answers
    customer = next(row["customer_id"] for rows in answers.by_cell.values() for row in rows if row["customer_id"])
    _sign_in(client, READER)
    assert 'action="/erasures"' not in client.get(f"/customers/{customer}").text
    assert client.post("/erasures", data={"customer_id": customer, "confirm": customer}).status_code == 403
    _sign_in(client, ADMIN)
    page = client.get(f"/customers/{customer}").text
    token = re.search(r'name="csrf" value="([0-9a-f]+)"', page)
    assert token and 'action="/erasures"' in page
    form = {"customer_id": customer, "csrf": token.group(1)}
    assert client.post("/erasures", data={**form, "confirm": "not the id"}).status_code == 400
    assert _rows(client, "customer_profile", customer_id=customer)
    done = client.post("/erasures", data={**form, "confirm": customer}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"].startswith("/customers?done=erased")
    assert _rows(client, "customer_profile", customer_id=customer) == []
    assert client.get(f"/customers/{customer}").status_code == 404
    # Nothing of the person lives on in the dashboard's summary.
    store = client.app.state.store  # type: ignore[attr-defined]
    journeys, answers, summary = read_journeys(store), read_answers(store), read_summary(store)
    assert journeys and answers and summary
    assert customer not in journeys.customers and len(journeys.codes) == len(journeys.customers)
    assert journeys.facts is not None
    assert {len(column) for column in (journeys.facts.channels, journeys.facts.marks, journeys.facts.segments,
                                       journeys.facts.firsts)} == {len(journeys.customers)}
    held = client.app.state.kept_journeys.current(store)  # type: ignore[attr-defined]
    assert held is not None and customer not in held.customers  # nor in the server's copy
    assert all(row["customer_id"] != customer for rows in answers.by_cell.values() for row in rows)
    assert all(row["customer_id"] != customer for row in summary.churn)


def test_the_server_derives_ahead_what_the_analytics_count_from(client: TestClient) -> None:
    """After a resolve, the server reads the kept journeys and derives what attribution and the
    drop-off causes count from in the background: a question finds it made."""
    kept = client.app.state.kept_journeys  # type: ignore[attr-defined]
    store = client.app.state.store  # type: ignore[attr-defined]
    deadline = time.monotonic() + 20
    journeys = kept.current(store)
    while journeys is None or not (journeys.made("first_held") and journeys.made("moments")):
        assert time.monotonic() < deadline, "the server did not derive ahead within 20 s"
        time.sleep(0.2)
        journeys = kept.current(store)
