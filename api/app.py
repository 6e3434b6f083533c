"""The ASGI application: GraphQL over the catalogue, health, readiness and metrics.

The store is opened once at start-up (lifespan) and shared by requests; a store
that cannot be opened stops start-up with the store's own error. Every
GraphQL request needs a known API key (see ``api/auth.py``) unless no key is
configured at all, which ``custgraph serve`` allows on loopback only.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import secrets
import sys
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import strawberry
from cross_web import HTTPException
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.extensions import (
    AddValidationRules,
    MaskErrors,
    MaxTokensLimiter,
    ParserCache,
    SchemaExtension,
    ValidationCache,
)

from custgraph.config import Config
from custgraph.errors import BadRequestError, CustgraphError
from custgraph.graph import Store, open_store
from custgraph.services import KeptJourneys, ResolveConfig

from .auth import Caller, KeyRing, presented_key
from .context import RequestContext
from .dashboard import SESSION_COOKIE, dashboard_routes
from .errors import ErrorLoggingSchema, told
from .events import Settler, events_endpoint, tracker
from .kept import KeptWarmer
from .limits import MAX_ALIASES, MAX_DEPTH, MAX_FIELDS, MAX_TOKENS, SizeLimit
from .metrics import Metrics
from .request_checks import check_request
from .schema import build_schema
from .settle_process import SettleProcess

__all__ = ["API_WRITER_WAIT_S", "MAX_ALIASES", "MAX_DEPTH", "MAX_FIELDS", "create_app", "from_environment",
           "served_schema"]

# How long a decision made over the API waits for a command writing to the same embedded store
# (a load, a resolve) before it is refused: an HTTP request should not hang behind a long load.
API_WRITER_WAIT_S = 30.0

CACHE_SIZE = 256  # distinct query texts whose parse and validation are kept
SWITCH_INTERVAL_S = 0.001
READY_WAIT_S = 5.0  # how long /readyz waits for a busy store before it says unavailable
# The kept journeys take in what live events settled at most this often: each merge makes the
# analytics count their indexes anew (~1 s at 100,000 persons), and events must show within 5 s.
KEPT_MERGE_EVERY_S = 2.0
log = logging.getLogger("custgraph.api")
STATIC = Path(__file__).parent / "static"
GRAPHIQL_PAGE = STATIC / "graphiql.html"


# Our size rule is a class made once: the validation cache is keyed by the rules, so rules made
# per request (as strawberry's limiters do) would make every request validate its document again.
LIMIT_RULES = (SizeLimit,)


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
    def __init__(self, keys: KeyRing, resolve_config: ResolveConfig, erasure_key_file: str, **options: Any) -> None:
        super().__init__(**options)
        self.keys = keys
        self.resolve_config = resolve_config
        self.erasure_key_file = erasure_key_file

    @property
    def graphql_ide_html(self) -> str:
        """Our GraphiQL page: strawberry's loads React and GraphiQL from a CDN, which leaves it blank
        on a machine without internet; ours loads the copies vendored in api/static/vendor."""
        return GRAPHIQL_PAGE.read_text(encoding="utf-8")

    async def get_context(self, request: Request | WebSocket, response: Response | WebSocket) -> RequestContext:
        caller: Caller = request.state.caller
        return RequestContext(store=request.app.state.store, caller=caller, resolve_config=self.resolve_config,
                              pseudonym_key=request.app.state.pseudonym_key, erasure_key_file=self.erasure_key_file,
                              kept_journeys=request.app.state.kept_journeys)


def _key(request: Request) -> str | None:
    """The request's key: a header, else the dashboard's sign-in cookie (so GraphiQL works for a
    signed-in user; the cookie is SameSite=Strict, so another site's page cannot send it)."""
    return (presented_key(request.headers.get("authorization"), request.headers.get("x-api-key"))
            or request.cookies.get(SESSION_COOKIE))


def served_schema(metrics: Metrics) -> strawberry.Schema:
    """The schema with what a served request goes through: caches, limits, masking, metrics."""
    return build_schema(schema_class=ErrorLoggingSchema, extensions=[
        lambda: ParserCache(maxsize=CACHE_SIZE),
        lambda: ValidationCache(maxsize=CACHE_SIZE),
        lambda: AddValidationRules(list(LIMIT_RULES)),
        lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS),
        lambda: MaskErrors(should_mask_error=lambda error: not told(error),
                           error_message="internal error; the server log has the details"),
        _metrics_extension(metrics),
    ])


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"data": None, "errors": [{"message": message}]}, status_code=status)


