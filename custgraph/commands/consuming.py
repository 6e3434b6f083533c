"""``custgraph consume``: live events from a Kafka topic, in the form ``POST /v1/events`` takes.

Why Kafka: many API workers and sources can feed one store through a real log, and a consumer
that stops resumes where it left off. A message holds one event, a JSON list of events, or
``{"batch": [...]}``. Offsets are committed only after the events they hold are durable in the
store, so a consumer killed at any moment reads again at most what it had not committed, and
``messageId`` makes that harmless. Bad events go to the rejects file with their partition and
offset and never stop the consumer.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import time
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from custgraph.config import Config
from custgraph.errors import ConfigError, CustgraphError
from custgraph.graph import ErasureKey, open_store
from custgraph.services import MAX_EVENTS, RecordMemo, read_config, settle_events, take_events

__all__ = ["COMMANDS"]

POLL_S = 1.0
REPORT_EVERY_S = 10.0


def _events_of(value: bytes | None) -> list[Any]:
    data = json.loads(value or b"")
    if isinstance(data, dict) and isinstance(data.get("batch"), list):
        return list(data["batch"])
    return data if isinstance(data, list) else [data]


def consume(config: Config, args: argparse.Namespace, environment: Mapping[str, str]) -> int:
    try:
        from confluent_kafka import Consumer, KafkaError, KafkaException
    except ImportError:
        raise ConfigError("--kafka", "reading Kafka needs its client: pip install 'custgraph[kafka]'") from None
    settings: dict[str, str | bool] = {"bootstrap.servers": args.kafka, "group.id": args.group,
                                       "auto.offset.reset": "earliest", "client.id": "custgraph-consume"}
    for option in args.option:
        key, equals, value = option.partition("=")
        if not equals or not key.strip():
            raise ConfigError("--option", f"expected KEY=VALUE, not {option!r}")
        settings[key.strip()] = value.strip()
    settings["enable.auto.commit"] = False  # offsets are committed once their events are stored, never before
    try:
        consumer = Consumer(settings)
    except KafkaException as error:
        raise ConfigError("--option", str(error)) from None
    stopping = False

    def stop(signum: int, frame: object) -> None:
        nonlocal stopping
        stopping = True  # finish the batch in hand, commit it, leave the group

    signal.signal(signal.SIGTERM, stop)
    rules = read_config(Path(config.resolve_config) if config.resolve_config else None)
    erasure_key = ErasureKey.read(config.erasure_key_file)
    counts: Counter[str] = Counter()
    records: set[str] = set()
    performers: set[str] = set()
    settled_at = reported_at = time.monotonic()
    memo = RecordMemo()  # what each settling derived from records, for the next
    rejects = Path(args.rejects)
    print(f"custgraph: consuming {args.topic} from {args.kafka} as group {args.group!r} into {config.store}",
          file=sys.stderr)
    # A command's writer wait, not the API's: behind a long load, Kafka keeps the messages until we take them.
    with open_store(config) as store, rejects.open("a", encoding="utf-8") as bad:
        consumer.subscribe([args.topic])
        try:
            while not stopping:
                messages = consumer.consume(num_messages=MAX_EVENTS, timeout=POLL_S)
                events: list[Any] = []
                where: list[tuple[int | None, int | None]] = []  # each event's (partition, offset), for rejects
                for message in messages:
                    failure = message.error()
                    if failure is not None:
                        if failure.code() == KafkaError._PARTITION_EOF:
                            continue
                        raise KafkaException(failure)
                    try:
                        found = _events_of(message.value())
                    except ValueError as error:
                        counts["rejected"] += 1
                        bad.write(json.dumps({"partition": message.partition(), "offset": message.offset(),
                                              "field": "(message)", "reason": f"not JSON: {error}"}) + "\n")
                        continue
                    events += found
                    where += [(message.partition(), message.offset())] * len(found)
                for start in range(0, len(events), MAX_EVENTS):
                    taken = take_events(store, events[start:start + MAX_EVENTS], args.source, erasure_key)
                    records |= taken.records
                    performers |= taken.performers
                    for offset, outcome in enumerate(taken.outcomes, start=start):
                        counts[outcome.status] += 1
                        if outcome.status == "rejected":
                            partition, position = where[offset]
                            bad.write(json.dumps({"partition": partition, "offset": position,
                                                  "messageId": outcome.message_id, "field": outcome.field,
                                                  "reason": outcome.reason}, ensure_ascii=False) + "\n")
                if messages:
                    bad.flush()
                    consumer.commit(asynchronous=False)  # only now: what these offsets held is durable
                now = time.monotonic()
                if (records or performers) and now - settled_at >= config.settle_every_s:
                    settle_events(store, rules, records, performers, memo=memo)
                    records, performers, settled_at = set(), set(), time.monotonic()
                if now - reported_at >= REPORT_EVERY_S:
                    print(f"custgraph: {_counted(counts)}", file=sys.stderr, flush=True)
                    reported_at = now
            if records or performers:
                settle_events(store, rules, records, performers, memo=memo)
        except KafkaException as error:
            raise CustgraphError(f"Kafka at {args.kafka}: {error}") from None
        finally:
            consumer.close()
    print(f"custgraph: stopped; {_counted(counts)}", file=sys.stderr)
    return 0


def _counted(counts: Counter[str]) -> str:
    return ", ".join(f"{counts[status]:,} {status}" for status in ("accepted", "duplicate", "ignored", "rejected"))


COMMANDS = {"consume": consume}
