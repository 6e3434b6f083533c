"""The Neo4j backend: the store, its Cypher statements, and how it runs named queries."""

from .store import Neo4jStore

__all__ = ["Neo4jStore"]
