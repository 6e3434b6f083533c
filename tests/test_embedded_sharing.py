"""Several processes on one embedded store: writers take turns, so running two loads and a resolve at once
leaves the store as some sequential run of them would."""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from custgraph.graph.embedded import EmbeddedStore
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
