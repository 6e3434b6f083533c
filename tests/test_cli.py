"""The custgraph command on both backends: init, demo (twice), stats."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from custgraph.loaders.sample import SAMPLE_NODES, SAMPLE_RELATIONSHIPS

from custgraph.cli import main

SAMPLE_SIZE = sum(map(len, SAMPLE_NODES.values())) + sum(map(len, SAMPLE_RELATIONSHIPS.values()))


def test_demo_loads_the_sample_once_and_prints_counts(store_env: dict[str, str],
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo"], env=store_env) == 0
    first = capsys.readouterr().out
    assert main(["demo"], env=store_env) == 0
    second = capsys.readouterr().out

    assert f"{SAMPLE_SIZE} created, 0 updated, 0 unchanged" in first
    assert f"0 created, 0 updated, {SAMPLE_SIZE} unchanged" in second
    printed = dict(line.split() for line in first.splitlines() if line.startswith("  "))
    assert printed == {name: str(len(rows)) for name, rows in {**SAMPLE_NODES, **SAMPLE_RELATIONSHIPS}.items()}


def test_init_then_stats_on_an_empty_store(store_env: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["init"], env=store_env) == 0
    assert "schema ready" in capsys.readouterr().out
    assert main(["stats"], env=store_env) == 0
    assert capsys.readouterr().out == "nodes\nrelationships\n"


def test_store_flag_wins_over_the_environment(tmp_path: os.PathLike[str],
                                              capsys: pytest.CaptureFixture[str]) -> None:
    flag_store = f"{tmp_path}/flag"
    assert main(["--store", flag_store, "demo"], env={"CUSTGRAPH_STORE": "bolt://127.0.0.1:1"}) == 0
    assert flag_store in capsys.readouterr().out


def test_console_script_is_installed(tmp_path: os.PathLike[str]) -> None:
    result = subprocess.run(["custgraph", "--version"], capture_output=True, text=True)
    assert result.returncode == 0
    assert result.stdout.startswith("custgraph ")
    module = subprocess.run([sys.executable, "-m", "custgraph", "--help"], capture_output=True, text=True)
    assert "demo" in module.stdout and "init" in module.stdout
