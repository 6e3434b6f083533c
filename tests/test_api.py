"""The HTTP app in process (ASGI) on both backends: health and readiness."""

from __future__ import annotations

from starlette.testclient import TestClient

from custgraph.api import create_app
from custgraph.config import Config


def test_health_and_readiness(store_env: dict[str, str]) -> None:
    config = Config.from_env(store_env)
    with TestClient(create_app(config)) as client:
        assert client.get("/healthz").json() == {"status": "ok"}
        ready = client.get("/readyz")
        assert (ready.status_code, ready.json()) == (200, {"status": "ready"})
        assert client.get("/nope").status_code == 404
