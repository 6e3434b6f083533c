"""scripts/neo4j-local: idempotent start, data kept in the directory given, clean stop."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import time
from pathlib import Path
from urllib.parse import urlparse

import neo4j
import pytest

from tests.conftest import Neo4jServer

pytestmark = pytest.mark.neo4j

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "neo4j-local"


def local(*args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    return subprocess.run([str(SCRIPT), *args], capture_output=True, text=True, timeout=300, env=env)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_start_on_a_running_port_reuses_the_server(neo4j_server: Neo4jServer) -> None:
    port = urlparse(neo4j_server.uri).port
    if urlparse(neo4j_server.uri).hostname != "127.0.0.1" or port is None:
        pytest.fail("the test Neo4j is expected to be a scripts/neo4j-local one on 127.0.0.1")

    started = local("start", "--port", str(port))
    status = local("status", "--port", str(port))

    assert started.returncode == 0, started.stderr
    assert "already running" in started.stderr
    assert status.returncode == 0 and f"bolt://127.0.0.1:{port}" in status.stdout


def test_data_survives_a_clean_stop_and_no_jvm_is_left(neo4j_server: Neo4jServer, tmp_path: Path) -> None:
    port, data = free_port(), tmp_path / "neo4j-data"
    args = ("--port", str(port), "--data", str(data), "--password", "test-pass-1", "--heap", "512m",
            "--pagecache-mb", "64")
    uri = f"bolt://127.0.0.1:{port}"
    try:
        assert local("start", *args).returncode == 0
        with neo4j.GraphDatabase.driver(uri, auth=("neo4j", "test-pass-1")) as driver:
            driver.execute_query("CREATE (:Probe {id: 'kept'})")
        pid = json.loads(state_file(port).read_text())["pid"]

        stopped = local("stop", "--port", str(port))

        assert stopped.returncode == 0, stopped.stderr
        deadline = time.monotonic() + 10
        while alive(pid) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not alive(pid), "the JVM is still running after stop"
        assert local("status", "--port", str(port)).returncode == 3
        assert data.is_dir(), "a --data directory must be kept"

        assert local("start", *args).returncode == 0
        with neo4j.GraphDatabase.driver(uri, auth=("neo4j", "test-pass-1")) as driver:
            records, _, _ = driver.execute_query("MATCH (p:Probe) RETURN p.id AS id")
        assert [r["id"] for r in records] == ["kept"]
    finally:
        local("stop", "--port", str(port))


def state_file(port: int) -> Path:
    root = os.environ.get("CUSTGRAPH_CACHE") or str(Path.home() / ".cache" / "custgraph")
    return Path(root) / "neo4j-local" / f"{port}.json"
