"""Named, parameterised read queries: the Cypher files analysts run and the names every backend answers."""

from .catalogue import batched, get, names

__all__ = ["batched", "get", "names"]
