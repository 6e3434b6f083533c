"""Multi-touch attribution: which channels, touchpoint types or campaigns earn the conversions.

The named query ``conversion_paths`` cuts every journey into paths (the touchpoints before
each conversion within the lookback, and the touchpoints after a customer's last conversion,
a path that has not converted); here each model shares every conversion among its path's
touchpoints, so that every model's credits sum to the conversions:

- ``first_touch`` / ``last_touch``: all to the first / last touchpoint;
- ``linear``: equal shares;
- ``time_decay``: a touchpoint ``d`` days before the conversion weighs ``0.5 ** (d / half_life)``;
- ``position_based``: 40 % first, 40 % last, 20 % shared by the ones between (one touchpoint:
  all of it; two: half each);
- ``markov``: the removal effect of each key in a first-order Markov chain of all paths,
  converting and not (start → touchpoints → conversion or null): how much the chance of
  converting falls when the key is taken out, shares of the conversions in proportion;
- ``shapley``: the Shapley value of the game whose worth of a set of keys S is the sum of the
  conversion rates of the paths whose keys are a subset of S (rates over converting and
  non-converting paths with exactly those keys), scaled to the conversions. That worth is a sum
  of unanimity games, so the value has a closed form (each key set's rate split evenly among
  its keys): exact for any number of keys, with no sampling error.

A conversion with no touchpoint in its lookback is credited to ``(direct)``; a touchpoint
without the attribute looked at (no channel, no campaign) to ``(none)``.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from custgraph.graph import Rows, Store
from custgraph.queries import get as named_query

from custgraph.errors import QueryParameterError

__all__ = ["BY", "MODELS", "Attribution", "AttributionPath", "attribute", "attribution_of", "check_attribution",
           "credits"]

MODELS = ("first_touch", "last_touch", "linear", "time_decay", "position_based", "markov", "shapley")
BY = ("channel", "type", "campaign")
DIRECT, NONE = "(direct)", "(none)"
_START, _CONVERSION, _NULL = 0, 1, 2  # Markov states before the keys'


@dataclass(frozen=True)
class AttributionPath:
    """One path: its touchpoints as (key, when) in journey order, and whether (and when) it converted."""

    converted: bool
    at: dt.datetime
    touchpoints: tuple[tuple[str, dt.datetime], ...]


@dataclass(frozen=True)
class Attribution:
    conversions: int
    paths: int  # converting and not
    credits: dict[str, dict[str, float]]  # key → model → credit (conversions)


def attribute(store: Store, by: str = "channel", conversion: str = "purchase", sku: str | None = None,
              category: str | None = None, lookback_days: int = 30, half_life_days: float = 7.0) -> Attribution:
    """Every model's credit per ``by`` (channel, type or campaign) for the conversions chosen."""
    check_attribution(by, lookback_days, half_life_days)
    rows = store.run(named_query("conversion_paths"), {"conversion": conversion, "sku": sku, "category": category,
                                                       "lookback_days": lookback_days})
    return attribution_of(rows, by, half_life_days)


def check_attribution(by: str, lookback_days: int, half_life_days: float) -> None:
    if by not in BY:
        raise QueryParameterError(f"attribution by {by!r}: choose one of {', '.join(BY)}")
    if not 1 <= lookback_days <= 3660:
        raise QueryParameterError("lookback_days must be between 1 and 3660")
    if half_life_days <= 0:
        raise QueryParameterError("half_life_days must be more than 0")


def attribution_of(rows: Rows, by: str, half_life_days: float = 7.0) -> Attribution:
    """``attribute`` over rows of ``conversion_paths`` already read (the API reads them asynchronously)."""
    paths = [AttributionPath(bool(row["converted"]), row["at"],
                             tuple((str(step[by]) if step[by] is not None else NONE, step["at"])
                                   for step in row["touchpoints"]))
             for row in rows]
    by_model = {model: credits(paths, model, half_life_days) for model in MODELS}
    keys = sorted({key for found in by_model.values() for key in found})
    return Attribution(sum(path.converted for path in paths), len(paths),
                       {key: {model: by_model[model].get(key, 0.0) for model in MODELS} for key in keys})


