"""The GraphQL schema: the Query and Mutation roots over the types of ``api/types/``.

Resolvers are thin: reads call the query catalogue (fields of ``Customer`` through per-request
DataLoaders), writes call a use case (``custgraph.services``); no Cypher lives in ``api/``.
Personal contact data is masked for the ``reader`` role (``masking.py``); mutations need
``admin``; lists that grow have a cursor-paged twin (``pagination.py``). Print the schema with
``python -m custgraph.api.schema`` (it is kept in ``api/schema.graphql``; a test fails when that
file is stale).
"""

from __future__ import annotations

from typing import Any

import strawberry

from .mutation import Mutation
from .query import Query

__all__ = ["build_schema", "sdl"]


def build_schema(extensions: list[Any] | None = None,
                 schema_class: type[strawberry.Schema] = strawberry.Schema) -> strawberry.Schema:
    return schema_class(query=Query, mutation=Mutation, extensions=extensions or [])


def sdl() -> str:
    return build_schema().as_str() + "\n"


if __name__ == "__main__":
    print(sdl(), end="")
