"""Root causes of low scores: a planted cause is found at the top, data without one shows none,
and the statistics agree with hand-worked numbers."""

from __future__ import annotations

import datetime as dt
import math
import random
from fractions import Fraction
from pathlib import Path

import pytest

from custgraph.errors import QueryParameterError
from custgraph.graph import Store
from custgraph.loaders import load_sources
from custgraph.services import Journeys, ResolveConfig, read_journeys, resolve
from custgraph.services.root_causes import benjamini_hochberg, dropoff_causes, over_representation, score_causes

REPS = ("R-1", "R-2", "R-3", "R-4", "R-5")
BAD_REP = "R-3"


START = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)


def _folder(root: Path, name: str, customers: int, files: dict[str, list[str]]) -> Path:
    """A source folder: ``customers`` persons P0000... and the other files' lines."""
    folder = root / name
    folder.mkdir(parents=True)
    people = ["source_id,name,email", *(f"P{n:04d},Person {n},person{n}@example.org" for n in range(customers))]
    for file_name, lines in {"customers.csv": people, **files}.items():
        (folder / file_name).write_text("\n".join(lines) + "\n")
    return folder


def _source(root: Path, planted: bool, customers: int = 300, seed: int = 7) -> Path:
    """Customers each with a web visit, then a support ticket handled by one of five reps, then an
    NPS answer; with ``planted``, answers after R-3's tickets are detractors' far more often."""
    rng = random.Random(seed)
    touches = ["interaction_id,customer_id,type,at,channel_id,rep_id,score,score_kind,sentiment"]
    for n in range(customers):
        person, day = f"P{n:04d}", START + dt.timedelta(days=rng.uniform(0, 120))
        rep = rng.choice(REPS)
        low_share = 0.75 if planted and rep == BAD_REP else 0.3
        score = rng.randint(0, 6) if rng.random() < low_share else rng.randint(7, 10)
        sentiment = round(rng.uniform(-0.8, 0.8), 2)
        touches += [f"V{n},{person},web_visit,{day.isoformat()},web,,,,",
                    f"T{n},{person},support_ticket,{(day + dt.timedelta(days=1)).isoformat()},phone,{rep},,,"
                    f"{sentiment}",
                    f"S{n},{person},survey_response,{(day + dt.timedelta(days=3)).isoformat()},email,,{score},nps,"]
    return _folder(root, "helpdesk", customers, {
        "reps.csv": ["rep_id,name,team", *(f"{r},Rep {r},support" for r in REPS)],
        "channels.csv": ["channel_id,name,kind", "web,Web,web", "phone,Phone,phone", "email,Mail,email"],
        "interactions.csv": touches})


def _loaded(store: Store, root: Path, planted: bool) -> Store:
    report = load_sources(store, [_source(root, planted)], root / "rejects.jsonl")
    assert report.total("rejected") == 0
    resolve(store, ResolveConfig())
    return store


def _kept(store: Store) -> Journeys:
    journeys = read_journeys(store)
    assert journeys is not None and journeys.facts is not None
    return journeys


def test_a_rep_whose_tickets_precede_low_scores_is_found_at_the_top(store: Store, tmp_path: Path) -> None:
    found = score_causes(_loaded(store, tmp_path, planted=True))
    # Counted from the journeys kept at the resolve, the same causes, with the same example paths.
    assert score_causes(store, kept=_kept(store)) == found
    assert found.cases == 300 and found.tested >= len(REPS)
    top = found.causes[0]
    assert (top.kind, top.value) == ("rep", BAD_REP)
    assert top.lift > 1.5 and top.q_value < 0.001 and top.low >= 30
    example = top.examples[0]
    assert example.score <= 6 and any(step["rep"] == BAD_REP for step in example.path)
    assert all(cause.value != rep for cause in found.causes for rep in REPS if rep != BAD_REP)


def test_data_without_a_cause_shows_nothing_significant(store: Store, tmp_path: Path) -> None:
    found = score_causes(_loaded(store, tmp_path, planted=False))
    assert found.cases == 300 and found.tested >= len(REPS)
    assert found.causes == ()
    with pytest.raises(QueryParameterError):
        score_causes(store, kind="ces")


def _shop(root: Path, planted: bool, customers: int = 300, seed: int = 11) -> Path:
    """Customers who visit, put something in the cart on the web or the app, and buy or not; with
    ``planted``, carts filled in the app are bought far less often."""
    rng = random.Random(seed)
    touches = ["interaction_id,customer_id,type,at,channel_id"]
    for n in range(customers):
        person, day = f"P{n:04d}", START + dt.timedelta(days=rng.uniform(0, 120))
        channel = rng.choice(("web", "app"))
        touches += [f"V{n},{person},web_visit,{day.isoformat()},{channel}",
                    f"C{n},{person},add_to_cart,{(day + dt.timedelta(hours=1)).isoformat()},{channel}"]
        if rng.random() < (0.2 if planted and channel == "app" else 0.55):
            touches.append(f"B{n},{person},purchase,{(day + dt.timedelta(hours=2)).isoformat()},{channel}")
    return _folder(root, "shop", customers, {"channels.csv": ["channel_id,name,kind", "web,Web,web", "app,App,app"],
                                              "interactions.csv": touches})


@pytest.mark.parametrize("planted", [True, False])
def test_a_channel_whose_carts_are_left_is_found_at_its_funnel_step(store: Store, tmp_path: Path,
                                                                     planted: bool) -> None:
    report = load_sources(store, [_shop(tmp_path, planted)], tmp_path / "rejects.jsonl")
    assert report.total("rejected") == 0
    resolve(store, ResolveConfig())
    steps = ["web_visit", "add_to_cart", "purchase"]
    found = dropoff_causes(store, steps, step=2)
    assert dropoff_causes(store, steps, step=2, kept=_kept(store)) == found
    assert found.kind == "drop-off after add_to_cart" and found.cases == 300
    if planted:
        top = found.causes[0]
        assert (top.kind, top.value) == ("channel", "app") and top.q_value < 0.001
        assert all(example.path[-1]["type"] == "add_to_cart" for example in top.examples)
    else:
        assert found.causes == ()
    assert dropoff_causes(store, steps, step=1).low == 0  # everyone who visited put something in the cart
    with pytest.raises(QueryParameterError):
        dropoff_causes(store, steps, step=3)


def test_the_tail_and_the_correction_match_hand_worked_numbers() -> None:
    # 10 answers, 4 low; a rep with 3 cases, all low: C(4,3) C(6,0) / C(10,3) = 4/120.
    assert math.isclose(over_representation(10, 4, 3, 3), 4 / 120)
    # At least 2 of those 3 low: (C(4,2) C(6,1) + 4) / 120 = 40/120.
    assert math.isclose(over_representation(10, 4, 3, 2), 40 / 120)
    assert over_representation(10, 4, 3, 0) == pytest.approx(1.0)
    # Exact tails in fractions, on a bigger table, against the log-space sum.
    total, low, cases = 200, 60, 40
    for k in (12, 18, 25):
        exact = sum(Fraction(math.comb(low, j) * math.comb(total - low, cases - j), math.comb(total, cases))
                    for j in range(k, min(low, cases) + 1))
        assert math.isclose(over_representation(total, low, cases, k), float(exact), rel_tol=1e-9)
    # Benjamini-Hochberg, worked: p sorted 0.01 0.02 0.03 0.5 over m = 4 → 0.04 0.04 0.04 0.5.
    assert benjamini_hochberg([0.03, 0.5, 0.01, 0.02]) == pytest.approx([0.04, 0.5, 0.04, 0.04])
