"""Predictions kept on each customer at resolve time, and the check behind each model."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import strawberry

from custgraph.services import PredictionReport, Validation

from ..rows import GoldenCustomer

__all__ = ["CategoryScore", "Effect", "Prediction", "PredictionModel", "PredictionModels"]


@strawberry.type(description="a feature's effect on a prediction: log-odds against the average customer")
class Effect:
    feature: str
    effect: float


@strawberry.type(description="a model's probability for this customer as of the newest touchpoint of the last "
                             "resolve, with the three features that moved it most (services/predictions.py)")
class Prediction:
    as_of: dt.datetime
    probability: float
    because: list[Effect]

    @staticmethod
    def of(golden: GoldenCustomer, score: str, prefix: str) -> Prediction | None:
        kept: Mapping[str, Any] = golden  # the score's fields are named by the caller
        if kept.get(score) is None:
            return None
        features, effects = kept.get(f"{prefix}_features") or [], kept.get(f"{prefix}_effects") or []
        return Prediction(as_of=kept["predictions_as_of"], probability=float(kept[score]),
                          because=[Effect(feature=f, effect=e) for f, e in zip(features, effects, strict=True)])


@strawberry.type(description="the probability of a purchase in a category in the next 90 days")
class CategoryScore:
    category: str
    probability: float

    @staticmethod
    def of(golden: GoldenCustomer) -> list[CategoryScore]:
        return [CategoryScore(category=c, probability=p) for c, p in
                zip(golden.get("propensity_categories") or [], golden.get("propensity_category_scores") or [],
                    strict=True)]


@strawberry.type
class CalibrationBin:
    predicted: float = strawberry.field(description="the mean prediction of a tenth of the customers")
    observed: float = strawberry.field(description="the share of them who did it")
    customers: int


@strawberry.type(description="one model and how it did on the later part of its time split")
class PredictionModel:
    name: str = strawberry.field(description="propensity, category or churn")
    target: str
    used: str = strawberry.field(description="model; formula (churn: the model did not beat churn_risk); none "
                                             "(too little history)")
    why: str
    customers: int | None = strawberry.field(description="customers (category: customer and category pairs) checked")
    positives: int | None
    auc: float | None
    brier: float | None
    calibration: list[CalibrationBin]
    baseline: str | None
    baseline_auc: float | None
    baseline_brier: float | None
    baseline_calibration: list[CalibrationBin]


@strawberry.type(description="the predictions' models as the last resolve trained and checked them")
class PredictionModels:
    as_of: dt.datetime | None
    horizon_days: int
    models: list[PredictionModel]

    @staticmethod
    def of(report: PredictionReport) -> PredictionModels:
        models = []
        for name, m in report.models.items():
            v = m.validation or Validation(0, 0, None, None, [])
            checked = m.validation is not None
            models.append(PredictionModel(
                name=name, target=m.target, used=m.used, why=m.why, customers=v.customers if checked else None,
                positives=v.positives if checked else None, auc=v.auc, brier=v.brier,
                calibration=_bins(v.calibration), baseline=v.baseline, baseline_auc=v.baseline_auc,
                baseline_brier=v.baseline_brier, baseline_calibration=_bins(v.baseline_calibration)))
        return PredictionModels(as_of=None if report.as_of is None else dt.datetime.fromisoformat(report.as_of),
                                horizon_days=report.horizon_days, models=models)


def _bins(rows: list[dict[str, float]]) -> list[CalibrationBin]:
    return [CalibrationBin(predicted=r["predicted"], observed=r["observed"], customers=int(r["customers"]))
            for r in rows]
