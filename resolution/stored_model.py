"""The match model kept with the store: one ``MatchModel`` node, so that every process and
every run scores with the same numbers until the model is trained again."""

from __future__ import annotations

import logging

import pyarrow as pa
from splink import Linker

from custgraph.graph import Store

from .config import ResolveConfig
from .engines import open_engine
from .model import MatchModel, settings, train

__all__ = ["KEY", "fit", "load_model", "train_model"]

KEY = "identity"


def load_model(store: Store) -> MatchModel | None:
    node = store.get_node("MatchModel", KEY)
    return None if node is None else MatchModel.from_json(str(node["model"]), str(node.get("trained_at") or ""))


def fit(table: pa.Table, records: int, config: ResolveConfig) -> MatchModel:
    """Train on ``table`` (the feature table of every record) with DuckDB. Training reads
    samples, so one machine does it even when Spark scores. Deterministic: the same table and
    settings give the same model."""
    engine = open_engine("duckdb")
    linker = Linker(engine.register(table, "custgraph_training"), settings(None), log_level=logging.ERROR)
    return train(linker, records, config.sampled_pairs, config.min_disagreement, config.seed)


def train_model(store: Store, table: pa.Table, records: int, config: ResolveConfig) -> MatchModel:
    """Train (``fit``) and keep the model with the store."""
    model = fit(table, records, config)
    store.upsert_nodes("MatchModel", [{"model_id": KEY, "model": model.to_json(), "trained_at": model.trained_at,
                                       "records": model.records}])
    return model
