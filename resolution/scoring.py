"""Scoring candidate pairs with the learned model, and the deterministic rules.

Probabilistic: the pairs that share a blocking key are scored by Splink (``model.py``) on
the chosen engine; only pairs touching a new or changed record in an incremental run. Every
scored pair keeps its evidence: each comparison's level and its weight in bits.

Deterministic: the same e-mail, the same loyalty number, or the same phone with a shared
family name (and no other given name: households share landlines) links outright, whatever
the model says, unless the two records hold different birth dates or loyalty numbers. Found
here in Python by grouping, so that whichever engine scores, the rules give the same links.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
from rapidfuzz.distance import Levenshtein
from splink import Linker

from custgraph.graph.collector import collector_paused

from .engines import Engine
from .model import MatchModel, settings
from .records import MatchRecord

__all__ = ["Scored", "evidence_lines", "rule_pairs", "score_one", "score_pairs"]

EVIDENCE_KEPT = 100_000  # distinct evidence tuples a scoring run keeps to share (one pair's: ~1 KB)


@dataclass(frozen=True, slots=True)
class Scored:
    a: str
    b: str
    probability: float
    evidence: tuple[str, ...]


def evidence_lines(model: MatchModel, gammas: Sequence[int | None], weights: Sequence[float]) -> tuple[str, ...]:
    """'field: level (+bits)' for each compared field (a missing one says nothing)."""
    return _Reader(model, []).lines(gammas, weights)


class _Reader:
    """Turns Splink's output rows into ``Scored``, with what every row shares worked out once:
    each comparison's labels by gamma and where its term-frequency column sits."""

    def __init__(self, model: MatchModel, tf: list[str]) -> None:
        names = list(model.levels)
        # Splink numbers the levels that count from the last (0 = else): labels[i][gamma].
        self.labels = [(name, [level.label for level in levels if not level.null][::-1])
                       for name, levels in model.levels.items()]
        self.count = len(names)
        self.tf = [names.index(name) for name in tf]
        self.prior = f"prior ({model.prior_weight:+.1f})"
        self.evidence: dict[tuple[Any, ...], tuple[str, ...]] = {}  # a row's levels → its evidence, made once

    def lines(self, gammas: Sequence[int | None], weights: Sequence[float]) -> tuple[str, ...]:
        return tuple(f"{name}: {labels[gamma]} ({weight:+.1f})"
                     for (name, labels), gamma, weight in zip(self.labels, gammas, weights, strict=True)
                     if gamma is not None and gamma >= 0)

    def scored(self, row: tuple[Any, ...]) -> Scored:
        levels = row[3:]  # gammas, weights, term-frequency adjustments: most pairs share theirs with many
        evidence = self.evidence.get(levels)
        if evidence is None:
            count = self.count
            gammas = [None if g is None else int(g) for g in row[3:3 + count]]
            weights = [float(w or 0.0) for w in row[3 + count:3 + 2 * count]]
            for extra, index in zip(row[3 + 2 * count:], self.tf, strict=True):
                weights[index] += float(extra or 0.0)
            evidence = (self.prior, *self.lines(gammas, weights))
            if len(self.evidence) < EVIDENCE_KEPT:
                self.evidence[levels] = evidence
        a, b = str(row[0]), str(row[1])
        a, b = (a, b) if a < b else (b, a)
        return Scored(a, b, round(float(row[2]), 6), evidence)


def _linker(engine: Engine, model: MatchModel, table: pa.Table,
            frequencies: dict[str, pa.Table]) -> tuple[Linker, Any]:
    """A Splink linker over ``table`` (and ``table`` registered) with ``model`` and the term
    frequencies (``features.term_frequencies``)."""
    records = engine.register(table, "custgraph_records")
    linker = Linker(records, settings(model), log_level=logging.ERROR)
    for column, shares in frequencies.items():
        linker.table_management.register_term_frequency_lookup(
            engine.register(shares, f"custgraph_tf_{column}"), column)
    return linker, records


def _columns(model: MatchModel, available: list[str]) -> tuple[list[str], list[str]]:
    names = list(model.levels)
    columns = ["unique_id_l", "unique_id_r", "match_probability", *(f"gamma_{n}" for n in names),
               *(f"mw_{n}" for n in names)]
    tf = [n for n in names if f"mw_tf_adj_{n}" in available]
    return columns + [f"mw_tf_adj_{n}" for n in tf], tf


def score_pairs(engine: Engine, model: MatchModel, table: pa.Table, frequencies: dict[str, pa.Table],
                dirty: set[str] | None, threshold: float) -> list[Scored]:
    """Pairs scoring at least ``threshold`` among the blocked pairs (those touching ``dirty``)."""
    linker, records = _linker(engine, model, table, frequencies)
    if dirty is None:
        frames = [linker.inference.predict_within(records, threshold_match_probability=threshold,
                                                  warning_mode="never")]
    else:
        mask = pc.is_in(table["unique_id"], value_set=pa.array(sorted(dirty), pa.string()))
        changed = engine.register(table.filter(mask), "custgraph_changed")
        frames = [linker.inference.predict_within(changed, threshold_match_probability=threshold,
                                                  warning_mode="never")]
        others = table.filter(pc.invert(mask))
        if others.num_rows:
            frames.append(linker.inference.predict_between(
                changed, engine.register(others, "custgraph_kept"), threshold_match_probability=threshold,
                warning_mode="never"))
    columns, tf = _columns(model, engine.columns(frames[0]))
    reader = _Reader(model, tf)
    rows = [row for frame in frames for row in engine.rows(frame, columns)]
    # A pair each, no cycles: 0.4 s at 205,000 pairs instead of 0.7. Not settled: Splink's query trees
    # above hold cycles, and through them its tables, until the caller's collection (2.0 GiB more at
    # the peak of a resolve at 1,000,000 records when they were settled here).
    with collector_paused(settle=False):
        return [reader.scored(row) for row in rows]


