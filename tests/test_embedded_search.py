"""The embedded store's search index answers what a scan of every identity would, through writes and deletes."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from custgraph import queries
from custgraph.graph import RelationshipRow
from custgraph.graph.embedded import EmbeddedStore

pytestmark = pytest.mark.embedded
ALPHABET = "abcさとう佐藤 "


def _scan(names: dict[str, str | None], text: str) -> set[str]:
    return {identity for identity, name in names.items() if name is not None and text in name}


def _found(store: EmbeddedStore, text: str) -> set[str]:
    rows = store.run(queries.get("search_customers"), {"text": text, "limit": 1000})
    return {identity for row in rows for identity in row["matched"]}


def test_search_matches_a_scan_through_updates_and_deletes(tmp_path: Path) -> None:
    rng = random.Random(3)
    names: dict[str, str | None] = {}
    with EmbeddedStore(tmp_path / "store") as store:
        for round_ in range(4):
            batch = {f"s:{n}": "".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, 7))) or None
                     for n in rng.sample(range(60), 30)}
            names.update(batch)
            store.upsert_nodes("Identity", [{"identity_id": i, "name_norm": name} for i, name in batch.items()])
            store.upsert_nodes("Customer", [{"customer_id": f"c{i}"} for i in batch])
            store.upsert_relationships("RESOLVES_TO", [RelationshipRow(i, f"c{i}") for i in batch])
            gone = rng.sample(sorted(names), 5)
            store.delete_nodes("Identity", gone)
            for identity in gone:
                del names[identity]
            texts = {name[start:start + length] for name in names.values() if name
                     for start in range(len(name)) for length in (1, 2, 3, 5)} | {"zz", "佐藤さ", ""}
            for text in sorted(texts):
                if text.strip() != text or not text:  # the query's own normalisation would change these
                    continue
                assert _found(store, text) == _scan(names, text), (round_, text)


def test_exact_email_and_phone_rank_first(tmp_path: Path) -> None:
    with EmbeddedStore(tmp_path / "store") as store:
        store.upsert_nodes("Identity", [
            {"identity_id": "s:1", "name_norm": "ann example", "email_norm": "ann@example.com"},
            {"identity_id": "s:2", "name_norm": "ann@example.com fan"},
            {"identity_id": "s:3", "name_norm": "bo", "phone_norm": "+819012345678"},
        ])
        store.upsert_nodes("Customer", [{"customer_id": c, "name": n} for c, n in (("c1", "A"), ("c2", "B"),
                                                                                    ("c3", "C"))])
        store.upsert_relationships("RESOLVES_TO", [RelationshipRow("s:1", "c1"), RelationshipRow("s:2", "c2"),
                                                   RelationshipRow("s:3", "c3")])
        rows = store.run(queries.get("search_customers"), {"text": "ann@example.com"})
        assert [row["customer_id"] for row in rows] == ["c1", "c2"]
        store.upsert_nodes("Identity", [{"identity_id": "s:1", "email_norm": "ann@other.example"}])
        assert [row["customer_id"] for row in store.run(queries.get("search_customers"),
                                                        {"text": "ann@example.com"})] == ["c2"]
        assert [row["customer_id"] for row in store.run(queries.get("search_customers"),
                                                        {"text": "+819012345678"})] == ["c3"]
