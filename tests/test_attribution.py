"""Multi-touch attribution: hand-worked cases for every model, Markov and Shapley against
independent computations (a linear solve, every coalition), and the store's paths on both backends."""

from __future__ import annotations

import datetime as dt
import itertools
import math
import tempfile
from fractions import Fraction
from pathlib import Path

import pytest

from custgraph import queries
from custgraph.errors import QueryParameterError
from custgraph.graph import Store
from custgraph.loaders import load_sources
from custgraph.samples.generate import SOURCES, generate
from custgraph.services import KeptJourneys, ResolveConfig, resolve, settle_events, take_events
from custgraph.services.attribution import DIRECT, MODELS, AttributionPath, attribute, credits

T0 = dt.datetime(2026, 5, 1, tzinfo=dt.UTC)


def _path(keys: str, converted: bool = True, days_before: list[float] | None = None) -> AttributionPath:
    """A path of one-letter keys; touchpoints a day apart unless ``days_before`` says otherwise."""
    gaps = days_before or [float(len(keys) - i) for i in range(len(keys))]
    return AttributionPath(converted, T0, tuple((key, T0 - dt.timedelta(days=gap))
                                                for key, gap in zip(keys, gaps, strict=True)))


def _close(found: dict[str, float], expected: dict[str, float]) -> None:
    keys = set(found) | set(expected)
    assert all(math.isclose(found.get(k, 0.0), expected.get(k, 0.0), abs_tol=1e-9) for k in keys), found


def test_the_rule_based_models_share_each_conversion_as_worked_out_by_hand() -> None:
    paths = [_path("ABC"), _path("AB", converted=False), _path("C"), _path("", converted=True)]
    _close(credits(paths, "first_touch"), {"A": 1, "C": 1, DIRECT: 1})
    _close(credits(paths, "last_touch"), {"C": 2, DIRECT: 1})
    _close(credits(paths, "linear"), {"A": 1 / 3, "B": 1 / 3, "C": 4 / 3, DIRECT: 1})
    _close(credits(paths, "position_based"), {"A": 0.4, "B": 0.2, "C": 1.4, DIRECT: 1})
    _close(credits([_path("AB")], "position_based"), {"A": 0.5, "B": 0.5})
    # Half-life 7 days: a touchpoint 14 days back weighs a quarter of one on the day.
    decay = credits([_path("AB", days_before=[14, 0])], "time_decay", half_life_days=7)
    _close(decay, {"A": 0.25 / 1.25, "B": 1 / 1.25})


def test_every_model_sums_to_the_conversions_and_treats_symmetric_channels_alike() -> None:
    paths = [_path("AB"), _path("BA"), _path("A", converted=False), _path("B", converted=False), _path("C"),
             _path("CA", converted=False), _path("CB", converted=False)]
    for model in MODELS:
        found = credits(paths, model)
        assert math.isclose(sum(found.values()), 3.0), model
        assert math.isclose(found["A"], found["B"]), (model, found)


def _solve(a: list[list[Fraction]], b: list[Fraction]) -> list[Fraction]:
    """x with a x = b, by Gauss-Jordan elimination in exact fractions."""
    n = len(b)
    rows = [[*row, value] for row, value in zip(a, b, strict=True)]
    for col in range(n):
        pivot = next(r for r in range(col, n) if rows[r][col] != 0)
        rows[col], rows[pivot] = rows[pivot], rows[col]
        rows[col] = [v / rows[col][col] for v in rows[col]]
        for r in range(n):
            if r != col and rows[r][col] != 0:
                factor = rows[r][col]
                rows[r] = [v - factor * w for v, w in zip(rows[r], rows[col], strict=True)]
    return [row[-1] for row in rows]


def _markov_by_linear_solve(paths: list[AttributionPath]) -> dict[str, float]:
    """Removal effects from the absorbing chain solved exactly: (I - Q) x = R."""
    keys = sorted({key for path in paths for key, _ in path.touchpoints})
    names = ["start", *keys]
    moves: dict[tuple[str, str], int] = {}
    for path in paths:
        chain = ["start", *(key for key, _ in path.touchpoints), "conversion" if path.converted else "null"]
        for a, b in itertools.pairwise(chain):
            moves[(a, b)] = moves.get((a, b), 0) + 1

    def chance(removed: str | None) -> Fraction:
        live = [name for name in names if name != removed]
        out = {a: sum(n for (x, _), n in moves.items() if x == a) for a in live}
        q = [[Fraction(1 if a == b else 0) - (Fraction(moves.get((a, b), 0), out[a]) if out[a] else 0)
              for b in live] for a in live]
        r = [Fraction(moves.get((a, "conversion"), 0), out[a]) if out[a] else Fraction(0) for a in live]
        return _solve(q, r)[0]

    base = chance(None)
    effects = {key: float(1 - chance(key) / base) for key in keys}
    conversions = sum(path.converted for path in paths)
    return {key: conversions * e / sum(effects.values()) for key, e in effects.items()}


