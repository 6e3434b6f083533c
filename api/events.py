"""``POST /v1/events``: live events in, per-event answers out; and the settler that resolves them.

A request holds up to ``MAX_EVENTS`` events as ``{"batch": [...]}`` (Segment's batch form) or a
JSON list. The answer is 200 with one outcome per event, in order, once the accepted ones are
durable; a bad event is answered ``rejected`` with its field and reason and never stops the
others. Only a request that is not a batch at all gets a 4xx.

The settler decides in the serving process when to settle: ``Config.settle_every_s`` after each
pass, it resolves the records the events since the last pass wrote and rebuilds their customers'
journeys, so an event shows in the journey, the dashboard's profile and cross-sell within
seconds, without a resolve per request. The passes run in a process of their own
(``settle_process.py``), so that taking requests and settling use both cores.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response

from custgraph.errors import BadRequestError, CustgraphError
from custgraph.graph import ErasureKey, Store
from custgraph.services import MAX_EVENTS, EventOutcome, EventsTaken, SettledPass, take_events, unsettled

from .auth import Caller, KeyRing, presented_key
from .request_checks import parse_json, read_body
from .settle_process import SettleProcess

__all__ = ["MAX_EVENT_BYTES", "TRACKER", "Settler", "events_endpoint", "tracker"]

MAX_EVENT_BYTES = 4 * 1024 * 1024  # 500 events of 8 KiB each
TRACKER = Path(__file__).parent / "static" / "track.js"
RESOLVE_PAUSES = 4  # records are resolved after this many journey pauses
# A records pass takes the performers waiting at most this often between its steps: each time, a
# busy customer is rebuilt again (``Settler._take_performers``).
MEANWHILE_S = 1.0
HOLD_POLL_S = 0.02  # how often a held request looks whether settling caught up
log = logging.getLogger("custgraph.events")


class Settler:
    """Settles what taken events touched, in the background, in two kinds of pass that take turns:

    - journeys, every ``pause_s``: the customers of records that did something are rebuilt, so a
      known customer's event shows in their journey and cross-sell in about a pass (a records pass
      rebuilds them too, first, when it comes first); then the journeys of the customers rebuilt
      since the last journeys pass are kept for the dashboard (``keep_settled_journeys``);
    - records, every ``RESOLVE_PAUSES`` times ``pause_s``: new and changed records are resolved (a
      visitor becomes a customer, an identify joins them). A pass reads the records the events
      wrote and those they can move, and compares them with what the last whole pass read
      (``resolution/scoped.py``); a whole pass, which reads every record, comes first and then
      whenever that basis is older than a minute (or 20 times its own duration). It leaves the
      customers it changed for the next journeys pass to keep (written in the store, so
      that they are kept after a restart too): keeping them took about a second of a 3.5-7 s
      records pass on Neo4j, which every event that came meanwhile waited for. Between its steps,
      a records pass takes the performers waiting then (``_take_performers``), at most every
      ``meanwhile_s``, so that an event that came as it began does not wait for all of it; so does
      a journeys pass between its keeping's reads (keeping what a records pass left took 1.2-2.4 s
      on Neo4j, and an event that came as the pass began waited for it, the pause, and the next
      pass's first rebuild: 4.5-5 s, the p99 of freshness).

    A pass that fails keeps its work for the next one (and logs why); a settling process that
    stopped is started again for it.

    Settling keeps up with what is taken only while it has the machine to: the server, the
    settling process and the store share it, and taking faster leaves settling less of it just
    when it has more to do. So requests wait (``hold``) while the oldest event whose journey no
    pass has taken yet is older than ``max_lag_s``, each for at most that long again, and are
    taken then: senders slow down, instead of their events showing later and later. On Neo4j,
    after 300 s of one sender, passes grew to 10-14 s; without the wait an event showed in its
    journey after up to 8.8 s, and freshness p99 was 8.1 s against 3.9 s with it (one pair of
    runs, bench/RESULTS.md)."""

    def __init__(self, store: Store, process: SettleProcess, pause_s: float, start_early: bool = False,
                 meanwhile_s: float = MEANWHILE_S, max_lag_s: float = float("inf")) -> None:
        self.store = store
        self.process = process
        self.pause_s = pause_s
        self.meanwhile_s = meanwhile_s
        self.max_lag_s = max_lag_s
        self._waiting_since: float | None = None  # when the oldest performer no pass took yet came
        self.start_early = start_early  # start the process with the server, not with the first event
        self.records: set[str] = set()
        self.performers: set[str] = set()
        self._performers_lock = threading.Lock()  # a records pass takes them from its own thread
        self._taken: set[str] = set()  # what the running pass took so, given back if it fails
        self._taken_at = 0.0  # when the running pass began or last took them
        self.keep_due = False  # a records pass left customers for the next journeys pass to keep
        self.everything = False
        self.passes = 0
        self._turn = asyncio.Lock()  # one pass at a time: a rebuild must not race a re-clustering
        self._pass: asyncio.Future[SettledPass] | None = None
        self._records_waiting = asyncio.Event()
        self._performers_waiting = asyncio.Event()

    def add(self, taken: EventsTaken) -> None:
        self.records |= taken.records
        with self._performers_lock:
            if taken.performers and self._waiting_since is None:
                self._waiting_since = time.perf_counter()
            self.performers |= taken.performers
        if taken.records:
            self._records_waiting.set()
        if taken.performers:
            self._performers_waiting.set()

    async def run(self) -> None:
        """Until cancelled. With ``start_early``, the settling process starts now: starting it (a
        new interpreter importing the resolver) took 2.7 s, which the first events waited for."""
        if self.start_early:
            self.process.start()
        try:
            self.everything = await asyncio.to_thread(unsettled, self.store)
        except CustgraphError as error:
            log.warning("could not check for unsettled events: %s", error)
        await asyncio.gather(self._loop(records=True), self._loop(records=False))

    def _take_performers(self) -> set[str]:
        """The performers waiting now, for the running pass (called on its thread), if it began or
        last took them ``meanwhile_s`` ago; else none."""
        if time.perf_counter() - self._taken_at < self.meanwhile_s:
            return set()
        self._taken_at = time.perf_counter()
        with self._performers_lock:
            performers, self.performers, self._waiting_since = self.performers, set(), None
        self._taken |= performers
        return performers

    def lag(self) -> float:
        """How long the oldest performer no pass has taken yet has waited (0 when none waits)."""
        since = self._waiting_since
        return 0.0 if since is None else time.perf_counter() - since

    async def hold(self) -> float:
        """Wait while settling lags (``lag`` over ``max_lag_s``), for at most ``max_lag_s``;
        returns how long it waited. A request calls it before it takes its events."""
        started = time.perf_counter()
        while self.lag() > self.max_lag_s and time.perf_counter() - started < self.max_lag_s:
            await asyncio.sleep(HOLD_POLL_S)
        return time.perf_counter() - started

    async def wait_for_pass(self) -> None:
        """Let a pass that is running end, and stop the settling process: a thread cannot be
        cancelled, and the store must not be closed under it (the server calls this after
        cancelling ``run``, before closing the store)."""
        if self._pass is not None and not self._pass.done():
            with contextlib.suppress(Exception):
                await self._pass
        await asyncio.to_thread(self.process.close)

    async def _loop(self, records: bool) -> None:
        waiting = self._records_waiting if records else self._performers_waiting
        while True:
            if not (records and self.everything):
                await waiting.wait()
            async with self._turn:
                waiting.clear()
                keep_due = False
                if records:
                    work, self.records, everything, self.everything = self.records, set(), self.everything, False
                elif not (self.performers or self.keep_due):  # a records pass before it took them
                    continue
                else:
                    work, everything = set(), False
                    keep_due, self.keep_due = self.keep_due, False
                # Both kinds take the waiting performers: an event waits for the next pass to
                # begin, whichever kind it is, not for a records pass and then a journeys pass.
                with self._performers_lock:
                    performers, self.performers, self._waiting_since = self.performers, set(), None
                self._taken, self._taken_at = set(), time.perf_counter()
                done = not (self.records or self.performers or self.keep_due)  # nothing waits: mark settled
                started = time.perf_counter()
                try:
                    self.process.start()
                    self._pass = asyncio.get_running_loop().run_in_executor(None, functools.partial(
                        self.process.settle, work, performers, everything, done, not records,
                        self._take_performers))
                    settled = await asyncio.shield(self._pass)  # cancelled, the pass still ends (see close)
                    self.passes += 1
                    if settled.unkept:
                        self.keep_due = True
                        self._performers_waiting.set()
                    log.info("settled events: %d records resolved, %d journeys rebuilt in %.2f s",
                             len(work), settled.rebuilt, time.perf_counter() - started)
                except Exception:  # the server keeps taking events; the next pass retries
                    log.exception("settling events failed; retrying with the next pass")
                    self.records |= work
                    with self._performers_lock:
                        self.performers |= performers | self._taken
                        if self.performers and self._waiting_since is None:
                            self._waiting_since = started
                    self.keep_due = self.keep_due or keep_due
                    self.everything = self.everything or everything
                    waiting.set()
                    if performers or keep_due:
                        self._performers_waiting.set()
            await asyncio.sleep(self.pause_s * (RESOLVE_PAUSES if records else 1))


def _events(data: Any) -> list[Any]:
    events = data.get("batch") if isinstance(data, dict) else data
    if not isinstance(events, list):
        raise BadRequestError(400, 'the body must be {"batch": [event, ...]} or a JSON list of events')
    if len(events) > MAX_EVENTS:
        raise BadRequestError(413, f"{len(events)} events in one request; send at most {MAX_EVENTS}")
    return events


# Browsers on the company's sites send here from their own origin (track.js): the answer may be
# read by any origin, since the key (not a cookie) is what lets a sender in.
CORS = {"Access-Control-Allow-Origin": "*", "Access-Control-Allow-Methods": "POST",
        "Access-Control-Allow-Headers": "Authorization, Content-Type, X-API-Key", "Access-Control-Max-Age": "86400"}


def _answer(content: dict[str, Any], status: int = 200, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(content, status_code=status, headers={**CORS, **(headers or {})})


async def events_endpoint(request: Request, keys: KeyRing, erasure_key_file: str) -> Response:
    """Take a batch of events: 200 with an outcome per event once the accepted ones are durable.
    The key comes as a header, or as ``writeKey`` in the body (sendBeacon sends no headers)."""
    if request.method == "OPTIONS":
        return Response(status_code=204, headers=CORS)
    try:
        data = parse_json(await read_body(request, MAX_EVENT_BYTES), "the request body")
    except BadRequestError as bad:
        return _answer({"error": bad.message}, bad.status)
    key = presented_key(request.headers.get("authorization"), request.headers.get("x-api-key"))
    if key is None and isinstance(data, dict) and isinstance(data.get("writeKey"), str):
        key = data["writeKey"]
    caller: Caller | None = keys.caller(key)
    if caller is None:
        return _answer({"error": "a valid API key is needed (Authorization: Bearer KEY, or writeKey)"}, 401)
    if not (keys.empty or caller.sends_events):
        return _answer({"error": "sending events needs a collector or admin key"}, 403)
    try:
        events = _events(data)
    except BadRequestError as bad:
        return _answer({"error": bad.message}, bad.status)
    store: Store = request.app.state.store
    erasure_key = ErasureKey.read(erasure_key_file)
    settler: Settler = request.app.state.settler
    await settler.hold()
    try:
        taken = await asyncio.to_thread(take_events, store, events, caller.name, erasure_key)
    except CustgraphError as error:  # the store is away or busy: nothing was taken, send again
        log.warning("events refused: %s", error)
        return _answer({"error": f"the events were not stored ({error}); send them again"}, 503,
                       {"Retry-After": "1"})
    settler.add(taken)
    counts = Counter(outcome.status for outcome in taken.outcomes)
    return _answer({**{status: counts[status] for status in ("accepted", "duplicate", "ignored", "rejected")},
                    "events": [_outcome(outcome) for outcome in taken.outcomes]})


def _outcome(outcome: EventOutcome) -> dict[str, str]:
    """One event's answer, named as the event's own fields are (``messageId``)."""
    answer = {"messageId": outcome.message_id, "status": outcome.status, "field": outcome.field,
              "reason": outcome.reason}
    return {name: value for name, value in answer.items() if value is not None}


async def tracker(request: Request) -> Response:
    """``/v1/track.js``: the browser tracker, for any site to load (it holds no key)."""
    return FileResponse(TRACKER, media_type="text/javascript; charset=utf-8",
                        headers={"Cache-Control": "public, max-age=3600", "Access-Control-Allow-Origin": "*"})
