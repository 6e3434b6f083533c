"""The browser tracker (``/v1/track.js``) on a test page of another origin, in the system's
Chromium: nothing kept or sent before consent, batching, sendBeacon when the page goes away,
and the events in the store as a visitor who signed in."""

from __future__ import annotations

import functools
import http.server
import os
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from custgraph import queries
from custgraph.config import Config
from custgraph.graph import open_store
from tests.test_serve_e2e import _free_port, _running

try:
    from playwright.sync_api import sync_playwright
except ImportError:  # a laptop without the dev extras
    from tests.conftest import IN_CI
    if IN_CI:
        raise
    pytest.skip("playwright is not installed (pip install -e '.[dev]')", allow_module_level=True)

from tests.test_dashboard_browser import CHROMIUM_ARGS, _chromium

KEY = "tracker-collector-key-0123456789"
PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>A shop</title>
<link rel="icon" href="data:,">
<script>window.custgraphConfig = {key: "%(key)s", source: "shop", requireConsent: true};</script>
<script src="%(server)s/v1/track.js"></script></head><body><p>A shop page.</p></body></html>"""


@pytest.fixture
def site(tmp_path: Path) -> Iterator[str]:
    """A page of the company's site on its own origin (another port), for the tracker to run on."""
    root = tmp_path / "site"
    root.mkdir()
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.embedded
def test_the_tracker_waits_for_consent_batches_and_beacons(tmp_path: Path, site: str) -> None:
    store_env = {"CUSTGRAPH_STORE": str(tmp_path / "store"), "CUSTGRAPH_ERASURE_KEY_FILE": str(tmp_path / "k")}
    with open_store(Config.from_env(store_env), require_schema=False) as store:
        store.init()
    port = _free_port()
    server = f"http://127.0.0.1:{port}"
    (tmp_path / "site" / "index.html").write_text(PAGE % {"key": KEY, "server": server}, encoding="utf-8")
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("CUSTGRAPH_")}, **store_env,
           "CUSTGRAPH_API_KEYS": f"shop:collector:{KEY}"}
    with (_running([sys.executable, "-m", "custgraph", "serve", "--port", str(port)], port, env,
                   tmp_path / "serve.log"),
          sync_playwright() as playwright):
        browser = playwright.chromium.launch(executable_path=_chromium(), args=CHROMIUM_ARGS)
        page = browser.new_page()
        sent: list[str] = []
        errors: list[str] = []
        page.on("request", lambda request: sent.append(request.url) if "/v1/events" in request.url else None)
        page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(f"{site}/index.html")
        page.evaluate("custgraph.page({}); custgraph.track('add_to_cart', {}); custgraph.flush()")
        time.sleep(1.5)
        assert sent == []  # no consent, nothing sent ...
        assert page.evaluate("localStorage.getItem('custgraph_anonymous_id')") is None  # ... nor kept

        page.evaluate("custgraph.consent(true); custgraph.page({}); custgraph.track('Product Added', {})")
        with page.expect_request(lambda request: "/v1/events" in request.url, timeout=5000):
            pass  # the two go together when the batch's wait is up
        time.sleep(0.5)
        assert len(sent) == 1  # one batch of two
        visitor = page.evaluate("localStorage.getItem('custgraph_anonymous_id')")
        assert visitor
        page.evaluate("custgraph.identify('u-7', {email: 'seven@example.com', firstName: 'Nana'})")
        page.goto("about:blank")  # the page goes away: the queued identify leaves by sendBeacon (which
        # Playwright does not list as a request: the store shows it arrived)
        browser.close()
        assert not errors, errors

        deadline = time.monotonic() + 15
        with open_store(Config.from_env(store_env)) as store:
            while True:  # the identify arrived, and settling put the visitor with the customer
                record = store.get_node("Identity", f"shop:anon:{visitor}") or {}
                known = store.get_node("Identity", "shop:u-7") or {}
                rows = store.run(queries.get("identity_neighbourhood"), {"ids": [f"shop:anon:{visitor}", "shop:u-7"]})
                customers = {row["customer_id"] for row in rows}
                if (record.get("known_as") == "shop:u-7" and known.get("email") == "seven@example.com"
                        and len(rows) == 2 and len(customers) == 1 and None not in customers):
                    break
                assert time.monotonic() < deadline, ("the beacon's identify did not settle", record, known, rows)
                time.sleep(0.3)
            journey = store.run(queries.get("journey"), {"customer_id": customers.pop(), "limit": 100})
    assert sorted(row["type"] for row in journey) == ["add_to_cart", "web_visit"]
    assert {row["identity_id"] for row in journey} == {f"shop:anon:{visitor}"}
