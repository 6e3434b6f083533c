"""The ASGI application: health and readiness now, GraphQL over the catalogue later.

The store is opened once at start-up (lifespan) and shared by requests; a store
that cannot be opened stops start-up with the store's own error.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from custgraph.graph import Store, open_store
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from custgraph.config import Config
from custgraph.errors import CustgraphError

__all__ = ["create_app"]


def create_app(config: Config) -> Starlette:
    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        app.state.store = open_store(config)
        try:
            yield
        finally:
            app.state.store.close()

    async def healthz(request: Request) -> JSONResponse:
        """The process is up; says nothing about the store."""
        return JSONResponse({"status": "ok"})

    async def readyz(request: Request) -> JSONResponse:
        """Ready when the store answers now; 503 (without internals) when it does not."""
        store: Store = request.app.state.store
        try:
            store.ping()
        except CustgraphError:
            return JSONResponse({"status": "unavailable"}, status_code=503)
        return JSONResponse({"status": "ready"})

    return Starlette(
        routes=[Route("/healthz", healthz), Route("/readyz", readyz)],
        lifespan=lifespan,
    )