def _shapley_by_every_coalition(paths: list[AttributionPath]) -> dict[str, float]:
    """The Shapley formula over every coalition, worth(S) = the summed conversion rates of the key
    sets inside S."""
    sets: dict[frozenset[str], list[int]] = {}
    for path in paths:
        seen = sets.setdefault(frozenset(key for key, _ in path.touchpoints), [0, 0])
        seen[0] += 1
        seen[1] += path.converted
    players = sorted({key for keys in sets for key in keys})
    n = len(players)

    def worth(coalition: frozenset[str]) -> float:
        return sum(c / m for keys, (m, c) in sets.items() if keys and keys <= coalition)

    values = {}
    for player in players:
        others = [p for p in players if p != player]
        values[player] = sum(
            math.factorial(size) * math.factorial(n - size - 1) / math.factorial(n)
            * (worth(frozenset(s) | {player}) - worth(frozenset(s)))
            for size in range(n) for s in itertools.combinations(others, size))
    conversions = sum(path.converted for path in paths)
    return {key: conversions * v / sum(values.values()) for key, v in values.items()}


def test_markov_and_shapley_agree_with_independent_computations() -> None:
    patterns = ["ABC", "AC", "B", "CAB", "DA", "ABD", "BD", "E", "AE", "CC", "DB"]
    paths = [_path(keys, converted=(i * 7) % 3 != 0) for i, keys in enumerate(patterns * 3)]
    paths += [_path("AB", converted=False), _path("D", converted=False)]
    _close(credits(paths, "markov"), _markov_by_linear_solve(paths))
    _close(credits(paths, "shapley"), _shapley_by_every_coalition(paths))
    # By hand: from the start, A 2/3 then B 1/2; B 1/3, and B always converts: P = 2/3. Without A,
    # P = 1/3 (removal effect 1/2); without B, 0 (effect 1). The 2 conversions split 1:2.
    _close(credits([_path("AB"), _path("B"), _path("A", converted=False)], "markov"), {"A": 2 / 3, "B": 4 / 3})


@pytest.fixture
def loaded(store: Store) -> Store:
    root = Path(tempfile.mkdtemp())
    generate(root, customers=150, seed=4)
    load_sources(store, [root / source for source in SOURCES], root / "rejects.jsonl")
    resolve(store, ResolveConfig())
    return store


def test_the_stores_paths_give_credits_that_sum_to_their_conversions(loaded: Store) -> None:
    everything = attribute(loaded)
    rows = loaded.run(queries.get("conversion_paths"), {"lookback_days": 100_000})
    assert everything.conversions == sum(row["converted"] for row in rows) > 0
    for model in MODELS:
        assert math.isclose(sum(c[model] for c in everything.credits.values()), everything.conversions), model
    assert set(everything.credits) >= {"web", "app"}
    # A shorter lookback keeps fewer touchpoints, never fewer conversions.
    short = loaded.run(queries.get("conversion_paths"), {"lookback_days": 1})
    assert sum(row["converted"] for row in short) == everything.conversions
    assert sum(len(row["touchpoints"]) for row in short) < sum(len(row["touchpoints"]) for row in rows)
    for row in short:
        assert all(row["at"] - step["at"] <= dt.timedelta(days=1) for step in row["touchpoints"])
    # One product's conversions are some of them.
    sku = next(row["sku"] for row in loaded.run(queries.get("product_popularity"), {"limit": 1}))
    one = attribute(loaded, sku=sku, by="type")
    assert 0 < one.conversions < everything.conversions
    with pytest.raises(QueryParameterError):
        attribute(loaded, by="colour")


def test_campaigns_come_from_loaded_files_and_from_events(store: Store, tmp_path: Path) -> None:
    """The example's web visit and purchase belong to ``autumn-tea``; an event names its campaign
    as Segment does (``context.campaign.name``), a later one in ``properties``."""
    example = Path(__file__).resolve().parents[1] / "examples" / "shop"
    load_sources(store, [example], tmp_path / "rejects.jsonl")
    resolve(store, ResolveConfig())
    events = [
        {"type": "page", "messageId": "m-1", "userId": "C-1002", "timestamp": "2026-10-07T09:00:00Z",
         "context": {"source": "shop", "campaign": {"name": "winter-pots"}}, "properties": {"channel": "web"}},
        {"type": "track", "event": "purchase", "messageId": "m-2", "userId": "C-1002",
         "timestamp": "2026-10-07T09:05:00Z", "context": {"source": "shop"},
         "properties": {"channel": "web", "sku": "POT-010", "amount": 48, "campaign": "winter-pots"}},
    ]
    taken = take_events(store, events, "shop")
    assert [outcome.status for outcome in taken.outcomes] == ["accepted", "accepted"]
    settle_events(store, ResolveConfig(), taken.records, taken.performers)
    found = attribute(store, by="campaign")
    assert found.conversions == 3
    # C-1001's purchase: one autumn-tea visit before it; C-1002's store purchase: no touchpoint
    # (the surveys come after C-1001's purchase and before C-1002's: no campaign); the event's
    # purchase: its winter-pots page view.
    assert found.credits["autumn-tea"]["last_touch"] == 1.0
    assert found.credits["winter-pots"]["last_touch"] == 1.0
    # Counted from the kept journeys with what the events settled, before any resolve: the same.
    kept = KeptJourneys().current(store)
    assert kept is not None
    assert attribute(store, by="campaign", kept=kept) == found
