"""The ASGI application: GraphQL over the catalogue, health, readiness and metrics.

The store is opened once at start-up (lifespan) and shared by requests; a store
that cannot be opened stops start-up with the store's own error. Every
GraphQL request needs a known API key (see ``api/auth.py``) unless no key is
configured at all, which ``custgraph serve`` allows on loopback only.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any

import strawberry
from custgraph.graph import Store, open_store
from custgraph.resolution import ResolveConfig
from graphql import GraphQLError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.extensions import (
    AddValidationRules,
    MaskErrors,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    SchemaExtension,
    ValidationCache,
)

from custgraph.config import Config
from custgraph.errors import CustgraphError

from .auth import Caller, KeyRing
from .context import RequestContext
from .metrics import Metrics
from .schema import build_schema

__all__ = ["create_app", "from_environment", "served_schema"]

MAX_DEPTH = 8
MAX_ALIASES = 20
MAX_TOKENS = 2000
CACHE_SIZE = 256  # distinct query texts whose parse and validation are kept


def _told(error: GraphQLError) -> bool:
    """Errors the client may read: its own mistakes (validation, limits, bad arguments, unknown
    ids) and ours that say what to fix; anything else is an internal error, masked."""
    original = error.original_error
    return original is None or isinstance(original, CustgraphError)


# The limiters' rule classes, made once. QueryDepthLimiter and MaxAliasesLimiter build a new rule
# class per instance, and strawberry makes extension instances per request, so the validation
# cache (keyed by the rules) never hit: every request re-validated its document, 3.5 ms of a
# 4 ms customer query. One set of classes for the process keeps the cache warm.
LIMIT_RULES = (*QueryDepthLimiter(max_depth=MAX_DEPTH).validation_rules,
               *MaxAliasesLimiter(max_alias_count=MAX_ALIASES).validation_rules)


def _metrics_extension(metrics: Metrics) -> type[SchemaExtension]:
    class Timing(SchemaExtension):
        def on_operation(self) -> Iterator[None]:
            started = time.perf_counter()
            yield
            context = self.execution_context
            failed = context.pre_execution_errors or (context.result is not None and context.result.errors)
            outcome = "error" if failed else "ok"
            metrics.observe(context.operation_name or "anonymous", outcome, time.perf_counter() - started)

    return Timing


class _GraphQL(GraphQL[RequestContext, None]):
    def __init__(self, keys: KeyRing, resolve_config: ResolveConfig, **options: Any) -> None:
        super().__init__(**options)
        self.keys = keys
        self.resolve_config = resolve_config

    async def get_context(self, request: Request | WebSocket, response: Response | WebSocket) -> RequestContext:
        caller: Caller = request.state.caller
        return RequestContext(store=request.app.state.store, caller=caller, resolve_config=self.resolve_config)


def _key(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip()
    return request.headers.get("x-api-key")


def served_schema(metrics: Metrics) -> strawberry.Schema:
    """The schema with what a served request goes through: caches, limits, masking, metrics."""
    return build_schema([
        lambda: ParserCache(maxsize=CACHE_SIZE),
        lambda: ValidationCache(maxsize=CACHE_SIZE),
        lambda: AddValidationRules(list(LIMIT_RULES)),
        lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS),
        lambda: MaskErrors(should_mask_error=lambda error: not _told(error),
                           error_message="internal error; the server log has the details"),
        _metrics_extension(metrics),
    ])


def create_app(config: Config, keys: KeyRing | None = None, resolve_config: ResolveConfig | None = None) -> Starlette:
    keys = keys or KeyRing()
    metrics = Metrics()
    schema = served_schema(metrics)
    graphql = _GraphQL(keys, resolve_config or ResolveConfig(), schema=schema, graphql_ide="graphiql")

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        app.state.store = open_store(config)
        try:
            yield
        finally:
            await app.state.store.aclose()
            app.state.store.close()

    async def graphql_endpoint(request: Request) -> Response:
        if (request.method == "GET" and "text/html" in request.headers.get("accept", "")
                and "query" not in request.query_params):
            request.state.caller = Caller("anonymous", "reader")  # the page runs nothing; its queries need a key
            return await graphql.run(request)
        caller = keys.caller(_key(request))
        if caller is None:
            return JSONResponse({"errors": [{"message": "a valid API key is needed (Authorization: Bearer KEY)"}]},
                                status_code=401)
        request.state.caller = caller
        return await graphql.run(request)

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

    async def metrics_endpoint(request: Request) -> PlainTextResponse:
        return PlainTextResponse(metrics.text(), media_type="text/plain; version=0.0.4")

    return Starlette(
        routes=[Route("/graphql", graphql_endpoint, methods=["GET", "POST"]), Route("/healthz", healthz),
                Route("/readyz", readyz), Route("/metrics", metrics_endpoint)],
        lifespan=lifespan,
    )


def from_environment() -> Starlette:
    """The app as ``custgraph serve --workers N`` starts it in each uvicorn worker process:
    everything from the environment the command set up."""
    import os
    from pathlib import Path

    from custgraph.resolution import read_config

    rules = os.environ.get("CUSTGRAPH_RESOLVE_CONFIG")
    return create_app(Config.from_env(os.environ), KeyRing.from_env(os.environ),
                      read_config(Path(rules) if rules else None))
