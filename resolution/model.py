"""The match model: what each comparison level of each field says, learned from the store.

Why Splink: it estimates a Fellegi-Sunter model from unlabelled records the standard way
(u by random sampling, m by expectation maximisation, term-frequency adjustments) and runs
the same SQL on DuckDB and on Spark. We keep the learned numbers (prior, m and u per level)
rather than Splink's settings file, because the settings hold SQL of one dialect; the
comparisons are rebuilt here for whichever engine scores.

The comparisons cover every field of the input contract. Names are compared in every form
``records.py`` makes (kanji, kana read as romaji, nicknames under their formal name, token
order); a kanji name against a Latin one with no form in common is no evidence either way.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import math
from dataclasses import dataclass, field
from typing import Any

import splink.comparison_level_library as cll
import splink.comparison_library as cl
from splink import SettingsCreator, block_on
from splink.internals.blocking_rule_creator import BlockingRuleCreator
from splink.internals.comparison_creator import ComparisonCreator
from splink.internals.comparison_level_creator import ComparisonLevelCreator

__all__ = ["Level", "MatchModel", "blocking_id", "blocking_rules", "comparisons", "layout", "settings"]


def _null(column: str, label: str = "") -> ComparisonLevelCreator:
    return cll.NullLevel(column).configure(label_for_charts=label or f"{column} missing")


def _level(creator: ComparisonLevelCreator, label: str, tf: str | None = None) -> ComparisonLevelCreator:
    if tf:
        # The level's own u is what the adjustment scales (it is not always a plain exact match).
        return creator.configure(label_for_charts=label, tf_adjustment_column=tf, tf_adjustment_weight=1.0,
                                 disable_tf_exact_match_detection=True)
    return creator.configure(label_for_charts=label)


def _custom(sql: str, label: str, tf: str | None = None) -> ComparisonLevelCreator:
    return _level(cll.CustomLevel(sql), label, tf)


def _edits(column: str, tenths: int) -> ComparisonLevelCreator:
    """At most ``tenths``/10 of the longer value's characters edited (Levenshtein). Integer
    arithmetic on purpose: DuckDB and Spark compute it identically, where their Jaro-Winkler
    functions differ in the last digits and so put a few pairs on either side of a threshold.
    The lengths are compared first: an edit distance is never less than their difference, and
    the cheap test spares most pairs the distance."""
    longer = f"greatest(length({column}_l), length({column}_r)) * {tenths}"
    return cll.CustomLevel(f"abs(length({column}_l) - length({column}_r)) * 10 <= {longer} AND "
                           f"levenshtein({column}_l, {column}_r) * 10 <= {longer}")


def _one_typo(column: str) -> ComparisonLevelCreator:
    """Levenshtein distance of at most one, the lengths compared first (see ``_edits``)."""
    return cll.And(cll.CustomLevel(f"abs(length({column}_l) - length({column}_r)) <= 1"),
                   cll.LevenshteinLevel(column, 1))


def _one_edit(column: str) -> ComparisonLevelCreator:
    """Damerau-Levenshtein distance of at most one (one character off, added, dropped, or two
    adjacent ones swapped), with a cheap test first that every such pair passes.

    Why: the distance is the dearest thing scoring computes. At 1,000,000 records it took 5.5-8.5
    of the 13-18 s that all comparison levels took over 10.8 million blocked pairs, for phones
    alone, though almost no pair of different phones is one edit apart. One edit changes at most
    two adjacent characters, so in values of 9 characters or more it leaves the first four or the
    last four as they were (an edit at position p keeps the p before it and at least n - p - 2
    after it, n the shorter length): 0.3 s for phones with the test."""
    left, right = f"{column}_l", f"{column}_r"
    return cll.And(cll.CustomLevel(f"least(length({left}), length({right})) < 9 OR "
                                   f"left({left}, 4) = left({right}, 4) OR right({left}, 4) = right({right}, 4)"),
                   cll.DamerauLevenshteinLevel(column, 1))


class _Overlap(ComparisonLevelCreator):
    """The two arrays share an element. Why not Splink's ``ArrayIntersectLevel``: it builds each
    pair's whole intersection and counts it, where DuckDB's ``list_has_any`` and Spark's
    ``arrays_overlap`` answer the same question without (name comparison at 1,000,000 records:
    5.3 -> 4.3 s). Neither array ever holds a null element, so the two agree with it."""

    def __init__(self, column: str) -> None:
        self.column = column

    def create_sql(self, sql_dialect: Any) -> str:
        left, right = f"{self.column}_l", f"{self.column}_r"
        name = sql_dialect.sql_dialect_str
        if name == "duckdb":
            return f"list_has_any({left}, {right})"
        if name == "spark":
            return f"arrays_overlap({left}, {right})"
        return cll.ArrayIntersectLevel(self.column, 1).create_sql(sql_dialect)

    def create_label_for_charts(self) -> str:
        return f"{self.column} share an element"


def _else(label: str = "differ") -> ComparisonLevelCreator:
    return cll.ElseLevel().configure(label_for_charts=label)


def _spec() -> list[cl.CustomComparison]:
    """Each field's levels, most specific first (the first that holds is the pair's level)."""
    same_script = cll.CustomLevel("name_latin_l = name_latin_r")
    return [
        cl.CustomComparison(output_column_name="name", comparison_description="name, in every form", comparison_levels=[
            _null("name"),
            _custom("name_l = name_r AND name_tokens_l > 1", "same", "name"),
            _custom("name_l = name_r", "same single word", "name"),
            _level(_Overlap("name_forms"), "same in another form (script, nickname)"),
            _level(cll.And(same_script, _one_typo("name")), "one typo"),
            _level(cll.And(same_script, _edits("name", 2)), "similar (a fifth of the letters or less differ)"),
            _level(_Overlap("family_forms"), "same family name, given name differs"),
            _level(cll.And(same_script, _edits("name", 4)), "somewhat similar (two fifths or less differ)"),
            _custom("name_latin_l <> name_latin_r", "kanji against latin letters").configure(is_null_level=True),
            _else()]),
        cl.CustomComparison(output_column_name="birth_date", comparison_levels=[
            _null("birth_date"),
            _level(cll.ExactMatchLevel("birth_date"), "same"),
            _level(_one_edit("birth_date"), "one typo or two digits swapped"),
            _custom("substr(birth_date_l, 1, 4) = substr(birth_date_r, 1, 4) AND "
                    "substr(birth_date_l, 6, 2) = substr(birth_date_r, 9, 2) AND "
                    "substr(birth_date_l, 9, 2) = substr(birth_date_r, 6, 2)", "day and month swapped"),
            _custom("substr(birth_date_l, 1, 4) = substr(birth_date_r, 1, 4)", "same year"),
            _else()]),
        cl.CustomComparison(output_column_name="email", comparison_levels=[
            _null("email"),
            _level(cll.ExactMatchLevel("email"), "same"),
            _level(cll.ExactMatchLevel("email_local"), "same local part, other domain"),
            _level(cll.And(cll.CustomLevel("email_stem_l = email_stem_r"), _Overlap("name_forms")),
                   "same local part but its digits, which repeat the name").configure(is_null_level=True),
            _custom("email_stem_l = email_stem_r", "same local part but its digits", "email_stem"),
            _else()]),
        cl.CustomComparison(output_column_name="phone", comparison_levels=[
            _null("phone"),
            _level(cll.ExactMatchLevel("phone"), "same"),
            _level(_one_edit("phone"), "one digit off or two swapped"),
            _else()]),
        cl.CustomComparison(
            output_column_name="address", comparison_description="street, postcode, city and region as one: a "
            "person who moves changes them all at once, which is one disagreement, not four",
            comparison_levels=[
                _custom("street_name_l IS NULL AND postal_code_l IS NULL AND city_l IS NULL OR "
                        "street_name_r IS NULL AND postal_code_r IS NULL AND city_r IS NULL",
                        "address missing").configure(is_null_level=True),
                _custom("street_l = street_r AND (postal_code_l = postal_code_r OR city_l = city_r)",
                        "same street, number and postcode or city", "street"),
                _custom("street_name_l = street_name_r AND (street_number_l IS NULL OR street_number_r IS NULL)"
                        " AND (postal_code_l = postal_code_r OR city_l = city_r)",
                        "same street and postcode or city, a house number missing"),
                _level(cll.And(cll.CustomLevel("street_number_l = street_number_r"),
                               cll.Or(cll.ExactMatchLevel("postal_code"), cll.ExactMatchLevel("city")),
                               _edits("street_name", 2)),
                       "same number, similar street, same postcode or city"),
                _custom("postal_code_l = postal_code_r", "same postcode, other street", "postal_code"),
                _level(cll.And(cll.Or(cll.ExactMatchLevel("street"), cll.ExactMatchLevel("city")),
                               cll.DamerauLevenshteinLevel("postal_code", 1)),  # the cheap test first
                       "postcode one character off or two digits swapped, same street or city"),
                _custom("city_l = city_r", "same city, other street", "city"),
                _level(cll.ExactMatchLevel("region"), "same region only"),
                _else("different places")]),
        cl.CustomComparison(output_column_name="country", comparison_levels=[
            _null("country"), _level(cll.ExactMatchLevel("country"), "same"), _else()]),
        cl.CustomComparison(output_column_name="loyalty_id", comparison_levels=[
            _null("loyalty_id"), _level(cll.ExactMatchLevel("loyalty_id"), "same"), _else()]),
    ]


def blocking_rules() -> list[BlockingRuleCreator]:
    """Which pairs are compared at all: those sharing one of these.

    Not the e-mail stem, though it is compared: at 1,000,000 generated records it alone paired
    7.1 million of the 16 million pairs, and at 300,000 the pairs only it found gave 327 links,
    293 of them false (none at all on census-style records; ``bench/RESULTS.md``)."""
    return [block_on("email"), block_on("email_local"), block_on("phone"),
            block_on("loyalty_id"), block_on("birth_date"),
            block_on("name_forms", arrays_to_explode=["name_forms"]),
            block_on("family_forms", "postal_code", arrays_to_explode=["family_forms"]),
            block_on("street_name", "street_number", "postal_code"), block_on("street", "city")]


@functools.cache
def blocking_id() -> str:
    """Changes whenever the blocking rules do: part of every record's scoring context, so that
    records resolved under other rules are compared again."""
    text = "\n".join(rule.get_blocking_rule("duckdb").blocking_rule_sql for rule in blocking_rules())
    return hashlib.sha256(text.encode()).hexdigest()[:12]


@dataclass(frozen=True)
class Level:
    label: str
    m: float | None
    u: float | None
    null: bool = False

    @property
    def weight(self) -> float | None:
        """log2 Bayes factor: bits of evidence this level gives for one person."""
        if self.null or not self.m or not self.u:
            return None
        return math.log2(self.m / self.u)


@dataclass(frozen=True)
class MatchModel:
    """The learned prior and each comparison level's m and u, with when and on what it was trained."""

    prior: float  # probability that two records picked at random are one person
    levels: dict[str, list[Level]]
    records: int  # records in the store when trained: the base of term frequencies
    trained_at: str
    notes: tuple[str, ...] = field(default=())

    @property
    def model_id(self) -> str:
        """Changes whenever any number changes: part of every record's digest."""
        return hashlib.sha256(self.to_json().encode()).hexdigest()[:12]

    def to_json(self) -> str:
        """The numbers (not when: ``trained_at`` is kept beside them, so that one training on
        the same records gives the same model id)."""
        return json.dumps({"prior": self.prior, "records": self.records, "notes": list(self.notes),
                           "levels": [[name, [[lv.label, lv.m, lv.u, lv.null] for lv in levels]]
                                      for name, levels in self.levels.items()]}, sort_keys=True)

    @classmethod
    def from_json(cls, text: str, trained_at: str = "") -> MatchModel:
        data: dict[str, Any] = json.loads(text)
        return cls(float(data["prior"]), {name: [Level(*item) for item in items] for name, items in data["levels"]},
                   int(data["records"]), trained_at, tuple(data.get("notes", ())))

    @property
    def prior_weight(self) -> float:
        return math.log2(self.prior / (1 - self.prior))

    def fits(self) -> bool:
        """Whether this model has a number for every comparison level this custgraph defines
        (a model kept by an older version may not, and must be trained again)."""
        return {name: [level.label for level in levels] for name, levels in self.levels.items()} == layout()