def score_one(engine: Engine, model: MatchModel, table: pa.Table, frequencies: dict[str, pa.Table],
              a: str, b: str) -> tuple[Scored, bool]:
    """The score of ``a`` against ``b`` whether or not blocking pairs them, and whether it does."""
    linker, _ = _linker(engine, model, table, frequencies)
    mask = pc.is_in(table["unique_id"], value_set=pa.array([a], pa.string()))
    left = engine.register(table.filter(mask), "custgraph_left")
    right = engine.register(table.filter(pc.equal(table["unique_id"], b)), "custgraph_right")
    frame = linker.inference.score_pair(left, right, include_found_by_blocking_rules=True)
    columns, tf = _columns(model, engine.columns(frame))
    row = engine.rows(frame, [*columns, "match_key"])[0]
    return _Reader(model, tf).scored(row[:-1]), row[-1] is not None and str(row[-1]) != "-1" and row[-1] is not False


def _groups(records: Sequence[MatchRecord], key: str) -> Iterator[list[MatchRecord]]:
    found: dict[str, list[MatchRecord]] = {}
    for record in records:
        value = getattr(record, key)
        if value:
            found.setdefault(value, []).append(record)
    yield from (group for group in found.values() if len(group) > 1)


def _group_pairs(group: list[MatchRecord], key: str) -> Iterator[tuple[MatchRecord, MatchRecord]]:
    """The pairs of a group that share ``key``: every pair, but for the visitors who signed in as one
    record (``person``), each paired with that record only. Why: a customer who signs in from a new
    device every few days gathers hundreds of visitor records, and every pair among them (5,000
    links at a hundred) made each resolve that touches the customer read and write that many (a
    live-events settling pass spent most of its time reading them). Without that record in the
    group (not in the store), every pair, as a group of shared e-mails has."""
    hub = next((record for record in group if key == "person" and record.identity_id == record.person), None)
    if hub is not None:
        yield from ((hub, record) for record in group if record is not hub)
        return
    for i, first in enumerate(group):
        yield from ((first, second) for second in group[i + 1:])


def _conflict(a: MatchRecord, b: MatchRecord) -> bool:
    return (a.birth_date is not None and b.birth_date is not None and a.birth_date != b.birth_date) or (
        a.loyalty_id is not None and b.loyalty_id is not None and a.loyalty_id != b.loyalty_id)


def _other_given_name(a: MatchRecord, b: MatchRecord) -> bool:
    """Two names in one script that share no form and are not even somewhat alike: in a
    household that shares a landline and a family name, these are two people."""
    if not a.names or not b.names or set(a.names) & set(b.names) or a.kanji[0] != b.kanji[0]:
        return False
    first, second = a.names[0], b.names[0]
    return Levenshtein.distance(first, second) * 10 > max(len(first), len(second)) * 4  # model.py's "somewhat"


RULE_KEYS = ("email", "loyalty_id", "phone", "person")  # what a deterministic rule needs two records to share


def rule_candidates(records: Iterable[MatchRecord], changed: Sequence[MatchRecord]) -> list[MatchRecord]:
    """The records that share a rule's value with one of ``changed``: all that ``rule_pairs``
    needs to find the pairs touching them, without grouping every record of the store."""
    wanted = {key: {getattr(record, key) for record in changed} - {None, ""} for key in RULE_KEYS}
    return [record for record in records if any(getattr(record, key) in wanted[key] for key in RULE_KEYS)]


def rule_pairs(records: Sequence[MatchRecord], rules: Sequence[str],
               dirty: set[str] | None) -> dict[tuple[str, str], tuple[str, tuple[str, ...]]]:
    """(a, b) → (rule, evidence) for every pair a deterministic rule links (touching ``dirty``).
    ``records`` already hold no placeholder values (``features.without_placeholders``)."""
    found: dict[tuple[str, str], tuple[str, tuple[str, ...]]] = {}
    checks = [("email", "email", ("email: same",)), ("loyalty_id", "loyalty_id", ("loyalty_id: same",)),
              ("phone_and_family_name", "phone", ("phone: same", "family_name: same")),
              ("identify", "person", ("identify: the visitor signed in as this record",))]
    with collector_paused():  # a list per value and a tuple per pair, no cycles
        for rule, key, evidence in checks:
            if rule not in rules:
                continue
            for group in _groups(records, key):
                for first, second in _group_pairs(group, key):
                    if dirty is not None and first.identity_id not in dirty and second.identity_id not in dirty:
                        continue
                    if _conflict(first, second) or (key == "phone" and (
                            not first.family & second.family or _other_given_name(first, second))):
                        continue
                    pair = (first.identity_id, second.identity_id)
                    pair = pair if pair[0] < pair[1] else (pair[1], pair[0])
                    found.setdefault(pair, (rule, evidence))
    return found
