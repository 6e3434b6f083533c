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
    assert "The store is ready" in first and "GraphQL API: http" not in first  # --no-serve serves nothing
    queued = [re.search(r"([\d,]+) pair\(s\) in the review queue", out).group(1)  # type: ignore[union-attr]
              for out in (first, second)]
    assert queued[0] == queued[1]  # the queue as it stands, not what this run added


def test_reading_commands_refuse_a_store_that_does_not_exist(tmp_path: os.PathLike[str],
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    missing = f"{tmp_path}/typo/store"
    for command in (["stats"], ["query", "journey", "customer_id=x"], ["resolve"], ["export", "identities"],
                    ["explain", "a:1", "b:2"], ["serve"]):
        assert main(["--store", missing, *command], env={}) == 2, command
        error = capsys.readouterr().err
        assert error.strip().splitlines() == [f"custgraph: error: --store: no custgraph store at {missing} "
                                              "(custgraph init or load makes one)"], error
    assert not os.path.exists(f"{tmp_path}/typo")  # nothing was created on the way
    assert main(["query", "--list"], env={"CUSTGRAPH_STORE": missing}) == 0  # needs no store


def test_query_parameters_may_follow_the_name_without_p(store_env: dict[str, str],
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["init"], env=store_env) == 0
    capsys.readouterr()
    assert main(["query", "funnel", "steps=web_visit,purchase", "--format", "json"], env=store_env) == 0
    assert '"type": "purchase"' in capsys.readouterr().out
    assert main(["query", "funnel", "web_visit"], env=store_env) == 2
    assert "use key=value" in capsys.readouterr().err


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
