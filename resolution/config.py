"""Rules, weights and thresholds of identity resolution, from ``resolve.toml`` or defaults.

Why a file: matching is a policy a data team owns and tunes against its own
data (how much a shared postcode is worth, where the review band starts); the
defaults are documented in the README and in ``examples/resolve.toml``.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from custgraph.errors import ConfigError

__all__ = ["DEFAULT_WEIGHTS", "ResolveConfig", "read_config"]

# log2 Bayes factors: how much more often a comparison outcome happens for two
# records of one person than for two records of different people (Fellegi-Sunter).
# ``name_exact`` and ``email_stem_same`` are for a value held by at most three
# records; each doubling of the records that hold it takes ``frequency_penalty``
# bits off (down to ``name_exact_common`` / 0), so "John Smith" counts for far
# less than a rare name.
# ``email_stem_same_named`` replaces ``email_stem_same`` when the names were
# compared too: the stem of smith.john58 mostly repeats the name.
DEFAULT_WEIGHTS: dict[str, float] = {
    "email_same": 16.0, "email_local_same": 12.0, "email_stem_same": 18.0, "email_stem_same_named": 2.0,
    "email_differ": -3.0,
    "phone_same": 15.0, "phone_differ": -4.0,
    "birth_date_same": 14.0, "birth_date_close": 3.0, "birth_date_differ": -10.0,
    "postal_code_same": 10.0, "postal_code_close": 2.0, "postal_code_differ": -1.0,
    "name_exact": 18.0, "name_exact_common": 4.0, "name_high": 6.0, "name_medium": 1.0, "name_differ": -6.0,
    "family_name_same": 3.0,
    "city_same": 1.0,
    "country_same": 2.0, "country_differ": -6.0,
    "loyalty_id_differ": -10.0,
}


@dataclass(frozen=True)
class ResolveConfig:
    """What links two records, and how strongly."""

    # A pair links when its match probability reaches ``link_threshold``; between
    # ``review_threshold`` and that, it goes to the review queue.
    link_threshold: float = 0.95
    review_threshold: float = 0.60
    # log2 odds that two records are one person before any field is compared.
    # "auto": 1 - log2(records), rounded; about the share of all pairs that are
    # one person's records when each person has two or three records.
    prior: float | str = "auto"
    # Deterministic rules: any of them links a pair outright (score 1.0).
    rules: tuple[str, ...] = ("email", "phone_and_family_name", "loyalty_id")
    weights: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    # Bits a shared name or e-mail stem loses each time the records holding it
    # double past three (measured: at 10k records a name held by 2-3 records
    # joins one person's records 98% of the time, by 4-7 records 73%).
    frequency_penalty: float = 4.0
    # Name similarity levels (0-1, Jaro-Winkler on sorted name tokens).
    name_high: float = 0.92
    name_medium: float = 0.82
    # Blocks larger than this are skipped (a placeholder birth date shared by
    # thousands of records says nothing and would cost millions of comparisons).
    max_block: int = 300
    # Two clusters of at least ``guard_size`` records merge on probabilistic
    # evidence only when ``guard_links`` links join them: one weak link must
    # not glue two customers together.
    guard_size: int = 2
    guard_links: int = 2

    def __post_init__(self) -> None:
        if not 0 < self.review_threshold <= self.link_threshold <= 1:
            raise ConfigError("resolve", "need 0 < review_threshold <= link_threshold <= 1")
        unknown = set(self.rules) - {"email", "phone_and_family_name", "loyalty_id"}
        if unknown:
            raise ConfigError("resolve.rules", f"unknown rule(s): {', '.join(sorted(unknown))}")
        missing = set(DEFAULT_WEIGHTS) - set(self.weights)
        extra = set(self.weights) - set(DEFAULT_WEIGHTS)
        if missing or extra:
            raise ConfigError("resolve.weights", f"unknown {sorted(extra)} / missing {sorted(missing)}")
        if self.prior != "auto" and not isinstance(self.prior, int | float):
            raise ConfigError("resolve.prior", 'a number (log2 odds) or "auto"')
        if self.frequency_penalty < 0:
            raise ConfigError("resolve.frequency_penalty", "must be >= 0")
        if self.max_block < 2 or self.guard_links < 1 or self.guard_size < 2:
            raise ConfigError("resolve", "max_block >= 2, guard_size >= 2 and guard_links >= 1")


    def prior_for(self, records: int) -> float:
        """The prior for a store of ``records`` identities: larger stores make any one pair less likely."""
        if self.prior == "auto":
            return float(round(1 - math.log2(max(records, 2))))
        return float(self.prior)


def read_config(path: Path | None) -> ResolveConfig:
    """``ResolveConfig`` from a TOML file (a ``[resolve]`` table), or the defaults."""
    if path is None:
        return ResolveConfig()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ConfigError(str(path), f"cannot read: {error.strerror}") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(str(path), f"not valid TOML: {error}") from None
    table: dict[str, Any] = data.get("resolve", {})
    known = {f.name for f in fields(ResolveConfig)}
    unknown = set(table) - known
    if unknown:
        raise ConfigError(str(path), f"unknown setting(s) in [resolve]: {', '.join(sorted(unknown))}")
    if "weights" in table:
        table = {**table, "weights": {**DEFAULT_WEIGHTS, **table["weights"]}}
    if "rules" in table:
        table = {**table, "rules": tuple(table["rules"])}
    try:
        return ResolveConfig(**table)
    except TypeError as error:
        raise ConfigError(str(path), str(error)) from None