def credits(paths: Sequence[AttributionPath], model: str, half_life_days: float = 7.0) -> dict[str, float]:
    """Key → the conversions ``model`` credits it with (they sum to the converting paths)."""
    if model == "markov":
        return _markov(paths)
    if model == "shapley":
        return _shapley(paths)
    if model not in MODELS:
        raise QueryParameterError(f"attribution model {model!r}: choose one of {', '.join(MODELS)}")
    found: defaultdict[str, float] = defaultdict(float)
    for path in paths:
        if not path.converted:
            continue
        if not path.touchpoints:
            found[DIRECT] += 1.0
            continue
        for (key, _), share in zip(path.touchpoints, _shares(path, model, half_life_days), strict=True):
            found[key] += share
    return dict(found)


def _shares(path: AttributionPath, model: str, half_life_days: float) -> list[float]:
    n = len(path.touchpoints)
    if model == "first_touch":
        return [1.0] + [0.0] * (n - 1)
    if model == "last_touch":
        return [0.0] * (n - 1) + [1.0]
    if model == "linear":
        return [1.0 / n] * n
    if model == "time_decay":
        weights = [0.5 ** ((path.at - at).total_seconds() / 86_400 / half_life_days) for _, at in path.touchpoints]
        return [weight / sum(weights) for weight in weights]
    if n <= 2:  # position_based
        return [1.0 / n] * n
    return [0.4] + [0.2 / (n - 2)] * (n - 2) + [0.4]


def _scaled(weights: dict[str, float], conversions: int) -> dict[str, float]:
    total = sum(weights.values())
    return {key: conversions * weight / total for key, weight in weights.items()} if total > 0 else {}


def _markov(paths: Sequence[AttributionPath]) -> dict[str, float]:
    """Removal effects in the first-order chain of every path, scaled to the conversions."""
    keys = sorted({key for path in paths for key, _ in path.touchpoints} | (
        {DIRECT} if any(path.converted and not path.touchpoints for path in paths) else set()))
    state = {key: index + 3 for index, key in enumerate(keys)}
    moves: Counter[tuple[int, int]] = Counter()
    for path in paths:
        steps = [state[key] for key, _ in path.touchpoints] or ([state[DIRECT]] if path.converted else [])
        chain = [_START, *steps, _CONVERSION if path.converted else _NULL]
        moves.update(itertools.pairwise(chain))
    conversions = sum(path.converted for path in paths)
    base = _conversion_chance(moves, len(keys) + 3, removed=None)
    if base <= 0:
        return {}
    effects = {key: 1.0 - _conversion_chance(moves, len(keys) + 3, removed=state[key]) / base for key in keys}
    return _scaled(effects, conversions)


def _conversion_chance(moves: Counter[tuple[int, int]], states: int, removed: int | None) -> float:
    """The chance of reaching the conversion from the start, a removed state leading to null."""
    out: dict[int, Counter[int]] = {}
    for (a, b), n in moves.items():
        out.setdefault(a, Counter())[_NULL if b == removed else b] += n
    chance = [0.0] * states
    chance[_CONVERSION] = 1.0
    # Absorption probabilities by value iteration: exact to 1e-12 (a chain with loops converges
    # geometrically; a path of k touchpoints settles in k rounds).
    for _ in range(10_000):
        delta = 0.0
        for a, targets in out.items():
            if a == removed:
                continue
            total = sum(targets.values())
            value = sum(n * chance[b] for b, n in targets.items()) / total
            delta = max(delta, abs(value - chance[a]))
            chance[a] = value
        if delta < 1e-12:
            break
    return chance[_START]


def _shapley(paths: Sequence[AttributionPath]) -> dict[str, float]:
    """Each key set's conversion rate split evenly among its keys, scaled to the conversions."""
    seen: Counter[frozenset[str]] = Counter()
    converted: Counter[frozenset[str]] = Counter()
    for path in paths:
        keys = frozenset(key for key, _ in path.touchpoints) or (frozenset({DIRECT}) if path.converted else None)
        if keys is None:
            continue
        seen[keys] += 1
        converted[keys] += path.converted
    values: defaultdict[str, float] = defaultdict(float)
    for keys, n in seen.items():
        for key in keys:
            values[key] += converted[keys] / n / len(keys)
    return _scaled(dict(values), sum(path.converted for path in paths))
