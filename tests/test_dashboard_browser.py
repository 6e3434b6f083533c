"""The dashboard in a real browser: Chromium from the system's packages, driven by Playwright,
against ``custgraph serve`` on each backend. Every number checked here is checked against the
named query that answers it; a reader never sees an e-mail address; no console error and no
request to another origin; axe-core (vendored in tests/vendor) finds nothing serious."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from custgraph import queries
from custgraph.config import Config
from custgraph.graph import Store, open_store
from custgraph.loaders import load_sources
from custgraph.samples import SOURCES, generate
from custgraph.services import ResolveConfig, resolve
from tests.conftest import IN_CI, Neo4jServer

try:
    from playwright.sync_api import Browser, Page, sync_playwright
except ImportError:  # a laptop without the dev extras: the HTTP tests still cover the pages
    if IN_CI:
        raise
    pytest.skip("playwright is not installed (pip install -e '.[dev]')", allow_module_level=True)

ADMIN, READER = "admin-key-0123456789abc", "reader-key-0123456789"
KEYS = f"adam:admin:{ADMIN},rita:reader:{READER}"
AXE = Path(__file__).parent / "vendor" / "axe-core-4.11.1" / "axe.min.js"
VIEWS = ("/", "/customers", "/journeys?step=web_visit&step=add_to_cart&step=purchase", "/touchpoints",
         "/segments", "/review")
# Flags for a headless Chromium on a machine with a closed network: no background connections.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]


def _chromium() -> str:
    found = os.environ.get("CUSTGRAPH_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return found
    message = "no Chromium: install the system's package (apt-get install chromium) or set CUSTGRAPH_CHROMIUM"
    if IN_CI:
        pytest.fail(f"CI=true and {message}")
    pytest.skip(message)


@dataclass
class Site:
    base: str
    store: Store
    errors: list[str] = field(default_factory=list)  # console errors and requests elsewhere, per page

    def rows(self, name: str, **params: Any) -> list[dict[str, Any]]:
        return self.store.run(queries.get(name), params)

    def watch(self, page: Page) -> None:
        page.on("console", lambda message: self.errors.append(f"console: {message.text}")
                if message.type == "error" else None)
        page.on("pageerror", lambda error: self.errors.append(f"page error: {error}"))
        page.on("request", lambda request: None if request.url.startswith((self.base, "data:"))
                else self.errors.append(f"request elsewhere: {request.url}"))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    executable = _chromium()
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="module", params=[pytest.param("embedded", marks=pytest.mark.embedded),
                                        pytest.param("neo4j", marks=pytest.mark.neo4j)])
def site(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """Generated data loaded and resolved on the backend, and ``custgraph serve`` over it."""
    data = tmp_path_factory.mktemp("browser-data")
    generate(data, customers=150, seed=11)
    env = {"CUSTGRAPH_ERASURE_KEY_FILE": str(data / "erasure.key")}
    if request.param == "neo4j":
        server: Neo4jServer = request.getfixturevalue("neo4j_server")
        server.wipe()
        env |= {"CUSTGRAPH_STORE": server.uri, "NEO4J_USER": server.user, "NEO4J_PASSWORD": server.password}
    else:
        env["CUSTGRAPH_STORE"] = str(tmp_path_factory.mktemp("browser-store") / "store")
    config = Config.from_env(env)
    with open_store(config, require_schema=False) as store:
        store.init()
        load_sources(store, [data / source for source in SOURCES], Path(tempfile.mkdtemp()) / "rejects.jsonl")
        resolve(store, ResolveConfig())
    port = _free_port()
    log = data / "serve.log"
    with log.open("wb") as output:
        served = subprocess.Popen(  # the command a user runs, in its own process
            [sys.executable, "-m", "custgraph", "serve", "--host", "127.0.0.1", "--port", str(port)],
            env={**os.environ, **env, "CUSTGRAPH_API_KEYS": KEYS}, stdout=output, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{base}/readyz", timeout=2):
                    break
            except OSError:
                if served.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"custgraph serve did not start:\n{log.read_text(errors='replace')}")
                time.sleep(0.2)
        with open_store(config) as reader:
            yield Site(base, reader)
    finally:
        served.terminate()
        served.wait(timeout=30)


def _signed_in(browser: Browser, site: Site, key: str, **options: Any) -> Page:
    page = browser.new_context(locale=options.pop("locale", "en-US"), **options).new_page()
    site.errors.clear()
    site.watch(page)
    page.goto(f"{site.base}/")
    assert "/signin" in page.url
    page.fill("#key", key)
    page.click("form.signin button[type=submit]")
    page.wait_for_url(f"{site.base}/")
    return page


def _numbers(page: Page, selector: str) -> list[int]:
    return [int(text.replace(",", "")) for text in page.locator(selector).all_inner_texts()]


def test_an_admin_works_through_every_view(browser: Browser, site: Site) -> None:
    page = _signed_in(browser, site, ADMIN)
    counts = {row["label"]: row["count"] for row in site.rows("node_counts")}
    assert _numbers(page, "[data-testid=customers]") == [counts["Customer"]]
    assert _numbers(page, "[data-testid=identities]") == [counts["Identity"]]

    # Search by a katakana name, open the profile.
    kana = next(r for r in site.rows("identity_records")
                if r["customer_id"] and r["props"].get("name_kana") and r["props"]["source"] == "crm")
    family = kana["props"]["name_kana"].split()[0]
    assert all("\u30a0" <= char <= "\u30ff" for char in family), family
    page.click("nav >> text=Customers")
    page.fill("#q", family)
    page.keyboard.press("Enter")
    page.wait_for_url("**/customers?q=*")
    page.click(f"a[href='/customers/{kana['customer_id']}']")
    profile = site.rows("customer_profile", customer_id=kana["customer_id"])[0]
    assert page.inner_text("[data-testid=customer-name]") == (profile["customer"]["name"] or kana["customer_id"])
    assert _numbers(page, "[data-testid=interaction-count]") == [profile["interactions"]]
    journey = site.rows("journey", customer_id=kana["customer_id"])
    assert page.locator("[data-testid=journey] tbody tr").count() == len(journey)

    # Build a three-step funnel.
    page.click("nav >> text=Journeys")
    steps = ["web_visit", "add_to_cart", "purchase"]
    for index, step in enumerate(steps, start=1):
        page.select_option(f"#step-{index}", step)
    page.click(".funnel-builder button[type=submit]")
    page.wait_for_url("**/journeys?*step=purchase*")
    funnel = site.rows("funnel", steps=steps)
    assert _numbers(page, "[data-testid=reached]") == [row["customers"] for row in funnel]

    # Open a heat-map cell: its months are the query's rows for that touchpoint.
    page.click("nav >> text=Touchpoints")
    cell = page.locator("[data-testid=heatmap] a").first
    href = cell.get_attribute("href") or ""
    cell.click()
    page.wait_for_url(f"**{href}")
    channel, kind = (part.split("=")[1] for part in href.split("?")[1].split("&"))
    months = [r for r in site.rows("touchpoint_scores") if r["channel_id"] == channel and r["type"] == kind]
    assert months and page.locator("[data-testid=cell-detail] tbody tr").count() == len(months)
    answers = site.rows("touchpoint_answers", channel_id=channel, type=kind, limit=50)
    assert answers and page.locator("[data-testid=cell-answers] tbody tr").count() == len(answers)

    # Confirm the first review pair.
    queue = site.rows("review_queue")
    assert queue, "the generated data must leave pairs to review"
    page.click("nav >> text=Review queue")
    first = page.locator("[data-testid=pair]").first
    first.locator("input[name=reason]").fill("same person: checked by phone")
    first.locator("button[value=confirm]").click()
    page.wait_for_url("**/review?done=confirm*")
    left = {(pair["a"], pair["b"]) for pair in site.rows("review_queue")}
    assert (queue[0]["a"], queue[0]["b"]) not in left and len(left) == len(queue) - 1
    assert site.errors == []


def test_a_reader_never_sees_an_email_address(browser: Browser, site: Site) -> None:
    emails = {r["props"]["email"] for r in site.rows("identity_records") if r["props"].get("email")}
    customer = next(r["customer_id"] for r in site.rows("identity_records")
                    if r["customer_id"] and r["props"].get("email"))
    page = _signed_in(browser, site, READER)
    for view in (*VIEWS, f"/customers/{customer}"):
        page.goto(f"{site.base}{view}")
        text = page.content()
        assert not [email for email in emails if email in text], view
    assert page.locator("[data-testid=golden-email]").inner_text().count("***") == 1
    assert site.errors == []


def test_every_view_in_japanese_passes_axe_and_works_by_keyboard(browser: Browser, site: Site) -> None:
    # axe is injected into the page, which the pages' CSP (script-src 'none') would refuse.
    page = _signed_in(browser, site, ADMIN, locale="ja-JP", bypass_csp=True)
    assert page.locator("html").get_attribute("lang") == "ja"
    customer = next(r["customer_id"] for r in site.rows("customer_identities") if r["customer_id"])
    for view in (*VIEWS, f"/customers/{customer}"):
        page.goto(f"{site.base}{view}")
        page.evaluate(AXE.read_text(encoding="utf-8"))
        found = page.evaluate("""async () => (await axe.run(document, {resultTypes: ['violations']})).violations
            .map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.length}))""")
        serious = [v for v in found if v["impact"] in ("serious", "critical")]
        assert serious == [], (view, serious)
    # Keyboard: the first Tab reaches the skip link, which moves focus to the content; the
    # navigation follows and opens a view with Enter.
    page.goto(f"{site.base}/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    page.keyboard.press("Shift+Tab")
    for _ in range(20):
        if page.evaluate("document.activeElement.getAttribute('href')") == "/journeys":
            break
        page.keyboard.press("Shift+Tab")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{site.base}/journeys")
    assert site.errors == []
