"""Root causes of low scores and drop-offs: what is over-represented before detractors' and low
CSAT answers, and before the customers who stopped at a funnel step.

Each survey answer of the kind asked (NPS or CSAT) is a case; it is *low* when it is a
detractor's (NPS 0-6) or a low CSAT (1-2 of 5). Its candidates are what the touchpoints in the
``lookback_days`` before it (since the customer's previous answer; the named query
``conversion_paths`` with conversion ``survey_response``) hold: reps, channels, products,
touchpoint types, support outcomes (a ticket whose sentiment was negative, or not) and the
customer's RFM segment. For a funnel step, each customer who reached it is a case, *low* when
they went no further; the candidates are what their touchpoints up to reaching it held (the named
query ``funnel_journeys``).

For each candidate held by at least ``min_support`` cases: the share of its cases that are low
against the share of all cases (lift), and the chance of at least that many low cases among its
cases if low answers fell at random (one-sided Fisher exact test: the hypergeometric tail).
Testing tens of candidates at once finds some by chance, so the p-values are corrected for the
number tested (Benjamini-Hochberg: ``q``); a cause is one with ``q <= alpha`` and lift above 1.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from custgraph.graph import Rows, Store
from custgraph.queries import get as named_query

from custgraph.errors import QueryParameterError

__all__ = ["Cause", "Example", "RootCauses", "benjamini_hochberg", "causes_of", "dropoff_causes", "dropoffs_of",
           "over_representation", "score_causes"]

LOW = {"nps": 6, "csat": 2}  # a score at or below this is low


@dataclass(frozen=True)
class Example:
    """A low case that holds the cause, with the touchpoints before it that show it."""

    customer_id: str
    answer_id: str | None  # the survey answer (None for a drop-off)
    score: float | None
    at: dt.datetime  # of the answer, or of the step the customer stopped at
    path: tuple[dict[str, Any], ...]  # touchpoints in journey order: type, channel, rep, skus, sentiment, at


@dataclass(frozen=True)
class Cause:
    kind: str  # rep, channel, product, touchpoint, support, segment
    value: str
    cases: int  # cases (answers, or customers at the step) that hold it
    low: int  # of those, low ones (the support count)
    lift: float  # low share among its cases / low share among all
    p_value: float
    q_value: float  # Benjamini-Hochberg over every candidate tested
    examples: tuple[Example, ...]


@dataclass(frozen=True)
class RootCauses:
    kind: str  # nps, csat, or "drop-off after STEP"
    cases: int
    low: int
    tested: int  # candidates with at least min_support cases
    causes: tuple[Cause, ...]  # q <= alpha and lift > 1, lowest q first


def score_causes(store: Store, kind: str = "nps", lookback_days: int = 30, min_support: int = 5,
                 alpha: float = 0.05, examples: int = 3) -> RootCauses:
    """What is over-represented before the low answers of ``kind`` (``nps`` or ``csat``)."""
    if kind not in LOW:
        raise QueryParameterError(f"score kind {kind!r}: choose nps or csat")
    if not 0 < alpha < 1:
        raise QueryParameterError("alpha must be between 0 and 1")
    rows = store.run(named_query("conversion_paths"), {"conversion": "survey_response", "sku": None,
                                                       "category": None, "lookback_days": lookback_days})
    segments = {str(row["customer_id"]): row["segment"] for row in store.run(named_query("stored_segments"))}
    return causes_of(rows, segments, kind, min_support, alpha, examples)


def _candidates(touchpoints: Sequence[dict[str, Any]], segment: str | None) -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    for step in touchpoints:
        found.add(("touchpoint", str(step["type"])))
        if step.get("channel") is not None:
            found.add(("channel", str(step["channel"])))
        if step.get("rep") is not None:
            found.add(("rep", str(step["rep"])))
        found.update(("product", str(sku)) for sku in step.get("skus") or ())
        if step["type"] == "support_ticket" and step.get("sentiment") is not None:
            found.add(("support", "negative ticket" if step["sentiment"] < 0 else "other ticket"))
    if segment:
        found.add(("segment", str(segment)))
    return found


def causes_of(rows: Rows, segments: dict[str, Any], kind: str, min_support: int = 5, alpha: float = 0.05,
              examples: int = 3) -> RootCauses:
    """``score_causes`` over rows of ``conversion_paths`` already read."""
    answers = [row for row in rows if row["converted"] and row["score"] is not None and row["score_kind"] == kind]
    cases = [_Case(Example(str(row["customer_id"]), str(row["interaction_id"]), row["score"], row["at"],
                           tuple(row["touchpoints"])), row["score"] <= LOW[kind],
                   _candidates(row["touchpoints"], segments.get(str(row["customer_id"]))))
             for row in answers]
    return _causes(kind, cases, min_support, alpha, examples)


def dropoff_causes(store: Store, steps: list[str], step: int, window_days: int | None = None, min_support: int = 5,
                   alpha: float = 0.05, examples: int = 3) -> RootCauses:
    """What is over-represented before the customers who reached ``step`` (1-based) of the funnel
    ``steps`` and went no further."""
    if not 1 <= step < len(steps):
        raise QueryParameterError(f"step must be between 1 and {len(steps) - 1}: the last step has no drop-off")
    rows = store.run(named_query("funnel_journeys"), {"steps": steps, "window_days": window_days})
    segments = {str(row["customer_id"]): row["segment"] for row in store.run(named_query("stored_segments"))}
    return dropoffs_of(rows, segments, steps, step, min_support, alpha, examples)


def dropoffs_of(rows: Rows, segments: dict[str, Any], steps: list[str], step: int, min_support: int = 5,
                alpha: float = 0.05, examples: int = 3) -> RootCauses:
    """``dropoff_causes`` over rows of ``funnel_journeys`` already read."""
    cases = []
    for row in rows:
        if row["reached"] < step:
            continue
        path = tuple(row["touchpoints"][:row["positions"][step - 1] + 1])
        cases.append(_Case(Example(str(row["customer_id"]), None, None, path[-1]["at"], path),
                           row["reached"] == step, _candidates(path, segments.get(str(row["customer_id"])))))
    return _causes(f"drop-off after {steps[step - 1]}", cases, min_support, alpha, examples)


@dataclass(frozen=True)
class _Case:
    example: Example
    low: bool
    candidates: set[tuple[str, str]]


def _causes(kind: str, cases: list[_Case], min_support: int, alpha: float, examples: int) -> RootCauses:
    held: Counter[tuple[str, str]] = Counter(c for case in cases for c in case.candidates)
    lows: Counter[tuple[str, str]] = Counter(c for case in cases if case.low for c in case.candidates)
    tested = sorted(c for c, n in held.items() if n >= min_support)
    total, total_low = len(cases), sum(case.low for case in cases)
    p_values = [over_representation(total, total_low, held[c], lows[c]) for c in tested]
    q_values = benjamini_hochberg(p_values)
    found: list[Cause] = []
    for candidate, p, q in zip(tested, p_values, q_values, strict=True):
        lift = (lows[candidate] / held[candidate]) / (total_low / total) if total_low else 0.0
        if q > alpha or lift <= 1:
            continue
        shown = [case.example for case in cases if case.low and candidate in case.candidates][:examples]
        found.append(Cause(candidate[0], candidate[1], held[candidate], lows[candidate], round(lift, 4), p, q,
                           tuple(shown)))
    found.sort(key=lambda cause: (cause.q_value, -cause.lift, cause.kind, cause.value))
    return RootCauses(kind, total, total_low, len(tested), tuple(found))


def over_representation(total: int, total_low: int, cases: int, low: int) -> float:
    """P(at least ``low`` low answers among ``cases`` drawn from ``total`` holding ``total_low``):
    the upper tail of the hypergeometric distribution (one-sided Fisher exact test), summed in
    log space so that 100,000 answers cost no big integers."""
    top = min(cases, total_low)
    if low > top:
        return 0.0
    logs = [_log_comb(total_low, k) + _log_comb(total - total_low, cases - k) - _log_comb(total, cases)
            for k in range(max(low, cases - (total - total_low)), top + 1)]
    if not logs:
        return 0.0
    peak = max(logs)
    return min(1.0, math.exp(peak) * sum(math.exp(value - peak) for value in logs))


def _log_comb(n: int, k: int) -> float:
    return math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)


def benjamini_hochberg(p_values: Sequence[float]) -> list[float]:
    """q-values: each p-value times the number tested over its rank, made monotone from the top."""
    m = len(p_values)
    order = sorted(range(m), key=lambda i: p_values[i])
    q = [0.0] * m
    running = 1.0
    for rank in range(m, 0, -1):
        index = order[rank - 1]
        running = min(running, p_values[index] * m / rank)
        q[index] = running
    return q
