"""The named query catalogue: ``NAME.cypher`` plus its embedded twin ``NAME.py``.

The ``.cypher`` file is the source of truth for analysts: its header comment
names the query, its parameters and what it returns, so it can be pasted into
Neo4j Browser after ``:param``. Parameter lines look like::

    // @param customer_id: string — the golden customer's id
    // @param k: integer = 10 — how many recommendations
"""

from __future__ import annotations

import importlib
import json
import re
from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import Any, cast

from custgraph.graph import NamedQuery, QueryParameter, Rows
from custgraph.graph.embedded_graph import EmbeddedGraph

from custgraph.errors import UnknownQueryError

__all__ = ["batched", "get", "names"]

_PARAM = re.compile(r"^//\s*@param\s+(\w+)\s*:\s*(\w+)(?:\s*=\s*(\S+))?(?:\s*[—-]+\s*(.*))?$")


def names() -> list[str]:
    """Every query in the catalogue, sorted."""
    files = resources.files(__package__)
    return sorted(entry.name.removesuffix(".cypher") for entry in files.iterdir()
                  if entry.name.endswith(".cypher"))


@cache
def get(name: str) -> NamedQuery:
    """The named query ``name``; ``UnknownQueryError`` lists what exists."""
    if name not in names():
        raise UnknownQueryError(f"no query named {name!r}; known: {', '.join(names())}")
    text = (resources.files(__package__) / f"{name}.cypher").read_text(encoding="utf-8")
    twin = importlib.import_module(f"{__package__}.{name}")
    header = [line for line in text.splitlines() if line.startswith("//")]
    summary: list[str] = []
    for line in header:  # the comment lines before "Parameters:"
        comment = line.removeprefix("//").strip()
        if comment.startswith("Parameters:"):
            break
        summary.append(comment)
    description = " ".join(summary).removeprefix(f"{name}:").strip()
    parameters = []
    for line in header:
        match = _PARAM.match(line)
        if match:
            param, kind, default, about = match.groups()
            parameters.append(QueryParameter(
                name=param, type=kind, default=json.loads(default) if default else None,
                required=default is None, description=about or "",
            ))
    # The file's text is ours, shipped with the package: it is literal query text.
    return NamedQuery(name=name, cypher=text, embedded=twin.embedded,
                      parameters=tuple(parameters), description=description)


@cache
def batched(name: str) -> NamedQuery:
    """A per-customer query for many customers in one round trip (for the API's DataLoaders):
    ``$keys`` (customer ids) instead of ``$customer_id``; each row gains ``customer_id``.

    Every existing customer gets at least one row: one whose other columns are all null when the
    query has nothing for it, so a caller learns in the same round trip whether the customer
    exists. The Cypher is the named query's own text inside ``UNWIND $keys AS customer_id MATCH
    (the customer) OPTIONAL CALL (customer_id) { ... }``, so there is one text to keep right.
    """
    key = "customer_id"
    single = get(name)
    if key not in {parameter.name for parameter in single.parameters}:
        raise UnknownQueryError(f"{name} has no parameter {key!r} to batch on")
    body = "\n".join(line for line in single.cypher.splitlines() if not line.startswith("//"))
    body = re.sub(rf"\${key}\b", key, body)
    text = (f"UNWIND $keys AS {key}\nMATCH (:Customer {{customer_id: {key}}})\n"
            f"OPTIONAL CALL ({key}) {{\n{body}\n}}\nRETURN *\n")
    twin = single.embedded

    def embedded(graph: EmbeddedGraph, params: Mapping[str, Any]) -> Rows:
        rows: Rows = []
        for value in params["keys"]:
            if graph.has_node("Customer", value):
                rows += [{key: value, **row} for row in twin(graph, {**params, key: value})] or [{key: value}]
        return rows

    parameters = (*(p for p in single.parameters if p.name != key),
                  QueryParameter(name="keys", type="list", description=f"values of {key}"))
    return NamedQuery(name=f"{name}[batch]", cypher=cast(Any, text), embedded=embedded, parameters=parameters,
                      description=single.description)
