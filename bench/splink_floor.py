"""The floor under our matching time: Splink alone, with custgraph's comparisons.

Issue 15 asks matching (train + score + cluster) within 1.5x of a plain Splink model, and also
asks every field compared, name forms in every script and term frequencies on five columns.
This run trains exactly as ``resolve`` does (``resolution.stored_model.fit``), then lets Splink
predict over our blocking rules and cluster at our link threshold, with none of our own work
around it (evidence lines, deterministic rules, caps, the chaining guard). Its time against
the plain model's says what the comparisons cost by themselves. Its input table (our records'
features) is timed apart and not counted: ``resolve`` builds it in its read and train phases.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
from splink import DuckDBAPI, Linker

from custgraph.graph.collector import collector_paused
from custgraph.resolution import ResolveConfig
from custgraph.resolution.features import blanked, feature_table, find_placeholders, term_frequencies
from custgraph.resolution.model import settings
from custgraph.resolution.records import match_record
from custgraph.resolution.stored_model import fit

__all__ = ["FloorRun", "resolve_features", "splink_floor"]


@dataclass
class FloorRun:
    assignment: dict[str, str]  # identity id -> cluster
    seconds: dict[str, float]
    pairs: int  # pairs predicted at the review threshold or above


def resolve_features(rows: Sequence[dict[str, Any]], config: ResolveConfig) -> pa.Table:
    """The feature table ``resolve`` scores, from Identity property maps (placeholders blanked)."""
    with collector_paused():  # as resolve builds them: a record each, no cycles
        raw = [match_record(props) for props in rows]
        as_read = feature_table(raw)
        placeholders = find_placeholders(as_read, config.placeholder_records, config.placeholder_factor,
                                         config.placeholder_name_share)
        return blanked(raw, as_read, placeholders)[1]


def splink_floor(rows: Sequence[dict[str, Any]]) -> FloorRun:
    """Train as ``resolve`` does, then Splink's predict and clustering; ``rows`` are Identity property maps."""
    config = ResolveConfig()
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    table = resolve_features(rows, config)
    seconds["features"] = time.perf_counter() - started
    started = time.perf_counter()
    model = fit(table, table.num_rows, config)
    seconds["train"] = time.perf_counter() - started
    started = time.perf_counter()
    db = DuckDBAPI()
    linker = Linker(db.register(table, table_name="custgraph_floor"), settings(model, retain=False),
                    log_level=logging.ERROR)
    for column, shares in term_frequencies(table, model.records).items():
        linker.table_management.register_term_frequency_lookup(
            db.register(shares, table_name=f"custgraph_floor_tf_{column}"), column)
    predictions = linker.inference.predict(threshold_match_probability=config.review_threshold)
    pairs = int(predictions.as_duckdbpyrelation().count("*").fetchall()[0][0])
    seconds["predict"] = time.perf_counter() - started
    started = time.perf_counter()
    clustered = linker.clustering.cluster_pairwise_predictions_at_threshold(predictions, config.link_threshold)
    assignment = {str(uid): str(cluster) for uid, cluster in
                  clustered.as_duckdbpyrelation().select("unique_id, cluster_id").fetchall()}
    seconds["cluster"] = time.perf_counter() - started
    return FloorRun(assignment, seconds, pairs)
