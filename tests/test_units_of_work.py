"""Each user action that writes is one unit of work on both backends: a process killed with
``kill -9`` at a random moment of a consent update, an erasure or a decision leaves all of it
or none of it.

On Neo4j the killed process holds the transaction open on the server, which rolls it back when
the connection drops; on the embedded store the transaction is in the store's file. Unlike the
embedded-only kill tests (test_embedded_durability.py), which compare whole stores copied before
and after, these check what must hold together: a Neo4j database cannot be copied per trial.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest

from custgraph import queries
from custgraph.config import Config
from custgraph.graph import Store, open_store
from custgraph.loaders import load_sources
from custgraph.samples import SOURCES, generate
from custgraph.services import ResolveConfig, resolve

# Opens the store named by the environment, says so, runs one use case, says so again.
ACTION = textwrap.dedent("""
    import json, sys
    from custgraph.config import Config
    from custgraph.graph import ErasureKey, open_store
    from custgraph import services

    env, action, arguments = json.loads(sys.argv[1]), sys.argv[2], json.loads(sys.argv[3])
    config = Config.from_env(env)
    with open_store(config) as store:
        store.ping()
        print("open", flush=True)
        if action == "consents":
            services.update_consents(store, arguments["customer"], arguments["changes"], "kill test")
        elif action == "erase":
            services.erase(store, arguments["customer"], ErasureKey.read(config.erasure_key_file, create=True))
        else:
            services.unmerge(store, services.ResolveConfig(), arguments["a"], arguments["b"], "kill test", "kill")
        print("done", flush=True)
