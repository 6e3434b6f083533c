"""What the dashboard shows, kept current at resolve time (two ``Summary`` nodes).

Why: the dashboard's views are whole-graph answers (NPS by month, transitions, funnels, how
journeys begin, segment sizes, the churn list). Asked per request they take seconds at 100,000
persons (bench/RESULTS.md). They change only when a resolve rebuilds the customers' journeys
(a load adds touchpoints, which join the journeys at the next resolve), so each resolve
computes them once, from the catalogue's own queries, and a view reads one node.

A funnel can have any steps, so it cannot be kept as an answer: the ``journeys`` node keeps
every customer's touchpoint types in journey order, one character per touchpoint (and again with
repeats in a row collapsed), and a funnel, the journey beginnings or the paths from or into a
touchpoint are counted over those strings in memory (about 0.1 s for 100,000 customers) by the
rules of the ``funnel``, ``journey_variants`` and ``journey_paths`` queries; a test holds each
pair to the same rows. The small ``dashboard`` node says which ``journeys`` it goes with, so a server
reads the large one only after a resolve.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
import threading
import time
from array import array
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from custgraph.graph import JourneyEdit, Rows, Store, round_half_up
from custgraph.loaders import LAST_LOAD
from custgraph.queries import get as named_query

__all__ = [
    "Answers",
    "JourneyFacts",
    "Journeys",
    "KeptJourneys",
    "Summary",
    "forget_customers",
    "keep_settled_journeys",
    "read_answers",
    "read_journeys",
    "read_summary",
    "refresh_summary",
    "summarise",
    "value_code",
    "with_changes",
]

DASHBOARD, JOURNEYS, ANSWERS = "dashboard", "journeys", "answers"
SETTLED = "journeys_settled"  # the journeys of the customers live events changed since the last resolve
JOURNEYS_READ = 100  # customers per journey_sequences read when keeping the settled ones
EVERY_ANSWER = 1_000_000_000  # touchpoint_answers' limit when the summary keeps them all
CHURN_KEPT = 50  # the churn list the dashboard shows
TIME_WIDTH = 10  # base-36 digits per touchpoint time: microseconds up to 114 years after the first
FIRST_CODE = 0x100  # type codes as characters from here: printable, and never escaped in JSON
NO_VALUE = "\u00ff"  # a touchpoint without a channel, campaign or rep
SKU_SEPARATOR = ","  # between the touchpoints' product codes
# How long after the last question the kept journeys still take in what settles ahead of the next
# one (``KeptJourneys.ahead``): a dashboard open and refreshing keeps them current.
IN_USE_S = 600.0
_SURROGATES, _SURROGATES_END = 0xD800, 0xE000  # codes skip these: not characters
_DAY_MICROS = 86_400 * 1_000_000
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_MICROSECOND = dt.timedelta(microseconds=1)
_REPEATS = re.compile(r"(.)\1+", re.DOTALL)


def _month_bounds(low: int, high: int) -> tuple[int, list[int]]:
    """The month (year * 12 + month - 1) of ``low`` and the start of each month from it to the one
    after ``high``, in microseconds since 1970 (UTC)."""
    at = _EPOCH + dt.timedelta(microseconds=low)
    month = at.year * 12 + at.month - 1
    bounds = []
    for number in range(month, month + 10_000):
        start = dt.datetime(number // 12, number % 12 + 1, 1, tzinfo=dt.UTC)
        bounds.append((start - _EPOCH) // _MICROSECOND)
        if bounds[-1] > high:
            break
    return month, bounds


def value_code(index: int) -> str:
    """The code of the ``index``-th value: a character from FIRST_CODE on, skipping the surrogates."""
    code = FIRST_CODE + index
    return chr(code if code < _SURROGATES else code + _SURROGATES_END - _SURROGATES)


def _index(code: str) -> int:
    number = ord(code)
    return (number if number < _SURROGATES else number - _SURROGATES_END + _SURROGATES) - FIRST_CODE


def _rounded(value: float, digits: int) -> float:
    rounded = round_half_up(value, digits)
    assert rounded is not None
    return rounded


@dataclass(frozen=True)
class Summary:
    """The dashboard's aggregates as of the last resolve."""

    refreshed_at: str
    as_of: str | None  # the newest touchpoint the scores were measured from
    revenue: float
    scores: Rows  # touchpoint_scores rows
    transitions: Rows  # transitions rows
    segments: dict[str, int]  # RFM segment → customers
    nodes: dict[str, int]  # label → nodes
    relationships: dict[str, int]  # type → relationships
    churn: Rows  # churn_risk rows, the riskiest first
    journeys_of: str  # refreshed_at of the journeys and answers these go with
    last_load: str | None = None  # when the store last took a load (read with the summary, kept by loads)
    moves: Rows = field(default_factory=list)  # {from, to, customers}: segments before and after the resolve


