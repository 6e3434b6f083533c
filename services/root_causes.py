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
import itertools
import math
from array import array
from bisect import bisect_left
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from custgraph.errors import QueryParameterError
from custgraph.graph import Rows, Store
from custgraph.queries import get as named_query

from .summaries import NO_VALUE, SKU_SEPARATOR, Journeys, value_code

__all__ = ["Cause", "Example", "RootCauses", "benjamini_hochberg", "causes_of", "dropoff_causes", "dropoff_causes_kept",
           "dropoffs_of", "funnel_dropoff_causes", "over_representation", "prepare_kept", "score_causes",
           "score_causes_kept"]

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
    return _row_causes(kind, cases, min_support, alpha, examples)


def score_causes_kept(journeys: Journeys, kind: str = "nps", lookback_days: int = 30, min_support: int = 5,
                      alpha: float = 0.05, examples: int = 3) -> RootCauses:
    """``score_causes`` over the journeys kept at the last resolve (``services.summaries``), with no
    read of the graph (segments as that resolve stored them)."""
    _check(kind, alpha)
    facts = journeys.facts
    assert facts is not None
    read, tally = _KeptCases(journeys), _Tally()
    for customer, converted, first, end in journeys.conversion_paths("survey_response", lookback_days):
        if not converted:
            continue
        sentiment_score = read.marks(customer).get(end)
        if sentiment_score is None:
            continue
        _, score, score_kind, answer = sentiment_score
        if score is None or score_kind != kind:
            continue
        read.tally(tally, (customer, first, end, answer, score, True), score <= LOW[kind])
    return tally.causes(kind, read, min_support, alpha, examples)


def dropoff_causes_kept(journeys: Journeys, steps: list[str], step: int, window_days: int | None = None,
                        min_support: int = 5, alpha: float = 0.05, examples: int = 3) -> RootCauses:
    """``dropoff_causes`` over the journeys kept at the last resolve, with no read of the graph."""
    _check_step(steps, step)
    return _dropoffs_kept(journeys, steps, window_days, min_support, alpha, examples, last=step)[step - 1]


def funnel_dropoff_causes(store: Store, steps: list[str], window_days: int | None = None, min_support: int = 5,
                          alpha: float = 0.05, examples: int = 3, kept: Journeys | None = None) -> list[RootCauses]:
    """``dropoff_causes`` for every step of the funnel but the last, reading the journeys once."""
    if len(steps) < 2:
        return []
    if kept is not None and kept.facts is not None:
        return _dropoffs_kept(kept, steps, window_days, min_support, alpha, examples, last=len(steps) - 1)
    rows = store.run(named_query("funnel_journeys"), {"steps": steps, "window_days": window_days})
    segments = {str(row["customer_id"]): row["segment"] for row in store.run(named_query("stored_segments"))}
    return [dropoffs_of(rows, segments, steps, step, min_support, alpha, examples) for step in range(1, len(steps))]


def _dropoffs_kept(journeys: Journeys, steps: list[str], window_days: int | None, min_support: int, alpha: float,
                   examples: int, last: int) -> list[RootCauses]:
    """The drop-off causes of steps 1 to ``last``, from one pass over the funnel."""
    read = _KeptCases(journeys)
    positions: list[list[int]] = []
    depths, _ = journeys.reached(steps, window_days, positions)
    first_held: _FirstHeld = journeys.derived("first_held", lambda: _FirstHeld(read))
    tallies = [_Tally() for _ in range(last)]
    for customer, (depth, found) in enumerate(zip(depths, positions, strict=True)):
        at, tokens = first_held.at[customer], first_held.tokens[customer]
        for step in range(1, min(depth, last) + 1):
            end = found[step - 1] + 1
            held = tokens[:bisect_left(at, end)]  # what touchpoints 0 to end - 1 hold
            tally = tallies[step - 1]
            tally.total += 1
            tally.tokens.extend(held)
            if depth == step:
                tally.low_cases.append((customer, 0, end, None, None, False))
                tally.low_tokens.extend(held)
    return [tally.causes(f"drop-off after {steps[step]}", read, min_support, alpha, examples, first_held.candidates)
            for step, tally in enumerate(tallies)]