""")
TRIALS = 4


def _run(env: Mapping[str, str], action: str, arguments: Mapping[str, Any], kill_after: float | None) -> float:
    """Run ``action`` in its own process; kill it ``kill_after`` seconds after the store opened
    (never, with None). Returns how long the action took, or ran before it was killed."""
    with subprocess.Popen([sys.executable, "-c", ACTION, json.dumps(dict(env)), action, json.dumps(arguments)],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as process:
        assert process.stdout is not None and process.stderr is not None
        opened = process.stdout.readline().strip()
        assert opened == "open", process.stderr.read()
        started = time.monotonic()
        if kill_after is None:
            assert process.stdout.readline().strip() == "done", process.stderr.read()
            took = time.monotonic() - started
        else:
            time.sleep(kill_after)
            os.kill(process.pid, signal.SIGKILL)
            took = kill_after
        process.wait(timeout=60)
        return took


@pytest.fixture
def loaded(store_env: dict[str, str], tmp_path: Path) -> dict[str, str]:
    """The store of ``store_env`` with 60 generated persons loaded and resolved, closed again."""
    generate(tmp_path / "data", customers=60, seed=5)
    with open_store(Config.from_env(store_env), require_schema=False) as store:
        store.init()
        load_sources(store, [tmp_path / "data" / s for s in SOURCES], tmp_path / "rejects.jsonl")
        resolve(store, ResolveConfig())
    return store_env


def _with_store(env: Mapping[str, str], read: Callable[[Store], Any]) -> Any:
    with open_store(Config.from_env(env)) as store:
        return read(store)


def _busy_customers(store: Store, count: int) -> list[str]:
    rows = store.run(queries.get("segments"))
    return [row["customer_id"] for row in sorted(rows, key=lambda r: (-r["frequency"], r["customer_id"]))[:count]]


def _records(store: Store, customer: str) -> list[str]:
    return [i["identity_id"] for i in store.run(queries.get("customer_profile"), {"customer_id": customer})[0]
            ["identities"]]


def _counts(store: Store) -> dict[str, int]:
    nodes = {row["label"]: row["count"] for row in store.run(queries.get("node_counts"))}
    links = {row["type"]: row["count"] for row in store.run(queries.get("relationship_counts"))}
    return {**nodes, **{f"-{name}-": count for name, count in links.items()}}


def _kill_times(env: Mapping[str, str], action: str, calibration: Mapping[str, Any], trial: int) -> float:
    """A moment within the action, timed by a run on another target of the same store: the
    trials spread over it (the k-th of TRIALS near (k + 0.5) / TRIALS of the way), jittered."""
    took = _run(env, action, calibration, None)
    return took * (trial + random.Random(f"{action}-{trial}").uniform(0.2, 0.8)) / TRIALS


@pytest.mark.parametrize("trial", range(TRIALS))
def test_kill_9_during_a_consent_update_leaves_all_records_and_the_customer_or_none(
        loaded: dict[str, str], trial: int) -> None:
    calibrate, target = _with_store(loaded, lambda store: _busy_customers(store, 2))
    kill_after = _kill_times(loaded, "consents", {"customer": calibrate, "changes": {"sms_opt_in": False}}, trial)

    def state(store: Store) -> tuple[list[Any], Any]:
        said = [(store.get_node("Identity", record) or {}).get("consent_sms_opt_in")
                for record in _records(store, target)]
        return said, (store.get_node("Customer", target) or {}).get("sms_opt_in")

    before_said, _ = _with_store(loaded, state)
    assert set(before_said) == {None} and len(before_said) > 1  # nobody has told us anything yet
    _run(loaded, "consents", {"customer": target, "changes": {"sms_opt_in": False}}, kill_after)
    said, golden = _with_store(loaded, state)
    assert set(said) in ({None}, {False}), said  # every record has the statement, or none has
    assert (golden is False) == (said[0] is False), (said, golden)  # and the customer agrees


@pytest.mark.parametrize("trial", range(TRIALS))
def test_kill_9_during_an_erasure_leaves_all_of_it_or_none(loaded: dict[str, str], trial: int) -> None:
    calibrate, target = _with_store(loaded, lambda store: _busy_customers(store, 2))
    kill_after = _kill_times(loaded, "erase", {"customer": calibrate}, trial)
    records, before = _with_store(loaded, lambda store: (_records(store, target), _counts(store)))

    _run(loaded, "erase", {"customer": target}, kill_after)

    def left(store: Store) -> tuple[int, bool, dict[str, int]]:
        kept = sum(store.get_node("Identity", record) is not None for record in records)
        return kept, store.get_node("Customer", target) is not None, _counts(store)

    kept, customer_kept, after = _with_store(loaded, left)
    assert after["Interaction"] == before["Interaction"]  # anonymised copies replace the touchpoints, no more
    if kept:
        assert (kept, customer_kept) == (len(records), True)
        assert after.get("Erased", 0) == before.get("Erased", 0)
        assert after.get("-PERFORMED-") == before.get("-PERFORMED-")
    else:
        assert not customer_kept
        assert after["Erased"] - before.get("Erased", 0) >= len(records)  # a tombstone per record erased
        assert after["Identity"] <= before["Identity"] - len(records)


@pytest.mark.parametrize("trial", range(TRIALS))
def test_kill_9_during_a_decision_leaves_it_and_its_customers_whole_or_not_at_all(
        loaded: dict[str, str], trial: int) -> None:
    def linked_pairs(store: Store) -> list[tuple[str, str]]:
        return sorted((str(row["a"]), str(row["b"])) for row in store.run(queries.get("identity_links"))
                      if row["type"] == "SAME_AS")

    pairs = _with_store(loaded, linked_pairs)
    calibrate, (a, b) = pairs[0], pairs[-1]
    kill_after = _kill_times(loaded, "unmerge", {"a": calibrate[0], "b": calibrate[1]}, trial)

    def state(store: Store) -> tuple[bool, str | None, str | None, dict[str, int]]:
        customer = {f"{r['source']}:{r['source_id']}": r["customer_id"]
                    for r in store.run(queries.get("customer_identities"))}
        decided = store.get_relationship("NOT_SAME_AS", *sorted((a, b))) is not None
        return decided, customer.get(a), customer.get(b), _counts(store)

    decided, customer_a, customer_b, before = _with_store(loaded, state)
    assert not decided and customer_a == customer_b is not None
    _run(loaded, "unmerge", {"a": a, "b": b}, kill_after)
    decided, customer_a, customer_b, after = _with_store(loaded, state)
    assert decided == (customer_a != customer_b), (decided, customer_a, customer_b)  # decision ⇔ split
    assert after["-RESOLVES_TO-"] == after["Identity"] == before["Identity"]  # every record in one customer
