"""A Neo4j that is down, or refuses our credentials, gives one clear line naming the URI."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

import pytest

from custgraph.errors import SchemaNotInitialisedError, StoreAuthError, StoreUnavailableError
from custgraph.graph.neo4j import Neo4jStore
from tests.conftest import Neo4jServer

pytestmark = pytest.mark.neo4j


def closed_port() -> int:
    """A loopback port nobody listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def run_cli(*args: str, password: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NEO4J_USER": "neo4j", "NEO4J_PASSWORD": password}
    return subprocess.run([sys.executable, "-m", "custgraph", *args], capture_output=True, text=True,
                          env=env, timeout=120)


def assert_one_clear_line(result: subprocess.CompletedProcess[str], uri: str, words: str) -> None:
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("custgraph: error: ")
    assert uri in lines[0] and words in lines[0]
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


def test_neo4j_down_is_one_line_naming_the_uri(neo4j_server: Neo4jServer) -> None:
    uri = f"bolt://127.0.0.1:{closed_port()}"

    result = run_cli("--store", uri, "stats", password=neo4j_server.password)

    assert_one_clear_line(result, uri, "cannot reach Neo4j")


def test_wrong_password_is_one_line_naming_the_uri(neo4j_server: Neo4jServer) -> None:
    result = run_cli("--store", neo4j_server.uri, "stats", password=neo4j_server.password + "-wrong")

    assert_one_clear_line(result, neo4j_server.uri, "rejected the credentials")
    assert neo4j_server.password not in result.stderr


def test_errors_are_typed_for_library_callers(neo4j_server: Neo4jServer) -> None:
    with pytest.raises(StoreUnavailableError):
        Neo4jStore(f"bolt://127.0.0.1:{closed_port()}", "neo4j", "x", connection_timeout=3)
    with pytest.raises(StoreAuthError):
        Neo4jStore(neo4j_server.uri, "neo4j", "not-the-password")


def test_missing_constraints_are_reported_until_init(neo4j_server: Neo4jServer) -> None:
    with neo4j_server.driver() as driver:
        driver.execute_query("DROP CONSTRAINT custgraph_Rep_key IF EXISTS")
    try:
        with pytest.raises(SchemaNotInitialisedError, match="Rep; run `custgraph init`"):
            Neo4jStore(neo4j_server.uri, neo4j_server.user, neo4j_server.password)
        result = run_cli("--store", neo4j_server.uri, "init", password=neo4j_server.password)
        assert result.returncode == 0, result.stderr
    finally:
        with Neo4jStore(neo4j_server.uri, neo4j_server.user, neo4j_server.password,
                        require_schema=False) as store:
            store.init()
    Neo4jStore(neo4j_server.uri, neo4j_server.user, neo4j_server.password).close()
