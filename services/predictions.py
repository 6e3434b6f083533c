"""Who will buy, what, and who will leave: models learned from the store's own history.

Why learned, and checked every time: ``churn_risk`` is a hand-set formula nobody validated, and
cross-sell says what to offer but not who is about to buy. At the end of every resolve this
trains three logistic regressions (scikit-learn) on the graph's features of each customer at
one moment and what they did in the 90 days after it:

- purchase propensity: will they buy anything in the next 90 days;
- category propensity: will they buy in this category (one model over customer and category);
- churn probability: will a customer active in the last 180 days have no touchpoint at all.

Each model is validated on a time split first (trained 180 days before the newest touchpoint,
checked on the 90 days before it), next to the churn formula on the same customers: AUC, Brier
score and calibration by decile. The churn model replaces the formula only where its AUC is
higher; otherwise the formula's risk stays the churn score and the model's is not kept. Then
each model is trained on the latest 90 days and scores every customer as of the newest
touchpoint. A customer keeps each score with its three strongest features (their effect on the
log-odds against the average customer: exact for a linear model), like the RFM segment, with
``predictions_as_of``; the report of the validation is the ``predictions`` Summary node.

Logistic regression, not boosted trees: on the same split the trees rank no better for churn
(AUC 0.747 against 0.770 at 20,000 generated persons, 0.756 against 0.756 at 100,000) and a
little better for categories (0.845 / 0.841 against 0.841 / 0.833; bench/RESULTS.md), while a
logistic regression's probabilities come calibrated from its loss and a feature's effect is
exact, not estimated.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from custgraph.graph import Store, one_writer
from custgraph.queries import get as named_query

__all__ = ["CATEGORY_FEATURES", "CUSTOMER_FIELDS", "FEATURES", "PREDICTIONS", "Catalogue", "Histories", "ModelReport",
           "PredictionReport", "TimeSplit", "Validation", "catalogue_of", "churn_formula", "pairs", "predict",
           "read_predictions", "time_split"]

PREDICTIONS = "predictions"  # the Summary node with the validation report
HORIZON_DAYS = 90  # what is predicted: the next 90 days
ACTIVE_DAYS = 180  # churn is asked of customers with a touchpoint in these days (the formula's two windows)
MIN_CLASS = 20  # a model needs this many customers of each outcome to train, and again to be checked
CATEGORY_PAIRS = 300_000  # (customer, category) pairs a category model trains on at most (a seeded sample)
KEPT_FEATURES = 3
KEPT_CATEGORIES = 3
_DAY = 86_400 * 1_000_000  # microseconds
_NEVER = 3650.0  # days since something that never happened
SIGNALS = ("web_visit", "add_to_cart", "support_ticket")  # interest in a product short of buying it

CUSTOMER_FIELDS = (
    "predictions_as_of", "purchase_propensity", "propensity_features", "propensity_effects",
    "propensity_categories", "propensity_category_scores", "category_features", "category_effects",
    "churn_probability", "churn_features", "churn_effects",
)

FEATURES = (
    "days_since_touch", "days_since_purchase", "has_purchased", "tenure_days",
    "touches_90", "touches_90_180", "touches_365", "purchases_365", "purchases", "monetary_365",
    "nps_latest", "has_nps", "nps_trend", "tickets_90", "unhappy_tickets_90", "ticket_sentiment",
    "channels", "digital_share", "store_share", "email_share", "products", "neighbours_buying",
)
CATEGORY_FEATURES = (
    "category_purchases", "category_purchases_365", "category_touches_365", "days_since_category_touch",
    "category_share", "category_rate", "days_since_touch", "days_since_purchase", "purchases_365", "touches_90",
)
_AT = {name: n for n, name in enumerate(FEATURES)}
_COUNTS = {"touches_90", "touches_90_180", "touches_365", "purchases_365", "purchases", "monetary_365",
           "tickets_90", "unhappy_tickets_90", "channels", "products", "tenure_days", "days_since_touch",
           "days_since_purchase", "category_purchases", "category_purchases_365", "category_touches_365",
           "days_since_category_touch"}  # taken as log(1 + x): a tenth purchase says less than a second


@dataclass
class History:
    """One customer's touchpoints in journey order (``journey_sequences``' columns)."""

    micros: list[int]
    types: list[str]
    channels: list[Any]
    skus: list[list[Any]]
    sentiments: list[Any]
    scores: list[Any]
    score_kinds: list[Any]
    amounts: list[Any]


class Histories:
    """Every customer's history, gathered from ``journey_sequences`` rows (``add`` is given to the
    dashboard summary's read of them, so that the graph is read once per resolve)."""

    def __init__(self) -> None:
        self.customers: dict[str, History] = {}

    def add(self, row: Mapping[str, Any]) -> None:
        self.customers[str(row["customer_id"])] = History(
            list(row["micros"]), list(row["types"]), list(row["channels"]), [list(s) for s in row["skus"]],
            list(row["sentiments"]), list(row["scores"]), list(row["score_kinds"]), list(row.get("amounts") or
                                                                                     [None] * len(row["types"])))

    @property
    def newest(self) -> int | None:
        return max((h.micros[-1] for h in self.customers.values() if h.micros), default=None)


