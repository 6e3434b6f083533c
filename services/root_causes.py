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
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from custgraph.graph import Rows, Store
from custgraph.queries import get as named_query

from custgraph.errors import QueryParameterError

from .summaries import NO_VALUE, Journeys, value_code

__all__ = ["Cause", "Example", "RootCauses", "benjamini_hochberg", "causes_of", "dropoff_causes", "dropoff_causes_kept",
           "dropoffs_of", "over_representation", "score_causes", "score_causes_kept"]

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
                 alpha: float = 0.05, examples: int = 3, kept: Journeys | None = None) -> RootCauses:
    """What is over-represented before the low answers of ``kind`` (``nps`` or ``csat``). ``kept``:
    the journeys kept at the last resolve, counted from instead of reading the graph."""
    if kept is not None and kept.facts is not None:
        return score_causes_kept(kept, kind, lookback_days, min_support, alpha, examples)
    _check(kind, alpha)
    rows = store.run(named_query("conversion_paths"), {"conversion": "survey_response", "sku": None,
                                                       "category": None, "lookback_days": lookback_days})
    segments = {str(row["customer_id"]): row["segment"] for row in store.run(named_query("stored_segments"))}
    return causes_of(rows, segments, kind, min_support, alpha, examples)


def _check(kind: str, alpha: float) -> None:
    if kind not in LOW:
        raise QueryParameterError(f"score kind {kind!r}: choose nps or csat")
    if not 0 < alpha < 1:
        raise QueryParameterError("alpha must be between 0 and 1")


def _check_step(steps: list[str], step: int) -> None:
    if not 1 <= step < len(steps):
        raise QueryParameterError(f"step must be between 1 and {len(steps) - 1}: the last step has no drop-off")


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
    cases = [_Case(partial(Example, str(row["customer_id"]), str(row["interaction_id"]), row["score"], row["at"],
                           tuple(row["touchpoints"])), row["score"] <= LOW[kind],
                   _candidates(row["touchpoints"], segments.get(str(row["customer_id"]))))
             for row in answers]
    return _causes(kind, cases, min_support, alpha, examples)


def score_causes_kept(journeys: Journeys, kind: str = "nps", lookback_days: int = 30, min_support: int = 5,
                      alpha: float = 0.05, examples: int = 3) -> RootCauses:
    """``score_causes`` over the journeys kept at the last resolve (``services.summaries``), with no
    read of the graph (segments as that resolve stored them)."""
    _check(kind, alpha)
    facts = journeys.facts
    assert facts is not None
    read = _KeptCases(journeys)
    cases = []
    for customer, converted, first, end in journeys.conversion_paths("survey_response", lookback_days):
        if not converted:
            continue
        sentiment_score = read.marks(customer).get(end)
        if sentiment_score is None:
            continue
        _, score, score_kind, answer = sentiment_score
        if score is None or score_kind != kind:
            continue
        cases.append(_Case(partial(read.example, customer, first, end, answer, score, True), score <= LOW[kind],
                           read.candidates(customer, first, end)))
    return _causes(kind, cases, min_support, alpha, examples)


def dropoff_causes_kept(journeys: Journeys, steps: list[str], step: int, window_days: int | None = None,
                        min_support: int = 5, alpha: float = 0.05, examples: int = 3) -> RootCauses:
    """``dropoff_causes`` over the journeys kept at the last resolve, with no read of the graph."""
    _check_step(steps, step)
    read = _KeptCases(journeys)
    positions: list[list[int]] = []
    depths, _ = journeys.reached(steps, window_days, positions)
    cases = []
    for customer, (depth, found) in enumerate(zip(depths, positions, strict=True)):
        if depth < step:
            continue
        end = found[step - 1]
        cases.append(_Case(partial(read.example, customer, 0, end + 1, None, None, False), depth == step,
                           read.candidates(customer, 0, end + 1)))
    return _causes(f"drop-off after {steps[step - 1]}", cases, min_support, alpha, examples)


