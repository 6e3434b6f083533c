"""Turning a raw row into canonical, typed fields, or a rejection naming the column."""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any
from zoneinfo import ZoneInfo

from custgraph.graph import normalise

from .contract import INTERACTION_TYPE, Entity, Field
from .mapping import SourceMapping
from .readers import MAX_FIELD_CHARS

__all__ = ["RowParser", "RowReject"]


class RowReject(Exception):
    """The row cannot be loaded: ``field`` is the source's column name."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


class RowParser:
    """Parses rows of one entity from one source; columns and converters are looked up once."""

    def __init__(self, entity: Entity, mapping: SourceMapping) -> None:
        self._fields = [
            (spec.name, mapping.column(entity.name, spec.name), spec.required, spec.kind == "text",
             functools.partial(_parse, spec, mapping=mapping))
            for spec in entity.fields
        ]

    def __call__(self, raw: dict[str, Any]) -> dict[str, Any]:
        """Canonical field → typed value (``None`` where the source has none)."""
        row: dict[str, Any] = {}
        for name, column, required, is_text, convert in self._fields:
            value = raw.get(column)
            if value.__class__ is str:
                if len(value) > MAX_FIELD_CHARS:
                    raise RowReject(column, f"longer than {MAX_FIELD_CHARS:,} characters")
                value = value.strip()
                if not value:
                    value = None
                elif is_text:
                    row[name] = value  # the common case, without a call
                    continue
            if value is None:
                if required:
                    raise RowReject(column, "a value is required")
                row[name] = None
                continue
            try:
                row[name] = convert(value)
            except ValueError as error:
                raise RowReject(column, str(error)) from None
        return row


def _parse(spec: Field, value: Any, *, mapping: SourceMapping) -> Any:
    kind = spec.kind
    if kind == "text":
        return _text(value)
    if kind == "type":
        word = _text(value).lower()
        if not INTERACTION_TYPE.match(word):
            raise ValueError("not an interaction type (snake_case, e.g. purchase or web_visit)")
        return word
    if kind == "date":
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        return normalise.date(_text(value))
    if kind == "timestamp":
        if isinstance(value, dt.datetime):
            zoned = value if value.tzinfo else value.replace(tzinfo=ZoneInfo(mapping.timezone))
            return zoned.astimezone(dt.UTC)
        return normalise.timestamp(_text(value), mapping.timezone)
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
        if value != value:
            raise ValueError("not a finite number")
        return float(value)
    return normalise.number(_text(value))
