"""The embedded store's implementation of every named query, one module per name.

Each module's ``run(graph, params)`` gives the rows its ``queries/NAME.cypher`` gives on
Neo4j, in the same order (``support.py``: Cypher's rounding, null ordering, journeys);
recorded Neo4j answers keep the two honest (tests/test_parity.py).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from functools import cache
from typing import Any

from custgraph.errors import UnknownQueryError

from ...named_query import Rows
from ..graph import EmbeddedGraph

__all__ = ["implementation"]

Implementation = Callable[[EmbeddedGraph, Mapping[str, Any]], Rows]


@cache
def implementation(name: str) -> Implementation:
    """The function that answers the named query ``name`` on the embedded graph."""
    if not name.isidentifier() or name == "support":
        raise UnknownQueryError(f"the embedded store has no query named {name!r}")
    try:
        module = importlib.import_module(f"{__package__}.{name}")
    except ModuleNotFoundError:
        raise UnknownQueryError(f"the embedded store has no query named {name!r}") from None
    run: Implementation = module.run
    return run