def create_app(config: Config, keys: KeyRing | None = None, resolve_config: ResolveConfig | None = None,
               store: Store | None = None) -> Starlette:
    """``store``, when given, is one the caller opened (``custgraph serve`` opens it first, so a
    store it cannot open is a one-line error); the app closes it when it stops."""
    keys = keys or KeyRing()
    resolve_config = resolve_config or ResolveConfig()
    deadline_s = config.api_deadline_s
    metrics = Metrics()
    schema = served_schema(metrics)
    graphql = _GraphQL(keys, resolve_config, config.erasure_key_file, schema=schema,
                       graphql_ide="graphiql")

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        app.state.store = store if store is not None else open_store(config, writer_wait_s=API_WRITER_WAIT_S)
        # What is made at start-up (modules, schema, the store's connection) lives as long as the process:
        # kept out of the collector's full passes (when the embedded store kept the graph in memory,
        # walking it paused every request by 0.2 s at 2,000 persons).
        gc.freeze()
        # Embedded queries run on a worker thread; the event loop waits up to one switch interval
        # for the GIL each time it needs it. 1 ms instead of 5 cut /healthz during the largest
        # allowed request from 127-132 ms to 52-68 ms at most (bench/api_limits.py).
        interval = sys.getswitchinterval()
        sys.setswitchinterval(SWITCH_INTERVAL_S)
        # A server whose keys can send events starts settling with itself; others only if one comes.
        sends = any(caller.sends_events for _, caller in keys.callers)
        app.state.settler = Settler(app.state.store, SettleProcess(app.state.store, config, resolve_config),
                                    config.settle_every_s, start_early=sends,
                                    max_lag_s=config.events_max_lag_s)
        settling = asyncio.create_task(app.state.settler.run(), name="custgraph-settler")
        warmer = KeptWarmer(app.state.store, app.state.kept_journeys, KEPT_MERGE_EVERY_S)
        warming = asyncio.create_task(warmer.run(), name="custgraph-kept-journeys")
        try:
            yield
        finally:
            for task in (settling, warming):
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            await app.state.settler.wait_for_pass()
            await warmer.wait_for_pass()
            sys.setswitchinterval(interval)
            gc.unfreeze()
            await app.state.store.aclose()
            app.state.store.close()

    async def graphql_endpoint(request: Request) -> Response:
        if (request.method == "GET" and "text/html" in request.headers.get("accept", "")
                and "query" not in request.query_params):
            request.state.caller = Caller("anonymous", "reader")  # the page runs nothing; its queries need a key
            return await graphql.run(request)
        caller = keys.caller(_key(request))
        if caller is None:
            return _error(401, "a valid API key is needed (Authorization: Bearer KEY)")
        if not caller.may("reader"):
            return _error(403, "this key may only send events (POST /v1/events)")
        request.state.caller = caller
        deadline = asyncio.timeout(deadline_s)
        try:
            await check_request(request)
            async with deadline:
                return await graphql.run(request)
        except BadRequestError as bad:
            log.info("GraphQL request refused (%d): %s", bad.status, bad.message)
            return _error(bad.status, bad.message)
        except HTTPException as refused:  # strawberry's own checks (operation type, operation name...)
            log.info("GraphQL request refused (%d): %s", refused.status_code, refused.reason)
            return _error(refused.status_code, refused.reason)
        except TimeoutError:
            if not deadline.expired():
                raise  # a timeout of something inside, not ours: an internal error
            log.warning("GraphQL request stopped at its %.0f s deadline", deadline_s)
            return _error(503, f"the request ran past the {deadline_s:g} s deadline; ask for less at once")

    async def healthz(request: Request) -> JSONResponse:
        """The process is up; says nothing about the store."""
        return JSONResponse({"status": "ok"})

    async def readyz(request: Request) -> JSONResponse:
        """Ready when the store answers now; 503 (without internals) when it does not."""
        store: Store = request.app.state.store
        try:  # on a worker thread: the embedded store's lock may be held by a long query
            await asyncio.wait_for(asyncio.to_thread(store.ping), READY_WAIT_S)
        except (CustgraphError, TimeoutError):
            return JSONResponse({"status": "unavailable"}, status_code=503)
        return JSONResponse({"status": "ready"})

    async def metrics_endpoint(request: Request) -> PlainTextResponse:
        return PlainTextResponse(metrics.text(), media_type="text/plain; version=0.0.4")

    async def events(request: Request) -> Response:
        return await events_endpoint(request, keys, config.erasure_key_file)

    app = Starlette(
        routes=[Route("/graphql", graphql_endpoint, methods=["GET", "POST"]), Route("/healthz", healthz),
                Route("/v1/events", events, methods=["POST", "OPTIONS"]), Route("/v1/track.js", tracker),
                Route("/readyz", readyz), Route("/metrics", metrics_endpoint),
                Mount("/static", StaticFiles(directory=STATIC), name="static"),
                *dashboard_routes(keys, resolve_config, config.erasure_key_file)],
        lifespan=lifespan,
    )
    # The key of the record-id pseudonyms readers see (api/masking.py), shared by the API and the
    # dashboard: made per process, nothing to keep, nothing to leak.
    app.state.pseudonym_key = secrets.token_bytes(32)
    # The journeys kept at the last resolve, read once per resolve and shared by the dashboard and
    # the API's analytics (attribution, root causes, retention).
    app.state.kept_journeys = KeptJourneys(merge_every_s=KEPT_MERGE_EVERY_S)
    return app


def from_environment() -> Starlette:
    """The app as ``custgraph serve --workers N`` starts it in each uvicorn worker process:
    everything from the environment the command set up."""
    import os
    from pathlib import Path

    from custgraph.services import read_config

    config = Config.from_env(os.environ)
    return create_app(config, KeyRing.from_env(os.environ),
                      read_config(Path(config.resolve_config) if config.resolve_config else None))
