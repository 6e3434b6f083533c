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
from array import array
from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from custgraph.graph import Rows, Store, round_half_up
from custgraph.loaders import LAST_LOAD
from custgraph.queries import get as named_query

__all__ = ["Answers", "Journeys", "Summary", "forget_customers", "read_answers", "read_journeys", "read_summary",
           "refresh_summary", "summarise"]

DASHBOARD, JOURNEYS, ANSWERS = "dashboard", "journeys", "answers"
EVERY_ANSWER = 1_000_000_000  # touchpoint_answers' limit when the summary keeps them all
CHURN_KEPT = 50  # the churn list the dashboard shows
TIME_WIDTH = 10  # base-36 digits per touchpoint time: microseconds up to 114 years after the first
FIRST_CODE = 0x100  # type codes as characters from here: printable, and never escaped in JSON
_REPEATS = re.compile(r"(.)\1+", re.DOTALL)


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
class Journeys:
    """Every customer's touchpoint types in journey order, as one string of type codes each."""

    refreshed_at: str
    types: tuple[str, ...]
    customers: tuple[str, ...]
    codes: tuple[str, ...]
    collapsed: tuple[str, ...]  # each journey with a type repeated in a row once
    times: tuple[str, ...]  # per touchpoint, microseconds after the first, TIME_WIDTH base-36 digits each
    _code_of: dict[str, str] = field(default_factory=dict, compare=False, repr=False)

    def code(self, kind: str) -> str | None:
        if not self._code_of:
            self._code_of.update((name, chr(FIRST_CODE + n)) for n, name in enumerate(self.types))
        return self._code_of.get(kind)

    @cached_property
    def _moments(self) -> tuple[array[int], array[int]]:
        """Every touchpoint's time as one array of integers, and where each customer's start: read
        once per summary (about 0.5 s at a million touchpoints), 8 bytes a touchpoint."""
        flat: array[int] = array("q")
        starts: array[int] = array("q")
        width = TIME_WIDTH
        for offsets in self.times:
            starts.append(len(flat))
            flat.extend(int(offsets[n:n + width], 36) for n in range(0, len(offsets), width))
        return flat, starts

    def reached(self, steps: Sequence[str], window_days: int | None = None) -> tuple[list[int], list[list[int]]]:
        """How far each customer got along ``steps`` (each step later than the one before, and with a
        window no later than that after step 1), and per step the seconds from step 1 of those who
        reached it."""
        wanted = [self.code(step) for step in steps]
        window = None if window_days is None else window_days * 86400
        depths = []
        gaps: list[list[int]] = [[] for _ in steps]
        flat, starts = self._moments
        for journey, base in zip(self.codes, starts, strict=True):
            at, depth, start = 0, 0, 0
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
            depths.append(depth)
        return depths, gaps

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


def summarise(store: Store, segments: Rows | None = None, churn: Rows | None = None,
              moves: Rows | None = None) -> tuple[Summary, Journeys, Answers]:
    """Compute the summary from the catalogue's queries (``segments`` and ``churn`` as the scores
    just computed them, when given)."""
    now = dt.datetime.now(dt.UTC).isoformat()
    latest = store.run(named_query("latest_touchpoint"))[0]["at"]
    as_of = None if latest is None else min(latest, dt.datetime.now(dt.UTC))
    if segments is None:
        segments = [] if as_of is None else store.run(named_query("segments"), {"as_of": as_of})
    if churn is None:
        churn = [] if as_of is None else store.run(named_query("churn_risk"), {"as_of": as_of, "limit": CHURN_KEPT})
    types: dict[str, str] = {}
    customers, codes, times = [], [], []
    for row in store.run(named_query("journey_sequences")):
        customers.append(str(row["customer_id"]))
        codes.append("".join(types.setdefault(kind, chr(FIRST_CODE + len(types))) for kind in row["types"]))
        first = row["micros"][0]
        times.append("".join(_base36(at - first) for at in row["micros"]))
    journeys = Journeys(now, tuple(types), tuple(customers), tuple(codes),
                        tuple(_REPEATS.sub(r"\1", code) for code in codes), tuple(times))
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
         "collapsed": list(journeys.collapsed), "times": list(journeys.times)},
        {"summary_id": ANSWERS, "refreshed_at": answers.refreshed_at, "data": _json(answers.by_cell)},
        {"summary_id": DASHBOARD, "refreshed_at": summary.refreshed_at, "journeys_of": summary.journeys_of,
         "data": _json({"as_of": summary.as_of, "revenue": summary.revenue, "scores": summary.scores,
                        "transitions": summary.transitions, "segments": summary.segments,
                        "churn": summary.churn, "nodes": summary.nodes, "relationships": summary.relationships,
                        "moves": summary.moves})},
    ]


def refresh_summary(store: Store, segments: Rows | None = None, churn: Rows | None = None,
                    moves: Rows | None = None) -> Summary:
    """Compute the summary and keep it with the store (its nodes in one write)."""
    summary, journeys, answers = summarise(store, segments, churn, moves)
    store.upsert_nodes("Summary", _nodes(summary, journeys, answers))
    return summary


def forget_customers(store: Store, customers: Collection[str]) -> list[dict[str, Any]]:
    """The summary's nodes without anything of ``customers`` (their journeys, survey answers and
    place in the churn list), for an erasure to write in its own transaction: what it erases must
    not live on in the summary until the next resolve. Empty when no summary is kept."""
    summary, journeys, answers = read_summary(store), read_journeys(store), read_answers(store)
    if summary is None or journeys is None or answers is None:
        return []
    gone = set(customers)
    kept = [n for n, customer in enumerate(journeys.customers) if customer not in gone]
    journeys = dataclasses.replace(
        journeys, customers=tuple(journeys.customers[n] for n in kept), codes=tuple(journeys.codes[n] for n in kept),
        collapsed=tuple(journeys.collapsed[n] for n in kept), times=tuple(journeys.times[n] for n in kept),
        _code_of={})
    answers = Answers(answers.refreshed_at, {cell: [row for row in rows if row["customer_id"] not in gone]
                                             for cell, rows in answers.by_cell.items()})
    summary = dataclasses.replace(summary, churn=[row for row in summary.churn if row["customer_id"] not in gone])
    return _nodes(summary, journeys, answers)


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
    return Journeys(str(node["refreshed_at"]), tuple(node["types"]), tuple(node["customers"]), tuple(node["codes"]),
                    tuple(node["collapsed"]), tuple(node["times"]))


def read_answers(store: Store) -> Answers | None:
    node = store.get_node("Summary", ANSWERS)
    return None if node is None else Answers(str(node["refreshed_at"]), json.loads(str(node["data"])))
