"""The embedded store keeps every batch it reported as written, even after ``kill -9``."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from custgraph import queries
from custgraph.errors import StoreError
from custgraph.graph.embedded import EmbeddedStore
from custgraph.graph.embedded.store import SYNCED_BATCHES_OF
from tests.embedded_dump import everything

pytestmark = pytest.mark.embedded

BATCH = 2000

# Writes batches of BATCH Interaction nodes forever, printing each batch number
# only after upsert_nodes returned (i.e. after the store reported it written).
WRITER = textwrap.dedent(f"""
    import sys
    from custgraph.graph.embedded import EmbeddedStore

    store = EmbeddedStore(sys.argv[1], batch_size={BATCH})
    batch = 0
    while True:
        rows = [{{"interaction_id": f"b{{batch}}-{{i}}", "batch": batch, "type": "web_visit"}}
                for i in range({BATCH})]
        store.upsert_nodes("Interaction", rows)
        print(batch, flush=True)
        batch += 1
""")


def batches_on_disk(path: Path) -> dict[int, int]:
    with EmbeddedStore(path) as store:
        sizes: dict[int, int] = {}
        for key in store.graph.keys("Interaction"):
            node = store.get_node("Interaction", key)
            assert node is not None
            sizes[node["batch"]] = sizes.get(node["batch"], 0) + 1
        return sizes


@pytest.mark.parametrize("phase", [0.0, 0.25, 0.5, 0.75, 0.95])
def test_kill_9_keeps_reported_batches_and_no_half_batch(tmp_path: Path, phase: float) -> None:
    """Kill at several points of a batch's life: building rows, checking, committing."""
    path = tmp_path / "store"
    with subprocess.Popen([sys.executable, "-c", WRITER, str(path)], stdout=subprocess.PIPE, text=True) as writer:
        assert writer.stdout is not None
        reported, seen_at = [], []
        for _ in range(4):
            reported.append(int(writer.stdout.readline()))
            seen_at.append(time.monotonic())
        period = (seen_at[-1] - seen_at[0]) / (len(seen_at) - 1)
        time.sleep(phase * period)
        os.kill(writer.pid, signal.SIGKILL)
        writer.wait()
        reported += [int(line) for line in writer.stdout.read().split()]  # printed before the kill

    sizes = batches_on_disk(path)

    assert set(reported) <= set(sizes), "a batch reported as written was lost"
    assert all(size == BATCH for size in sizes.values()), f"half-written batch: {sizes}"
    assert max(sizes) <= max(reported) + 1, "more than the one unreported batch in flight"


def test_reopen_restores_the_graph_exactly(tmp_path: Path) -> None:
    path = tmp_path / "store"
    with EmbeddedStore(path) as store:
        store.upsert_nodes("Identity", [{"identity_id": "a", "name": "Ä"}, {"identity_id": "b", "n": 1.0}])
        store.upsert_nodes("Customer", [{"customer_id": 10}])
        store.upsert_relationships("RESOLVES_TO", [("a", 10, {"score": 0.97}), ("b", 10)])
        store.upsert_nodes("Identity", [{"identity_id": "b", "n": None, "m": [1, 2]}])
        before = everything(store)
    assert len(before) == 5

    with EmbeddedStore(path) as store:
        assert everything(store) == before
        assert store.run(queries.get("node_counts")) == [
            {"label": "Customer", "count": 1}, {"label": "Identity", "count": 2},
        ]


_WRITE_ONE = textwrap.dedent("""
    import sys
    from custgraph.graph.embedded import EmbeddedStore
    with EmbeddedStore(sys.argv[1]) as store:
        store.upsert_nodes("Rep", [{"rep_id": sys.argv[2]}])
    print("written", flush=True)
""")


def test_other_processes_read_and_write_while_one_has_the_store_open(tmp_path: Path) -> None:
    with EmbeddedStore(tmp_path / "store") as store:
        store.upsert_nodes("Rep", [{"rep_id": "r1"}])
        probe = subprocess.run([sys.executable, "-m", "custgraph", "--store", str(tmp_path / "store"), "stats"],
                               capture_output=True, text=True, timeout=60)
        assert probe.returncode == 0, probe.stderr
        assert "Rep" in probe.stdout
        other = subprocess.run([sys.executable, "-c", _WRITE_ONE, str(tmp_path / "store"), "r2"],
                               capture_output=True, text=True, timeout=60)
        assert other.returncode == 0, other.stderr
        assert store.existing_keys("Rep", ["r1", "r2"]) == {"r1", "r2"}  # seen at once, no reopening