class _KeptCases:
    """A case's candidates and example path read from the kept journeys' codes."""

    def __init__(self, journeys: Journeys) -> None:
        assert journeys.facts is not None
        self.journeys, self.facts = journeys, journeys.facts
        self.ticket = journeys.code("support_ticket")
        self._marks: dict[int, dict[int, tuple[Any, Any, Any, Any]]] = {}
        self.types, self.channels = self._names("touchpoint"), self._names("channel")
        self.reps, self.products = self._names("rep"), self._names("product")

    def marks(self, customer: int) -> dict[int, tuple[Any, Any, Any, Any]]:
        found = self._marks.get(customer)
        if found is None:
            found = self._marks[customer] = self.facts.marks_of(customer)
        return found

    def _names(self, kind: str) -> dict[str, tuple[str, str]]:
        """Code → candidate of one kind, for every code that can occur."""
        if kind == "touchpoint":
            return {self.journeys.code(name) or "": (kind, name) for name in self.journeys.types}
        return {value_code(n): (kind, value) for n, value in enumerate(self.facts.values)}

    def candidates(self, customer: int, first: int, end: int) -> set[tuple[str, str]]:
        """What ``_candidates`` finds in the customer's touchpoints ``first`` to ``end`` - 1."""
        journey, facts = self.journeys.codes[customer], self.facts
        touched = journey[first:end]
        found = {self.types[code] for code in set(touched)}
        found.update(self.channels[code] for code in set(facts.channels[customer][first:end]) if code != NO_VALUE)
        found.update(self.reps[code] for code in set(facts.reps[customer][first:end]) if code != NO_VALUE)
        if facts.skus[customer]:
            products = "".join(facts.skus_of(customer, len(journey))[first:end])
            found.update(self.products[code] for code in set(products))
        if self.ticket is not None and self.ticket in touched:
            marks = self.marks(customer)
            for index in range(first, end):
                sentiment = marks.get(index, (None,))[0] if journey[index] == self.ticket else None
                if sentiment is not None:
                    found.add(("support", "negative ticket" if sentiment < 0 else "other ticket"))
        if facts.segments[customer]:
            found.add(("segment", facts.segments[customer]))
        return found

    def example(self, customer: int, first: int, end: int, answer: Any, score: Any, with_campaign: bool) -> Example:
        """The case's example: its touchpoints as the named queries give them (times in UTC)."""
        journey, facts = self.journeys.codes[customer], self.facts
        skus = facts.skus_of(customer, len(journey))
        marks = self.marks(customer)

        def at(index: int) -> dt.datetime:
            return dt.datetime(1970, 1, 1, tzinfo=dt.UTC) + dt.timedelta(
                microseconds=self.journeys.micros(customer, index))

        path = []
        for index in range(first, end):
            step: dict[str, Any] = {"type": self.journeys.type_name(journey[index]),
                                    "channel": facts.value(facts.channels[customer][index])}
            if with_campaign:
                step["campaign"] = facts.value(facts.campaigns[customer][index])
            step.update({"rep": facts.value(facts.reps[customer][index]),
                         "skus": [facts.value(code) for code in skus[index]],
                         "sentiment": marks.get(index, (None,))[0], "at": at(index)})
            path.append(step)
        if answer is None:  # a drop-off: at the step reached
            return Example(self.journeys.customers[customer], None, None, path[-1]["at"], tuple(path))
        return Example(self.journeys.customers[customer], str(answer), score, at(end), tuple(path))


def dropoff_causes(store: Store, steps: list[str], step: int, window_days: int | None = None, min_support: int = 5,
                   alpha: float = 0.05, examples: int = 3, kept: Journeys | None = None) -> RootCauses:
    """What is over-represented before the customers who reached ``step`` (1-based) of the funnel
    ``steps`` and went no further. ``kept``: as for ``score_causes``."""
    if kept is not None and kept.facts is not None:
        return dropoff_causes_kept(kept, steps, step, window_days, min_support, alpha, examples)
    _check_step(steps, step)
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
        cases.append(_Case(partial(Example, str(row["customer_id"]), None, None, path[-1]["at"], path),
                           row["reached"] == step, _candidates(path, segments.get(str(row["customer_id"])))))
    return _causes(f"drop-off after {steps[step - 1]}", cases, min_support, alpha, examples)


@dataclass(frozen=True)
class _Case:
    example: Callable[[], Example]  # made only when shown
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
        shown = [case.example() for case in cases if case.low and candidate in case.candidates][:examples]
        found.append(Cause(candidate[0], candidate[1], held[candidate], lows[candidate], round(lift, 4), p, q,
                           tuple(shown)))
    found.sort(key=lambda cause: (cause.q_value, -cause.lift, cause.kind, cause.value))
    return RootCauses(kind, total, total_low, len(tested), tuple(found))


def over_representation(total: int, total_low: int, cases: int, low: int) -> float:
    """P(at least ``low`` low answers among ``cases`` drawn from ``total`` holding ``total_low``):
    the upper tail of the hypergeometric distribution (one-sided Fisher exact test), summed in
    log space so that 100,000 answers cost no big integers. Each term follows from the one before
    by a ratio; past the largest, the terms fall faster than geometrically, so the sum stops once
    they no longer change it (1e-20 of the largest)."""
    top = min(cases, total_low)
    start = max(low, cases - (total - total_low))
    if low > top or start > top:
        return 0.0
    term = _log_comb(total_low, start) + _log_comb(total - total_low, cases - start) - _log_comb(total, cases)
    logs = [term]
    peak = term
    for k in range(start, top):
        ratio = (total_low - k) * (cases - k) / ((k + 1) * (total - total_low - cases + k + 1))
        term += math.log(ratio)
        logs.append(term)
        peak = max(peak, term)
        if ratio < 1 and term < peak - 46:  # exp(-46) ~ 1e-20: and every later term is smaller still
            break
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