@dataclass(frozen=True)
class Catalogue:
    """What the store says of the products and channels in the histories: a product's category,
    a channel's kind (web, app, store, email...; a channel without one counts as its id)."""

    category_of: Mapping[str, str]
    kind_of: Mapping[str, str]


def catalogue_of(store: Store, histories: Histories) -> Catalogue:
    products = store.run(named_query("product_popularity"), {"limit": 10_000_000})
    channels = sorted({str(c) for h in histories.customers.values() for c in h.channels if c is not None})
    kinds = {channel: (store.get_node("Channel", channel) or {}).get("kind") for channel in channels}
    return Catalogue({str(row["sku"]): str(row["category"]) for row in products if row["category"] is not None},
                     {channel: str(kind) for channel, kind in kinds.items() if kind is not None})


class _Market:
    """What the whole store did before a moment: each product's buyers and how many of them bought
    in the last 90 days (the co-purchase neighbourhood), each category's share of recent purchases."""

    def __init__(self, histories: Histories, cutoff: int, category_of: Mapping[str, str]) -> None:
        buyers: dict[str, set[str]] = {}
        recent: dict[str, set[str]] = {}
        categories: Counter[str] = Counter()
        for customer, h in histories.customers.items():
            for m, kind, skus in zip(h.micros, h.types, h.skus, strict=True):
                if m > cutoff or kind != "purchase":
                    continue
                for sku in skus:
                    buyers.setdefault(sku, set()).add(customer)
                    if cutoff - m < HORIZON_DAYS * _DAY:
                        recent.setdefault(sku, set()).add(customer)
                        if sku in category_of:
                            categories[category_of[sku]] += 1
        self.momentum = {sku: len(recent.get(sku, ())) / len(who) for sku, who in buyers.items()}
        total = sum(categories.values())
        self.category_rate = {c: n / total for c, n in categories.items()} if total else {}


