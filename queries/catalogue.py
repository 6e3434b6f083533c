"""The named query catalogue: every ``NAME.cypher`` here, its parameters and description.

The ``.cypher`` file is the source of truth for analysts: its header comment
names the query, its parameters and what it returns, so it can be pasted into
Neo4j Browser after ``:param``. Parameter lines look like::

    // @param customer_id: string — the golden customer's id
    // @param k: integer = 10 — how many recommendations
"""

from __future__ import annotations

import dataclasses
import json
import re
from functools import cache
from importlib import resources

from custgraph.errors import UnknownQueryError
from custgraph.graph import NamedQuery, QueryParameter

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
    return NamedQuery(name=name, cypher=text, parameters=tuple(parameters), description=description)


@cache
def batched(name: str) -> NamedQuery:
    """A per-customer query for many customers in one round trip (for the API's DataLoaders):
    ``$keys`` (customer ids) instead of ``$customer_id``; each row gains ``customer_id`` (see
    ``NamedQuery.batched_on``; each backend owns how it runs it)."""
    key = "customer_id"
    single = get(name)
    if key not in {parameter.name for parameter in single.parameters}:
        raise UnknownQueryError(f"{name} has no parameter {key!r} to batch on")
    parameters = (*(p for p in single.parameters if p.name != key),
                  QueryParameter(name="keys", type="list", description=f"values of {key}"))
    return dataclasses.replace(single, parameters=parameters, batched_on=key)