def comparisons(model: MatchModel | None = None) -> list[ComparisonCreator]:
    """The comparisons, with ``model``'s m and u on every level when given."""
    built: list[ComparisonCreator] = []
    for comparison in _spec():
        creators = comparison.create_comparison_levels()
        learned = model.levels.get(str(comparison.create_output_column_name()), []) if model else []
        for creator, level in zip(creators, learned, strict=False):
            if not level.null:
                creator.configure(m_probability=level.m, u_probability=level.u)
        built.append(cl.CustomComparison(list[ComparisonLevelCreator | dict[str, Any]](creators),
                                         comparison.create_output_column_name(), comparison._description))
    return built


@functools.cache
def layout() -> dict[str, list[str]]:
    """Each comparison's level labels, in order, as this version defines them."""
    return {str(comparison.output_column_name): [str(level.label_for_charts) for level in comparison.comparison_levels]
            for comparison in settings(None).get_settings("duckdb").comparisons}


def settings(model: MatchModel | None, *, retain: bool = True) -> SettingsCreator:
    """Splink settings for ``model`` (or untrained ones), in no particular SQL dialect."""
    return SettingsCreator(
        link_type="dedupe_only", unique_id_column_name="unique_id",
        comparisons=list[ComparisonCreator | dict[str, Any]](comparisons(model)),
        blocking_rules_to_generate_predictions=list[BlockingRuleCreator | dict[str, Any]](blocking_rules()),
        probability_two_random_records_match=model.prior if model else 1e-4,
        retain_intermediate_calculation_columns=retain, retain_matching_columns=retain,
        additional_columns_to_retain=[])