def test_writing_actions_of_two_processes_take_turns(tmp_path: Path) -> None:
    with EmbeddedStore(tmp_path / "store") as store:
        with store.writing("a test action"):
            store.upsert_nodes("Rep", [{"rep_id": "r1"}])
            waiting = subprocess.Popen([sys.executable, "-c", _WRITE_ONE, str(tmp_path / "store"), "r2"],
                                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            time.sleep(2.0)
            assert waiting.poll() is None, "a second writer went ahead during another process's action"
            assert store.existing_keys("Rep", ["r2"]) == set()
        out, err = waiting.communicate(timeout=60)
        assert waiting.returncode == 0 and "written" in out, err
        assert "waiting for another custgraph process writing to" in err and "(a test action, pid" in err
        assert store.existing_keys("Rep", ["r2"]) == {"r2"}


def test_a_writer_that_waits_too_long_is_told_who_holds_the_store(tmp_path: Path) -> None:
    with EmbeddedStore(tmp_path / "store") as store, store.writing("a long action"):
        refused = subprocess.run([sys.executable, "-c", _WRITE_ONE, str(tmp_path / "store"), "r2"],
                                 capture_output=True, text=True, timeout=60,
                                 env={**os.environ, "CUSTGRAPH_WRITER_WAIT_S": "0.5"})
    assert refused.returncode != 0
    assert "StoreLockedError" in refused.stderr and "for over 0.5 s (a long action, pid" in refused.stderr


def test_a_foreign_directory_is_not_taken_over(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(StoreError, match="is not a custgraph store"):
        EmbeddedStore(tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]


# Opens the store, says so, then erases one customer (one transaction) and says so again.
ERASER = textwrap.dedent("""
    import sys
    from custgraph.graph import ErasureKey
    from custgraph.graph.embedded import EmbeddedStore
    from custgraph.services import erase

    store = EmbeddedStore(sys.argv[1])
    key = ErasureKey.read(sys.argv[3], create=True)
    print("open", flush=True)
    erase(store, sys.argv[2], key)
    print("erased", flush=True)
""")


def _personal(path: Path) -> tuple[int, ...]:
    """What an erasure changes: the records, customers, touchpoints and tombstones."""
    with EmbeddedStore(path) as store:
        counts = {row["label"]: row["count"] for row in store.run(queries.get("node_counts"))}
        links = {row["type"]: row["count"] for row in store.run(queries.get("relationship_counts"))}
    return (counts.get("Identity", 0), counts.get("Customer", 0), counts.get("Interaction", 0),
            counts.get("Erased", 0), links.get("PERFORMED", 0), links.get("RESOLVES_TO", 0))


@pytest.mark.parametrize("trial", range(6))
def test_kill_9_during_an_erasure_leaves_all_of_it_or_none(tmp_path: Path, trial: int) -> None:
    import random
    import shutil

    from custgraph.loaders import load_sources
    from custgraph.samples import SOURCES, generate
    from custgraph.services import ResolveConfig, resolve

    data, before_path = tmp_path / "data", tmp_path / "before"
    generate(data, customers=60, seed=5)
    with EmbeddedStore(before_path) as store:
        load_sources(store, [data / s for s in SOURCES], tmp_path / "rejects.jsonl")
        resolve(store, ResolveConfig())
        busy = max(store.run(queries.get("segments")), key=lambda row: (row["frequency"], row["customer_id"]))
    customer, key = busy["customer_id"], str(tmp_path / "erasure.key")
    after_path = tmp_path / "after"
    shutil.copytree(before_path, after_path)
    done = subprocess.run([sys.executable, "-c", ERASER, str(after_path), customer, key], capture_output=True,
                          text=True, timeout=120)
    assert done.stdout.split() == ["open", "erased"], done.stderr
    before, after = _personal(before_path), _personal(after_path)
    assert before != after

    path = tmp_path / "killed"
    shutil.copytree(before_path, path)
    with subprocess.Popen([sys.executable, "-c", ERASER, str(path), customer, key], stdout=subprocess.PIPE,
                          text=True) as eraser:
        assert eraser.stdout is not None and eraser.stdout.readline().strip() == "open"
        time.sleep(random.Random(trial).uniform(0, 0.05))  # somewhere in the erasure (it takes ~10-40 ms)
        os.kill(eraser.pid, signal.SIGKILL)
        eraser.wait()
    assert _personal(path) in (before, after)


# Opens the store, says so, then unmerges two records (decision and memberships: one transaction).
UNMERGER = textwrap.dedent("""
    import sys
    from custgraph.graph.embedded import EmbeddedStore
    from custgraph.services import ResolveConfig, unmerge

    store = EmbeddedStore(sys.argv[1])
    print("open", flush=True)
    unmerge(store, ResolveConfig(), sys.argv[2], sys.argv[3], "test", "kill test")
    print("decided", flush=True)
""")


def _decided(path: Path, a: str, b: str) -> tuple[bool, tuple[tuple[str, str | None], ...]]:
    """Whether the decision is there, and every record's customer."""
    with EmbeddedStore(path) as store:
        assignment = tuple((f"{r['source']}:{r['source_id']}", r["customer_id"])
                           for r in store.run(queries.get("customer_identities")))
        return store.get_relationship("NOT_SAME_AS", *sorted((a, b))) is not None, assignment


@pytest.mark.parametrize("trial", range(4))
def test_kill_9_during_a_decision_leaves_it_and_its_customers_whole_or_not_at_all(tmp_path: Path,
                                                                                 trial: int) -> None:
    import random
    import shutil

    from custgraph.loaders import load_sources
    from custgraph.samples import SOURCES, generate
    from custgraph.services import ResolveConfig, resolve

    data, before_path = tmp_path / "data", tmp_path / "before"
    generate(data, customers=60, seed=5)
    with EmbeddedStore(before_path) as store:
        load_sources(store, [data / s for s in SOURCES], tmp_path / "rejects.jsonl")
        resolve(store, ResolveConfig())
        link = min((row for row in store.run(queries.get("identity_links")) if row["type"] == "SAME_AS"),
                   key=lambda row: (str(row["a"]), str(row["b"])))
    a, b = str(link["a"]), str(link["b"])
    after_path = tmp_path / "after"
    shutil.copytree(before_path, after_path)
    done = subprocess.run([sys.executable, "-c", UNMERGER, str(after_path), a, b], capture_output=True, text=True,
                          timeout=120)
    assert done.stdout.split() == ["open", "decided"], done.stderr
    before, after = _decided(before_path, a, b), _decided(after_path, a, b)
    assert not before[0] and after[0] and before[1] != after[1]

    path = tmp_path / "killed"
    shutil.copytree(before_path, path)
    with subprocess.Popen([sys.executable, "-c", UNMERGER, str(path), a, b], stdout=subprocess.PIPE,
                          text=True) as decider:
        assert decider.stdout is not None and decider.stdout.readline().strip() == "open"
        time.sleep(random.Random(trial).uniform(0, 0.03))
        os.kill(decider.pid, signal.SIGKILL)
        decider.wait()
    assert _decided(path, a, b) in (before, after)


def test_synced_at_end_syncs_once_and_only_for_its_own_thread(tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """A resolve's batches commit without a sync each, ``SYNCED_BATCHES_OF`` times larger, and the
    log is synced when it ends; a write by another thread meanwhile (an API decision) still commits
    with a sync of its own, in batches of the usual size."""
    store = EmbeddedStore(tmp_path / "store", batch_size=2)
    statements: list[tuple[str, str]] = []
    store._connection().set_trace_callback(
        lambda sql: statements.append((threading.current_thread().name, sql)))
    synced: list[int] = []
    fsync = os.fsync
    monkeypatch.setattr(os, "fsync", lambda descriptor: (synced.append(descriptor), fsync(descriptor))[1])

    def other_thread_writes() -> None:
        store.upsert_nodes("Channel", [{"channel_id": f"web-{i}"} for i in range(3)])  # 2 batches

    rows = 2 * 2 * SYNCED_BATCHES_OF + 1  # 3 batches inside the window
    with store.synced_at_end():
        store.upsert_nodes("Customer", [{"customer_id": f"c-{i}"} for i in range(rows)])
        other = threading.Thread(target=other_thread_writes, name="api")
        other.start()
        other.join()
        assert not synced  # nothing synced by hand yet

    assert len(synced) == 1
    mine = [sql for thread, sql in statements if thread == "MainThread"]
    theirs = [sql for thread, sql in statements if thread == "api"]
    assert mine.count("PRAGMA synchronous=NORMAL") == mine.count("COMMIT") == 3
    assert "PRAGMA synchronous=NORMAL" not in theirs and theirs.count("COMMIT") == 2
    assert store._connection().execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL again
    reopened = EmbeddedStore(tmp_path / "store")
    assert reopened.get_node("Customer", f"c-{rows - 1}") is not None
    assert reopened.get_node("Channel", "web-2") is not None