def prepare_kept(journeys: Journeys) -> None:
    """Make ahead what the drop-off causes count from the kept journeys (each customer's candidates
    by the touchpoint that first holds them), so that the first question after a resolve or a merge
    does not wait for it."""
    if journeys.facts is not None:
        journeys.derived("first_held", lambda: _FirstHeld(_KeptCases(journeys)))


class _FirstHeld:
    """Per customer, every candidate its touchpoints hold (as a token: an index in ``candidates``)
    with the index of the first touchpoint that holds it, in that order. What touchpoints 0 to
    ``end`` - 1 hold, a funnel step's case, is then a prefix found by bisection. Made once per kept
    journeys (``Journeys.derived``)."""

    def __init__(self, read: _KeptCases) -> None:
        journeys, facts = read.journeys, read.facts
        before = journeys.inherited("first_held")  # made for the journeys these were merged from
        self.candidates: list[tuple[str, str]] = [] if before is None else list(before[0].candidates)
        token_of: dict[tuple[str, str], int] = {candidate: n for n, candidate in enumerate(self.candidates)}

        def token(candidate: tuple[str, str]) -> int:
            found = token_of.get(candidate)
            if found is None:
                found = token_of[candidate] = len(self.candidates)
                self.candidates.append(candidate)
            return found

        self.at: list[array[int]] = []
        self.tokens: list[array[int]] = []
        for customer, journey in enumerate(journeys.codes):
            if before is not None and before[1][customer] >= 0:  # unchanged by the merge
                self.at.append(before[0].at[before[1][customer]])
                self.tokens.append(before[0].tokens[before[1][customer]])
                continue
            firsts: list[tuple[int, int]] = []
            for kind, text in (("touchpoint", journey), ("channel", facts.channels[customer]),
                               ("rep", facts.reps[customer])):
                names = read.names[kind]
                firsts.extend((text.find(code), token(names[code])) for code in set(text) if code != NO_VALUE)
            skus = facts.skus[customer]
            if skus:
                firsts.extend((skus.count(SKU_SEPARATOR, 0, skus.find(code)), token(read.products[code]))
                              for code in set(skus) if code != SKU_SEPARATOR)
            if read.ticket is not None and read.ticket in journey:
                seen = set()
                for index, (sentiment, *_) in sorted(read.marks(customer).items()):
                    if sentiment is not None and journey[index] == read.ticket:
                        outcome = ("support", "negative ticket" if sentiment < 0 else "other ticket")
                        if outcome not in seen:
                            seen.add(outcome)
                            firsts.append((index, token(outcome)))
            if facts.segments[customer]:
                firsts.append((0, token(("segment", facts.segments[customer]))))
            firsts.sort()
            self.at.append(array("l", [index for index, _ in firsts]))
            self.tokens.append(array("l", [held for _, held in firsts]))


_KINDS = ("touchpoint", "channel", "rep", "product")  # candidates counted as codes; support and segment as they are


KeptCase = tuple[int, int, int, Any, Any, bool]  # customer, first and end touchpoint, answer id, score, with campaign


