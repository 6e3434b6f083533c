"""A named, parameterised read query: its name, Cypher text and parameters.

The catalogue (``custgraph.queries``) builds these; each backend answers one in
its own way: Neo4j runs ``cypher``, the embedded store runs its implementation
of the name (``graph/embedded/queries/NAME.py``). Keeping the type here lets a
store run queries without importing the catalogue above it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, LiteralString

from custgraph.errors import QueryParameterError

from . import normalise

__all__ = ["NamedQuery", "QueryParameter", "Rows", "round_half_up"]

Rows = list[dict[str, Any]]

_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "search": (str,),  # what a user typed into a search: normalised by ``normalise.search_key``
    "datetime": (str, dt.datetime),  # ISO 8601; a time without an offset is UTC
    "integer": (int,),
    "float": (int, float),
    "boolean": (bool,),
    "list": (list,),
}


@dataclass(frozen=True)
class QueryParameter:
    name: str
    type: str
    default: Any = None
    required: bool = True
    description: str = ""


@dataclass(frozen=True)
class NamedQuery:
    """``cypher`` is the analyst-facing text. ``batched_on`` names the parameter of a
    per-customer query run for many values at once (``$keys``): every row gains that
    parameter's column, and each existing customer gets at least one row, all-null but for
    that column when the query has nothing for it (so a caller learns in the same round trip
    whether it exists). Each backend owns how it batches."""

    name: str
    cypher: LiteralString
    parameters: tuple[QueryParameter, ...] = ()
    description: str = ""
    batched_on: str | None = None

    @property
    def label(self) -> str:
        """How logs, metrics and tests name a run: ``cross_sell[batch]`` for a batched one."""
        return f"{self.name}[batch]" if self.batched_on else self.name

    def bind(self, params: Mapping[str, Any]) -> dict[str, Any]:
        """Check ``params`` against the declared parameters and fill in defaults."""
        known = {parameter.name: parameter for parameter in self.parameters}
        unknown = sorted(set(params) - set(known))
        if unknown:
            raise QueryParameterError(f"{self.name}: unknown parameter(s) {', '.join(unknown)}")
        bound: dict[str, Any] = {}
        for parameter in self.parameters:
            if params.get(parameter.name) is None:  # absent, or null: an optional one takes its default
                if parameter.required:
                    raise QueryParameterError(f"{self.name}: missing parameter {parameter.name}")
                bound[parameter.name] = parameter.default
                continue
            value = params[parameter.name]
            allowed = _TYPES.get(parameter.type, (object,))
            wrong_bool = isinstance(value, bool) and parameter.type in ("integer", "float")
            if not isinstance(value, allowed) or wrong_bool:
                raise QueryParameterError(
                    f"{self.name}: parameter {parameter.name} must be of type {parameter.type}"
                )
            bound[parameter.name] = _converted(self.name, parameter, value)
        return bound


def _converted(query: str, parameter: QueryParameter, value: Any) -> Any:
    """``search`` and ``datetime`` parameters in the form both backends compare with."""
    if parameter.type == "search":
        key = normalise.search_key(value)
        if not key:
            raise QueryParameterError(f"{query}: parameter {parameter.name}: nothing to search for")
        return key
    if parameter.type == "datetime":
        if isinstance(value, dt.datetime):
            return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
        try:
            return normalise.timestamp(value)
        except ValueError as error:
            raise QueryParameterError(f"{query}: parameter {parameter.name}: {error}") from None
    return value


def round_half_up(value: float | None, digits: int) -> float | None:
    """Cypher's ``round(x, digits)`` (halves away from zero; Python's round() goes to even): for
    every answer computed outside Cypher that must equal one computed in it."""
    if value is None:
        return None
    return float(Decimal(repr(float(value))).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP))