def _features(h: History, cutoff: int, market: _Market, kind_of: Mapping[str, str]) -> list[float] | None:
    """The customer's features at ``cutoff`` (their touchpoints up to it), in ``FEATURES``' order;
    None before their first."""
    end = next((n for n, m in enumerate(h.micros) if m > cutoff), len(h.micros))
    if end == 0:
        return None
    ago = [(cutoff - m) / _DAY for m in h.micros[:end]]
    types = h.types[:end]
    bought = [n for n in range(end) if types[n] == "purchase"]
    nps = [(ago[n], float(h.scores[n])) for n in range(end) if h.score_kinds[n] == "nps" and h.scores[n] is not None]
    tickets = [(ago[n], h.sentiments[n]) for n in range(end) if types[n] == "support_ticket"]
    channels = Counter(str(h.channels[n]) for n in range(end) if h.channels[n] is not None)
    kinds = Counter({kind_of.get(channel, channel): 0 for channel in channels})
    for channel, n in channels.items():
        kinds[kind_of.get(channel, channel)] += n
    latest_nps = [s for a, s in nps if a < HORIZON_DAYS]
    earlier_nps = [s for a, s in nps if a >= HORIZON_DAYS]
    products = {sku for n in bought for sku in h.skus[n]}
    sentiments = [float(s) for _, s in tickets if s is not None]
    found = {
        "days_since_touch": ago[-1],
        "days_since_purchase": ago[bought[-1]] if bought else _NEVER,
        "has_purchased": float(bool(bought)),
        "tenure_days": ago[0],
        "touches_90": sum(1 for a in ago if a < 90),
        "touches_90_180": sum(1 for a in ago if 90 <= a < 180),
        "touches_365": sum(1 for a in ago if a < 365),
        "purchases_365": sum(1 for n in bought if ago[n] < 365),
        "purchases": len(bought),
        "monetary_365": sum(float(h.amounts[n] or 0.0) for n in bought if ago[n] < 365),
        "nps_latest": nps[-1][1] if nps else 0.0,
        "has_nps": float(bool(nps)),
        "nps_trend": (sum(latest_nps) / len(latest_nps) - sum(earlier_nps) / len(earlier_nps)
                      if latest_nps and earlier_nps else 0.0),
        "tickets_90": sum(1 for a, _ in tickets if a < 90),
        "unhappy_tickets_90": sum(1 for a, s in tickets if a < 90 and s is not None and s <= -0.5),
        "ticket_sentiment": sum(sentiments) / len(sentiments) if sentiments else 0.0,
        "channels": len(channels),
        "digital_share": (kinds["web"] + kinds["app"]) / end,
        "store_share": kinds["store"] / end,
        "email_share": kinds["email"] / end,
        "products": len(products),
        "neighbours_buying": (sum(market.momentum.get(sku, 0.0) for sku in products) / len(products)
                              if products else 0.0),
    }
    return [float(found[name]) for name in FEATURES]


def _touched(h: History, cutoff: int, category_of: Mapping[str, str]) -> dict[str, list[float]]:
    """Per category the customer touched by ``cutoff``: [purchases, purchases in the last 365 days,
    other touchpoints about it in the last 365 days, days since the last touchpoint about it]."""
    found: dict[str, list[float]] = {}
    for m, kind, skus in zip(h.micros, h.types, h.skus, strict=True):
        if m > cutoff:
            break
        ago = (cutoff - m) / _DAY
        for category in {category_of[sku] for sku in skus if sku in category_of}:
            f = found.setdefault(category, [0.0, 0.0, 0.0, _NEVER])
            f[3] = min(f[3], ago)
            if kind == "purchase":
                f[0] += 1
                f[1] += ago < 365
            elif kind in SIGNALS and ago < 365:
                f[2] += 1
    return found


def _category_rows(customer: Sequence[float], touched: Mapping[str, list[float]],
                   categories: Sequence[tuple[str, float]]) -> list[list[float]]:
    """The features of one customer toward each of ``categories`` (name, share of recent purchases),
    in ``CATEGORY_FEATURES``' order."""
    total = sum(f[0] + f[2] for f in touched.values())
    own = [customer[_AT[name]] for name in CATEGORY_FEATURES[6:]]
    rows = []
    for category, rate in categories:
        purchases, recent, touches, since = touched.get(category, (0.0, 0.0, 0.0, _NEVER))
        rows.append([purchases, recent, touches, since, (purchases + touches) / total if total else 0.0, rate, *own])
    return rows


@dataclass
class Validation:
    """How a model did on the customers of the later period of the time split."""

    customers: int
    positives: int
    auc: float | None
    brier: float | None
    calibration: list[dict[str, float]]  # per decile of the prediction: mean predicted, observed rate, customers
    baseline: str | None = None  # what it is compared with on the same customers
    baseline_auc: float | None = None
    baseline_brier: float | None = None
    baseline_calibration: list[dict[str, float]] = field(default_factory=list)


