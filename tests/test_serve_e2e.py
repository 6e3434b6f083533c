"""End to end: ``custgraph demo`` and ``custgraph serve`` as processes, asked over HTTP."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

KEY = "e2e-admin-key-0123456789"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _post(url: str, query: str, key: str | None = None) -> tuple[int, dict[str, Any]]:
    headers = {"Content-Type": "application/json", **({"Authorization": f"Bearer {key}"} if key else {})}
    request = urllib.request.Request(url, json.dumps({"query": query}).encode(), headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


@contextmanager
def _running(command: list[str], port: int, env: dict[str, str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    """The command running until its server is ready; its output goes to ``log`` (a pipe could fill)."""
    with open(log, "wb") as output:
        process = subprocess.Popen(command, env=env, stdout=output, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 120
            while True:
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2) as response:
                        if response.status == 200:
                            break
                except OSError:
                    pass
                if process.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(f"the server did not come up:\n{log.read_text(errors='replace')}")
                time.sleep(0.3)
            yield process
        finally:
            process.terminate()
            process.wait(timeout=30)


def test_demo_prepares_the_store_then_serve_answers_over_http(tmp_path: Path) -> None:
    store = str(tmp_path / "store")
    command = [sys.executable, "-m", "custgraph", "--store", store]
    env = {key: value for key, value in os.environ.items() if not key.startswith("CUSTGRAPH_")}
    demo = subprocess.run([*command, "demo", "--customers", "120", "--no-serve"], env=env, capture_output=True,
                          text=True, timeout=300)
    assert demo.returncode == 0, demo.stderr
    example = re.search(r'customer\(id: "(cust-[0-9a-f]+)"\)', demo.stdout)
    assert example, demo.stdout

    refused = subprocess.run([*command, "serve", "--host", "0.0.0.0"], env=env, capture_output=True, text=True,
                             timeout=60)
    assert refused.returncode == 2 and "needs API keys" in refused.stderr

    port = _free_port()
    with _running([*command, "serve", "--port", str(port)], port,
                  {**env, "CUSTGRAPH_API_KEYS": f"e2e:admin:{KEY}"}, tmp_path / "serve.log"):
        url = f"http://127.0.0.1:{port}/graphql"
        query = f'query Example {{ customer(id: "{example.group(1)}") {{ name identities {{ id }} }} }}'
        status, body = _post(url, query, KEY)
        assert status == 200 and body["data"]["customer"]["identities"], body
        printed = [line.strip() for line in demo.stdout.splitlines() if line.startswith("  {")]
        assert len(printed) == 3, demo.stdout
        for example_query in printed:  # what the demo tells a user to try must work
            status, body = _post(url, example_query, KEY)
            assert status == 200 and "errors" not in body and all(body["data"].values()), (example_query, body)
        status, _ = _post(url, "{ transitions { count } }")
        assert status == 401
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as response:
            assert 'operation="Example",outcome="ok"' in response.read().decode()
        health = _health_while(url, KEY, _NEAR_THE_COST_LIMIT, port)
        assert health and max(health) < 1.0 and sorted(health)[len(health) // 2] < 0.1, health

        # Other processes work on the store while it serves; the server answers with their result.
        before = _transitions(command, env)
        more = tmp_path / "more"
        subprocess.run([*command, "generate", "--customers", "60", "--seed", "77", str(more)], env=env, check=True,
                       capture_output=True, timeout=120)
        for step in (["load", "--quiet", "--rejects", str(tmp_path / "rejects.jsonl"),
                      *sorted(str(path) for path in more.iterdir() if path.is_dir())], ["resolve"]):
            done = subprocess.run([*command, *step], env=env, capture_output=True, text=True, timeout=300)
            assert done.returncode == 0, done.stderr
        after = _transitions(command, env)
        assert after != before
        exported = subprocess.run([*command, "export", "identities"], env=env, capture_output=True, text=True,
                                  timeout=120)
        assert exported.returncode == 0, exported.stderr
        by_customer: dict[str, list[str]] = {}
        for line in exported.stdout.splitlines()[1:]:
            source, source_id, customer = line.split(",")
            by_customer.setdefault(customer, []).append(f"{source}:{source_id}")
        pair = next(records[:2] for customer, records in sorted(by_customer.items()) if customer and len(records) > 1)
        for step in (["explain", *pair], ["unmerge", *pair, "--by", "e2e", "--reason", "two people"]):
            done = subprocess.run([*command, *step], env=env, capture_output=True, text=True, timeout=300)
            assert done.returncode == 0, (step, done.stderr)
        after = _transitions(command, env)
        deadline, served = time.monotonic() + 5, None
        while time.monotonic() < deadline and served != after:
            _, body = _post(url, "{ transitions { fromType toType count } }", KEY)
            served = sorted((row["fromType"], row["toType"], row["count"]) for row in body["data"]["transitions"])
        assert served == after

    # Several worker processes serve one embedded store; each answers what the others do.
    port = _free_port()
    with _running([*command, "serve", "--port", str(port), "--workers", "2"], port, env, tmp_path / "workers.log"):
        answers = {json.dumps(_post(f"http://127.0.0.1:{port}/graphql", "{ transitions { fromType toType count } }")[1],
                              sort_keys=True) for _ in range(8)}
        assert len(answers) == 1 and "errors" not in next(iter(answers)), answers


def _transitions(command: list[str], env: dict[str, str]) -> list[tuple[str, str, int]]:
    """The ``transitions`` query as a one-off ``custgraph query`` in its own process gives it."""
    done = subprocess.run([*command, "query", "transitions", "--format", "json"], env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return sorted((row["from_type"], row["to_type"], row["count"]) for row in json.loads(done.stdout))


# Whole-graph analytics next to pages of customers with their journeys: just under MAX_COST.
_NEAR_THE_COST_LIMIT = (
    '{ jv: journeyVariants(steps: 10, first: 100) { variant customers } tr: transitions { count } '
    'fu: funnel(steps: ["web_visit", "add_to_cart", "purchase"]) { customers } ts: touchpointScores { month nps } '
    + " ".join(f'c{n}: customers(search: "{letter}", first: 35) {{ edges {{ node {{ name email '
               'journey(first: 10) { id at type channelId skus amount } } } }'
               for n, letter in enumerate("aeio")) + " }")


def _health_while(url: str, key: str, query: str, port: int) -> list[float]:
    """Seconds each /healthz took while ``query`` ran: the event loop must not wait for it."""
    answered: list[dict[str, Any]] = []
    worker = threading.Thread(target=lambda: answered.append(_post(url, query, key)[1]))
    worker.start()
    took = []
    while worker.is_alive():
        started = time.perf_counter()
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=30) as response:
            response.read()
        took.append(time.perf_counter() - started)
        time.sleep(0.01)
    worker.join()
    assert answered and "errors" not in answered[0], answered
    return took


def test_demo_serves_on_loopback_without_keys(tmp_path: Path) -> None:
    port = _free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith("CUSTGRAPH_")}
    command = [sys.executable, "-m", "custgraph", "--store", str(tmp_path / "store"), "demo", "--customers", "80",
               "--port", str(port)]
    with _running(command, port, env, tmp_path / "demo.log"):
        status, body = _post(f"http://127.0.0.1:{port}/graphql",
                             '{ funnel(steps: ["web_visit", "add_to_cart", "purchase"]) { type customers } }')
        assert status == 200 and [step["type"] for step in body["data"]["funnel"]] == [
            "web_visit", "add_to_cart", "purchase"]
        printed = (tmp_path / "demo.log").read_text(encoding="utf-8")
        assert f"Dashboard: http://127.0.0.1:{port}/" in printed
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=30) as response:  # no sign-in on loopback
            page = response.read().decode()
        resolved = re.search(r"resolved to ([\d,]+) customers", printed)
        assert resolved and response.status == 200 and f'data-testid="customers">{resolved.group(1)}<' in page
