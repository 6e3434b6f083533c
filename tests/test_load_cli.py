"""custgraph generate and custgraph load as a user runs them, on both backends.

Includes the crash case: a load killed (kill -9) in the middle leaves whole
batches only, and running the same command again completes it with no duplicates.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from neo4j import GraphDatabase

from custgraph import queries
from custgraph.config import Config
from custgraph.graph import Store, open_store
from custgraph.graph.embedded import EmbeddedStore
from custgraph.loaders import load_sources
from custgraph.samples.generate import SOURCES, generate
from tests.conftest import Neo4jServer


def cli(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "custgraph", *args], capture_output=True, text=True,
                          env={**os.environ, **env}, cwd=cwd, timeout=600)


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("generated")
    generate(root, customers=400, seed=3)
    return root


def graph_counts(store: Store) -> tuple[dict[str, int], dict[str, int]]:
    nodes = {row["label"]: row["count"] for row in store.run(queries.get("node_counts"))}
    links = {row["type"]: row["count"] for row in store.run(queries.get("relationship_counts"))}
    return nodes, links


@pytest.fixture(scope="module")
def clean_counts(generated: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, int], dict[str, int]]:
    """What a load from scratch gives: the yardstick for the interrupted one (same on both backends)."""
    with EmbeddedStore(tmp_path_factory.mktemp("clean") / "store") as store:
        report = load_sources(store, [generated / s for s in SOURCES], tmp_path_factory.mktemp("r") / "r.jsonl")
        assert report.total("rejected") == 0
        return graph_counts(store)


def test_load_json_report_and_exit_status(store_env: dict[str, str], generated: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "customers.csv").write_text("source_id,email\nB1,ok@example.com\nB1,dup@example.com\n")

    result = cli("load", *(str(generated / s) for s in SOURCES), str(bad), "--json", env=store_env, cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["rejected"] == 1 and report["loaded"] == report["created"] > 0
    assert report["rejects_file"] == "custgraph-rejects.jsonl"
    reject = json.loads((tmp_path / "custgraph-rejects.jsonl").read_text())
    assert (reject["file"], reject["line"], reject["field"]) == (str(bad / "customers.csv"), 3, "source_id")
    assert result.stderr == ""  # no progress bars when not on a terminal


def test_load_fatal_error_is_one_line_and_exit_2(store_env: dict[str, str], tmp_path: Path) -> None:
    folder = tmp_path / "crm"
    folder.mkdir()
    (folder / "interactions.csv").write_text("interaction_id,type\ni1,purchase\n")

    result = cli("load", str(folder), env=store_env, cwd=tmp_path)

    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"custgraph: error: {folder / 'interactions.csv'}, line 1, field 'customer_id': "
        "required column is missing from the header"
    ]


def test_generate_is_deterministic_and_names_every_record(tmp_path: Path) -> None:
    first = cli("generate", str(tmp_path / "a"), "--customers", "150", "--seed", "9", env={}, cwd=tmp_path)
    cli("generate", str(tmp_path / "b"), "--customers", "150", "--seed", "9", env={}, cwd=tmp_path)
    cli("generate", str(tmp_path / "c"), "--customers", "150", "--seed", "10", env={}, cwd=tmp_path)

    assert first.returncode == 0, first.stderr
    files = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*") if p.is_file())
    assert len(files) >= 4 * 3
    for name in files:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    assert (tmp_path / "a" / "truth.csv").read_bytes() != (tmp_path / "c" / "truth.csv").read_bytes()
    truth = (tmp_path / "a" / "truth.csv").read_text().splitlines()
    assert truth[0] == "source,source_id,person_id"
    sources = {line.split(",")[0] for line in truth[1:]}
    assert sources == set(SOURCES)
    persons = {}
    for line in truth[1:]:
        source, _, person = line.split(",")
        persons.setdefault(person, set()).add(source)
    assert sum(len(s) > 1 for s in persons.values()) > len(persons) / 2, "most persons should be in several sources"


def test_generated_data_carries_realistic_noise(generated: Path) -> None:
    crm = (generated / "crm" / "customers.csv").read_text(encoding="utf-8")
    support = (generated / "support" / "customers.csv").read_text(encoding="utf-8")
    webshop = (generated / "webshop" / "customers.jsonl").read_text(encoding="utf-8")
    assert any("\u30a0" <= ch <= "\u30ff" for ch in crm), "katakana readings"
    assert any("\uff66" <= ch <= "\uff9d" for ch in crm + support), "half-width katakana"
    assert any("\uff10" <= ch <= "\uff19" for ch in crm + support), "full-width digits"
    assert any("\u4e00" <= ch <= "\u9fff" for ch in crm), "kanji names"
    assert "+shop@" in webshop, "plus-addressed e-mail"
    assert any(line.split(",")[3].isupper() for line in crm.splitlines()[1:] if "@" in line.split(",")[3])
    truth = (generated / "truth.csv").read_text().splitlines()[1:]
    per_source = {}
    for line in truth:
        source, _, person = line.split(",")
        per_source[(source, person)] = per_source.get((source, person), 0) + 1
    assert any(n > 1 for n in per_source.values()), "a person with two records in one system"


def test_a_killed_load_leaves_whole_batches_and_a_rerun_completes_it(
    store_env: dict[str, str], backend: str, request: pytest.FixtureRequest, generated: Path, tmp_path: Path,
    clean_counts: tuple[dict[str, int], dict[str, int]],
) -> None:
    args = ["load", *(str(generated / s) for s in SOURCES), "--quiet", "--batch-size", "50"]
    with subprocess.Popen([sys.executable, "-m", "custgraph", *args], env={**os.environ, **store_env},
                          cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) as loader:
        written = interactions_written(backend, store_env, request, until=300)
        os.kill(loader.pid, signal.SIGKILL)
        loader.wait()
    config = Config.from_env(store_env)
    with open_store(config) as store:
        nodes, _ = graph_counts(store)
        assert written <= nodes["Interaction"] < clean_counts[0]["Interaction"], "the kill came too late"
        orphans = [row for row in store.run(queries.get("interactions_without_identity"))]
        assert orphans == [], "an interaction was written without the rest of its batch"

    rerun = cli(*args, env=store_env, cwd=tmp_path)

    assert rerun.returncode == 0, rerun.stderr
    with open_store(config) as store:
        assert graph_counts(store) == clean_counts


def interactions_written(backend: str, env: dict[str, str], request: pytest.FixtureRequest, until: int) -> int:
    """Wait until the running load has written at least ``until`` interactions; returns how many."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if backend == "neo4j":
            server: Neo4jServer = request.getfixturevalue("neo4j_server")
            with server.driver() as driver:
                records, _, _ = driver.execute_query("MATCH (n:Interaction) RETURN count(n) AS n")
            written = int(records[0]["n"])
        else:
            database = Path(env["CUSTGRAPH_STORE"]) / "graph.sqlite"
            if not database.exists():
                time.sleep(0.05)
                continue
            try:
                with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as reader:
                    written = reader.execute(
                            "SELECT count(*) FROM nodes JOIN names ON names.code = nodes.label "
                            "WHERE names.name = 'Interaction'").fetchone()[0]
            except sqlite3.OperationalError:  # the file exists, its tables not yet: the loader is starting
                time.sleep(0.05)
                continue
        if written >= until:
            return written
        time.sleep(0.05)
    raise AssertionError("the load wrote no interactions in 120 s")