def now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _steady(value: float) -> float:
    """``value`` to 9 significant digits: EM sums in parallel, so two trainings on the same
    records differ in the last bits, and the model id (a digest of the numbers) must not."""
    return float(f"{float(value):.9g}")


def _learned(settings_json: dict[str, Any], sampled_pairs: float, min_disagreement: float) -> dict[str, list[Level]]:
    """Each comparison's levels from Splink's trained settings, made safe for real people.

    A level never seen among the random pairs gets the u of one pair in all those sampled
    (an upper bound); a level never seen among the matches gets m = u: no evidence rather than
    a guess, except the last ("differ"), which is as rare as can be (``min_disagreement``).
    No level's m falls below ``min_disagreement``: a generator (or one clean source) where
    nobody ever changes a phone or moves teaches that any difference rules a match out, and
    real people do change both.
    """
    levels: dict[str, list[Level]] = {}
    for comparison in settings_json["comparisons"]:
        out: list[Level] = []
        for level in comparison["comparison_levels"]:
            label = str(level.get("label_for_charts"))
            if level.get("is_null_level"):
                out.append(Level(label, None, None, True))
                continue
            u = level.get("u_probability") or 1.0 / sampled_pairs
            m = level.get("m_probability")
            if m is not None:
                m = max(m, min_disagreement)
            elif level is comparison["comparison_levels"][-1]:  # "differ" never seen among matches
                m = min_disagreement
            else:  # never seen among matches: no evidence rather than a guess
                m = u
            out.append(Level(label, _steady(m), _steady(u)))
        levels[str(comparison["output_column_name"])] = out
    return levels


