"""Named, parameterised read queries: Cypher for Neo4j and analysts, twins for the embedded store."""

from .catalogue import batched, get, names

__all__ = ["batched", "get", "names"]
