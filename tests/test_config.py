"""Choosing the store from --store, CUSTGRAPH_STORE and the default."""

from __future__ import annotations

import pytest

from custgraph.config import DEFAULT_STORE, Config
from custgraph.errors import ConfigError


@pytest.mark.parametrize(("env", "flag", "store", "neo4j"), [
    ({}, None, DEFAULT_STORE, False),
    ({"CUSTGRAPH_STORE": "  "}, None, DEFAULT_STORE, False),
    ({"CUSTGRAPH_STORE": "/data/graph"}, None, "/data/graph", False),
    ({"CUSTGRAPH_STORE": "neo4j://db:7687"}, None, "neo4j://db:7687", True),
    ({"CUSTGRAPH_STORE": "neo4j+s://x.databases.example"}, None, "neo4j+s://x.databases.example", True),
    ({"CUSTGRAPH_STORE": "/data/graph"}, "bolt://127.0.0.1:7687", "bolt://127.0.0.1:7687", True),
    ({"CUSTGRAPH_STORE": "bolt://a:1"}, "./local", "./local", False),
])
def test_store_selection(env: dict[str, str], flag: str | None, store: str, neo4j: bool) -> None:
    config = Config.from_env(env, store=flag)

    assert (config.store, config.uses_neo4j) == (store, neo4j)


def test_credentials_and_database_come_from_the_environment() -> None:
    config = Config.from_env({"NEO4J_USER": "app", "NEO4J_PASSWORD": "s3cret", "NEO4J_DATABASE": "crm"})

    assert (config.neo4j_user, config.neo4j_password, config.neo4j_database) == ("app", "s3cret", "crm")
    assert Config.from_env({}).neo4j_password is None


@pytest.mark.parametrize(("env", "flag", "name"), [
    ({"CUSTGRAPH_STORE": "http://db:7474"}, None, "CUSTGRAPH_STORE"),
    ({}, "postgres://x", "--store"),
])
def test_unsupported_scheme_names_the_setting(env: dict[str, str], flag: str | None, name: str) -> None:
    with pytest.raises(ConfigError) as caught:
        Config.from_env(env, store=flag)

    assert caught.value.name == name
    assert str(caught.value).startswith(f"{name}: unsupported URI scheme")


def test_serving_settings_come_from_the_environment_and_fail_by_name() -> None:
    config = Config.from_env({"CUSTGRAPH_HOST": "0.0.0.0", "CUSTGRAPH_PORT": "9000", "CUSTGRAPH_WORKERS": "3",
                              "CUSTGRAPH_RESOLVE_CONFIG": "rules.toml", "CUSTGRAPH_API_DEADLINE": "2.5",
                              "CUSTGRAPH_ERASURE_KEY_FILE": "/keys/k", "CUSTGRAPH_NEO4J_RETRY": "5",
                              "CUSTGRAPH_EVENTS_MAX_LAG": "4"})
    assert (config.host, config.port, config.workers, config.resolve_config, config.api_deadline_s,
            config.erasure_key_file, config.neo4j_retry_s) == ("0.0.0.0", 9000, 3, "rules.toml", 2.5, "/keys/k", 5.0)
    assert config.events_max_lag_s == 4.0
    defaults = Config.from_env({"XDG_CONFIG_HOME": "/cfg"})
    assert (defaults.host, defaults.port, defaults.workers, defaults.resolve_config) == ("127.0.0.1", 8000, 1, None)
    assert defaults.neo4j_retry_s == 30.0 and defaults.events_max_lag_s == 2.5
    assert defaults.erasure_key_file == "/cfg/custgraph/erasure.key"
    for name, value in (("CUSTGRAPH_PORT", "eighty"), ("CUSTGRAPH_WORKERS", "-1"), ("CUSTGRAPH_API_DEADLINE", "0"),
                        ("CUSTGRAPH_NEO4J_RETRY", "soon"), ("CUSTGRAPH_EVENTS_MAX_LAG", "-2")):
        with pytest.raises(ConfigError) as caught:
            Config.from_env({name: value})
        assert caught.value.name == name
