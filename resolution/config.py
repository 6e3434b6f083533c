"""Thresholds and guards of identity resolution, from ``resolve.toml`` or defaults.

Why a file: where a link starts and what the review queue gets is a policy a data team
owns. What each field's agreement is worth is not set here: the model learns it from the
store's own records (``model.py``; ``custgraph model show``). Every default suits any data;
``examples/resolve.toml`` documents them.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from custgraph.errors import ConfigError

__all__ = ["ResolveConfig", "read_config"]

# identify: a visitor's record signed in as a known one (live events, loaders/events.py).
RULES = ("email", "phone_and_family_name", "loyalty_id", "identify")


@dataclass(frozen=True)
class ResolveConfig:
    """What links two records, what goes to review, and what keeps customers apart."""

    # A pair links when its match probability reaches ``link_threshold``; between
    # ``review_threshold`` and that, it goes to the review queue.
    link_threshold: float = 0.95
    review_threshold: float = 0.60
    # Deterministic rules: any of them links a pair outright (score 1.0).
    rules: tuple[str, ...] = RULES
    # Training: the model is trained on the first resolve, with ``resolve --train``, and when
    # the store holds ``retrain_growth`` more records than when it was last trained (0.5 = 50%).
    retrain_growth: float = 0.5
    # Random pairs sampled to learn how often fields agree by chance (u). Its cost is linear
    # (about 5 s per million on 2 cores); 1,000,000 gave the same F1 as 2,000,000 at 100,000 records.
    sampled_pairs: int = 1_000_000
    # No comparison level is taken to happen for less than this share of one person's record
    # pairs: real people change phones, move and mistype; one difference is never a veto.
    min_disagreement: float = 0.01
    seed: int = 42
    # Placeholders: an e-mail, phone or loyalty number held by records with
    # ``placeholder_records`` different names or more, a birth date held by that many records
    # and ``placeholder_factor`` times as many as a date usually is, or a name held by
    # ``placeholder_name_share`` of all records, is no evidence for anything
    # (test@example.com, 0000000000, 1900-01-01, "n/a").
    placeholder_records: int = 10
    placeholder_factor: float = 20.0
    placeholder_name_share: float = 0.005
    # Cardinality caps: a link that would give a customer more identities, birth dates or
    # e-mail domains than these goes to the review queue with the reason, instead of linking
    # (bare visitors' records do not count toward max_identities: ``cluster.Traits``).
    max_identities: int = 50
    max_birth_dates: int = 2
    max_email_domains: int = 5
    # Two clusters of at least ``guard_size`` records merge on probabilistic evidence only
    # when ``guard_links`` links join them: one weak link must not glue two customers together.
    guard_size: int = 2
    guard_links: int = 2
    # Where the model scores pairs: "duckdb" (this process) or "spark" (custgraph[spark]).
    engine: str = "duckdb"

    def __post_init__(self) -> None:
        if not 0 < self.review_threshold <= self.link_threshold <= 1:
            raise ConfigError("resolve", "need 0 < review_threshold <= link_threshold <= 1")
        unknown = set(self.rules) - set(RULES)
        if unknown:
            raise ConfigError("resolve.rules", f"unknown rule(s): {', '.join(sorted(unknown))}")
        if self.guard_links < 1 or self.guard_size < 2:
            raise ConfigError("resolve", "guard_size >= 2 and guard_links >= 1")
        if self.retrain_growth <= 0 or self.sampled_pairs < 1000 or not 0 < self.min_disagreement < 0.5:
            raise ConfigError("resolve", "retrain_growth > 0, sampled_pairs >= 1000, 0 < min_disagreement < 0.5")
        if self.placeholder_records < 2 or self.placeholder_factor < 1 or not 0 < self.placeholder_name_share <= 1:
            raise ConfigError("resolve", "placeholder_records >= 2, placeholder_factor >= 1, "
                                         "0 < placeholder_name_share <= 1")
        if min(self.max_identities, self.max_birth_dates, self.max_email_domains) < 1:
            raise ConfigError("resolve", "max_identities, max_birth_dates and max_email_domains >= 1")
        if self.engine not in ("duckdb", "spark"):
            raise ConfigError("resolve.engine", f"{self.engine!r}: duckdb or spark")


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
    learned = {"weights", "prior", "frequency_penalty", "name_high", "name_medium"} & set(table)
    if learned:
        raise ConfigError(str(path), f"{', '.join(sorted(learned))}: learned from the data now, not set by hand "
                                     "(see `custgraph model show`); remove them from [resolve]")
    known = {f.name for f in fields(ResolveConfig)}
    unknown = set(table) - known
    if unknown:
        raise ConfigError(str(path), f"unknown setting(s) in [resolve]: {', '.join(sorted(unknown))}")
    if "rules" in table:
        table = {**table, "rules": tuple(table["rules"])}
    try:
        return ResolveConfig(**table)
    except TypeError as error:
        raise ConfigError(str(path), str(error)) from None
