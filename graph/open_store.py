"""Choosing the backend from the configuration: the one place that knows both."""

from __future__ import annotations

from custgraph.config import Config

from .store import DEFAULT_BATCH_SIZE, Store

__all__ = ["open_store"]


def open_store(config: Config, *, require_schema: bool = True, batch_size: int = DEFAULT_BATCH_SIZE,
               writer_wait_s: float | None = None, writer_lent: bool = False) -> Store:
    """A Neo4j store for a ``neo4j://``/``bolt://`` URI, else the embedded store at that path.

    ``require_schema=False`` is for ``custgraph init``, which creates the schema. ``writer_wait_s``:
    how long an embedded writer waits for another process's writing action (the server waits less
    than a command: an HTTP request should not hang behind an hour-long load). ``writer_lent``: the
    embedded writer lock is held for this process by the one that started it, around each action it
    asks for (the server's settling process); Neo4j has no such lock.
    """
    if config.uses_neo4j:
        from .neo4j import Neo4jStore

        return Neo4jStore(
            config.store,
            config.neo4j_user,
            config.neo4j_password,
            config.neo4j_database,
            batch_size=batch_size,
            require_schema=require_schema,
            max_retry_time=config.neo4j_retry_s,
        )
    from .embedded import EmbeddedStore

    return EmbeddedStore(config.store, batch_size=batch_size, writer_wait_s=writer_wait_s, writer_lent=writer_lent)
