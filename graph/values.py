"""Property values both backends can store and give back unchanged.

Allowed: ``str``, ``int`` (64-bit), ``float``, ``bool``, ``datetime.date``,
``datetime.datetime`` and lists of one of those; ``None`` removes a property
(as ``SET n += {p: null}`` does in Neo4j). Maps and nested lists are refused
because Neo4j cannot store them as properties.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Mapping
from typing import Any, cast

__all__ = ["Value", "check_value", "from_json", "from_neo4j", "same_value", "tagged", "to_json", "untagged"]

Scalar = str | int | float | bool | dt.date | dt.datetime
Value = Scalar | list[Scalar] | None

_INT64 = (-(2**63), 2**63 - 1)


_PLAIN = (str, float, bool)


def check_value(value: object) -> str | None:
    """Why ``value`` cannot be stored, or ``None`` when it can."""
    if value is None or (value.__class__ in _PLAIN and value == value):
        return None  # the common case first: no further checks apply
    if isinstance(value, list):
        if all(item.__class__ is str for item in value):
            return None  # the common list (evidence lines, name forms): no kinds to compare
        kinds = {_scalar_kind(item) for item in value}
        if None in kinds or "null" in kinds:
            return "lists may hold only strings, numbers, booleans, dates or datetimes (no nulls)"
        if len(kinds) > 1 and kinds != {"int", "float"}:
            return "a list must hold values of one type"
        return None
    if _scalar_kind(value) is None:
        return f"unsupported type {type(value).__name__}"
    if isinstance(value, int) and not isinstance(value, bool) and not _INT64[0] <= value <= _INT64[1]:
        return "integer out of the 64-bit range"
    if isinstance(value, float) and math.isnan(value):
        return "NaN cannot be stored (it never equals itself)"
    return None


def _scalar_kind(value: object) -> str | None:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    if isinstance(value, str):
        return "str"
    if isinstance(value, dt.datetime):
        return "datetime"
    if isinstance(value, dt.date):
        return "date"
    return None


def same_value(old: object, new: object) -> bool:
    """Equality as Neo4j sees it: ``1 == 1.0``, a datetime is not a date, a bool is not an int."""
    if isinstance(old, list) and isinstance(new, list):
        return len(old) == len(new) and all(same_value(a, b) for a, b in zip(old, new, strict=True))
    if isinstance(old, bool) != isinstance(new, bool):
        return False
    if isinstance(old, dt.datetime) != isinstance(new, dt.datetime):
        return False
    naive_and_aware = isinstance(old, dt.datetime) and isinstance(new, dt.datetime) and (
        (old.tzinfo is None) != (new.tzinfo is None)
    )
    if naive_and_aware:
        return False
    return bool(old == new)


def tagged(value: object) -> object:
    """JSON-ready: datetimes and dates as ``{"$datetime": iso}`` / ``{"$date": iso}``, in lists and
    maps too (query rows hold both), so that ``untagged`` gives them back as themselves."""
    if isinstance(value, dt.datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, dt.date):
        return {"$date": value.isoformat()}
    if isinstance(value, list):
        return [tagged(item) for item in value]
    if isinstance(value, dict):
        return {key: tagged(item) for key, item in value.items()}
    return value


def untagged(value: object) -> Any:
    if isinstance(value, dict):
        if "$datetime" in value:
            return dt.datetime.fromisoformat(value["$datetime"])
        if "$date" in value:
            return dt.date.fromisoformat(value["$date"])
        return {key: untagged(item) for key, item in value.items()}
    if isinstance(value, list):
        return [untagged(item) for item in value]
    return value


def _tag(value: object) -> object:
    """The encoder's hook for what JSON has no type for: dates and datetimes, tagged as ``tagged``
    does, wherever they sit (the encoder's own walk finds them, in C, instead of a walk here)."""
    if isinstance(value, dt.date):
        return tagged(value)
    raise TypeError(f"{type(value).__name__} cannot be stored")


_encode_text = json.encoder.encode_basestring  # the encoder's own, for ensure_ascii=False
_ENCODER = json.JSONEncoder(sort_keys=True, ensure_ascii=False, allow_nan=False, default=_tag)


def to_json(value: object) -> str:
    """A canonical JSON text (sorted keys) that ``from_json`` turns back into the value.

    Scalars are written here as the encoder writes them (its own functions), without the
    encoder's set-up, which costs five times the writing: a resolve writes millions of them
    (each property a score or a digest sets is its own ``json_set`` value)."""
    kind = type(value)
    if kind is str:
        return _encode_text(cast(str, value))
    if kind is int:
        return int.__repr__(cast(int, value))
    if kind is float and math.isfinite(cast(float, value)):
        return float.__repr__(cast(float, value))
    if value is None:
        return "null"
    if kind is bool:
        return "true" if value else "false"
    if isinstance(value, Mapping) and not value:
        return "{}"  # most relationships (HAD, RESOLVES_TO, VIA...): the encoder costs 15x this
    return _ENCODER.encode(value)


def _untagged_map(value: dict[str, Any]) -> Any:
    if "$datetime" in value:
        return dt.datetime.fromisoformat(value["$datetime"])
    if "$date" in value:
        return dt.date.fromisoformat(value["$date"])
    return value


# Untags each map as the parser makes it, innermost first, as ``untagged`` does walking down.
_DECODER = json.JSONDecoder(object_hook=_untagged_map)


def from_json(text: str) -> Any:
    """The value ``to_json`` wrote. Opening an embedded store decodes every key and property map,
    so the common texts skip the parser: ``{}`` (most relationships) and keys that are plain
    strings (``to_json`` escapes a quote, backslash or control character, so a text that starts
    with a quote and holds no backslash is the string between its quotes)."""
    if text == "{}":
        return {}
    if text[:1] == '"' and "\\" not in text:
        return text[1:-1]
    return _DECODER.decode(text)


_DRIVER_PLAIN = frozenset({str, int, float, bool, type(None)})


def from_neo4j(value: Any) -> Any:
    """Driver values to plain Python (neo4j.time types become ``datetime``/``date``)."""
    if type(value) in _DRIVER_PLAIN:  # most values: no attribute to look for
        return value
    if isinstance(value, list):
        return [from_neo4j(item) for item in value]
    if isinstance(value, dict):
        return {key: from_neo4j(item) for key, item in value.items()}
    to_native = getattr(value, "to_native", None)
    if callable(to_native):
        return to_native()
    if hasattr(value, "element_id"):  # a node or relationship: no named query returns one
        raise TypeError(f"a query returned a graph element ({type(value).__name__}); return its properties")
    return value
