"""A named, parameterised read query: Cypher text plus its embedded twin.

The catalogue (``custgraph.queries``) builds these; a store runs one by
executing ``cypher`` (Neo4j) or calling ``embedded`` (embedded store). Keeping
the type here lets the store run queries without importing the catalogue.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, LiteralString

from custgraph.errors import QueryParameterError

from . import normalise

if TYPE_CHECKING:
    from .embedded_graph import EmbeddedGraph

__all__ = ["NamedQuery", "QueryParameter", "Rows"]

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
    """``cypher`` is the analyst-facing text; ``embedded`` gives the same rows in memory."""

    name: str
    cypher: LiteralString
    embedded: Callable[[EmbeddedGraph, Mapping[str, Any]], Rows]
    parameters: tuple[QueryParameter, ...] = ()
    description: str = ""

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
