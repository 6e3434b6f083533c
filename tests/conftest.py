"""Fixtures that run every storage test on the embedded store and on a real Neo4j.

Neo4j comes from ``CUSTGRAPH_TEST_NEO4J_URI`` (``scripts/test`` starts one with
``scripts/neo4j-local`` and sets it). Without it, Neo4j tests are skipped on a
developer machine; with ``CI=true`` they fail, and the session fails when any
Neo4j test was skipped or none ran.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import neo4j
import pytest

from custgraph.graph import Store
from custgraph.graph.embedded import EmbeddedStore
from custgraph.graph.neo4j import Neo4jStore

IN_CI = os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--record-parity", action="store_true",
                     help="write Neo4j's answers to tests/parity/answers.json (tests/test_queries.py)")


@dataclass(frozen=True)
class Neo4jServer:
    uri: str
    user: str
    password: str

    def driver(self) -> neo4j.Driver:
        return neo4j.GraphDatabase.driver(self.uri, auth=(self.user, self.password))

    def wipe(self) -> None:
        """Delete everything, in chunks so that a large leftover graph cannot exhaust memory."""
        with Neo4jStore(self.uri, self.user, self.password, require_schema=False) as store:
            store.wipe()


@pytest.fixture(autouse=True, scope="session")
def _train_each_record_set_once() -> Iterator[None]:
    """Training the match model is deterministic (seeded sampling, numbers rounded): the same
    feature table and settings give the same model. Many tests resolve the same generated
    records, so each set is trained once per session and the model reused, as training
    again would return it (tests/test_match_model.py checks that it does)."""
    import hashlib

    import pyarrow as pa

    from custgraph.resolution import ResolveConfig, stored_model
    from custgraph.resolution.model import MatchModel

    fit = stored_model.fit
    models: dict[tuple[object, ...], MatchModel] = {}

    def once(table: pa.Table, records: int, config: ResolveConfig) -> MatchModel:
        sink = pa.BufferOutputStream()
        with pa.ipc.new_stream(sink, table.schema) as writer:
            writer.write_table(table)
        key = (hashlib.sha256(sink.getvalue().to_pybytes()).hexdigest(), records,
               config.sampled_pairs, config.min_disagreement, config.seed)
        if key not in models:
            models[key] = fit(table, records, config)
        return models[key]

    stored_model.fit = once
    yield
    stored_model.fit = fit


@pytest.fixture(scope="session")
def neo4j_server() -> Neo4jServer:
    uri = os.environ.get("CUSTGRAPH_TEST_NEO4J_URI", "").strip()
    if not uri:
        message = "no Neo4j for tests: run scripts/test, or scripts/neo4j-local start and eval its `env`"
        if IN_CI:
            pytest.fail(f"CI=true and {message}")
        pytest.skip(message)
    server = Neo4jServer(
        uri,
        os.environ.get("CUSTGRAPH_TEST_NEO4J_USER", "neo4j"),
        os.environ.get("CUSTGRAPH_TEST_NEO4J_PASSWORD", ""),
    )
    with Neo4jStore(server.uri, server.user, server.password, require_schema=False) as store:
        store.init()
    return server


StoreFactory = Callable[..., Store]


@pytest.fixture(params=[
    pytest.param("embedded", marks=pytest.mark.embedded),
    pytest.param("neo4j", marks=pytest.mark.neo4j),
])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def open_test_store(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[StoreFactory]:
    """Opens (and reopens) the test's store on the current backend; the graph starts empty."""
    opened: list[Store] = []
    if backend == "neo4j":
        server: Neo4jServer = request.getfixturevalue("neo4j_server")
        server.wipe()

        def factory(**options: object) -> Store:
            store = Neo4jStore(server.uri, server.user, server.password, **options)  # type: ignore[arg-type]
            opened.append(store)
            return store
    else:
        def factory(**options: object) -> Store:
            store = EmbeddedStore(tmp_path / "store", **options)  # type: ignore[arg-type]
            opened.append(store)
            return store

    yield factory
    for store in opened:
        store.close()


@pytest.fixture
def store(open_test_store: StoreFactory) -> Store:
    return open_test_store()


# --- CI guard: under CI=true, a skipped or absent Neo4j test fails the run. ---

_neo4j_outcomes: dict[str, int] = {"passed": 0, "failed": 0, "skipped": 0}


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if "neo4j" not in report.keywords:
        return
    if report.when == "call" or (report.when == "setup" and report.outcome != "passed"):
        _neo4j_outcomes[report.outcome] = _neo4j_outcomes.get(report.outcome, 0) + 1


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if not IN_CI or session.config.option.collectonly:
        return
    ran = _neo4j_outcomes["passed"] + _neo4j_outcomes["failed"]
    problem = None
    if _neo4j_outcomes["skipped"]:
        problem = f"{_neo4j_outcomes['skipped']} Neo4j test(s) were skipped"
    elif ran == 0:
        problem = "no Neo4j test ran"
    if problem:
        print(f"\nCI=true: {problem}; Neo4j tests must run in CI.")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture
def store_env(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> dict[str, str]:
    """An environment selecting an empty store on the current backend, as a user would set it
    (with the erasure key in the test's own folder, never the user's home)."""
    key = {"CUSTGRAPH_ERASURE_KEY_FILE": str(tmp_path / "keys" / "erasure.key")}
    if backend == "neo4j":
        server: Neo4jServer = request.getfixturevalue("neo4j_server")
        server.wipe()
        return {"CUSTGRAPH_STORE": server.uri, "NEO4J_USER": server.user, "NEO4J_PASSWORD": server.password, **key}
    return {"CUSTGRAPH_STORE": str(tmp_path / "cli-store"), **key}