@dataclass
class ModelReport:
    target: str
    used: str  # "model", "formula" (churn only) or "none": too little history to train or check
    why: str
    validation: Validation | None = None
    trained_on: int = 0
    weights: dict[str, float] = field(default_factory=dict)  # per feature, on its standardised scale


@dataclass
class PredictionReport:
    as_of: str | None
    horizon_days: int
    models: dict[str, ModelReport]
    scored: int = 0


def _matrix(rows: Sequence[Sequence[float]], names: Sequence[str]) -> Any:
    """The rows (of ``names``' columns) as a matrix, counts as log(1 + x)."""
    import numpy as np

    x = np.array(rows, dtype=float)
    counts = [j for j, n in enumerate(names) if n in _COUNTS]
    x[:, counts] = np.log1p(np.maximum(x[:, counts], 0.0))
    return x


class _Fitted:
    """A standardised logistic regression and what explains its predictions."""

    def __init__(self, rows: Sequence[Sequence[float]], labels: Sequence[bool], names: Sequence[str]) -> None:
        from sklearn.linear_model import LogisticRegression
        from sklearn.preprocessing import StandardScaler

        self.names = list(names)
        x = _matrix(rows, names)
        self.scaler = StandardScaler().fit(x)
        self.model = LogisticRegression(max_iter=2000).fit(self.scaler.transform(x), list(labels))

    @property
    def weights(self) -> dict[str, float]:
        return {n: round(float(w), 4) for n, w in zip(self.names, self.model.coef_[0], strict=True)}

    def probabilities(self, rows: Sequence[Sequence[float]]) -> list[float]:
        if not rows:
            return []
        return [float(p) for p in self.model.predict_proba(self.scaler.transform(_matrix(rows, self.names)))[:, 1]]

    def explained(self, rows: Sequence[Sequence[float]]) -> list[tuple[float, list[str], list[float]]]:
        """Per row: the probability and the features with the strongest effects on its log-odds
        (against the average customer of the training set), strongest first."""
        import numpy as np

        if not rows:
            return []
        z = self.scaler.transform(_matrix(rows, self.names))
        effects = z * self.model.coef_[0]
        top = np.argsort(-np.abs(effects), axis=1, kind="stable")[:, :KEPT_FEATURES]
        kept = np.round(np.take_along_axis(effects, top, axis=1), 4).tolist()
        return [(float(p), [self.names[j] for j in best], shown)
                for p, best, shown in zip(self.model.predict_proba(z)[:, 1], top, kept, strict=True)]


def _auc(labels: Sequence[bool], scores: Sequence[float]) -> float | None:
    from sklearn.metrics import roc_auc_score

    return round(float(roc_auc_score(list(labels), list(scores))), 4) if 0 < sum(labels) < len(labels) else None


