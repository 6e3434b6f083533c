"""Several processes on one embedded store: writers take turns, so running two loads and a resolve at once
leaves the store as some sequential run of them would."""

from __future__ import annotations

import itertools
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from custgraph.graph.embedded import EmbeddedStore
from custgraph.graph.embedded.write_turn import WriteTurn
from custgraph.loaders import load_sources
from custgraph.samples.generate import generate
from custgraph.services import ResolveConfig, resolve
from tests.embedded_dump import everything

pytestmark = pytest.mark.embedded
WRITTEN_AT = frozenset({"resolved_at", "scored_at", "updated_at", "trained_at"})
FIRST, SECOND = ("crm", "webshop"), ("support", "survey")


def _sequential(path: Path, data: Path, order: list[str]) -> list[tuple[object, ...]]:
    with EmbeddedStore(path) as store:
        for step in order:
            if step == "resolve":
                resolve(store, ResolveConfig())
            else:
                folders = FIRST if step == "first" else SECOND
                load_sources(store, [data / folder for folder in folders], Path(tempfile.mkdtemp()) / "r.jsonl")
        return everything(store, WRITTEN_AT)


def test_two_loads_and_a_resolve_at_once_equal_a_sequential_run(tmp_path: Path) -> None:
    data = tmp_path / "data"
    generate(data, customers=150, seed=21)
    store = tmp_path / "store"
    command = [sys.executable, "-m", "custgraph", "--store", str(store)]
    env = {key: value for key, value in os.environ.items() if not key.startswith("CUSTGRAPH_")}
    subprocess.run([*command, "init"], env=env, check=True, capture_output=True, timeout=60)
    steps = {
        "first": ["load", "--quiet", "--batch-size", "10", "--rejects", str(tmp_path / "r1.jsonl"),
                  *(str(data / folder) for folder in FIRST)],
        "second": ["load", "--quiet", "--batch-size", "10", "--rejects", str(tmp_path / "r2.jsonl"),
                   *(str(data / folder) for folder in SECOND)],
        "resolve": ["resolve"],
    }
    running = {name: subprocess.Popen([*command, *step], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                      text=True) for name, step in steps.items()}
    for name, process in running.items():
        _, err = process.communicate(timeout=600)
        assert process.returncode == 0, (name, err)
    with EmbeddedStore(store) as concurrent:
        found = everything(concurrent, WRITTEN_AT)
    # The loads do not commute (crm interactions name reps and products other sources define), so any
    # order of the three may be the one the writers took.
    orders = [list(order) for order in itertools.permutations(steps)]
    assert any(_sequential(tmp_path / "-".join(order), data, order) == found for order in orders), \
        "the store after concurrent writers equals no sequential run"


_SETTLING_WRITER = """
import sqlite3, sys, time
from pathlib import Path
from custgraph.graph.embedded.write_turn import WriteTurn
directory = Path(sys.argv[1])
turn = WriteTurn(directory, background=True, wait_s=60)
db = sqlite3.connect(directory / "t.sqlite", isolation_level=None, timeout=60)
for n in range(40):  # a settling pass: transactions one after another, no pause between them
    with turn.taken():
        db.execute("BEGIN IMMEDIATE")
        db.execute("INSERT INTO written VALUES (?)", (f"background {n}",))
        time.sleep(0.05)
        db.execute("COMMIT")
"""


def test_a_request_writes_between_two_transactions_of_a_settling_pass(tmp_path: Path) -> None:
    """A settling process that begins its next transaction as soon as it commits would keep
    SQLite's lock from a request whose busy handler sleeps (write_turn.py): the request's write
    must come after at most a few of the pass's transactions, not after all of them."""
    db = sqlite3.connect(tmp_path / "t.sqlite", isolation_level=None, timeout=60)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("CREATE TABLE written (what TEXT)")
    settling = subprocess.Popen([sys.executable, "-c", _SETTLING_WRITER, str(tmp_path)])
    try:
        while not db.execute("SELECT count(*) FROM written").fetchone()[0]:  # the pass has begun
            time.sleep(0.01)
        with WriteTurn(tmp_path, background=False, wait_s=60).taken():
            db.execute("BEGIN IMMEDIATE")
            db.execute("INSERT INTO written VALUES ('request')")
            db.execute("COMMIT")
    finally:
        assert settling.wait(timeout=60) == 0
    order = [what for (what,) in db.execute("SELECT what FROM written ORDER BY rowid")]
    db.close()

    assert len(order) == 41
    assert order.index("request") <= 5, order
