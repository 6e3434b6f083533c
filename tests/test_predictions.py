"""Propensity and churn models: trained and checked on a time split at every resolve, kept on
each customer with what moved them, and the churn formula kept where the model does not beat it."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import Any

import pytest

from custgraph import queries
from custgraph.graph import Store
from custgraph.graph.embedded import EmbeddedStore
from custgraph.loaders import load_sources
from custgraph.samples.generate import SOURCES, generate
from custgraph.services import ResolveConfig, read_predictions, resolve
from custgraph.services import predictions as predictions_module
from custgraph.services.predictions import CATEGORY_FEATURES, CUSTOMER_FIELDS, FEATURES, Histories

DAY = 86_400 * 1_000_000


def _generated(store: Store, persons: int = 500, seed: int = 5) -> list[str]:
    root = Path(tempfile.mkdtemp())
    generate(root, customers=persons, seed=seed)
    report = load_sources(store, [root / source for source in SOURCES], root / "rejects.jsonl")
    assert report.total("rejected") == 0
    resolve(store, ResolveConfig())
    return sorted({r["customer_id"] for r in store.run(queries.get("customer_identities")) if r["customer_id"]})


def _customer(store: Store, customer: str) -> dict[str, Any]:
    return dict(store.get_node("Customer", customer) or {})


def test_resolve_keeps_checked_predictions_on_every_customer(store: Store) -> None:
    customers = _generated(store)
    report = read_predictions(store)
    assert report is not None
    newest = store.run(queries.get("latest_touchpoint"))[0]["at"]
    assert report.as_of == newest.isoformat()
    propensity, category, churn = report.models["propensity"], report.models["category"], report.models["churn"]
    assert (propensity.used, category.used) == ("model", "model"), report
    for model in (propensity, category, churn):
        v = model.validation
        assert v is not None and v.auc is not None and v.brier is not None
        assert v.auc > 0.6, f"{model.target}: no better than chance on the later period ({v.auc})"
        assert sum(int(b["customers"]) for b in v.calibration) == v.customers
        assert all(0.0 <= b["predicted"] <= 1.0 and 0.0 <= b["observed"] <= 1.0 for b in v.calibration)
    assert churn.validation is not None and churn.validation.baseline_auc is not None
    assert churn.used == ("model" if churn.validation.auc > churn.validation.baseline_auc else "formula")
    categories = {row["category"] for row in store.run(queries.get("product_popularity"))}
    scored = 0
    for customer in customers:
        props = _customer(store, customer)
        if props.get("purchase_propensity") is None:
            continue
        scored += 1
        assert props["predictions_as_of"] == newest
        assert 0.0 <= props["purchase_propensity"] <= 1.0
        for prefix, names in (("propensity", FEATURES), ("category", CATEGORY_FEATURES), ("churn", FEATURES)):
            if props.get(f"{prefix}_features") is None:
                continue
            assert set(props[f"{prefix}_features"]) <= set(names) and len(props[f"{prefix}_features"]) == 3
            effects = [abs(e) for e in props[f"{prefix}_effects"]]
            assert effects == sorted(effects, reverse=True), props  # strongest first
        assert len(set(props["propensity_categories"])) == 3 and set(props["propensity_categories"]) <= categories
        assert props["propensity_category_scores"] == sorted(props["propensity_category_scores"], reverse=True)
        if churn.used == "formula":
            assert props.get("churn_probability") is None
    assert scored > 0.9 * len(customers)
    top = props["propensity_categories"][0]
    buyers = store.run(queries.get("likely_buyers"), {"category": top, "limit": 15})
    assert buyers and [b["probability"] for b in buyers] == sorted((b["probability"] for b in buyers), reverse=True)
    for buyer in buyers:
        kept = _customer(store, buyer["customer_id"])
        k = kept["propensity_categories"].index(top)
        assert buyer["probability"] == kept["propensity_category_scores"][k]


@pytest.mark.embedded
def test_the_formula_stays_where_the_model_does_not_beat_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Were the formula perfect on the later period, the churn model must not replace it."""
    real = predictions_module.churn_formula

    def perfect(store: Store, split: predictions_module.TimeSplit) -> list[float]:
        assert len(real(store, split)) == len(split.churn(split.later)[1])  # the formula runs on the same customers
        return [float(quiet) for quiet in split.churn(split.later)[1]]

    monkeypatch.setattr(predictions_module, "churn_formula", perfect)
    store = EmbeddedStore(tmp_path / "store")
    store.init()
    with store:
        customers = _generated(store)
        report = read_predictions(store)
        assert report is not None
        churn = report.models["churn"]
        assert churn.validation is not None and churn.validation.baseline_auc == 1.0
        assert churn.used == "formula" and "formula" in churn.why
        assert all(_customer(store, c).get("churn_probability") is None for c in customers)
        assert any(_customer(store, c).get("churn_risk") is not None for c in customers)  # the formula's, kept
        assert any(_customer(store, c).get("purchase_propensity") is not None for c in customers)