def _calibration(labels: Sequence[bool], scores: Sequence[float]) -> list[dict[str, float]]:
    """Per tenth of the customers by score: the mean score and the share who did it."""
    ranked = sorted(zip(scores, labels, strict=True))
    found = []
    for k in range(10):
        part = ranked[k * len(ranked) // 10:(k + 1) * len(ranked) // 10]
        if part:
            found.append({"predicted": round(sum(s for s, _ in part) / len(part), 4),
                          "observed": round(sum(1 for _, y in part if y) / len(part), 4), "customers": len(part)})
    return found


def _brier(labels: Sequence[bool], scores: Sequence[float]) -> float:
    return round(sum((s - float(y)) ** 2 for s, y in zip(scores, labels, strict=True)) / len(labels), 4)


def _validation(labels: Sequence[bool], scores: Sequence[float]) -> Validation:
    return Validation(len(labels), sum(labels), _auc(labels, scores), _brier(labels, scores),
                      _calibration(labels, scores))


@dataclass
class _Moment:
    """Every customer's features at one moment, and what they did in the 90 days after it."""

    cutoff: int
    customers: list[str]
    rows: list[list[float]]
    bought: list[bool]  # a purchase in the horizon
    quiet: list[bool]  # no touchpoint at all in the horizon
    touched: list[dict[str, list[float]]]  # per customer, what ``_touched`` gives
    bought_in: list[set[str]]  # categories they bought in during the horizon
    category_rate: dict[str, float]  # each category's share of the purchases in the 90 days before


def _moment(histories: Histories, cutoff: int, catalogue: Catalogue) -> _Moment:
    category_of = catalogue.category_of
    market = _Market(histories, cutoff, category_of)
    moment = _Moment(cutoff, [], [], [], [], [], [], market.category_rate)
    end = cutoff + HORIZON_DAYS * _DAY
    for customer in sorted(histories.customers):
        h = histories.customers[customer]
        row = _features(h, cutoff, market, catalogue.kind_of)
        if row is None:
            continue
        after = [n for n, m in enumerate(h.micros) if cutoff < m <= end]
        moment.customers.append(customer)
        moment.rows.append(row)
        moment.bought.append(any(h.types[n] == "purchase" for n in after))
        moment.quiet.append(not after)
        moment.touched.append(_touched(h, cutoff, category_of))
        moment.bought_in.append({category_of[sku] for n in after if h.types[n] == "purchase"
                                 for sku in h.skus[n] if sku in category_of})
    return moment


def _active(moment: _Moment) -> list[int]:
    """The customers churn is asked of: a touchpoint in the ``ACTIVE_DAYS`` before the moment."""
    return [n for n, row in enumerate(moment.rows) if row[_AT["days_since_touch"]] < ACTIVE_DAYS]


def pairs(moment: _Moment) -> tuple[list[list[float]], list[bool]]:
    """(customer, category) rows of every customer and category, a seeded sample of
    ``CATEGORY_PAIRS`` of them when there are more (built only once chosen)."""
    categories = sorted(moment.category_rate.items())
    total = len(moment.customers) * len(categories)
    chosen = range(total) if total <= CATEGORY_PAIRS else sorted(random.Random(7).sample(range(total), CATEGORY_PAIRS))
    rows, labels = [], []
    for k in chosen:
        n, c = divmod(k, len(categories))
        rows += _category_rows(moment.rows[n], moment.touched[n], categories[c:c + 1])
        labels.append(categories[c][0] in moment.bought_in[n])
    return rows, labels


def _enough(labels: Sequence[bool]) -> bool:
    return min(sum(labels), len(labels) - sum(labels)) >= MIN_CLASS


def _micros(moment: dt.datetime) -> int:
    return int(moment.timestamp()) * 1_000_000 + moment.microsecond


def _as_datetime(micros: int) -> dt.datetime:
    return dt.datetime(1970, 1, 1, tzinfo=dt.UTC) + dt.timedelta(microseconds=micros)


def _formula(store: Store, at: int, customers: Sequence[str]) -> dict[str, float]:
    """The churn formula's risk of these customers as of ``at`` (0 for those it does not list)."""
    rows = store.run(named_query("churn_risk"), {"as_of": _as_datetime(at), "limit": max(len(customers), 1),
                                                 "customer_ids": list(customers)})
    return {str(row["customer_id"]): float(row["risk"]) for row in rows}


@dataclass
class TimeSplit:
    """The customers 180 and 90 days before the newest touchpoint, each with what they did in the
    90 days after: a model learns from ``earlier`` and is checked on ``later``."""

    earlier: _Moment
    later: _Moment

    def churn(self, moment: _Moment) -> tuple[list[list[float]], list[bool], list[str]]:
        """(features, quiet, customer ids) of the moment's customers that churn is asked of."""
        chosen = _active(moment)
        return ([moment.rows[n] for n in chosen], [moment.quiet[n] for n in chosen],
                [moment.customers[n] for n in chosen])


def time_split(histories: Histories, catalogue: Catalogue, newest: int) -> TimeSplit:
    return TimeSplit(_moment(histories, newest - 2 * HORIZON_DAYS * _DAY, catalogue),
                     _moment(histories, newest - HORIZON_DAYS * _DAY, catalogue))


def churn_formula(store: Store, split: TimeSplit) -> list[float]:
    """The churn formula's risk of the later moment's active customers, in their order."""
    _, _, customers = split.churn(split.later)
    risk = _formula(store, split.later.cutoff, customers)
    return [risk.get(customer, 0.0) for customer in customers]


def evaluate(store: Store, histories: Histories, catalogue: Catalogue,
             newest: int) -> tuple[dict[str, ModelReport], dict[str, _Fitted]]:
    """Validate each model on the time split ending at ``newest``, then train it on the latest
    horizon; gives the reports and the models kept."""
    split = time_split(histories, catalogue, newest)
    earlier, later = split.earlier, split.later
    reports: dict[str, ModelReport] = {}
    kept: dict[str, _Fitted] = {}

    # purchase propensity
    if _enough(earlier.bought) and _enough(later.bought):
        check = _Fitted(earlier.rows, earlier.bought, FEATURES)
        validation = _validation(later.bought, check.probabilities(later.rows))
        kept["propensity"] = _Fitted(later.rows, later.bought, FEATURES)
        reports["propensity"] = ModelReport("a purchase in the next 90 days", "model", "trained and checked",
                                            validation, len(later.rows), kept["propensity"].weights)
    else:
        reports["propensity"] = ModelReport("a purchase in the next 90 days", "none", _too_little(later.bought))

    # category propensity
    train_rows, train_labels = pairs(earlier)
    check_rows, check_labels = pairs(later)
    if _enough(train_labels) and _enough(check_labels):
        check = _Fitted(train_rows, train_labels, CATEGORY_FEATURES)
        validation = _validation(check_labels, check.probabilities(check_rows))
        kept["category"] = _Fitted(check_rows, check_labels, CATEGORY_FEATURES)
        reports["category"] = ModelReport("a purchase in the category in the next 90 days", "model",
                                          "trained and checked", validation, len(check_rows), kept["category"].weights)
    else:
        reports["category"] = ModelReport("a purchase in the category in the next 90 days", "none",
                                          _too_little(check_labels))

    # churn, against the formula on the same customers
    before_rows, before_labels, _ = split.churn(earlier)
    rows, labels, _ = split.churn(later)
    target = "no touchpoint in the next 90 days (customers active in the last 180)"
    if _enough(before_labels) and _enough(labels):
        check = _Fitted(before_rows, before_labels, FEATURES)
        validation = _validation(labels, check.probabilities(rows))
        formula = churn_formula(store, split)
        validation.baseline = "churn_risk formula"
        validation.baseline_auc = _auc(labels, formula)
        validation.baseline_brier = _brier(labels, formula)
        validation.baseline_calibration = _calibration(labels, formula)
        if validation.auc is not None and (validation.baseline_auc is None or validation.auc > validation.baseline_auc):
            kept["churn"] = _Fitted(rows, labels, FEATURES)
            reports["churn"] = ModelReport(target, "model", "its AUC is higher than the formula's", validation,
                                           len(rows), kept["churn"].weights)
        else:
            reports["churn"] = ModelReport(target, "formula", "its AUC is not higher than the formula's: the "
                                           "formula's churn_risk stays", validation, len(rows))
    else:
        reports["churn"] = ModelReport(target, "none", _too_little(labels))
    return reports, kept


def _too_little(labels: Sequence[bool]) -> str:
    return (f"too little history: {sum(labels)} customers did it and {len(labels) - sum(labels)} did not in the "
            f"last 90 days; each needs {MIN_CLASS}, in each of the last two 90-day periods")


@one_writer("predict")
def predict(store: Store, histories: Histories, customers: Iterable[str],
            say: Callable[[str], None] | None = None) -> PredictionReport:
    """Train, check and keep the models' scores on every customer (null where a model is not used)."""
    newest_micros = histories.newest
    catalogue = catalogue_of(store, histories)
    everyone = sorted(customers)
    if newest_micros is None:
        report = PredictionReport(None, HORIZON_DAYS, {})
        _keep(store, report, everyone, {})
        return report
    newest = min(_as_datetime(newest_micros), dt.datetime.now(dt.UTC))
    reports, kept = evaluate(store, histories, catalogue, _micros(newest))
    now = _moment(histories, _micros(newest), catalogue)
    scores: dict[str, dict[str, Any]] = {}
    active = set(_active(now))
    propensity = kept["propensity"].explained(now.rows) if "propensity" in kept else []
    churn = kept["churn"].explained([now.rows[n] for n in sorted(active)]) if "churn" in kept else []
    churn_of = dict(zip(sorted(active), churn, strict=False))
    for n, customer in enumerate(now.customers):
        row: dict[str, Any] = {}
        if propensity:
            p, names, effects = propensity[n]
            row.update(purchase_propensity=round(p, 4), propensity_features=names, propensity_effects=effects)
        if n in churn_of:
            p, names, effects = churn_of[n]
            row.update(churn_probability=round(p, 4), churn_features=names, churn_effects=effects)
        scores[customer] = row
    if "category" in kept:
        _keep_categories(kept["category"], now, scores)
    report = PredictionReport(newest.isoformat(), HORIZON_DAYS, reports, len(scores))
    _keep(store, report, everyone, scores, newest)
    if say:
        say("predictions: " + "; ".join(f"{name} {r.used}" + (f" (AUC {r.validation.auc})" if r.validation else "")
                                        for name, r in reports.items()))
    return report


def _keep_categories(model: _Fitted, now: _Moment, scores: dict[str, dict[str, Any]]) -> None:
    """Each customer's likeliest categories with their scores, and what explains the first, a few
    thousand customers at a time (every category of each; ties by category name)."""
    import numpy as np

    categories = sorted(now.category_rate.items())
    chunk = max(1, 50_000 // max(len(categories), 1))
    for start in range(0, len(now.customers), chunk):
        people = range(start, min(start + chunk, len(now.customers)))
        rows = [row for n in people for row in _category_rows(now.rows[n], now.touched[n], categories)]
        likely = np.array(model.probabilities(rows)).reshape(len(people), len(categories))
        best = np.argsort(-likely, axis=1, kind="stable")[:, :KEPT_CATEGORIES]
        explained = model.explained([rows[i * len(categories) + int(top[0])] for i, top in enumerate(best)])
        for i, n in enumerate(people):
            scores[now.customers[n]].update(
                propensity_categories=[categories[int(k)][0] for k in best[i]],
                propensity_category_scores=[round(float(likely[i, k]), 4) for k in best[i]],
                category_features=explained[i][1], category_effects=explained[i][2])


def _keep(store: Store, report: PredictionReport, customers: list[str], scores: Mapping[str, Mapping[str, Any]],
          as_of: dt.datetime | None = None) -> None:
    store.set_properties("Customer", [
        {"customer_id": customer, **dict.fromkeys(CUSTOMER_FIELDS),
         **({"predictions_as_of": as_of, **scores[customer]} if scores.get(customer) else {})}
        for customer in customers])
    store.upsert_nodes("Summary", [{"summary_id": PREDICTIONS, "data": json.dumps(asdict(report), sort_keys=True)}])


def read_predictions(store: Store) -> PredictionReport | None:
    """The last resolve's validation report, or None before the first."""
    node = store.get_node("Summary", PREDICTIONS)
    if node is None:
        return None
    data = json.loads(str(node["data"]))
    models = {}
    for name, m in data["models"].items():
        v = m.get("validation")
        models[name] = ModelReport(m["target"], m["used"], m["why"], None if v is None else Validation(**v),
                                   m.get("trained_on", 0), m.get("weights", {}))
    return PredictionReport(data["as_of"], data["horizon_days"], models, data.get("scored", 0))