def train(linker: Any, records: int, sampled_pairs: float, min_disagreement: float, seed: int) -> MatchModel:
    """Estimate the prior, u and m on ``linker`` (a Splink ``Linker`` over the feature table).

    The prior from pairs that share an e-mail or a name and birth date (assumed to find 80% of
    the matches); u from ``sampled_pairs`` random pairs; m by expectation maximisation over
    pairs sharing an e-mail, then over pairs sharing a birth date, so that every field is
    trained in at least one of the two.
    """
    notes: list[str] = []
    try:
        linker.training.estimate_probability_two_random_records_match(
            [block_on("email"), block_on("name", "birth_date")], recall=0.8)
    except Exception as error:
        notes.append(f"prior not estimated ({error}); 1/records used")
        linker._settings_obj._probability_two_random_records_match = 1.0 / max(records, 2)
    # One chunk when every pair fits in the sample: the chunked probing only costs then.
    chunks = 1 if records * (records - 1) / 2 <= sampled_pairs else 10
    linker.training.estimate_u_using_random_sampling(max_pairs=sampled_pairs, seed=seed, num_chunks=chunks)
    for rule in (block_on("email"), block_on("birth_date")):
        try:
            linker.training.estimate_parameters_using_expectation_maximisation(rule)
        except Exception as error:
            notes.append(f"EM over {rule.get_blocking_rule('duckdb').blocking_rule_sql}: {error}")
    trained = linker.misc.save_model_to_json()
    prior = float(trained["probability_two_random_records_match"])
    if not 0 < prior < 1:  # a handful of records: no pair shares an e-mail, or every pair does
        notes.append(f"prior estimated as {prior:g} from too few pairs; 1/records used")
        prior = 1.0 / max(records, 2)
    return MatchModel(_steady(prior),
                      _learned(trained, sampled_pairs, min_disagreement), records, now(), tuple(notes))
