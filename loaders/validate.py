"""Turning a raw row into canonical, typed fields, or a rejection naming the column.

A value outside the input contract (README, "Input contract") is an error of its field:
a required field's error rejects the row; an optional field's error drops that field and
the row loads without it (``whole_rows=True`` rejects the row instead). Every conversion
error of a value, whatever Python raised for it, is such an error: no value crashes a load.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
from typing import Any
from zoneinfo import ZoneInfo

from custgraph.errors import RowRejectedError
from custgraph.graph import normalise

from .contract import INTERACTION_TYPE, Entity, Field
from .mapping import SourceMapping
from .readers import MAX_FIELD_CHARS

__all__ = ["BIRTH_DATES_FROM", "FUTURE_SLACK", "RowParser"]

BIRTH_DATES_FROM = dt.date(1900, 1, 1)
FUTURE_SLACK = dt.timedelta(days=1)  # a touchpoint "in the future" by less than this is a clock or zone slip
TIMESTAMPS_FROM = dt.datetime(1900, 1, 1, tzinfo=dt.UTC)
_OFFSETS = (dt.timedelta(hours=-12), dt.timedelta(hours=14))  # every zone in use lies in UTC-12:00..+14:00


class RowParser:
    """Parses rows of one entity from one source; columns and converters are looked up once.

    ``dropped`` holds, after each call, the (column, reason) of each optional field that was
    dropped from that row for an invalid value."""

    def __init__(self, entity: Entity, mapping: SourceMapping, whole_rows: bool = False) -> None:
        self._fields = [
            (spec.name, mapping.column(entity.name, spec.name), spec.required or whole_rows, spec.kind == "text",
             functools.partial(_parse, spec, mapping=mapping))
            for spec in entity.fields
        ]
        self._required = {spec.name for spec in entity.fields if spec.required}
        self._now = dt.datetime.now(dt.UTC)
        self.dropped: list[tuple[str, str]] = []

    def __call__(self, raw: dict[str, Any]) -> dict[str, Any]:
        """Canonical field → typed value (``None`` where the source has none)."""
        row: dict[str, Any] = {}
        self.dropped = []
        for name, column, strict, is_text, convert in self._fields:
            value = raw.get(column)
            if value.__class__ is str:
                value = value.strip()
                if not value:
                    value = None
                elif is_text and len(value) <= MAX_FIELD_CHARS:
                    row[name] = value  # the common case, without a call
                    continue
            if value is None:
                if strict and name in self._required:
                    raise RowRejectedError(column, "a value is required")
                row[name] = None
                continue
            try:
                row[name] = convert(value, now=self._now)
            except (ValueError, ArithmeticError, TypeError) as error:  # OverflowError is an ArithmeticError
                reason = str(error) if isinstance(error, ValueError) else f"out of range ({error})"
                if strict:
                    raise RowRejectedError(column, reason) from None
                self.dropped.append((column, reason))
                row[name] = None
        return row


def _parse(spec: Field, value: Any, *, mapping: SourceMapping, now: dt.datetime) -> Any:
    kind = spec.kind
    if kind == "text":
        text = _text(value)
        if len(text) > MAX_FIELD_CHARS:
            raise ValueError(f"longer than {MAX_FIELD_CHARS:,} characters")
        return text
    if kind == "type":
        word = _text(value).lower()
        if not INTERACTION_TYPE.match(word):
            raise ValueError("not an interaction type (snake_case, e.g. purchase or web_visit)")
        return word
    if kind == "date":  # birth dates: the contract's only date field
        if isinstance(value, dt.datetime):
            day = value.date()
        elif isinstance(value, dt.date):
            day = value
        else:
            day = normalise.date(_text(value))
        if not BIRTH_DATES_FROM <= day <= now.date():
            raise ValueError(f"a birth date between {BIRTH_DATES_FROM.isoformat()} and today")
        return day
    if kind == "timestamp":
        if isinstance(value, dt.datetime):
            zoned = value if value.tzinfo else value.replace(tzinfo=ZoneInfo(mapping.timezone))
        else:
            zoned = normalise.zoned_timestamp(_text(value), mapping.timezone)
        offset = zoned.utcoffset()
        if offset is not None and not _OFFSETS[0] <= offset <= _OFFSETS[1]:
            raise ValueError("a UTC offset between -12:00 and +14:00")
        moment = zoned.astimezone(dt.UTC)
        if not TIMESTAMPS_FROM <= moment <= now + FUTURE_SLACK:
            raise ValueError("a time between 1900 and now")
        return moment
    if kind in ("number", "score", "integer"):
        number = _number(value)
        if kind == "integer":
            if number != int(number):
                raise ValueError("not a whole number")
            if not -(2**63) <= number < 2**63:
                raise ValueError("out of the 64-bit integer range")
            return int(number)
        if kind == "score" and not 0 <= number <= 10:
            raise ValueError("a score is NPS 0-10 or CSAT 1-5")
        if spec.name == "sentiment" and not -1 <= number <= 1:
            raise ValueError("sentiment runs from -1 (negative) to 1 (positive)")
        return number
    if kind == "boolean":
        if isinstance(value, bool):
            return value
        return normalise.boolean(_text(value))
    if kind == "list":
        items = value if isinstance(value, list) else _text(value).split("|")
        cleaned = [_text(item).strip() for item in items if item is not None and _text(item).strip()]
        return cleaned or None
    raise AssertionError(f"unknown field kind {kind}")


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"expected text, got {type(value).__name__}")
    return str(value)


def _number(value: Any) -> float:
    if isinstance(value, bool):
        raise ValueError("not a number")
    if isinstance(value, int | float):
        number = float(value)  # an int past float's range raises OverflowError: out of range
        if not math.isfinite(number):
            raise ValueError("not a finite number")
        return number
    return normalise.number(_text(value))
