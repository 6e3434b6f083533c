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
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass

from custgraph.errors import QueryParameterError
from custgraph.graph import Rows, Store
from custgraph.queries import get as named_query

from .summaries import Journeys, value_code

__all__ = ["BY", "MODELS", "Attribution", "AttributionPath", "attribute", "attribution_kept", "attribution_of",
           "check_attribution", "credits"]

MODELS = ("first_touch", "last_touch", "linear", "time_decay", "position_based", "markov", "shapley")
BY = ("channel", "type", "campaign")
DIRECT, NONE = "(direct)", "(none)"
EVERY_PRODUCT = 10_000_000  # product_popularity's limit when a category's products are looked up
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
              category: str | None = None, lookback_days: int = 30, half_life_days: float = 7.0,
              kept: Journeys | None = None) -> Attribution:
    """Every model's credit per ``by`` (channel, type or campaign) for the conversions chosen.
    ``kept``: the journeys kept at the last resolve, counted from instead of reading the graph (a
    category's products are read from the catalogue: a few milliseconds)."""
    check_attribution(by, lookback_days, half_life_days)
    if kept is not None and kept.facts is not None:
        wanted = [{sku}] if sku is not None else []
        if category is not None:
            products = store.run(named_query("product_popularity"), {"limit": EVERY_PRODUCT})
            wanted.append({str(row["sku"]) for row in products if row["category"] == category})
        about = [{value_code(n) for n, value in enumerate(kept.facts.values) if value in skus} for skus in wanted]
        return attribution_kept(kept, by, conversion, about or None, lookback_days, half_life_days)
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
    decay = _time_decay(((path.at, path.touchpoints) for path in paths if path.converted), half_life_days)
    return _attribution(_groups(paths), decay)


def attribution_kept(journeys: Journeys, by: str, conversion: str = "purchase",
                     about: Sequence[Collection[str]] | None = None, lookback_days: int = 30,
                     half_life_days: float = 7.0) -> Attribution:
    """``attribute`` over the journeys kept at the last resolve (``services.summaries``), with no read
    of the graph: what makes it answer in well under a second at 100,000 persons. ``about``: sets
    of product codes (``JourneyFacts``); a conversion must be about one of each set, or None."""
    check_attribution(by, lookback_days, half_life_days)
    facts = journeys.facts
    assert facts is not None
    column = journeys.codes if by == "type" else facts.channels if by == "channel" else facts.campaigns
    name = journeys.type_name if by == "type" else (lambda code: facts.value(code) or NONE)
    coded: Counter[tuple[str, bool]] = Counter()
    scale = half_life_days * 86_400_000_000
    decay: defaultdict[str, float] = defaultdict(float)
    flat, starts = journeys.moments
    for customer, converted, first, end in journeys.conversion_paths(conversion, lookback_days, about):
        keys = column[customer][first:end]
        coded[(keys, converted)] += 1
        if converted and keys:
            base = starts[customer]
            at = flat[base + end]
            weights = [0.5 ** ((at - flat[base + n]) / scale) for n in range(first, end)]
            total = sum(weights)
            for key, weight in zip(keys, weights, strict=True):
                decay[key] += weight / total
    names = {code: name(code) for code in {code for keys, _ in coded for code in keys}}
    groups: Counter[Group] = Counter()
    for (keys, converted), n in coded.items():
        groups[(tuple(names[code] for code in keys), converted)] += n
    found: defaultdict[str, float] = defaultdict(float)
    for code, credit in decay.items():
        found[names[code]] += credit
    direct = sum(n for (keys, converted), n in groups.items() if converted and not keys)
    if direct:
        found[DIRECT] += direct
    return _attribution(groups, dict(found))


Group = tuple[tuple[str, ...], bool]  # a path's keys in journey order, and whether it converted


def _groups(paths: Sequence[AttributionPath]) -> Counter[Group]:
    """How many paths have each sequence of keys, converting and not: all but the time decay
    depends on nothing else, and there are far fewer sequences than paths."""
    return Counter((tuple(key for key, _ in path.touchpoints), path.converted) for path in paths)


