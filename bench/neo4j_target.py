"""The Neo4j a benchmark runs against: the one the tests use (``eval "$(scripts/neo4j-local env)"``)."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass

from custgraph.graph.neo4j import Neo4jStore

__all__ = ["Target", "target"]


@dataclass(frozen=True)
class Target:
    uri: str
    user: str
    password: str

    def store(self) -> Neo4jStore:
        return Neo4jStore(self.uri, self.user, self.password, require_schema=False)


def target() -> Target | None:
    """From CUSTGRAPH_TEST_NEO4J_URI / _USER / _PASSWORD; ``None`` (and what to do, on stderr) without it."""
    uri = os.environ.get("CUSTGRAPH_TEST_NEO4J_URI")
    if not uri:
        print("set CUSTGRAPH_TEST_NEO4J_URI (eval \"$(scripts/neo4j-local env)\")", file=sys.stderr)
        return None
    return Target(uri, os.environ.get("CUSTGRAPH_TEST_NEO4J_USER", "neo4j"),
                  os.environ.get("CUSTGRAPH_TEST_NEO4J_PASSWORD", ""))
