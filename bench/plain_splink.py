"""The yardstick for the identity benchmark: a plain Splink model, set up as its documentation
shows a new user, with no tuning for either data set.

Its input is the store's own Identity records (so both engines see the same records), mapped
to the columns such a user would map: given and family name (split from the full name when a
source has only that), birth date, e-mail, phone, street, city, postcode. DuckDB backend; u
by random sampling, m by EM on two blocking rules; predictions clustered at 0.95.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
import splink.comparison_library as cl
from splink import DuckDBAPI, Linker, SettingsCreator, block_on

__all__ = ["PlainRun", "plain_splink"]


@dataclass
class PlainRun:
    assignment: dict[str, str]  # identity id -> cluster
    seconds: dict[str, float]


def _table(rows: Sequence[dict[str, Any]]) -> pa.Table:
    columns: dict[str, list[Any]] = {name: [] for name in (
        "unique_id", "given_name", "family_name", "birth_date", "email", "phone", "street", "city", "postal_code")}
    for props in rows:
        words = str(props.get("name_norm") or "").split()
        given = props.get("given_name") or (words[0] if len(words) > 1 else None)
        family = props.get("family_name") or (words[-1] if words else None)
        birth = props.get("birth_date")
        values = {"unique_id": str(props["identity_id"]), "given_name": given and str(given).lower(),
                  "family_name": family and str(family).lower(),
                  "birth_date": birth.isoformat() if birth is not None else None,
                  "email": props.get("email_norm"), "phone": props.get("phone_norm") or props.get("phone"),
                  "street": props.get("street") and str(props["street"]).lower(),
                  "city": props.get("city") and str(props["city"]).lower(),
                  "postal_code": props.get("postal_code_norm")}
        for name, value in values.items():
            columns[name].append(value)
    return pa.table(columns)


def plain_splink(rows: Sequence[dict[str, Any]], sampled_pairs: float = 1e6, seed: int = 42) -> PlainRun:
    """Train, predict and cluster; ``rows`` are Identity property maps."""
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    table = _table(rows)
    settings = SettingsCreator(
        link_type="dedupe_only",
        comparisons=[
            cl.NameComparison("given_name").configure(term_frequency_adjustments=True),
            cl.NameComparison("family_name").configure(term_frequency_adjustments=True),
            cl.DateOfBirthComparison("birth_date", input_is_string=True),
            cl.EmailComparison("email"),
            cl.ExactMatch("phone"),
            cl.JaroWinklerAtThresholds("street"),
            cl.ExactMatch("city").configure(term_frequency_adjustments=True),
            cl.LevenshteinAtThresholds("postal_code", [1]),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("given_name", "family_name"), block_on("birth_date"), block_on("email"), block_on("phone"),
            block_on("postal_code", "family_name"),
        ],
    )
    db = DuckDBAPI()
    linker = Linker(db.register(table), settings, log_level=logging.ERROR)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("given_name", "family_name", "birth_date")], recall=0.7)
    linker.training.estimate_u_using_random_sampling(max_pairs=sampled_pairs, seed=seed)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("given_name", "family_name"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("birth_date"))
    seconds["train"] = time.perf_counter() - started
    started = time.perf_counter()
    predictions = linker.inference.predict(threshold_match_probability=0.5)
    seconds["predict"] = time.perf_counter() - started
    started = time.perf_counter()
    clustered = linker.clustering.cluster_pairwise_predictions_at_threshold(predictions, 0.95)
    assignment = {str(uid): str(cluster) for uid, cluster in
                  clustered.as_duckdbpyrelation().select("unique_id, cluster_id").fetchall()}
    seconds["cluster"] = time.perf_counter() - started
    return PlainRun(assignment, seconds)
