"""``custgraph consume`` against a real Kafka broker (scripts/kafka-local, no Docker): events
produced to a topic are all in the store once, after the consumer is killed part-way and
started again; a malformed message goes to the rejects file and stops nothing."""

from __future__ import annotations

import importlib.machinery
import importlib.util
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from custgraph import queries
from custgraph.config import Config
from custgraph.graph import open_store
from tests.conftest import IN_CI
from tests.test_serve_e2e import _free_port

KAFKA_LOCAL = Path(__file__).resolve().parent.parent / "scripts" / "kafka-local"
EVENTS = 600
PER_MESSAGE = 20


@pytest.fixture(scope="session")
def kafka() -> Iterator[str]:
    """A broker: CUSTGRAPH_TEST_KAFKA's, else one scripts/kafka-local starts (Java and Maven needed)."""
    given = os.environ.get("CUSTGRAPH_TEST_KAFKA", "").strip()
    if given:
        yield given
        return
    missing = [tool for tool in ("java", "mvn") if shutil.which(tool) is None]
    if missing:
        message = f"no Kafka for tests: {' and '.join(missing)} not installed (or set CUSTGRAPH_TEST_KAFKA)"
        if IN_CI:
            pytest.fail(f"CI=true and {message}")
        pytest.skip(message)
    port = _free_port()
    while port + 1 > 65535 or not _port_free(port + 1):
        port = _free_port()
    started = subprocess.run([sys.executable, str(KAFKA_LOCAL), "start", "--port", str(port)], capture_output=True,
                             text=True, timeout=600)
    if started.returncode != 0:
        pytest.fail(f"scripts/kafka-local could not start a broker:\n{started.stderr}")
    try:
        yield f"127.0.0.1:{port}"
    finally:
        subprocess.run([sys.executable, str(KAFKA_LOCAL), "stop", "--port", str(port)], capture_output=True,
                       timeout=120)


def _port_free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def _topic(brokers: str) -> str:
    from confluent_kafka.admin import AdminClient, NewTopic

    topic = f"events-{uuid.uuid4().hex[:8]}"
    admin = AdminClient({"bootstrap.servers": brokers})  # kept until the topic exists: its futures need it
    for future in admin.create_topics([NewTopic(topic, 2, 1)]).values():
        future.result(timeout=60)
    return topic


def _produce(brokers: str, topic: str, ids: list[str], malformed: bool = False) -> None:
    from confluent_kafka import Producer

    producer = Producer({"bootstrap.servers": brokers, "acks": "all"})
    for start in range(0, len(ids), PER_MESSAGE):
        batch = [{"type": "page", "messageId": message, "anonymousId": f"visitor-{message}",
                  "context": {"source": "site"}} for message in ids[start:start + PER_MESSAGE]]
        producer.produce(topic, json.dumps({"batch": batch}).encode(), key=str(start).encode())
    if malformed:
        producer.produce(topic, b"{not json", key=b"bad")
        producer.produce(topic, json.dumps({"type": "page", "anonymousId": "no-message-id"}).encode(), key=b"x")
    assert producer.flush(60) == 0


def _stored(env: dict[str, str], ids: list[str]) -> int:
    with open_store(Config.from_env(env)) as store:
        return len(store.existing_keys("Interaction", {f"site:{message}" for message in ids}))


def test_every_produced_event_is_stored_once_across_a_consumer_restart(
        kafka: str, store_env: dict[str, str], tmp_path: Path) -> None:
    with open_store(Config.from_env(store_env), require_schema=False) as store:
        store.init()
    topic = _topic(kafka)
    ids = [f"k-{n}" for n in range(EVENTS)]
    _produce(kafka, topic, ids[:EVENTS // 2], malformed=True)  # the second half comes while it is down
    rejects = tmp_path / "rejects.jsonl"
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("CUSTGRAPH_")}, **store_env}
    command = [sys.executable, "-m", "custgraph", "consume", "--kafka", kafka, "--topic", topic,
               "--rejects", str(rejects), "--option", "session.timeout.ms=6000"]  # the killed one's share moves
    # to the next after this long (Kafka's default is 45 s)
    log = (tmp_path / "consume.log").open("wb")  # closed at the end; a pipe could fill
    first = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 120
    while _stored(store_env, ids) < EVENTS // 2:
        assert first.poll() is None, (tmp_path / "consume.log").read_text()
        assert time.monotonic() < deadline, "the consumer did not store the first half in 120 s"
        time.sleep(0.1)
    first.kill()  # SIGKILL, perhaps before its commit: the next one reads those offsets again
    first.wait(timeout=30)
    partway = _stored(store_env, ids)
    _produce(kafka, topic, ids[EVENTS // 2:])
    second = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 120
        while _stored(store_env, ids) < EVENTS:
            assert second.poll() is None, (tmp_path / "consume.log").read_text()
            assert time.monotonic() < deadline, f"{_stored(store_env, ids)} of {EVENTS} stored in 120 s"
            time.sleep(0.3)
    finally:
        second.terminate()  # SIGTERM: finishes its batch, commits, leaves the group
        assert second.wait(timeout=60) == 0, (tmp_path / "consume.log").read_text()
        log.close()
    assert partway == EVENTS // 2
    with open_store(Config.from_env(store_env)) as store:
        counts = {row["label"]: row["count"] for row in store.run(queries.get("node_counts"))}
    assert counts["Interaction"] == EVENTS  # each once: a message read twice changes nothing
    problems = [json.loads(line) for line in rejects.read_text(encoding="utf-8").splitlines()]
    assert {problem["field"] for problem in problems} == {"(message)", "messageId"}
    assert all(isinstance(problem["offset"], int) for problem in problems)


def test_the_local_broker_never_gets_a_cluster_id_its_storage_tool_reads_as_an_option() -> None:
    """One random id in 64 starts with '-', which made the broker's formatting fail in CI."""
    loader = importlib.machinery.SourceFileLoader("kafka_local", str(KAFKA_LOCAL))
    spec = importlib.util.spec_from_loader("kafka_local", loader)
    assert spec is not None
    script = importlib.util.module_from_spec(spec)
    loader.exec_module(script)
    drawn = [script.cluster_id() for _ in range(2000)]
    assert not [each for each in drawn if each.startswith("-")]
    assert len(set(drawn)) == 2000 and {len(each) for each in drawn} == {22}