@dataclass(frozen=True)
class JourneyFacts:
    """Per customer (in ``Journeys.customers``' order) what the attribution, root causes and retention
    read of each touchpoint, as compact as the journeys: one character per touchpoint for its
    channel, campaign and rep (a code in ``values``, or ``NO_VALUE``), its products' codes (the
    touchpoints' separated by ``SKU_SEPARATOR``), the few marks (sentiment, score) as JSON, the
    customer's first touchpoint's time and its RFM segment as of the resolve."""

    values: tuple[str, ...]
    channels: tuple[str, ...]
    campaigns: tuple[str, ...]
    reps: tuple[str, ...]
    skus: tuple[str, ...]
    marks: tuple[str, ...]  # "[[index, sentiment, score, score_kind, answer_id], ...]", or "" for none
    firsts: tuple[int, ...]  # microseconds since 1970 (UTC) of the first touchpoint
    segments: tuple[str, ...]  # "" for none

    def value(self, code: str) -> str | None:
        return None if code == NO_VALUE else self.values[_index(code)]

    def skus_of(self, customer: int, touchpoints: int) -> list[str]:
        """The customer's touchpoints' product codes, a string of codes each."""
        text = self.skus[customer]
        return text.split(SKU_SEPARATOR) if text else [""] * touchpoints

    def marks_of(self, customer: int) -> dict[int, tuple[Any, Any, Any, Any]]:
        """Touchpoint index → (sentiment, score, score_kind, answer_id), for those with any."""
        text = self.marks[customer]
        return {entry[0]: tuple(entry[1:]) for entry in json.loads(text)} if text else {}