@pytest.mark.embedded
@pytest.mark.skipif(shutil.which("script") is None, reason="needs util-linux script for a pseudo-terminal")
def test_progress_bars_show_on_a_terminal_and_quiet_hides_them(generated: Path, tmp_path: Path) -> None:
    def on_terminal(*extra: str) -> str:
        store = tmp_path / f"store{len(extra)}"
        command = shlex.join([sys.executable, "-m", "custgraph", "--store", str(store), "load",
                              str(generated / "crm"), *extra])
        result = subprocess.run(["script", "-qec", command, "/dev/null"], capture_output=True, text=True,
                                env={**os.environ, "COLUMNS": "160", "TERM": "xterm"}, timeout=300)
        assert result.returncode == 0, result.stdout
        return result.stdout

    shown = on_terminal()
    quiet = on_terminal("--quiet")

    assert "crm/interactions.csv" in shown and "rows/s" in shown
    assert "rows/s" not in quiet
    assert "crm/interactions.csv:" in quiet  # the summary still prints


@pytest.mark.neo4j
def test_neo4j_crashing_mid_load_fails_cleanly_and_a_rerun_completes(
    neo4j_server: Neo4jServer, generated: Path, tmp_path: Path,
    clean_counts: tuple[dict[str, int], dict[str, int]],
) -> None:
    """A second, throw-away Neo4j is killed (SIGKILL: a crash) while the load runs, then started again
    on the same data, which Neo4j recovers from its transaction log."""
    script = Path(__file__).resolve().parents[1] / "scripts" / "neo4j-local"
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = ["--port", str(port), "--data", str(tmp_path / "neo4j"), "--password", "down-test-1",
              "--heap", "512m", "--pagecache-mb", "64"]
    env = {"CUSTGRAPH_STORE": f"bolt://127.0.0.1:{port}", "NEO4J_USER": "neo4j", "NEO4J_PASSWORD": "down-test-1",
           "CUSTGRAPH_NEO4J_RETRY": "3"}  # the driver's retries only delay the failure this test waits for
    args = ["load", *(str(generated / s) for s in SOURCES), "--quiet", "--batch-size", "50"]
    try:
        assert subprocess.run([str(script), "start", *server], capture_output=True).returncode == 0
        assert cli("init", env=env, cwd=tmp_path).returncode == 0
        with subprocess.Popen([sys.executable, "-m", "custgraph", *args], env={**os.environ, **env}, cwd=tmp_path,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as loader:
            deadline = time.monotonic() + 120
            while _count_interactions(env) < 300 and time.monotonic() < deadline:
                time.sleep(0.05)
            state = Path(os.environ.get("CUSTGRAPH_CACHE", Path.home() / ".cache" / "custgraph"))
            os.killpg(json.loads((state / "neo4j-local" / f"{port}.json").read_text())["pid"], signal.SIGKILL)
            _, stderr = loader.communicate(timeout=180)  # the driver retries for up to 3 s first
        assert loader.returncode == 2
        lines = stderr.strip().splitlines()
        assert len(lines) == 1 and f"bolt://127.0.0.1:{port}" in lines[0], stderr

        assert subprocess.run([str(script), "start", *server], capture_output=True).returncode == 0
        with open_store(Config.from_env(env)) as store:
            assert store.run(queries.get("interactions_without_identity")) == []
            assert graph_counts(store)[0]["Interaction"] < clean_counts[0]["Interaction"]
        rerun = cli(*args, env=env, cwd=tmp_path)
        assert rerun.returncode == 0, rerun.stderr
        with open_store(Config.from_env(env)) as store:
            assert graph_counts(store) == clean_counts
    finally:
        subprocess.run([str(script), "stop", "--port", str(port)], capture_output=True)


def _count_interactions(env: dict[str, str]) -> int:
    try:
        with GraphDatabase.driver(env["CUSTGRAPH_STORE"], auth=("neo4j", env["NEO4J_PASSWORD"])) as driver:
            records, _, _ = driver.execute_query("MATCH (n:Interaction) RETURN count(n) AS n")
            return int(records[0]["n"])
    except Exception:  # the server is starting or the database is busy
        return 0
