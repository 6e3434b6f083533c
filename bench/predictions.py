"""Propensity and churn models against the churn formula and boosted trees, on one time split.

    python bench/predictions.py [--customers 20000] [--record]

Generates persons (seed 42), loads and resolves them on the embedded store: the resolve trains
and checks the models as it always does (services/predictions.py) and the report it keeps is
what this prints: per model AUC, Brier score and calibration by decile on the later 90 days of
the split, and for churn the ``churn_risk`` formula on the same customers. On the same split it
also fits scikit-learn's HistGradientBoostingClassifier, the boosted trees the models could have
been, to show why they are logistic regressions. Reports the predictions' share of the resolve.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from provenance import heading
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import brier_score_loss, roc_auc_score

from custgraph import queries
from custgraph.graph.embedded import EmbeddedStore
from custgraph.loaders import load_sources
from custgraph.samples.generate import SOURCES, generate
from custgraph.services import PredictionReport, ResolveConfig, read_predictions, resolve
from custgraph.services.predictions import Histories, ModelReport, catalogue_of, pairs, time_split

RESULTS = Path(__file__).with_name("RESULTS.md")


def _ece(calibration: Sequence[dict[str, float]]) -> float:
    """Expected calibration error over the deciles: how far the mean prediction is from what happened."""
    total = sum(b["customers"] for b in calibration) or 1
    return sum(b["customers"] * abs(b["predicted"] - b["observed"]) for b in calibration) / total


def _model_line(name: str, model: ModelReport) -> str:
    v = model.validation
    if v is None:
        return f"  - {name}: {model.used} ({model.why})"
    line = (f"  - {name} ({model.target}): used **{model.used}**; {v.customers:,} checked, {v.positives:,} did it; "
            f"AUC **{v.auc}**, Brier {v.brier}, calibration error {_ece(v.calibration):.3f}")
    if v.baseline:
        line += (f"; {v.baseline} on the same customers: AUC **{v.baseline_auc}**, Brier {v.baseline_brier}, "
                 f"calibration error {_ece(v.baseline_calibration):.3f}")
    strongest = sorted(model.weights.items(), key=lambda item: -abs(item[1]))[:4]
    if strongest:
        line += "; strongest weights " + ", ".join(f"{feature} {weight:+.2f}" for feature, weight in strongest)
    return line


def _trees(store: EmbeddedStore, histories: Histories, newest: int) -> list[str]:
    """Boosted trees on the same split: what logistic regression was chosen over."""
    split = time_split(histories, catalogue_of(store, histories), newest)
    found = []
    for name, (x0, y0), (x1, y1) in (
            ("propensity", (split.earlier.rows, split.earlier.bought), (split.later.rows, split.later.bought)),
            ("category", pairs(split.earlier), pairs(split.later)),
            ("churn", split.churn(split.earlier)[:2], split.churn(split.later)[:2])):
        trees = HistGradientBoostingClassifier(max_iter=200, learning_rate=0.05, random_state=7).fit(x0, y0)
        p = trees.predict_proba(x1)[:, 1]
        found.append(f"  - {name}, boosted trees on the same split: AUC {roc_auc_score(y1, p):.4f}, "
                     f"Brier {brier_score_loss(y1, p):.4f}")
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=20000, help="persons to generate")
    parser.add_argument("--record", action="store_true", help="append the result to bench/RESULTS.md")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="custgraph-predictions-"))
    generate(work / "data", args.customers, seed=42)
    store = EmbeddedStore(work / "store")
    store.init()
    with store:
        load_sources(store, [work / "data" / source for source in SOURCES], work / "rejects.jsonl")
        started = time.perf_counter()
        report = resolve(store, ResolveConfig())
        whole = time.perf_counter() - started
        kept: PredictionReport | None = read_predictions(store)
        assert kept is not None
        histories = Histories()
        for row in store.run(queries.get("journey_sequences"), {"customers": None}):
            histories.add(row)
        newest = histories.newest
        assert newest is not None
        lines = [f"- embedded, {args.customers:,} persons, {kept.scored:,} customers scored as of {kept.as_of}; "
                 f"resolve {whole:.1f} s, of which predictions {report.seconds['predictions']:.1f} s"]
        lines += [_model_line(name, model) for name, model in kept.models.items()]
        lines += _trees(store, histories, min(newest, _micros_now()))
    print("\n".join(lines))
    if args.record:
        with open(RESULTS, "a", encoding="utf-8") as results:
            results.write(heading("Predictions") + "seed 42; `python bench/predictions.py --record`; each model "
                          "trained on the customers 180 days before the newest touchpoint and what they did in the "
                          "90 days after, checked on those 90 days before the newest; calibration error: the "
                          "deciles' mean |predicted - observed|, weighted; target: the churn model beats the "
                          "churn_risk formula on AUC, or the formula stays.\n\n" + "\n".join(lines) + "\n")
    shutil.rmtree(work, ignore_errors=True)
    return 0


def _micros_now() -> int:
    return int(time.time()) * 1_000_000


if __name__ == "__main__":
    sys.exit(main())
