"""The embedded store's one-pass rebuilds (many customers at once) write what the per-customer ones write."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from custgraph import queries
from custgraph.graph.embedded import EmbeddedStore
from custgraph.graph.embedded import store as embedded_store
from custgraph.loaders import load_sources
from custgraph.samples.generate import SOURCES, generate
from custgraph.services import ResolveConfig, resolve
from tests.embedded_dump import everything

pytestmark = pytest.mark.embedded
WRITTEN_AT = frozenset({"resolved_at", "scored_at", "updated_at", "trained_at"})


def _resolved(path: Path, data: Path) -> EmbeddedStore:
    store = EmbeddedStore(path)
    load_sources(store, [data / source for source in SOURCES], Path(tempfile.mkdtemp()) / "rejects.jsonl")
    resolve(store, ResolveConfig())
    return store


def test_bulk_and_per_customer_rebuilds_agree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    generate(tmp_path / "data", customers=200, seed=5)
    with _resolved(tmp_path / "per-customer", tmp_path / "data") as one_by_one:
        expected = everything(one_by_one, WRITTEN_AT)
        customers = len(one_by_one.graph.ids("Customer"))
    assert customers < embedded_store.BULK  # so the first store took the per-customer path
    monkeypatch.setattr(embedded_store, "BULK", 1)
    with _resolved(tmp_path / "bulk", tmp_path / "data") as bulk:
        assert everything(bulk, WRITTEN_AT) == expected
        assert bulk.run(queries.get("derived_mismatches")) == []
        resolve(bulk, ResolveConfig(), full=True)  # rebuilds every customer's links over the present ones
        assert everything(bulk, WRITTEN_AT) == expected