def test_too_little_history_keeps_no_prediction_and_says_why(store: Store, tmp_path: Path) -> None:
    folder = tmp_path / "crm"
    folder.mkdir()
    (folder / "customers.csv").write_text("source_id,name,email\na,Ann Abe,ann@example.com\nb,Ben Bo,ben@example.com\n")
    (folder / "products.csv").write_text("sku,name,category\nT-1,Tea,tea\n")
    (folder / "interactions.csv").write_text("interaction_id,customer_id,type,at,sku\n"
                                             "1,a,purchase,2026-01-05T10:00:00Z,T-1\n"
                                             "2,b,web_visit,2026-06-05T10:00:00Z,T-1\n")
    load_sources(store, [folder], tmp_path / "rejects.jsonl")
    resolve(store, ResolveConfig())
    report = read_predictions(store)
    assert report is not None and report.as_of == "2026-06-05T10:00:00+00:00"
    assert {name: m.used for name, m in report.models.items()} == {"propensity": "none", "category": "none",
                                                                   "churn": "none"}
    assert all("too little history" in m.why for m in report.models.values())
    for row in store.run(queries.get("customer_identities")):
        props = _customer(store, row["customer_id"])
        assert all(props.get(name) is None for name in CUSTOMER_FIELDS), props


def test_a_moment_sees_only_the_past_and_labels_the_next_90_days() -> None:
    start = int(dt.datetime(2026, 1, 1, tzinfo=dt.UTC).timestamp()) * 1_000_000
    histories = Histories()

    def row(customer: str, steps: list[tuple[int, str, list[str]]]) -> dict[str, Any]:
        return {"customer_id": customer, "micros": [start + day * DAY for day, _, _ in steps],
                "types": [kind for _, kind, _ in steps], "channels": ["shop-online"] * len(steps),
                "skus": [skus for _, _, skus in steps], "sentiments": [None] * len(steps),
                "scores": [None] * len(steps), "score_kinds": [None] * len(steps),
                "amounts": [10.0 if kind == "purchase" else None for _, kind, _ in steps]}

    histories.add(row("stays", [(0, "purchase", ["T-1"]), (100, "web_visit", ["B-1"]), (130, "purchase", ["B-1"])]))
    histories.add(row("leaves", [(10, "purchase", ["T-1"]), (220, "web_visit", [])]))  # after the 90 days
    histories.add(row("later", [(150, "purchase", ["T-1"])]))
    # The channel mix counts a channel by its kind, whatever its id.
    catalogue = predictions_module.Catalogue({"T-1": "tea", "B-1": "books"}, {"shop-online": "web"})
    moment = predictions_module._moment(histories, start + 120 * DAY, catalogue)
    assert moment.customers == ["leaves", "stays"]  # "later" had no touchpoint by then
    assert moment.bought == [False, True] and moment.quiet == [True, False]
    assert moment.bought_in == [set(), {"books"}]
    stays = dict(zip(FEATURES, moment.rows[1], strict=True))
    assert stays["purchases"] == 1 and stays["days_since_touch"] == 20 and stays["monetary_365"] == 10.0
    assert (stays["digital_share"], stays["store_share"], stays["channels"]) == (1.0, 0.0, 1)
    assert moment.touched[1] == {"tea": [1.0, 1.0, 0.0, 120.0], "books": [0.0, 0.0, 1.0, 20.0]}
