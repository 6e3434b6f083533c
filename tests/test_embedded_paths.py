"""The embedded cross-sell paths name the same other customer whichever way they find one."""

from __future__ import annotations

import random
import tempfile
from pathlib import Path

import pytest

from custgraph import queries
from custgraph.graph.embedded import EmbeddedStore
from custgraph.graph.embedded.graph import EmbeddedGraph
from custgraph.loaders import load_sources
from custgraph.samples.generate import SOURCES, generate
from custgraph.services import ResolveConfig, resolve

pytestmark = pytest.mark.embedded


def test_walking_customers_in_key_order_and_walking_buyers_agree(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    generate(tmp_path / "data", customers=250, seed=9)
    with EmbeddedStore(tmp_path / "store") as store:
        load_sources(store, [tmp_path / "data" / source for source in SOURCES], Path(tempfile.mkdtemp()) / "r.jsonl")
        resolve(store, ResolveConfig())
        customers = sorted({row["customer_id"] for row in store.run(queries.get("customer_identities"))
                            if row["customer_id"]})
        products = [row["sku"] for row in store.run(queries.get("product_popularity"), {"limit": 100})]
        rng = random.Random(4)
        asked = [{"customer_id": rng.choice(customers), "sku": rng.choice(products), "first": 5} for _ in range(150)]

        def answers(census: tuple[int, bool]) -> list[object]:
            monkeypatch.setattr(EmbeddedGraph, "census", lambda self, label: census)
            return [store.run(queries.get("cross_sell_paths"), params) for params in asked]

        by_key = answers((1, True))  # the key walk always looks cheaper
        by_buyers = answers((10**9, True))  # the buyer walk always does
        assert by_key == by_buyers
        assert sum(1 for rows in by_key if rows) >= 30  # enough paths found to compare


@pytest.mark.parametrize(("keys", "in_order"), [
    (["cust-1", "cust-2"], True),
    (["ann", "ann b"], False),  # a space sorts before the closing quote of the stored key
    (["x!", "x"], False),
    (["quote\"d"], False),
    ([10, "cust-1"], False),  # a number is stored without quotes
])
def test_the_census_tells_when_the_key_index_is_in_python_order(tmp_path: Path, keys: list[object],
                                                                 in_order: bool) -> None:
    with EmbeddedStore(tmp_path / "store") as store:
        store.upsert_nodes("Customer", [{"customer_id": key} for key in keys])
        assert store.graph.census("Customer") == (len(keys), in_order)
        store.upsert_nodes("Customer", [{"customer_id": "cust-9"}])  # a change is counted again
        assert store.graph.census("Customer")[0] == len(keys) + 1
