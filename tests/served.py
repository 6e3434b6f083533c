"""A served app over generated data, for the API's test modules: one way to set it up."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from starlette.testclient import TestClient

from custgraph.api import create_app
from custgraph.api.auth import KeyRing
from custgraph.config import Config
from custgraph.graph import open_store
from custgraph.loaders import load_sources
from custgraph.samples.generate import SOURCES
from custgraph.services import ResolveConfig, resolve


@contextmanager
def served(store_env: Mapping[str, str], generated: Path, keys: Mapping[str, str]) -> Iterator[TestClient]:
    """The generated sources loaded and resolved into the test's store, and the app serving it."""
    config = Config.from_env(store_env)
    with open_store(config, require_schema=False) as store:
        store.init()
        load_sources(store, [generated / s for s in SOURCES], Path(tempfile.mkdtemp()) / "rejects.jsonl")
        resolve(store, ResolveConfig())
    with TestClient(create_app(config, KeyRing.from_env(keys))) as client:
        yield client
