"""The table the match model reads: one row per record, one column per compared field.

Why a flat table: the model (Splink) compares in SQL, on DuckDB on one machine or on Spark
past it; both read the same Arrow table, so both see exactly the same values. Everything
that needs Python (name forms in every script, nicknames, phone tails, street parts) is
done here once per record, so the SQL only compares.

Placeholders: a value that many unrelated records share (``test@example.com``,
``0000000000``, ``1900-01-01``, ``n/a``) is found by its frequency and blanked here, so it
carries no evidence at all, neither for the model nor for the deterministic rules.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from operator import attrgetter
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from .records import MatchRecord

__all__ = ["COLUMNS", "TF_COLUMNS", "Placeholders", "blanked", "feature_table", "find_placeholders", "term_frequencies",
           "tf_value", "without_placeholders"]

# Identifiers a person rarely shares with anyone: a placeholder when the records holding the
# value carry many different names. The birth date is shared by nature: a placeholder when it
# is far more common than dates usually are in this store.
IDENTIFIERS = ("email", "phone", "loyalty_id")
# Free text that stands for "unknown" in any field; the normalised forms.
_JUNK = frozenset({"", "-", "--", ".", "?", "n/a", "na", "n a", "none", "null", "nil", "unknown", "test",
                   "x", "xx", "xxx", "tbd", "no name", "noname", "not known", "anonymous", "customer"})
_CJK = re.compile("[\u3400-\u9fff]")  # a kanji name of three characters or more is a full name
_NO_WORD = re.compile(r"^[\W_]*$")
# Term-frequency columns: how common the value is changes what agreeing on it is worth.
PERSON_RECORDS = 4  # more records than one person usually has in a store
TF_COLUMNS = ("name", "email_stem", "street", "city", "postal_code")

COLUMNS = ("unique_id", "name", "name_tokens", "name_latin", "name_forms", "family_forms", "birth_date",
           "email", "email_local", "email_stem", "phone", "street", "street_number", "street_name", "city",
           "postal_code", "region", "country", "loyalty_id")


@dataclass(frozen=True)
class Placeholders:
    """Values found to be placeholders, per field, with how many records held each."""

    values: dict[str, dict[str, int]]

    def holds(self, field: str, value: str | None) -> bool:
        return value is not None and value in self.values.get(field, {})

    def describe(self) -> list[str]:
        return [f"{field} {value!r}: {count:,} records" for field, found in sorted(self.values.items())
                for value, count in sorted(found.items(), key=lambda item: (-item[1], item[0]))]


def find_placeholders(table: pa.Table, min_records: int, factor: float, name_share: float) -> Placeholders:
    """Identifiers held by records with ``min_records`` different names or more; birth dates
    held by ``min_records`` records or more and ``factor`` times as many as a date usually is;
    names held by ``name_share`` of all records (and ``min_records``) or more; and free text
    that says "unknown". ``table``: the records' ``feature_table`` before blanking. Counted by
    Arrow: a set of names per value in Python took 6 s at 1,000,000 records."""
    name = table["name"]
    first = pc.if_else(pc.equal(name, ""), pa.scalar(None, pa.string()), name)  # no name, not a name ""
    found: dict[str, dict[str, int]] = {}
    for field in IDENTIFIERS:
        held = pa.table({"value": table[field], "name": first}).filter(pc.is_valid(pc.field("value")))
        counted = held.group_by("value").aggregate([("value", "count"), ("name", "count_distinct")])
        shared = counted.filter(pc.greater_equal(pc.field("name_count_distinct"), min_records))
        found[field] = dict(zip(shared["value"].to_pylist(), shared["value_count"].to_pylist(), strict=True))
    dates = _counts(table["birth_date"])
    if dates:
        limit = max(min_records, math.ceil(factor * sum(dates.values()) / len(dates)))
        found["birth_date"] = {value: count for value, count in dates.items() if count >= limit}
    limit = max(min_records, math.ceil(name_share * table.num_rows))
    found["name"] = {value: count for value, count in _counts(first).items() if count >= limit or _is_junk(value)}
    return Placeholders({field: values for field, values in found.items() if values})


def _counts(values: pa.Array | pa.ChunkedArray) -> dict[str, int]:
    """Each value (not null) and how many times it occurs."""
    counted = pc.value_counts(pc.drop_null(values))
    return dict(zip(counted.field("values").to_pylist(), counted.field("counts").to_pylist(), strict=True))


def _is_junk(value: str | None) -> bool:
    return value is not None and (value in _JUNK or bool(_NO_WORD.match(value)))


def without_placeholders(record: MatchRecord, placeholders: Placeholders) -> MatchRecord:
    """``record`` with placeholder and "unknown" values blanked: they are no evidence, for the
    model and the deterministic rules alike."""
    if _nothing_to_blank(record, placeholders):  # most records: checked in half the time blanking takes
        return record

    def keep(field: str, value: str | None) -> str | None:
        return None if value is None or _is_junk(value) or placeholders.holds(field, value) else value

    name_gone = not record.names or keep("name", record.names[0]) is None
    email = keep("email", record.email)
    birth = record.birth_date.isoformat() if record.birth_date else None
    street_gone = keep("street", record.street) is None
    fields: dict[str, Any] = {
        "names": () if name_gone else record.names, "kanji": () if name_gone else record.kanji,
        "family": frozenset() if name_gone else record.family, "email": email,
        "email_local": record.email_local if email else None, "email_stem": record.email_stem if email else None,
        "phone": keep("phone", record.phone), "loyalty_id": keep("loyalty_id", record.loyalty_id),
        "birth_date": record.birth_date if keep("birth_date", birth) else None,
        "street": None if street_gone else record.street,
        "street_number": None if street_gone else record.street_number,
        "street_name": None if street_gone else keep("street", record.street_name),
        "city": keep("city", record.city), "postal_code": keep("postal_code", record.postal_code),
        "region": keep("region", record.region)}
    changed = {name: value for name, value in fields.items() if value != getattr(record, name)}
    return replace(record, **changed) if changed else record  # most records: nothing blanked, no copy


def _nothing_to_blank(record: MatchRecord, placeholders: Placeholders) -> bool:
    """Whether ``without_placeholders`` would return ``record`` as it is."""
    def clean(field: str, value: str | None) -> bool:
        return value is None or not (_is_junk(value) or placeholders.holds(field, value))

    return ((clean("name", record.names[0]) if record.names else not (record.kanji or record.family))
            and (clean("email", record.email) if record.email is not None
                 else record.email_local is None and record.email_stem is None)
            and (record.birth_date is None or clean("birth_date", record.birth_date.isoformat()))
            and (clean("street", record.street) and clean("street", record.street_name) if record.street is not None
                 else record.street_number is None and record.street_name is None)
            and clean("phone", record.phone) and clean("loyalty_id", record.loyalty_id) and clean("city", record.city)
            and clean("postal_code", record.postal_code) and clean("region", record.region))


# Where without_placeholders looks: feature-table column → its field in ``Placeholders``.
_CHECKED = {"name": "name", "email": "email", "phone": "phone", "loyalty_id": "loyalty_id",
            "birth_date": "birth_date", "street": "street", "street_name": "street", "city": "city",
            "postal_code": "postal_code", "region": "region"}
_ASCII_WORD = "[0-9A-Za-z]"  # a value holding one is not "unknown" text (_NO_WORD cannot match it)


def blanked(raw: Sequence[MatchRecord], table: pa.Table,
            placeholders: Placeholders) -> tuple[list[MatchRecord], pa.Table]:
    """``raw`` ``without_placeholders``, and ``table`` (their ``feature_table``) to match. Arrow
    picks the rows blanking may change, a superset (a placeholder or junk value, a value with no
    ASCII letter or digit, a field missing while its parts are not); Python blanks those alone.
    Checking every record in Python took 3.3 s at 1,000,000 records."""
    def missing_with_parts(whole: str, *parts: str) -> pa.ChunkedArray:
        held = pc.is_valid(table[parts[0]])
        for part in parts[1:]:
            held = pc.or_(held, pc.is_valid(table[part]))
        return pc.and_(pc.is_null(table[whole]), held)

    flags = [missing_with_parts("name_forms", "family_forms"),  # kanji flags go with the names: none either
             missing_with_parts("email", "email_local", "email_stem"),
             missing_with_parts("street", "street_number", "street_name")]
    for column, field in _CHECKED.items():
        suspect = pa.array(sorted(_JUNK | set(placeholders.values.get(field, ()))), pa.string())
        flags.append(pc.is_in(table[column], value_set=suspect))
        flags.append(pc.invert(pc.match_substring_regex(table[column], _ASCII_WORD)))
    picked = flags[0]
    for flag in flags[1:]:
        picked = pc.or_kleene(picked, flag)
    records = list(raw)
    changed: list[int] = []
    for row in pc.indices_nonzero(pc.fill_null(picked, False)).to_pylist():
        made = without_placeholders(raw[row], placeholders)
        if made is not raw[row]:
            records[row] = made
            changed.append(row)
    if not changed:
        return records, table
    order = list(range(table.num_rows))  # each changed row taken from the rows appended below
    for appended, row in enumerate(changed, start=table.num_rows):
        order[row] = appended
    patched = pa.concat_tables([table, feature_table([records[row] for row in changed])])
    return records, patched.take(pa.array(order, pa.int64()))


def tf_value(record: MatchRecord, column: str) -> str | None:
    """The value of ``record`` in a ``TF_COLUMNS`` column of its ``feature_table`` row."""
    if column == "name":
        return record.names[0] if record.names else None
    return getattr(record, column)  # type: ignore[no-any-return]


def feature_table(records: Sequence[MatchRecord]) -> pa.Table:
    """The model's input, one row per record (as read, for ``find_placeholders``, then ``blanked``).
    Built a column at a time: a dict per record took twice as long (seconds at a million records)."""
    names = [record.names[0] if record.names else None for record in records]
    latin = [record.names[record.kanji.index(False)] if False in record.kanji else None for record in records]
    plain = ("email", "email_local", "email_stem", "phone", "street", "street_number", "street_name", "city",
             "postal_code", "region", "country", "loyalty_id")
    # One call per record and a transpose: a list per column with getattr took twice as long.
    values = list(zip(*map(attrgetter(*plain), records), strict=True)) if records else [() for _ in plain]
    columns: dict[str, Sequence[object]] = {
        "unique_id": [record.identity_id for record in records],
        "name": names,
        "name_tokens": [None if name is None else 2 if _CJK.search(name) and len(name) >= 3 else len(name.split())
                        for name in names],
        "name_latin": [None if name is None else form is not None and name == form
                       for name, form in zip(names, latin, strict=True)],
        "name_forms": [list(record.names) or None for record in records],
        "family_forms": [sorted(record.family) or None for record in records],
        "birth_date": [record.birth_date.isoformat() if record.birth_date else None for record in records],
        **dict(zip(plain, values, strict=True)),
    }
    return pa.table({column: columns[column] for column in COLUMNS}, schema=SCHEMA)


def _name_shares(names: list[str], counts: list[int], tf_base: int) -> list[float]:
    """How common each full name (held ``counts`` times) is among people: the product of its
    words' shares (given and family names are about independent), unless the name itself is
    held by more records than one person usually has (``PERSON_RECORDS``): then by that count.
    A full name held by two records says little about how common it is among people (both may
    be one person's)."""
    words: Counter[str] = Counter()
    split = [sorted(set(name.split())) for name in names]  # sorted: the same product in every process
    for parts, count in zip(split, counts, strict=True):
        for word in parts:
            words[word] += count
    total = max(tf_base, 1)
    return [max(math.prod(words[word] / total for word in parts), count / total if count > PERSON_RECORDS else 0.0,
                1 / total ** 2) for parts, count in zip(split, counts, strict=True)]


def _band(share: float) -> float:
    """``share`` rounded up to a power of two, so that it moves only when it doubles."""
    return 2.0 ** math.ceil(math.log2(share))


def term_frequencies(table: pa.Table, tf_base: int) -> dict[str, pa.Table]:
    """Per ``TF_COLUMNS`` column, each value (in order) and ``tf_<column>``: how common it is,
    banded (``_band``) over ``tf_base`` records (the store's size when the model was trained),
    so that a store growing by a few records changes no score. Counted and banded by Arrow: a
    ``Counter`` over each column's Python values took about 3 s at 1,000,000 records."""
    out: dict[str, pa.Table] = {}
    for column in TF_COLUMNS:
        counted = pc.value_counts(pc.drop_null(table[column]))
        order = pc.sort_indices(counted.field("values"))
        values, counts = counted.field("values").take(order), counted.field("counts").take(order)
        if column == "name":
            bands = pa.array([_band(share) for share in _name_shares(values.to_pylist(), counts.to_pylist(), tf_base)],
                             pa.float64())
        else:  # the same doubles as _band: one division, log2 and ceil, and an exact power of two
            shares = pc.divide(pc.cast(counts, pa.float64()), float(max(tf_base, 1)))
            bands = pc.power(2.0, pc.ceil(pc.log2(shares)))
        out[column] = pa.table({column: values.cast(pa.string()), f"tf_{column}": bands})
    return out


SCHEMA = pa.schema(
    [("unique_id", pa.string()), ("name", pa.string()), ("name_tokens", pa.int32()), ("name_latin", pa.bool_()),
     ("name_forms", pa.list_(pa.string())), ("family_forms", pa.list_(pa.string()))]
    + [(column, pa.string()) for column in ("birth_date", "email", "email_local", "email_stem", "phone", "street",
                                             "street_number", "street_name", "city", "postal_code", "region",
                                             "country", "loyalty_id")])
