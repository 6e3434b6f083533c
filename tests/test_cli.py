"""The custgraph command on both backends: init, demo (twice), stats."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from custgraph.cli import main


def test_demo_loads_generated_data_resolves_it_and_a_second_run_changes_nothing(
        store_env: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--customers", "60", "--no-serve"], env=store_env) == 0
    first = capsys.readouterr().out
    assert main(["demo", "--customers", "60", "--no-serve"], env=store_env) == 0
    second = capsys.readouterr().out

    created = int(re.search(r"([\d,]+) created", first).group(1).replace(",", ""))  # type: ignore[union-attr]
    assert created > 60 and ", 0 updated, 0 unchanged" in first
    assert f"0 created, 0 updated, {created:,} unchanged" in second
    assert "customers" in first and "http://127.0.0.1:8000/graphql" in first
    assert len(re.findall(r"^  \{ ", first, flags=re.MULTILINE)) == 3  # three example queries


def test_init_then_stats_on_an_empty_store(store_env: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["init"], env=store_env) == 0
    assert "schema ready" in capsys.readouterr().out
    assert main(["stats"], env=store_env) == 0
    assert capsys.readouterr().out == "nodes\nrelationships\n"


def test_store_flag_wins_over_the_environment(tmp_path: os.PathLike[str],
                                              capsys: pytest.CaptureFixture[str]) -> None:
    flag_store = f"{tmp_path}/flag"
    assert main(["--store", flag_store, "demo", "--customers", "5", "--no-serve"],
                env={"CUSTGRAPH_STORE": "bolt://127.0.0.1:1"}) == 0
    assert flag_store in capsys.readouterr().out


def test_console_script_is_installed(tmp_path: os.PathLike[str]) -> None:
    result = subprocess.run(["custgraph", "--version"], capture_output=True, text=True)
    assert result.returncode == 0
    assert result.stdout.startswith("custgraph ")
    module = subprocess.run([sys.executable, "-m", "custgraph", "--help"], capture_output=True, text=True)
    assert "demo" in module.stdout and "init" in module.stdout