def _attribution(groups: Counter[Group], time_decay: dict[str, float]) -> Attribution:
    by_model = {model: time_decay if model == "time_decay" else _credits(groups, model) for model in MODELS}
    keys = sorted({key for found in by_model.values() for key in found})
    return Attribution(sum(n for (_, converted), n in groups.items() if converted), sum(groups.values()),
                       {key: {model: by_model[model].get(key, 0.0) for model in MODELS} for key in keys})


def credits(paths: Sequence[AttributionPath], model: str, half_life_days: float = 7.0) -> dict[str, float]:
    """Key → the conversions ``model`` credits it with (they sum to the converting paths)."""
    if model == "time_decay":
        return _time_decay(((path.at, path.touchpoints) for path in paths if path.converted), half_life_days)
    if model not in MODELS:
        raise QueryParameterError(f"attribution model {model!r}: choose one of {', '.join(MODELS)}")
    return _credits(_groups(paths), model)


def _credits(groups: Counter[Group], model: str) -> dict[str, float]:
    if model == "markov":
        return _markov(groups)
    if model == "shapley":
        return _shapley(groups)
    found: defaultdict[str, float] = defaultdict(float)
    for (keys, converted), n in groups.items():
        if not converted:
            continue
        if not keys:
            found[DIRECT] += n
            continue
        for key, share in zip(keys, _shares(len(keys), model), strict=True):
            found[key] += share * n
    return dict(found)


def _time_decay(paths: Iterable[tuple[dt.datetime, tuple[tuple[str, dt.datetime], ...]]],
                half_life_days: float) -> dict[str, float]:
    """A touchpoint ``d`` days before its conversion weighs ``0.5 ** (d / half_life_days)``; each
    conversion is shared in proportion (a conversion without touchpoints goes to ``(direct)``)."""
    found: defaultdict[str, float] = defaultdict(float)
    for at, touchpoints in paths:
        if not touchpoints:
            found[DIRECT] += 1.0
            continue
        weights = [0.5 ** ((at - when).total_seconds() / 86_400 / half_life_days) for _, when in touchpoints]
        total = sum(weights)
        for (key, _), weight in zip(touchpoints, weights, strict=True):
            found[key] += weight / total
    return dict(found)


def _shares(n: int, model: str) -> list[float]:
    if model == "first_touch":
        return [1.0] + [0.0] * (n - 1)
    if model == "last_touch":
        return [0.0] * (n - 1) + [1.0]
    if model == "linear":
        return [1.0 / n] * n
    if n <= 2:  # position_based
        return [1.0 / n] * n
    return [0.4] + [0.2 / (n - 2)] * (n - 2) + [0.4]


def _scaled(weights: dict[str, float], conversions: int) -> dict[str, float]:
    total = sum(weights.values())
    return {key: conversions * weight / total for key, weight in weights.items()} if total > 0 else {}


def _markov(groups: Counter[Group]) -> dict[str, float]:
    """Removal effects in the first-order chain of every path, scaled to the conversions."""
    keys = sorted({key for keys, _ in groups for key in keys} | (
        {DIRECT} if any(converted and not keys for keys, converted in groups) else set()))
    state = {key: index + 3 for index, key in enumerate(keys)}
    moves: Counter[tuple[int, int]] = Counter()
    for (path, converted), n in groups.items():
        steps = [state[key] for key in path] or ([state[DIRECT]] if converted else [])
        chain = [_START, *steps, _CONVERSION if converted else _NULL]
        for move in itertools.pairwise(chain):
            moves[move] += n
    conversions = sum(n for (_, converted), n in groups.items() if converted)
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


def _shapley(groups: Counter[Group]) -> dict[str, float]:
    """Each key set's conversion rate split evenly among its keys, scaled to the conversions."""
    seen: Counter[frozenset[str]] = Counter()
    converted: Counter[frozenset[str]] = Counter()
    for (path, converts), n in groups.items():
        keys = frozenset(path) or (frozenset({DIRECT}) if converts else None)
        if keys is None:
            continue
        seen[keys] += n
        converted[keys] += n * converts
    values: defaultdict[str, float] = defaultdict(float)
    for keys, n in seen.items():
        for key in keys:
            values[key] += converted[keys] / n / len(keys)
    return _scaled(dict(values), sum(n for (_, converts), n in groups.items() if converts))
