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


def test_a_first_write_of_a_relationship_type_looks_for_nothing_to_replace(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A first resolve replaces the links of every record in types the store holds none of yet:
    nothing can be stale, so nothing is looked for; once some are stored, replacing works as ever."""
    store = EmbeddedStore(tmp_path / "store")
    looked: list[str] = []  # the batches that had anchors to look for stale links of
    stale = EmbeddedStore._stale
    monkeypatch.setattr(EmbeddedStore, "_stale", lambda self, part, ids: (
        (part.keep_from or part.keep_to) and looked.append(part.kind.type), stale(self, part, ids))[1])
    anchors = [f"x:{n}" for n in range(4)]
    store.upsert_nodes("Identity", [{"identity_id": anchor} for anchor in anchors])

    store.upsert_relationships("SAME_AS", [("x:0", "x:1"), ("x:1", "x:2")], replace_from=anchors, replace_to=anchors)
    assert looked == []
    result = store.upsert_relationships("SAME_AS", [("x:1", "x:2"), ("x:2", "x:3")],
                                        replace_from=anchors, replace_to=anchors)

    assert looked == ["SAME_AS"] and result.deleted == 1
    assert store.get_relationship("SAME_AS", "x:0", "x:1") is None
    assert store.get_relationship("SAME_AS", "x:2", "x:3") is not None
    store.close()
