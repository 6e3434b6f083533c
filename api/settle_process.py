"""The process the server settles live events in, so that settling has a core of its own.

Why a process: taking a request's events and settling them are both Python, and in one process
they share one interpreter lock. With settling paused, one sender's requests were taken at
5,651 events/s on the embedded store; with settling in the same process, at 2,333 (bench/RESULTS.md).

The server still decides when a pass runs and what it settles (``Settler`` in ``events.py``); this
process only runs ``settle_events`` on its own connection to the store, one pass per request,
and keeps its ``RecordMemo`` between passes. Between a pass's steps it may ask the server for the
performers of the events that came meanwhile (``more``), and the server answers with them. The
server holds the store's writer lock around each pass it asks for (the lock is lent: this process
does not take it), so a ``load`` or ``resolve`` of another process still waits for the pass, and
the server's own requests go on beside it. It dies with the server (Linux: the kernel kills it;
elsewhere it ends when the server's end of the pipe closes), and a pass it was running is redone
by the next one, as after any stop.
"""

from __future__ import annotations

import ctypes
import functools
import logging
import multiprocessing
import os
import signal
import sys
import traceback
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

from custgraph.config import Config
from custgraph.errors import CustgraphError
from custgraph.graph import Store, open_store
from custgraph.services import RecordMemo, ResolveConfig, SettledPass, settle_events

__all__ = ["SettleProcess", "SettlingStoppedError"]

log = logging.getLogger("custgraph.events")
# What the process sends: an ask for the performers of events that came meanwhile, or how the
# pass ended (its ``SettledPass``, or the traceback of its failure).
MORE, DONE, FAILED = "more", "done", "failed"
STOP_WAIT_S = 30.0  # a pass that is running ends first (a resolve pass takes seconds)
PR_SET_PDEATHSIG = 1


class SettlingStoppedError(CustgraphError):
    """The settling process ended or failed a pass; the next pass starts it again if need be."""


class SettleProcess:
    """One settling process, started when first needed, and its end of the pipe."""

    def __init__(self, store: Store, config: Config, resolve_config: ResolveConfig) -> None:
        self.store = store
        self.config = config
        self.resolve_config = resolve_config
        self._process: multiprocessing.process.BaseProcess | None = None
        self._pipe: Connection | None = None

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None and self._process.is_alive() else None

    def start(self) -> None:
        """Start the process unless it runs. Call it from the thread that lives as long as the
        server (the event loop's): on Linux the process is killed when the thread that started it ends."""
        if self._process is not None and self._process.is_alive():
            return
        self.close()
        context = multiprocessing.get_context("spawn")  # a fork would copy the server's threads' locks
        ours, theirs = context.Pipe()
        process = context.Process(target=_settle_passes, name="custgraph-settler", daemon=True,
                                  args=(theirs, os.getpid(), self.config, self.resolve_config))
        process.start()
        theirs.close()
        self._process, self._pipe = process, ours

    def settle(self, records: set[str], performers: set[str], everything: bool, settled: bool,
               keep: bool = True, more: Callable[[], set[str]] | None = None) -> SettledPass:
        """One pass of ``settle_events`` in the process, under the server's writer lock; blocks
        until it ends and returns what ``settle_events`` returned. ``more`` answers the pass's
        asks for the performers of events that came meanwhile (called on this thread)."""
        if self._pipe is None:
            raise SettlingStoppedError("the settling process is not running")
        with self.store.writing("settle events"):
            try:
                self._pipe.send((records, performers, everything, settled, keep, more is not None))
                kind, answer = self._pipe.recv()
                while kind == MORE:
                    self._pipe.send(more() if more is not None else set())
                    kind, answer = self._pipe.recv()
            except (EOFError, OSError):
                code = self._process.exitcode if self._process is not None else None
                raise SettlingStoppedError(f"the settling process stopped (exit code {code})") from None
        if kind != DONE:
            raise SettlingStoppedError(f"the settling pass failed in its process:\n{answer}")
        assert isinstance(answer, SettledPass)
        return answer

    def close(self) -> None:
        """Let the process end its pass and stop; kill it if it does not within ``STOP_WAIT_S``."""
        if self._pipe is not None:
            self._pipe.close()
        if self._process is not None:
            self._process.join(STOP_WAIT_S)
            if self._process.is_alive():
                log.warning("the settling process did not stop within %g s; killing it", STOP_WAIT_S)
                self._process.kill()
                self._process.join()
        self._process = self._pipe = None


def _die_with(parent: int) -> None:
    """End this process when the server ends, even by ``kill -9`` (which closes no pipe in time
    to stop a pass half-way: what is half-done is redone after the restart, as for the server)."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the server ended before the line above
        os._exit(0)
    # Ctrl-C in a terminal reaches the whole process group: the server stops this process itself
    # (``SettleProcess.close``), after the pass, instead of a traceback from the middle of one.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _ask(pipe: Connection) -> set[str]:
    """The performers of the events the server took since the pass began or last asked."""
    pipe.send((MORE, None))
    performers: set[str] = pipe.recv()
    return performers


def _settle_passes(pipe: Connection, parent: int, config: Config, resolve_config: ResolveConfig) -> None:
    """The process's life: one ``settle_events`` pass per request, until the server closes the pipe."""
    _die_with(parent)
    memo = RecordMemo()  # what earlier passes derived, for the next (``settle_events``)
    with open_store(config, writer_lent=True) as store:
        while True:
            try:
                records, performers, everything, settled, keep, asks = pipe.recv()
            except (EOFError, OSError):
                return
            answer: tuple[str, Any]
            try:
                answer = (DONE, settle_events(store, resolve_config, records, performers, everything,
                                              settled, memo, keep, functools.partial(_ask, pipe) if asks else None))
            except Exception:  # the server logs it and retries with its next pass
                answer = (FAILED, traceback.format_exc())
            try:
                pipe.send(answer)
            except OSError:
                return
