"""A store written by an older custgraph (layout 1: text keys in every relationship, no indexes beside
the tables; layout 2: no customer on the interactions' facts) is upgraded in place the first time it
is opened, and answers as before."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pytest

from custgraph import queries
from custgraph.errors import StoreError
from custgraph.graph.embedded import EmbeddedStore
from custgraph.graph.values import to_json
from tests.embedded_dump import everything

pytestmark = pytest.mark.embedded

LAYOUT_1 = """
CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE nodes (label TEXT NOT NULL, key TEXT NOT NULL, props TEXT NOT NULL, PRIMARY KEY (label, key))
    WITHOUT ROWID;
CREATE TABLE relationships (type TEXT NOT NULL, start_key TEXT NOT NULL, end_key TEXT NOT NULL,
    props TEXT NOT NULL, PRIMARY KEY (type, start_key, end_key)) WITHOUT ROWID;
INSERT INTO meta VALUES ('schema_version', '1');
"""
AT = dt.datetime(2026, 3, 1, 9, 30, tzinfo=dt.UTC)
NODES = [
    ("Identity", "crm:1", {"identity_id": "crm:1", "name_norm": "emily stewart", "email_norm": "emily@example.com"}),
    ("Customer", "cust-1", {"customer_id": "cust-1", "name": "Emily Stewart"}),
    ("Interaction", "crm:i1", {"interaction_id": "crm:i1", "type": "purchase", "at": AT, "amount": 12.5}),
    ("Interaction", "crm:i2", {"interaction_id": "crm:i2", "type": "survey_response", "at": AT + dt.timedelta(days=1),
                               "score": 9, "score_kind": "nps"}),
    ("Channel", "web", {"channel_id": "web"}),
]
LINKS = [
    ("RESOLVES_TO", "crm:1", "cust-1", {}), ("PERFORMED", "crm:1", "crm:i1", {}), ("PERFORMED", "crm:1", "crm:i2", {}),
    ("HAD", "cust-1", "crm:i1", {}), ("HAD", "cust-1", "crm:i2", {}), ("NEXT", "crm:i1", "crm:i2", {}),
    ("VIA", "crm:i1", "web", {}), ("SAME_AS", "crm:1", "crm:1", {"rule": "self", "score": 1.0}),
]


def _layout_1_store(tmp_path: Path) -> Path:
    """A store directory whose file has layout 1, holding ``NODES`` and ``LINKS``."""
    path = tmp_path / "store"
    path.mkdir()
    with sqlite3.connect(path / "graph.sqlite") as db:
        db.executescript(LAYOUT_1)
        db.executemany("INSERT INTO nodes VALUES (?, ?, ?)", [(label, to_json(key), to_json(props))
                                                              for label, key, props in NODES])
        db.executemany("INSERT INTO relationships VALUES (?, ?, ?, ?)",
                       [(rel_type, to_json(a), to_json(b), to_json(props)) for rel_type, a, b, props in LINKS])
    return path


def test_a_layout_1_store_is_upgraded_once_and_answers_as_before(tmp_path: Path) -> None:
    path = _layout_1_store(tmp_path)
    with EmbeddedStore(path) as store:
        found = everything(store)
        assert sorted(found, key=repr) == sorted([*NODES, *LINKS], key=repr)
        assert [row["customer_id"] for row in store.run(queries.get("search_customers"), {"text": "stew"})] == [
            "cust-1"]
        assert [row["interaction_id"] for row in store.run(queries.get("journey"), {"customer_id": "cust-1"})] == [
            "crm:i1", "crm:i2"]
        assert store.run(queries.get("derived_mismatches")) == []  # the facts name the customer that HAD them
        assert store.run(queries.get("touchpoint_scores")) == [
            {"month": "2026-03", "channel_id": "web", "type": "purchase", "nps_responses": 1, "promoters": 1,
             "passives": 0, "detractors": 0, "nps": 100.0, "csat_responses": 0, "csat": None}]
    with sqlite3.connect(path / "graph.sqlite") as db:
        assert db.execute("SELECT value FROM meta WHERE name = 'schema_version'").fetchone() == ("3",)
        tables = {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert not tables & {"nodes_v1", "relationships_v1"}
    with EmbeddedStore(path) as store:  # a second open finds it current and changes nothing
        assert everything(store) == found


def test_a_newer_layout_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "store"
    path.mkdir()
    with sqlite3.connect(path / "graph.sqlite") as db:
        db.executescript("CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);"
                         "INSERT INTO meta VALUES ('schema_version', '9');")
    with pytest.raises(StoreError, match="schema version 9, this custgraph reads 3"):
        EmbeddedStore(path)


def test_a_layout_2_store_gets_its_facts_customers_and_answers_as_before(tmp_path: Path) -> None:
    path = _layout_1_store(tmp_path)
    EmbeddedStore(path).close()
    with sqlite3.connect(path / "graph.sqlite") as db:  # back to layout 2, as a store made before it
        db.executescript("DROP INDEX interaction_facts_by_customer; ALTER TABLE interaction_facts DROP COLUMN customer;"
                         "UPDATE meta SET value = '2' WHERE name = 'schema_version';")
    with EmbeddedStore(path) as store:
        assert store.run(queries.get("derived_mismatches")) == []
        assert [row["interaction_id"] for row in store.run(queries.get("journey"), {"customer_id": "cust-1"})] == [
            "crm:i1", "crm:i2"]
        rows = store.run(queries.get("journey_sequences"), {"customers": ["cust-1"], "since": [1]})
        assert [row["types"] for row in rows] == [["survey_response"]]
    with sqlite3.connect(path / "graph.sqlite") as db:
        assert db.execute("SELECT value FROM meta WHERE name = 'schema_version'").fetchone() == ("3",)
        (customer,), = db.execute("SELECT id FROM nodes WHERE key = ?", (to_json("cust-1"),))
        assert db.execute("SELECT customer FROM interaction_facts").fetchall() == [(customer,), (customer,)]