@dataclass(frozen=True)
class Journeys:
    """Every customer's touchpoint types in journey order, as one string of type codes each."""

    refreshed_at: str
    types: tuple[str, ...]
    customers: tuple[str, ...]
    codes: tuple[str, ...]
    collapsed: tuple[str, ...]  # each journey with a type repeated in a row once
    times: tuple[str, ...]  # per touchpoint, microseconds after the first, TIME_WIDTH base-36 digits each
    # What the analytics read of each touchpoint (``journey_facts``); empty in a summary kept by an
    # older custgraph, whose readers then ask the named queries.
    facts: JourneyFacts | None = None
    _code_of: dict[str, str] = field(default_factory=dict, compare=False, repr=False)
    _months_of: dict[str, list[set[int]]] = field(default_factory=dict, compare=False, repr=False)
    _derived: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)
    _inherited: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def derived(self, name: str, make: Callable[[], Any]) -> Any:
        """What ``make`` derives from these journeys, made once and kept with them (they never change)."""
        if name not in self._derived:
            self._derived[name] = make()
        return self._derived[name]

    def made(self, name: str) -> bool:
        """Whether ``name`` (``moments``, or a name given to ``derived``) was derived already."""
        return name in self._derived or (name == "moments" and "moments" in self.__dict__)

    def inherited(self, name: str) -> tuple[Any, list[int]] | None:
        """What the journeys these were merged from (``with_changes``) had derived as ``name``, and
        per customer here its index there (-1: taken anew): so that a merge of a few customers'
        changes is derived anew only for them. Given once, then let go."""
        found = self._inherited.pop(name, None)
        return None if found is None else (found, self._inherited["origin"])

    def code(self, kind: str) -> str | None:
        if not self._code_of:
            self._code_of.update((name, chr(FIRST_CODE + n)) for n, name in enumerate(self.types))
        return self._code_of.get(kind)

    @cached_property
    def moments(self) -> tuple[array[int], array[int]]:
        """Every touchpoint's time as one array of integers, and where each customer's start: read
        once per summary (about 0.5 s at a million touchpoints), 8 bytes a touchpoint."""
        flat: array[int] = array("q")
        starts: array[int] = array("q")
        width = TIME_WIDTH
        before = self.inherited("moments")
        for customer, offsets in enumerate(self.times):
            starts.append(len(flat))
            if before is not None and before[1][customer] >= 0:  # as it was before the merge
                (old_flat, old_starts), at = before[0], before[1][customer]
                flat.extend(old_flat[old_starts[at]:old_starts[at] + len(self.codes[customer])])
            else:
                flat.extend(int(offsets[n:n + width], 36) for n in range(0, len(offsets), width))
        return flat, starts

    def reached(self, steps: Sequence[str], window_days: int | None = None,
                positions: list[list[int]] | None = None) -> tuple[list[int], list[list[int]]]:
        """How far each customer got along ``steps`` (each step later than the one before, and with a
        window no later than that after step 1), and per step the seconds from step 1 of those who
        reached it. ``positions``, when given, gets per customer the touchpoint index of each step reached."""
        wanted = [self.code(step) for step in steps]
        window = None if window_days is None else window_days * 86400
        depths = []
        gaps: list[list[int]] = [[] for _ in steps]
        flat, starts = self.moments
        for journey, base in zip(self.codes, starts, strict=True):
            at, depth, start = 0, 0, 0
            reached_at: list[int] = []
            for code in wanted:
                if code is None:
                    break
                found = journey.find(code, at)
                if found < 0:
                    break
                if depth == 0:
                    start, seconds = flat[base + found], 0
                else:
                    seconds = (flat[base + found] - start) // 1_000_000
                    if window is not None and seconds > window:  # later ones are later still
                        break
                gaps[depth].append(seconds)
                at, depth = found + 1, depth + 1
                reached_at.append(found)
            depths.append(depth)
            if positions is not None:
                positions.append(reached_at)
        return depths, gaps

    def conversion_paths(self, conversion: str, lookback_days: int, about: Sequence[Collection[str]] | None = None
                         ) -> list[tuple[int, bool, int, int]]:
        """The ``conversion_paths`` query's paths, each as (customer index, converted, first, end): its
        touchpoints are the customer's ``first`` to ``end`` - 1; a converted path's conversion is
        touchpoint ``end``, a path that has not converted ends with the journey. ``about``: sets of
        product codes (``JourneyFacts``); a conversion must be about one of each (None: any conversion)."""
        code = self.code(conversion)
        lookback = lookback_days * _DAY_MICROS
        flat, starts = self.moments
        found: list[tuple[int, bool, int, int]] = []
        for customer, (journey, base) in enumerate(zip(self.codes, starts, strict=True)):
            opened, at, skus = 0, journey.find(code) if code else -1, None
            while at >= 0:
                if about is not None:
                    assert self.facts is not None
                    skus = skus or self.facts.skus_of(customer, len(journey))
                    if not all(any(sku in wanted for sku in skus[at]) for wanted in about):  # a touchpoint
                        at = journey.find(code, at + 1)  # type: ignore[arg-type]
                        continue
                first = bisect_left(flat, flat[base + at] - lookback, base + opened, base + at) - base
                found.append((customer, True, first, at))
                opened = at + 1
                at = journey.find(code, opened)  # type: ignore[arg-type]
            last = len(journey) - 1
            if opened <= last:
                found.append((customer, False,
                              bisect_left(flat, flat[base + last] - lookback, base + opened, base + last) - base,
                              last + 1))
        return found

    def micros(self, customer: int, index: int) -> int:
        """When the customer's touchpoint ``index`` was, in microseconds since 1970 (UTC)."""
        assert self.facts is not None
        flat, starts = self.moments
        return self.facts.firsts[customer] + flat[starts[customer] + index]

    def months(self, start: str) -> list[set[int]]:
        """Per customer with activity, the months (year * 12 + month - 1, UTC) it was active: a
        purchase (``start`` "purchase") or any touchpoint ("touch"), as ``retention_cohorts`` and
        ``lifecycle`` count them."""
        if start not in self._months_of:
            self._months_of[start] = self._months(start)
        return self._months_of[start]

    def _months(self, start: str) -> list[set[int]]:
        assert self.facts is not None
        flat, starts = self.moments
        purchase = self.code("purchase")
        if not self.codes:
            return []
        found: list[set[int]] = []
        first_month, bounds = _month_bounds(min(self.facts.firsts), max(
            first + flat[base + len(journey) - 1]
            for journey, base, first in zip(self.codes, starts, self.facts.firsts, strict=True)))
        for journey, base, first in zip(self.codes, starts, self.facts.firsts, strict=True):
            if start == "touch":
                offsets: Sequence[int] = flat[base:base + len(journey)]
            else:
                offsets, at = [], journey.find(purchase) if purchase else -1
                while at >= 0:
                    offsets.append(flat[base + at])
                    at = journey.find(purchase, at + 1)  # type: ignore[arg-type]
            if not offsets:
                continue
            months, limit = set(), -1
            for offset in offsets:  # in time order: a month is looked up only when one is crossed
                if offset >= limit:
                    index = bisect_right(bounds, first + offset) - 1
                    months.add(first_month + index)
                    limit = bounds[index + 1] - first
            found.append(months)
        return found

    def funnel(self, steps: Sequence[str], dropped: int = 0, window_days: int | None = None) -> Rows:
        """The ``funnel`` query's rows; with ``dropped``, each row also lists (``dropped``) up to that
        many customers, by id, who reached the step before and not this one."""
        depths, gaps = self.reached(steps, window_days)
        counts = Counter(depths)
        at_least = [0] * (len(steps) + 2)
        for depth in range(len(steps), -1, -1):
            at_least[depth] = at_least[depth + 1] + counts.get(depth, 0)
        rows: Rows = []
        for step in range(1, len(steps) + 1):
            times = sorted(gaps[step - 1])
            rows.append({"step": step, "type": steps[step - 1], "customers": at_least[step],
                         "conversion": 0.0 if at_least[step - 1] == 0 else
                         _rounded(at_least[step] / at_least[step - 1], 4),
                         "drop_off": at_least[step - 1] - at_least[step],
                         "median_hours": _rounded(times[(len(times) - 1) // 2] / 3600.0, 2) if times else None})
        if dropped:
            lost: dict[int, list[str]] = {}
            for customer, depth in zip(self.customers, depths, strict=True):
                if depth < len(steps):
                    lost.setdefault(depth + 1, []).append(customer)
            for row in rows:
                row["dropped"] = sorted(lost.get(row["step"], []))[:dropped]
        return rows

    def variants(self, steps: int, limit: int) -> Rows:
        """The ``journey_variants`` query's rows."""
        purchase = self.code("purchase")
        counts: dict[str, list[int]] = {}
        for journey, collapsed in zip(self.codes, self.collapsed, strict=True):
            entry = counts.setdefault(collapsed[:steps], [0, 0])
            entry[0] += 1
            entry[1] += purchase is not None and purchase in journey
        named = [(self._names(variant), n, bought) for variant, (n, bought) in counts.items()]
        named.sort(key=lambda item: (-item[1], item[0]))
        return [{"variant": variant, "customers": n, "converted": bought, "conversion": _rounded(bought / n, 4)}
                for variant, n, bought in named[:limit]]

    def paths(self, touchpoint: str, direction: str, steps: int, limit: int) -> Rows:
        """The ``journey_paths`` query's rows."""
        code = self.code(touchpoint)
        if code is None:
            return []
        into = direction == "into"
        counts: Counter[str] = Counter()
        for collapsed in self.collapsed:
            at = collapsed.find(code)
            if at >= 0:
                counts[collapsed[max(0, at - steps):at + 1] if into else collapsed[at:at + steps + 1]] += 1
        total = sum(counts.values())
        named = sorted(((self._names(path), n) for path, n in counts.items()), key=lambda item: (-item[1], item[0]))
        return [{"path": path, "customers": n, "share": _rounded(n / total, 4)} for path, n in named[:limit]]

    def _names(self, codes: str) -> list[str]:
        return [self.types[ord(c) - FIRST_CODE] for c in codes]

    def type_name(self, code: str) -> str:
        return self.types[ord(code) - FIRST_CODE]


@dataclass(frozen=True)
class Answers:
    """Every survey answer with the touchpoint before it (the ``touchpoint_answers`` query's rows),
    by heat-map cell ("channel|type"), the newest first."""

    refreshed_at: str
    by_cell: dict[str, Rows]

    @staticmethod
    def cell(channel_id: str | None, kind: str | None) -> str:
        return f"{channel_id or ''}|{kind or ''}"

    def of(self, channel_id: str, kind: str, month: str | None, limit: int) -> Rows:
        """The ``touchpoint_answers`` query's rows for one cell."""
        rows = self.by_cell.get(self.cell(channel_id, kind), [])
        return [row for row in rows if month is None or str(row["answered_at"])[:7] == month][:limit]


class _JourneysBuilder:
    """Gathers ``Journeys`` from ``journey_sequences`` rows, with the codes of ``like`` (kept
    journeys that the rows change) to start from."""

    def __init__(self, segments: dict[str, str], like: Journeys | None = None) -> None:
        self.segment_of = segments
        self.types: dict[str, str] = {} if like is None else {name: chr(FIRST_CODE + n)
                                                                for n, name in enumerate(like.types)}
        values = () if like is None or like.facts is None else like.facts.values
        self.values: dict[str, str] = {value: value_code(n) for n, value in enumerate(values)}
        self.columns: dict[str, list[Any]] = {name: [] for name in _COLUMNS}

    def _code(self, value: Any) -> str:
        if value is None:
            return NO_VALUE
        text = str(value)
        code = self.values.get(text)
        if code is None:
            code = self.values[text] = value_code(len(self.values))
        return code

    def add(self, row: dict[str, Any], before: Mapping[str, Any] | None = None) -> None:
        """Add a ``journey_sequences`` row; ``before``: the columns of the customer's kept journey,
        which the row continues (a row with ``since``: the touchpoints after that many)."""
        code, put = self._code, self.columns
        before = before or {name: "" for name in _COLUMNS}
        since = len(before["codes"])
        kinds = before["codes"] + "".join(
            self.types.setdefault(kind, chr(FIRST_CODE + len(self.types))) for kind in row["types"])
        first = before["firsts"] if since else row["micros"][0]
        put["customers"].append(str(row["customer_id"]))
        put["codes"].append(kinds)
        put["collapsed"].append(_REPEATS.sub(r"\1", kinds))
        put["times"].append(before["times"] + "".join(_base36(at - first) for at in row["micros"]))
        put["channels"].append(before["channels"] + "".join(map(code, row["channels"])))
        put["campaigns"].append(before["campaigns"] + "".join(map(code, row["campaigns"])))
        put["reps"].append(before["reps"] + "".join(map(code, row["reps"])))
        skus = (before["skus"].split(SKU_SEPARATOR) if before["skus"] else [""] * since) + [
            "".join(map(code, found)) for found in row["skus"]]
        put["skus"].append(SKU_SEPARATOR.join(skus) if any(skus) else "")
        marks = (json.loads(before["marks"]) if before["marks"] else []) + [
            [since + n, sentiment, score, kind, answer] for n, (sentiment, score, kind, answer) in enumerate(zip(
                row["sentiments"], row["scores"], row["score_kinds"], row["answer_ids"], strict=True))
            if sentiment is not None or score is not None]
        put["marks"].append(_json(marks) if marks else "")
        put["firsts"].append(int(first))
        put["segments"].append(self.segment_of.get(str(row["customer_id"]), ""))

    def built(self, refreshed_at: str, columns: Mapping[str, Sequence[Any]] | None = None) -> Journeys:
        """The journeys of the rows added (or of ``columns``, in the same form)."""
        put = columns or self.columns
        facts = JourneyFacts(tuple(self.values), *(tuple(put[name]) for name in _FACT_COLUMNS))
        return Journeys(refreshed_at, tuple(self.types), tuple(put["customers"]), tuple(put["codes"]),
                        tuple(put["collapsed"]), tuple(put["times"]), facts)


_JOURNEY_COLUMNS = ("customers", "codes", "collapsed", "times")
_FACT_COLUMNS = ("channels", "campaigns", "reps", "skus", "marks", "firsts", "segments")
_COLUMNS = _JOURNEY_COLUMNS + _FACT_COLUMNS


def _column(journeys: Journeys, name: str) -> Sequence[Any]:
    found: Sequence[Any] = getattr(journeys, name) if name in _JOURNEY_COLUMNS else getattr(journeys.facts, name)
    return found


def _first(columns: dict[str, Any], n: int) -> dict[str, Any]:
    """A customer's kept journey columns cut to its first ``n`` touchpoints."""
    skus = columns["skus"].split(SKU_SEPARATOR)[:n] if columns["skus"] else []
    marks = [mark for mark in json.loads(columns["marks"]) if mark[0] < n] if columns["marks"] else []
    return {**columns, "codes": columns["codes"][:n], "times": columns["times"][:n * TIME_WIDTH],
            **{name: columns[name][:n] for name in ("channels", "campaigns", "reps")},
            "skus": SKU_SEPARATOR.join(skus) if any(skus) else "", "marks": _json(marks) if marks else ""}


def with_changes(journeys: Journeys, rows: dict[str, dict[str, Any] | None], refreshed_at: str,
                 whole: Callable[[Collection[str]], dict[str, dict[str, Any] | None]]) -> Journeys:
    """``journeys`` with these customers' ``journey_sequences`` rows in place of theirs (None: the
    customer is gone or has no touchpoint left), in customer order; each keeps its segment. A row
    with ``since`` keeps that many of the customer's first touchpoints and continues after them;
    where the kept journey has not the ``had`` touchpoints the row changed (kept before a pass that
    changed it and failed), ``whole`` reads the customers' rows whole."""
    assert journeys.facts is not None
    segments = dict(zip(journeys.customers, journeys.facts.segments, strict=True))
    index = {customer: n for n, customer in enumerate(journeys.customers)}
    misfits = [customer for customer, row in rows.items() if row is not None and row.get("since") and (
        customer not in index or len(journeys.codes[index[customer]]) != _had(row) or row["since"] > _had(row))]
    if misfits:
        rows = {**rows, **whole(misfits)}
    builder = _JourneysBuilder(segments, like=journeys)
    for customer in sorted(rows):
        row = rows[customer]
        if row is not None and row["types"]:
            before = _first({name: _column(journeys, name)[index[customer]] for name in _COLUMNS},
                            row["since"]) if row.get("since") else None
            builder.add(row, before)
    added = builder.columns
    kept = [n for n, customer in enumerate(journeys.customers) if customer not in rows]
    order = sorted([(journeys.customers[n], False, n) for n in kept]
                   + [(customer, True, n) for n, customer in enumerate(added["customers"])])
    columns = {name: [added[name][n] if new else _column(journeys, name)[n] for _, new, n in order]
               for name in _COLUMNS}
    merged = builder.built(refreshed_at, columns)
    merged._inherited.update({"origin": [-1 if new else n for _, new, n in order], **journeys._derived})
    if "moments" in journeys.__dict__:
        merged._inherited["moments"] = journeys.moments
    return merged


def summarise(store: Store, segments: Rows | None = None, churn: Rows | None = None,
              moves: Rows | None = None, also: Callable[[Mapping[str, Any]], None] | None = None,
              ) -> tuple[Summary, Journeys, Answers]:
    """Compute the summary from the catalogue's queries (``segments`` and ``churn`` as the scores
    just computed them, when given); ``also`` is given every ``journey_sequences`` row read (the
    predictions learn from the same read)."""
    now = dt.datetime.now(dt.UTC).isoformat()
    latest = store.run(named_query("latest_touchpoint"))[0]["at"]
    as_of = None if latest is None else min(latest, dt.datetime.now(dt.UTC))
    if segments is None:
        segments = [] if as_of is None else store.run(named_query("segments"), {"as_of": as_of})
    if churn is None:
        churn = [] if as_of is None else store.run(named_query("churn_risk"), {"as_of": as_of, "limit": CHURN_KEPT})
    builder = _JourneysBuilder({str(row["customer_id"]): str(row["segment"] or "") for row in segments})
    for row in store.run(named_query("journey_sequences"), {"customers": None}):
        builder.add(row)
        if also is not None:
            also(row)
    journeys = builder.built(now)
    sizes = Counter(str(row["segment"]) for row in segments)
    summary = Summary(
        refreshed_at=now, as_of=None if as_of is None else as_of.isoformat(),
        revenue=round(sum(row["monetary"] or 0.0 for row in segments), 2),
        scores=store.run(named_query("touchpoint_scores")), transitions=store.run(named_query("transitions")),
        segments=dict(sizes.most_common()), churn=list(churn[:CHURN_KEPT]), journeys_of=now,
        nodes={row["label"]: row["count"] for row in store.run(named_query("node_counts"))},
        relationships={row["type"]: row["count"] for row in store.run(named_query("relationship_counts"))},
        moves=list(moves or []))
    by_cell: dict[str, Rows] = {}
    for row in store.run(named_query("touchpoint_answers"), {"limit": EVERY_ANSWER}):
        by_cell.setdefault(Answers.cell(row["channel_id"], row["type"]), []).append(row)
    load = store.get_node("Summary", LAST_LOAD)
    summary = dataclasses.replace(summary, last_load=None if load is None else _text(load["loaded_at"]))
    return summary, journeys, Answers(now, by_cell)


_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"


def _base36(number: int) -> str:
    digits = []
    for _ in range(TIME_WIDTH):
        number, digit = divmod(number, 36)
        digits.append(_DIGITS[digit])
    return "".join(reversed(digits))


def _text(value: Any) -> str:
    return value.isoformat() if isinstance(value, dt.datetime) else str(value)


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=lambda v: v.isoformat())


def _nodes(summary: Summary, journeys: Journeys, answers: Answers) -> list[dict[str, Any]]:
    return [
        {"summary_id": JOURNEYS, "refreshed_at": journeys.refreshed_at, "types": list(journeys.types),
         "customers": list(journeys.customers), "codes": list(journeys.codes),
         "collapsed": list(journeys.collapsed), "times": list(journeys.times),
         **({} if journeys.facts is None else
            {f"facts_{name.name}": list(getattr(journeys.facts, name.name))
             for name in dataclasses.fields(JourneyFacts)})},
        {"summary_id": ANSWERS, "refreshed_at": answers.refreshed_at, "data": _json(answers.by_cell)},
        {"summary_id": DASHBOARD, "refreshed_at": summary.refreshed_at, "journeys_of": summary.journeys_of,
         "data": _json({"as_of": summary.as_of, "revenue": summary.revenue, "scores": summary.scores,
                        "transitions": summary.transitions, "segments": summary.segments,
                        "churn": summary.churn, "nodes": summary.nodes, "relationships": summary.relationships,
                        "moves": summary.moves})},
    ]


def refresh_summary(store: Store, segments: Rows | None = None, churn: Rows | None = None,
                    moves: Rows | None = None, also: Callable[[Mapping[str, Any]], None] | None = None) -> Summary:
    """Compute the summary and keep it with the store (its nodes in one write); ``also``: as
    ``summarise`` takes it."""
    summary, journeys, answers = summarise(store, segments, churn, moves, also)
    before = store.get_node("Summary", SETTLED) or {}
    settled = {"summary_id": SETTLED, "journeys_of": "", "series": "", "settled_at": "", "parts": 0}  # all kept now
    store.upsert_nodes("Summary", [*_nodes(summary, journeys, answers), settled])
    if before.get("series"):
        store.delete_nodes("Summary", [_part(str(before["series"]), n) for n in range(int(before["parts"]))])
    return summary


def forget_customers(store: Store, customers: Collection[str]) -> list[dict[str, Any]]:
    """The summary's nodes without anything of ``customers`` (their journeys, survey answers and
    place in the churn list), for an erasure to write in its own transaction: what it erases must
    not live on in the summary until the next resolve, nor in a server's copy of it: the journeys
    and answers are marked anew, so that servers read them again. Empty when no summary is kept."""
    summary, journeys, answers = read_summary(store), read_journeys(store), read_answers(store)
    if summary is None or journeys is None or answers is None:
        return []
    gone = set(customers)
    now = dt.datetime.now(dt.UTC).isoformat()
    kept = [n for n, customer in enumerate(journeys.customers) if customer not in gone]
    journeys = dataclasses.replace(
        journeys, refreshed_at=now, customers=tuple(journeys.customers[n] for n in kept),
        codes=tuple(journeys.codes[n] for n in kept), collapsed=tuple(journeys.collapsed[n] for n in kept),
        times=tuple(journeys.times[n] for n in kept),
        facts=None if journeys.facts is None else JourneyFacts(journeys.facts.values, *(
            tuple(getattr(journeys.facts, f.name)[n] for n in kept)
            for f in dataclasses.fields(JourneyFacts) if f.name != "values")),
        _code_of={}, _months_of={}, _derived={})
    answers = Answers(now, {cell: [row for row in rows if row["customer_id"] not in gone]
                            for cell, rows in answers.by_cell.items()})
    summary = dataclasses.replace(summary, journeys_of=now,
                                  churn=[row for row in summary.churn if row["customer_id"] not in gone])
    settled = store.get_node("Summary", SETTLED) or {}
    scrubbed = [{"summary_id": key, "data": _json({customer: row for customer, row in rows.items()
                                                   if customer not in gone})}
                for key, rows in _settled_parts(store, settled) if gone & set(rows)]
    if settled.get("journeys_of"):  # what settled since applies to the journeys marked anew
        scrubbed.append({**settled, "journeys_of": now})
    return _nodes(summary, journeys, answers) + scrubbed


def read_summary(store: Store) -> Summary | None:
    """The kept summary, or ``None`` before the first resolve that keeps one."""
    node = store.get_node("Summary", DASHBOARD)
    if node is None:
        return None
    data = json.loads(str(node["data"]))
    load = store.get_node("Summary", LAST_LOAD)
    return Summary(refreshed_at=str(node["refreshed_at"]), as_of=data["as_of"], revenue=data["revenue"],
                   scores=data["scores"], transitions=data["transitions"], segments=data["segments"],
                   churn=data["churn"], journeys_of=str(node["journeys_of"]), nodes=data["nodes"],
                   relationships=data["relationships"], moves=data.get("moves", []),
                   last_load=None if load is None else _text(load["loaded_at"]))


def read_journeys(store: Store) -> Journeys | None:
    node = store.get_node("Summary", JOURNEYS)
    if node is None:
        return None
    names = [f.name for f in dataclasses.fields(JourneyFacts)]
    facts = JourneyFacts(*(tuple(node.get(f"facts_{name}") or ()) for name in names)) if all(
        f"facts_{name}" in node for name in names) else None
    return Journeys(str(node["refreshed_at"]), tuple(node["types"]), tuple(node["customers"]), tuple(node["codes"]),
                    tuple(node["collapsed"]), tuple(node["times"]), facts)


class KeptJourneys:
    """The journeys kept at the last resolve, with what live events settled since (``SETTLED``), as
    a long-running process holds them (megabytes at 100,000 persons): the kept journeys are read
    again only when a resolve has replaced them, the settled changes merged in when they changed,
    at most every ``merge_every_s`` (each merge makes the analytics count their indexes anew)."""

    def __init__(self, merge_every_s: float = 0.0) -> None:
        self.merge_every_s = merge_every_s
        self._base: Journeys | None = None
        self._merged: Journeys | None = None
        self._settled_at: str | None = None
        self._parts = 0  # the settled parts merged so far
        self._merged_when = 0.0
        self._asked = float("-inf")  # time.monotonic() of the last question (``current`` with asked)
        self._lock = threading.Lock()

    def current(self, store: Store, summary: Summary | None = None, asked: bool = True) -> Journeys | None:
        """The kept journeys with the changes settled since (``summary``: the kept summary, when
        already read), or None before the first resolve that keeps them. ``asked``: a question
        wants them (not a warmer reading ahead): see ``ahead``."""
        if asked:
            self._asked = time.monotonic()
        summary = summary if summary is not None else read_summary(store)
        if summary is None:
            return None
        with self._lock:
            if self._base is None or self._base.refreshed_at != summary.journeys_of:
                self._base, self._merged, self._settled_at, self._parts = read_journeys(store), None, None, 0
            base = self._base
            if base is None or base.facts is None:
                return base
            if self._merged is not None and time.monotonic() - self._merged_when < self.merge_every_s:
                return self._merged
            settled = store.get_node("Summary", SETTLED) or {}
            if settled.get("journeys_of") != base.refreshed_at:  # nothing settled since this resolve
                self._merged, self._settled_at, self._parts = base, None, 0
            elif settled.get("settled_at") != self._settled_at or self._merged is None:
                rows: dict[str, dict[str, Any] | None] = {}
                unjoined: set[str] = set()
                for _, part in _settled_parts(store, settled, self._parts):  # only the parts not merged yet
                    _take_part(rows, part, unjoined)
                if unjoined:
                    rows.update(_whole_journeys(store, unjoined))
                self._parts = int(settled["parts"])
                self._merged = with_changes(self._merged or base, rows, str(settled["settled_at"]),
                                            lambda customers: _whole_journeys(store, customers))
                self._settled_at = str(settled["settled_at"])
            self._merged_when = time.monotonic()
            return self._merged

    def ahead(self, store: Store) -> Journeys | None:
        """For a warmer, ahead of questions: ``current`` while they come (one in the last
        ``IN_USE_S``), else only when a resolve has kept new journeys; None when nothing is new.

        Why: merging what live events settled, and counting the analytics anew, took a tenth of
        a server's time while it took 2,000 events/s with nobody asking (bench/RESULTS.md). A
        question after a quiet spell merges the parts settled meanwhile itself."""
        summary = read_summary(store)
        if summary is None:
            return None
        with self._lock:
            idle = time.monotonic() - self._asked > IN_USE_S
            if idle and self._base is not None and self._base.refreshed_at == summary.journeys_of:
                return None
        return self.current(store, summary, asked=False)


def keep_settled_journeys(store: Store, customers: Mapping[str, JourneyEdit],
                          between: Callable[[], Mapping[str, JourneyEdit]] | None = None) -> dict[str, JourneyEdit]:
    """Take again the journeys of ``customers`` (rebuilt, grown or removed by settling live events)
    next to the kept ones: with them, the dashboard's journeys and the analytics counted from them
    (``KeptJourneys``) show the events before the next resolve keeps them all. Each pass writes
    its customers' rows (None for one gone) as a ``Summary`` node of its own, named in the small
    ``SETTLED`` node (later parts winning), so that a pass costs its own customers, not all those
    changed since the resolve. A customer whose edit left its first touchpoints as they were
    (``JourneyEdit.unchanged`` above 0) has a row of the touchpoints after them (``since``, with
    ``had``: how many its journey had), so that a pass costs what its customers gained, not how
    long their journeys are: live events mostly add touchpoints at a journey's end, or a visitor's
    recent visits just before it.

    ``between`` is called between reads (live events: it rebuilds the journeys of events that came
    meanwhile, so that they need not wait for the keeping) and returns how it changed journeys. A
    customer whose read is still to come is read with that change too; the others are returned,
    for a later keeping."""
    summary = read_summary(store)
    if summary is None or not customers:
        return {}
    node = store.get_node("Summary", SETTLED) or {}
    continued = node.get("journeys_of") == summary.journeys_of
    count = int(node.get("parts") or 0) if continued else 0
    series = str(node["series"]) if continued else summary.journeys_of
    wanted = sorted(customers)
    edits = dict(customers)
    left: dict[str, JourneyEdit] = {}
    rows: dict[str, dict[str, Any] | None] = {}
    # A hundred at a time: a request waiting to write waits for one read.
    for start in range(0, len(wanted), JOURNEYS_READ):
        if start and between is not None:
            for customer, edit in between().items():
                if customer in edits and customer >= wanted[start]:
                    edits[customer] = edits[customer].then(edit)
                else:
                    left[customer] = left[customer].then(edit) if customer in left else edit
        chunk = wanted[start:start + JOURNEYS_READ]
        rows.update((str(row["customer_id"]), row) for row in store.run(
            named_query("journey_sequences"), {"customers": chunk, "since": [edits[c].unchanged for c in chunk]}))
    for customer, row in rows.items():
        if row is not None and edits[customer].unchanged:
            row["since"], row["had"] = edits[customer]
    lost = [customer for customer in wanted if edits[customer].unchanged and customer not in rows]
    if lost:  # nothing after the touchpoints it had: read it whole
        rows.update(_whole_journeys(store, lost))
    now = dt.datetime.now(dt.UTC).isoformat()
    store.upsert_nodes("Summary", [
        {"summary_id": _part(series, count),
         "data": _json({customer: rows.get(customer) for customer in wanted})},
        {"summary_id": SETTLED, "journeys_of": summary.journeys_of, "series": series, "settled_at": now,
         "parts": count + 1}])
    return left


def _whole_journeys(store: Store, customers: Collection[str]) -> dict[str, dict[str, Any] | None]:
    """The ``journey_sequences`` rows of these customers, whole (None for one without touchpoints)."""
    wanted = sorted(customers)
    found: dict[str, dict[str, Any] | None] = dict.fromkeys(wanted)
    for start in range(0, len(wanted), JOURNEYS_READ):
        found.update((str(row["customer_id"]), row) for row in store.run(
            named_query("journey_sequences"), {"customers": wanted[start:start + JOURNEYS_READ]}))
    return found


def _take_part(rows: dict[str, dict[str, Any] | None], part: Mapping[str, dict[str, Any] | None],
               unjoined: set[str]) -> None:
    """Take a settled part into ``rows`` (a later part's row wins): a row that continues a journey
    (``since``) is joined to the customer's row in ``rows``, when there is one; one that does not
    continue it (a part lost, a pass that failed between two) is named in ``unjoined``, to be read
    whole."""
    for customer, row in part.items():
        prior = rows.get(customer)
        if row is not None and row.get("since") and customer in rows:
            start = 0 if prior is None else prior.get("since") or 0
            if prior is not None and start + len(prior["types"]) == _had(row) and start <= row["since"]:
                cut = row["since"] - start
                row = {name: value[:cut] + row[name] if isinstance(value, list) else value
                       for name, value in prior.items()}
            else:
                unjoined.add(customer)
        elif row is None or not row.get("since"):
            unjoined.discard(customer)
        rows[customer] = row


def _had(row: Mapping[str, Any]) -> int:
    """How many touchpoints the journey a row with ``since`` changes had (rows kept before ``had``
    was written only grew at the end)."""
    return int(row.get("had", row["since"]))


def _part(series: str, n: int) -> str:
    """The key of the ``n``-th part settled in a series (one per resolve)."""
    return f"{SETTLED}:{series}:{n}"


def _settled_parts(store: Store, node: Mapping[str, Any], start: int = 0) -> list[tuple[str, dict[str, Any]]]:
    """The parts (key, customer → row or None) named by the ``SETTLED`` node, from the ``start``-th."""
    found = []
    for n in range(start, int(node.get("parts") or 0)):
        key = _part(str(node["series"]), n)
        part = store.get_node("Summary", key)
        if part is not None:
            found.append((key, json.loads(str(part["data"]))))
    return found


def read_answers(store: Store) -> Answers | None:
    node = store.get_node("Summary", ANSWERS)
    return None if node is None else Answers(str(node["refreshed_at"]), json.loads(str(node["data"])))
