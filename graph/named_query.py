"""A named, parameterised read query: Cypher text plus its embedded twin.

The catalogue (``custgraph.queries``) builds these; a store runs one by
executing ``cypher`` (Neo4j) or calling ``embedded`` (embedded store). Keeping
the type here lets the store run queries without importing the catalogue.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, LiteralString

from custgraph.errors import QueryParameterError

if TYPE_CHECKING:
    from .embedded_graph import EmbeddedGraph

__all__ = ["NamedQuery", "QueryParameter", "Rows"]

Rows = list[dict[str, Any]]

_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
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
            if parameter.name not in params:
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
            bound[parameter.name] = value
        return bound