class _Tally:
    """How many cases, and how many low ones, hold each candidate: each case's codes (a set of
    characters per kind) are gathered in lists and counted once, in C, and named only at the end.
    The low cases are kept (as ``KeptCase``) to find examples in."""

    def __init__(self) -> None:
        self.total = 0
        self.low_cases: list[KeptCase] = []
        self.held: list[list[str]] = [[] for _ in _KINDS]
        self.low: list[list[str]] = [[] for _ in _KINDS]
        self.other: list[tuple[str, str]] = []
        self.other_low: list[tuple[str, str]] = []
        self.tokens: list[int] = []  # candidates as tokens (``_FirstHeld``), in cases and in low ones
        self.low_tokens: list[int] = []

    def causes(self, kind: str, read: _KeptCases, min_support: int, alpha: float, examples: int,
               candidates: Sequence[tuple[str, str]] = ()) -> RootCauses:
        held, low = Counter(self.other), Counter(self.other_low)
        held.update({candidates[token]: n for token, n in Counter(self.tokens).items()})
        low.update({candidates[token]: n for token, n in Counter(self.low_tokens).items()})
        for name, held_codes, low_codes in zip(_KINDS, self.held, self.low, strict=True):
            named = read.names[name]
            held.update({named[code]: n for code, n in Counter(held_codes).items() if code != NO_VALUE})
            low.update({named[code]: n for code, n in Counter(low_codes).items() if code != NO_VALUE})

        def shown(candidate: tuple[str, str]) -> tuple[Example, ...]:
            holding = (case for case in self.low_cases if candidate in read.candidates(*case[:3]))
            return tuple(read.example(*case) for case in itertools.islice(holding, examples))

        return _causes(kind, self.total, len(self.low_cases), (held, low), min_support, alpha, shown)


class _KeptCases:
    """A case's candidates and example path read from the kept journeys' codes."""

    def __init__(self, journeys: Journeys) -> None:
        assert journeys.facts is not None
        self.journeys, self.facts = journeys, journeys.facts
        self.ticket = journeys.code("support_ticket")
        self._marks: dict[int, dict[int, tuple[Any, Any, Any, Any]]] = {}
        self.names = {kind: self._names(kind) for kind in _KINDS}
        self.types, self.channels = self.names["touchpoint"], self.names["channel"]
        self.reps, self.products = self.names["rep"], self.names["product"]

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

    def tally(self, tally: _Tally, case: KeptCase, low: bool) -> None:
        """Count what the case's touchpoints hold (as ``candidates``)."""
        customer, first, end = case[:3]
        journey, facts = self.journeys.codes[customer], self.facts
        touched = journey[first:end]
        held = (set(touched), set(facts.channels[customer][first:end]), set(facts.reps[customer][first:end]),
                set("".join(facts.skus_of(customer, len(journey))[first:end])) if facts.skus[customer] else ())
        other = self._other(customer, touched, first)
        tally.total += 1
        for codes, counted in zip(held, tally.held, strict=True):
            counted.extend(codes)
        tally.other.extend(other)
        if low:
            tally.low_cases.append(case)
            for codes, counted in zip(held, tally.low, strict=True):
                counted.extend(codes)
            tally.other_low.extend(other)

    def _other(self, customer: int, touched: str, first: int) -> set[tuple[str, str]]:
        """The support outcomes and the segment a case holds."""
        found: set[tuple[str, str]] = set()
        ticket = self.ticket
        at = -1 if ticket is None else touched.find(ticket)
        while at >= 0:
            sentiment = self.marks(customer).get(first + at, (None,))[0]
            if sentiment is not None:
                found.add(("support", "negative ticket" if sentiment < 0 else "other ticket"))
            at = touched.find(ticket, at + 1)  # type: ignore[arg-type]
        segment = self.facts.segments[customer]
        if segment:
            found.add(("segment", segment))
        return found

    def candidates(self, customer: int, first: int, end: int) -> set[tuple[str, str]]:
        """What ``_candidates`` finds in the customer's touchpoints ``first`` to ``end`` - 1."""
        journey, facts = self.journeys.codes[customer], self.facts
        touched = journey[first:end]
        types, channels, reps = self.types, self.channels, self.reps
        found = {types[code] for code in set(touched)}
        found.update([channels[code] for code in set(facts.channels[customer][first:end]) if code != NO_VALUE])
        found.update([reps[code] for code in set(facts.reps[customer][first:end]) if code != NO_VALUE])
        if facts.skus[customer]:
            products = self.products
            found.update([products[code] for code in set("".join(facts.skus_of(customer, len(journey))[first:end]))])
        found.update(self._other(customer, touched, first))
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
    return _row_causes(f"drop-off after {steps[step - 1]}", cases, min_support, alpha, examples)


