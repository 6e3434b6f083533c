"""The match model scores on Spark (local mode here; a cluster in production) exactly as on DuckDB.

Needs ``pyspark`` (``custgraph[spark]``, in the dev extras) and Java. Without them the test
is skipped on a developer machine; with ``CI=true`` it fails instead.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from custgraph import queries
from custgraph.graph import Store
from custgraph.graph.embedded import EmbeddedStore
from custgraph.loaders import load_sources
from custgraph.samples.generate import SOURCES, generate
from custgraph.services import ResolveConfig, resolve
from tests.conftest import IN_CI

pytestmark = pytest.mark.embedded


@pytest.fixture(scope="module")
def spark() -> Iterator[None]:
    try:
        import pyspark  # noqa: F401
    except ImportError:
        reason = "pyspark is not installed (pip install -e '.[dev]')"
    else:
        reason = "" if shutil.which("java") else "no java on PATH for Spark"
    if reason:
        if IN_CI:
            pytest.fail(f"CI=true and {reason}")
        pytest.skip(reason)
    yield
    from pyspark.sql import SparkSession

    session = SparkSession.getActiveSession()
    if session is not None:
        session.stop()


def _links(store: Store) -> list[tuple[object, ...]]:
    return sorted((row["type"], row["a"], row["b"], row["props"].get("score"),
                   tuple(row["props"].get("evidence") or ())) for row in store.run(queries.get("identity_links")))


def test_spark_gives_exactly_the_links_duckdb_gives_on_a_first_and_an_incremental_run(
        spark: None, tmp_path: Path) -> None:
    generate(tmp_path / "data", customers=250, seed=23)
    found = {}
    for engine in ("duckdb", "spark"):
        with EmbeddedStore(tmp_path / engine) as store:
            for sources in (SOURCES[:3], SOURCES[3:]):  # a first run, then an incremental one
                rejects = Path(tempfile.mkdtemp()) / "rejects.jsonl"
                load_sources(store, [tmp_path / "data" / source for source in sources], rejects)
                report = resolve(store, ResolveConfig(engine=engine))
                assert report.links > 20 and report.trained == (sources == SOURCES[:3])
            assert 0 < report.dirty < report.records
            found[engine] = (report.model_id, _links(store), sorted(
                (r["source"], r["source_id"], r["customer_id"]) for r in store.run(queries.get("customer_identities"))))
    assert found["spark"][0] == found["duckdb"][0]  # trained the same (training always runs on DuckDB)
    assert found["spark"][1] == found["duckdb"][1]  # every link, its score and its evidence
    assert found["spark"][2] == found["duckdb"][2]
