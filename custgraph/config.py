"""One configuration object, built once at start-up from an environment passed in.

Nothing reads ``os.environ`` at import time; the CLI passes it to ``Config.from_env``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from custgraph.errors import ConfigError

__all__ = ["DEFAULT_STORE", "NEO4J_SCHEMES", "Config"]

DEFAULT_STORE = "./custgraph-data"
DEFAULT_API_DEADLINE_S = 30.0
DEFAULT_SETTLE_EVERY_S = 0.5
DEFAULT_EVENTS_MAX_LAG_S = 2.5
NEO4J_SCHEMES = ("neo4j://", "neo4j+s://", "neo4j+ssc://", "bolt://", "bolt+s://", "bolt+ssc://")


@dataclass(frozen=True)
class Config:
    """Where the graph lives and how to reach it.

    ``store`` is a Neo4j URI (``neo4j://``, ``neo4j+s://``, ``bolt://``...) or a
    directory for the embedded store.
    """

    store: str = DEFAULT_STORE
    neo4j_user: str = "neo4j"
    neo4j_password: str | None = None
    neo4j_database: str | None = None
    # How long a Neo4j transaction is retried after a transient error (a deadlock, a leader switch,
    # the server restarting) before the action fails (CUSTGRAPH_NEO4J_RETRY).
    neo4j_retry_s: float = 30.0
    api_deadline_s: float = DEFAULT_API_DEADLINE_S  # a GraphQL request still running then gets a 503
    host: str = "127.0.0.1"  # where ``serve`` listens (CUSTGRAPH_HOST; --host wins)
    port: int = 8000  # CUSTGRAPH_PORT; --port wins
    workers: int = 1  # CUSTGRAPH_WORKERS; --workers wins
    resolve_config: str | None = None  # matching rules TOML (CUSTGRAPH_RESOLVE_CONFIG; --config wins)
    erasure_key_file: str = "~/.config/custgraph/erasure.key"  # outside the store: see graph/erased.py
    # Pause between passes that settle live events (CUSTGRAPH_SETTLE_EVERY): longer passes fewer
    # times over more events (more events/s taken), shorter shows each sooner.
    settle_every_s: float = DEFAULT_SETTLE_EVERY_S
    # How long an event's journey may wait for settling to take it before ``POST /v1/events``
    # holds new requests, up to as long again (CUSTGRAPH_EVENTS_MAX_LAG): see api/events.py.
    events_max_lag_s: float = DEFAULT_EVENTS_MAX_LAG_S

    @property
    def uses_neo4j(self) -> bool:
        return self.store.lower().startswith(NEO4J_SCHEMES)

    @classmethod
    def from_env(cls, env: Mapping[str, str], store: str | None = None) -> Config:
        """Build from ``env``; ``store`` (the ``--store`` flag) wins over ``CUSTGRAPH_STORE``."""
        chosen = store if store is not None else env.get("CUSTGRAPH_STORE", "")
        chosen = chosen.strip() or DEFAULT_STORE
        if "://" in chosen and not chosen.lower().startswith(NEO4J_SCHEMES):
            name = "--store" if store is not None else "CUSTGRAPH_STORE"
            raise ConfigError(
                name,
                f"unsupported URI scheme in {chosen.split('://')[0]!r}; "
                "use neo4j://, neo4j+s://, bolt:// or a directory path",
            )
        user = env.get("NEO4J_USER", "").strip() or "neo4j"
        password = env.get("NEO4J_PASSWORD") or None
        database = env.get("NEO4J_DATABASE", "").strip() or None
        config_home = env.get("XDG_CONFIG_HOME", "").strip() or "~/.config"
        key_file = env.get("CUSTGRAPH_ERASURE_KEY_FILE", "").strip() or f"{config_home}/custgraph/erasure.key"
        return cls(store=chosen, neo4j_user=user, neo4j_password=password, neo4j_database=database,
                   neo4j_retry_s=_seconds(env, "CUSTGRAPH_NEO4J_RETRY", 30.0),
                   api_deadline_s=_seconds(env, "CUSTGRAPH_API_DEADLINE", DEFAULT_API_DEADLINE_S),
                   erasure_key_file=key_file, host=env.get("CUSTGRAPH_HOST", "").strip() or "127.0.0.1",
                   port=_whole(env, "CUSTGRAPH_PORT", 8000), workers=_whole(env, "CUSTGRAPH_WORKERS", 1),
                   resolve_config=env.get("CUSTGRAPH_RESOLVE_CONFIG", "").strip() or None,
                   settle_every_s=_seconds(env, "CUSTGRAPH_SETTLE_EVERY", DEFAULT_SETTLE_EVERY_S),
                   events_max_lag_s=_seconds(env, "CUSTGRAPH_EVENTS_MAX_LAG", DEFAULT_EVENTS_MAX_LAG_S))


def _whole(env: Mapping[str, str], name: str, default: int) -> int:
    text = env.get(name, "").strip()
    if not text:
        return default
    if not text.isdigit():
        raise ConfigError(name, f"must be a whole number, not {text!r}")
    return int(text)


def _seconds(env: Mapping[str, str], name: str, default: float) -> float:
    text = env.get(name, "").strip()
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        raise ConfigError(name, f"must be a number of seconds, not {text!r}") from None
    if not 0 < value < 86_400:
        raise ConfigError(name, "must be more than 0 and less than a day (in seconds)")
    return value
