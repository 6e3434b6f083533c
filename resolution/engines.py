"""Where the match model runs: DuckDB in this process, or Spark (local or a cluster).

Why two: DuckDB needs nothing but ``pip install`` and scores a million records on a laptop;
Spark is how scoring goes past one machine (``pip install custgraph[spark]``; Splink's Spark
backend). Both read the same Arrow feature table and run the same comparisons.
"""

from __future__ import annotations

import os
import tempfile
import uuid
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from custgraph.errors import ConfigError

__all__ = ["Engine", "open_engine"]


@dataclass
class Engine:
    name: str  # "duckdb" or "spark"
    api: Any  # a Splink DatabaseAPI

    def register(self, table: pa.Table, name: str) -> Any:
        """``table`` as a Splink dataframe on this engine (Spark 4 reads Arrow tables as they are),
        under a name of its own: a Spark session keeps the views of earlier runs."""
        return self.api.register(table, table_name=f"{name}_{uuid.uuid4().hex[:10]}")

    def columns(self, frame: Any) -> list[str]:
        if self.name == "spark":
            return list(frame.as_spark_dataframe().columns)
        return list(frame.as_duckdbpyrelation().columns)

    def rows(self, frame: Any, columns: list[str]) -> list[tuple[Any, ...]]:
        """The rows of a Splink dataframe (only ``columns``), fetched into Python."""
        if self.name == "spark":
            return [tuple(row) for row in frame.as_spark_dataframe().select(*columns).collect()]
        selected = frame.as_duckdbpyrelation().select(", ".join(f'"{c}"' for c in columns))
        found: list[tuple[Any, ...]] = selected.fetchall()
        return found


def open_engine(name: str | None = None) -> Engine:
    """The engine called ``name`` (default: CUSTGRAPH_MATCH_ENGINE, else duckdb)."""
    name = name or os.environ.get("CUSTGRAPH_MATCH_ENGINE") or "duckdb"
    if name == "duckdb":
        from splink import DuckDBAPI

        return Engine("duckdb", DuckDBAPI())
    if name == "spark":
        try:
            from pyspark.sql import SparkSession  # type: ignore[import-not-found, unused-ignore]
            from splink import SparkAPI
        except ImportError:
            raise ConfigError("match engine", "spark needs the extra: pip install 'custgraph[spark]'") from None
        from splink.backends.spark import similarity_jar_location

        master = os.environ.get("CUSTGRAPH_SPARK_MASTER", "local[2]")
        session = (SparkSession.builder.master(master).appName("custgraph-resolve")
                   .config("spark.jars", similarity_jar_location())  # Splink's string similarity functions
                   .config("spark.sql.shuffle.partitions", os.environ.get("CUSTGRAPH_SPARK_PARTITIONS", "8"))
                   .config("spark.ui.enabled", "false")
                   .getOrCreate())
        checkpoints = os.environ.get("CUSTGRAPH_SPARK_CHECKPOINTS") or tempfile.mkdtemp(prefix="custgraph-spark-")
        session.sparkContext.setCheckpointDir(checkpoints)
        return Engine("spark", SparkAPI(spark_session=session))  # type: ignore[no-untyped-call, unused-ignore]
    raise ConfigError("match engine", f"unknown engine {name!r}: duckdb or spark")
