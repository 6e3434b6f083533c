"""Comparing two records: a deterministic rule, or a Fellegi-Sunter match score.

Every outcome carries its evidence (which rule, which fields agreed or not and
by how much), because a link nobody can explain cannot be trusted or undone.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from rapidfuzz.distance import JaroWinkler

from .blocking import name_key, stem_key
from .config import ResolveConfig
from .records import MatchRecord

__all__ = ["Comparison", "Context", "compare", "rarity", "scoring_context"]


@dataclass(frozen=True, slots=True)
class Comparison:
    rule: str  # 'email', 'phone_and_family_name', 'loyalty_id' or 'probabilistic'
    score: float  # match probability, 1.0 for a deterministic rule
    evidence: tuple[str, ...]  # 'field: outcome' for each compared field


@dataclass(frozen=True, slots=True)
class Context:
    """What a score depends on beyond the two records: the prior and how common values are."""

    prior: float
    counts: Mapping[str, int]  # blocking key (name form, e-mail stem) → records holding it


def rarity(count: int) -> int:
    """How common a value is, in doublings past three records (0 for a value held by at most three
    records). Whole steps, so that a store growing by a few records changes no score, and resolve
    can tell by digest which records a change of them touches."""
    return max(0, int(math.log2(max(count, 2))) - 1)


def scoring_context(record: MatchRecord, context: Context) -> tuple[float | int, ...]:
    """What of ``context`` can change ``record``'s scores: part of its digest, so that a record
    whose name became more common (or a store that doubled) is compared again."""
    held = [context.counts.get(name_key(form), 2) for form in record.names]
    if record.email_stem:
        held.append(context.counts.get(stem_key(record.email_stem), 2))
    return (context.prior, *(rarity(count) for count in held))


def _held(count: int) -> str:
    """The band of ``rarity`` in words: evidence must not change while the score does not."""
    steps = rarity(count)
    return "at most 3 records hold it" if steps == 0 else f"{2 ** (steps + 1)}-{2 ** (steps + 2) - 1} records hold it"


def _name_similarity(a: MatchRecord, b: MatchRecord) -> float:
    """Best Jaro-Winkler over forms in the same script; -1 when none are (kanji against latin
    letters cannot be compared without a dictionary: no evidence, not a disagreement)."""
    return max((JaroWinkler.similarity(x, y) for x, kx in zip(a.names, a.kanji, strict=True)
                for y, ky in zip(b.names, b.kanji, strict=True) if kx == ky), default=-1.0)


def compare(a: MatchRecord, b: MatchRecord, config: ResolveConfig, context: Context) -> Comparison:
    """How likely ``a`` and ``b`` are one person, and why."""
    rules = config.rules
    hard_conflict = (a.birth_date is not None and b.birth_date is not None and a.birth_date != b.birth_date) or (
        a.loyalty_id is not None and b.loyalty_id is not None and a.loyalty_id != b.loyalty_id)
    if not hard_conflict:
        if "email" in rules and a.email and a.email == b.email:
            return Comparison("email", 1.0, ("email: same",))
        if "loyalty_id" in rules and a.loyalty_id and a.loyalty_id == b.loyalty_id:
            return Comparison("loyalty_id", 1.0, ("loyalty_id: same",))
        if "phone_and_family_name" in rules and a.phone and a.phone == b.phone and a.family & b.family:
            return Comparison("phone_and_family_name", 1.0, ("phone: same", "family_name: same"))
    w = config.weights
    weight = context.prior
    evidence: list[str] = []

    def add(field: str, outcome: str, key: str, less: float = 0.0) -> None:
        nonlocal weight
        value = w[key] - less
        weight += value
        evidence.append(f"{field}: {outcome} ({value:+g})")

    similarity = _name_similarity(a, b)
    if a.email and b.email:
        if a.email == b.email:
            add("email", "same", "email_same")
        elif a.email_local == b.email_local:
            add("email", "same local part", "email_local_same")
        elif a.email_stem and a.email_stem == b.email_stem:
            if similarity >= 0:
                add("email", "same local part but its digits", "email_stem_same_named")
            else:
                held = context.counts.get(stem_key(a.email_stem), 2)
                add("email", f"same local part but its digits; {_held(held)}", "email_stem_same",
                    min(config.frequency_penalty * rarity(held), w["email_stem_same"]))
        else:
            add("email", "differ", "email_differ")
    if a.phone and b.phone:
        add("phone", *(("same", "phone_same") if a.phone == b.phone else ("differ", "phone_differ")))
    if a.birth_date and b.birth_date:
        if a.birth_date == b.birth_date:
            add("birth_date", "same", "birth_date_same")
        elif (a.birth_date.year == b.birth_date.year and
              (a.birth_date.month == b.birth_date.month or
               (a.birth_date.month, a.birth_date.day) == (b.birth_date.day, b.birth_date.month))):
            add("birth_date", "close", "birth_date_close")
        else:
            add("birth_date", "differ", "birth_date_differ")
    if a.postal_code and b.postal_code:
        if a.postal_code == b.postal_code:
            add("postal_code", "same", "postal_code_same")
        elif a.postal_code[:3] == b.postal_code[:3]:
            add("postal_code", "close", "postal_code_close")
        else:
            add("postal_code", "differ", "postal_code_differ")
    if similarity >= 0:
        if similarity >= 0.999:
            held = min((context.counts.get(name_key(form), 2) for form in set(a.names) & set(b.names)),
                       default=2)
            add("name", f"same; {_held(held)}", "name_exact",
                min(config.frequency_penalty * rarity(held), w["name_exact"] - w["name_exact_common"]))
        elif similarity >= config.name_high:
            add("name", f"similar {similarity:.2f}", "name_high")
        elif similarity >= config.name_medium:
            add("name", f"somewhat similar {similarity:.2f}", "name_medium")
        else:
            add("name", f"differ {similarity:.2f}", "name_differ")
            if a.family & b.family:
                add("family_name", "same", "family_name_same")
    if a.city and a.city == b.city:
        add("city", "same", "city_same")
    if a.country and b.country:
        add("country", *(("same", "country_same") if a.country == b.country else ("differ", "country_differ")))
    if a.loyalty_id and b.loyalty_id and a.loyalty_id != b.loyalty_id:
        add("loyalty_id", "differ", "loyalty_id_differ")
    score = 1.0 / (1.0 + math.pow(2.0, -weight)) if weight > -60 else 0.0
    return Comparison("probabilistic", round(score, 6), tuple(evidence))