@dataclass(frozen=True)
class _Case:
    example: Callable[[], Example]
    low: bool
    candidates: set[tuple[str, str]]


def _row_causes(kind: str, cases: list[_Case], min_support: int, alpha: float, examples: int) -> RootCauses:
    """The causes among cases read from the named queries' rows."""
    def shown(candidate: tuple[str, str]) -> tuple[Example, ...]:
        holding = (case for case in cases if case.low and candidate in case.candidates)
        return tuple(case.example() for case in itertools.islice(holding, examples))

    counted = (Counter(c for case in cases for c in case.candidates),
               Counter(c for case in cases if case.low for c in case.candidates))
    return _causes(kind, len(cases), sum(case.low for case in cases), counted, min_support, alpha, shown)


def _causes(kind: str, total: int, total_low: int,
            counted: tuple[Counter[tuple[str, str]], Counter[tuple[str, str]]], min_support: int, alpha: float,
            shown: Callable[[tuple[str, str]], tuple[Example, ...]]) -> RootCauses:
    """The over-represented candidates among ``total`` cases (``total_low`` low), given how many
    cases and low cases hold each (``counted``); ``shown`` gives a cause's examples."""
    held, lows = counted
    tested = sorted(c for c, n in held.items() if n >= min_support)
    p_values = [over_representation(total, total_low, held[c], lows[c]) for c in tested]
    q_values = benjamini_hochberg(p_values)
    found: list[Cause] = []
    for candidate, p, q in zip(tested, p_values, q_values, strict=True):
        lift = (lows[candidate] / held[candidate]) / (total_low / total) if total_low else 0.0
        if q > alpha or lift <= 1:
            continue
        found.append(Cause(candidate[0], candidate[1], held[candidate], lows[candidate], round(lift, 4), p, q,
                           shown(candidate)))
    found.sort(key=lambda cause: (cause.q_value, -cause.lift, cause.kind, cause.value))
    return RootCauses(kind, total, total_low, len(tested), tuple(found))


def over_representation(total: int, total_low: int, cases: int, low: int) -> float:
    """P(at least ``low`` low answers among ``cases`` drawn from ``total`` holding ``total_low``):
    the upper tail of the hypergeometric distribution (one-sided Fisher exact test), summed in
    log space so that 100,000 answers cost no big integers. The terms are summed from ``low``
    away from the distribution's mode (upwards when ``low`` is above it; else the lower tail,
    downwards from ``low`` - 1, is taken from 1), each from the one before by a ratio, and the sum
    stops once they no longer change it (1e-20 of the largest): a few dozen terms where summing
    the whole tail took tens of thousands."""
    least, top = max(0, cases - (total - total_low)), min(cases, total_low)
    if low > top:
        return 0.0
    if low <= least:
        return 1.0
    mode = (cases + 1) * (total_low + 1) // (total + 2)
    if low > mode:
        return min(1.0, _tail(total, total_low, cases, low, top, upwards=True))
    return max(0.0, 1.0 - _tail(total, total_low, cases, low - 1, least, upwards=False))


def _tail(total: int, total_low: int, cases: int, start: int, stop: int, upwards: bool) -> float:
    """The hypergeometric probabilities of ``start`` to ``stop`` (inclusive) summed, away from the mode."""
    others = total - total_low
    term = _log_comb(total_low, start) + _log_comb(others, cases - start) - _log_comb(total, cases)
    logs = [term]
    peak = term
    for k in range(start, stop, 1 if upwards else -1):
        if upwards:  # P(k + 1) / P(k)
            ratio = (total_low - k) * (cases - k) / ((k + 1) * (others - cases + k + 1))
        else:  # P(k - 1) / P(k)
            ratio = k * (others - cases + k) / ((total_low - k + 1) * (cases - k + 1))
        term += math.log(ratio)
        logs.append(term)
        peak = max(peak, term)
        if term < peak - 46:  # exp(-46) ~ 1e-20; away from the mode, every later term is smaller still
            break
    return math.exp(peak) * sum(math.exp(value - peak) for value in logs)


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
