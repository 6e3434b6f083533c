"""Whose write transaction is next, between a server's requests and its settling process.

Why beside SQLite's own lock: a writer that finds SQLite's lock taken sleeps in its busy handler
(1, 2, 5 ... 100 ms apart) and tries again, so a process that commits and begins again at once
keeps the lock while the other sleeps. The live-event server's settling process writes a pass as
dozens of transactions in a row; a request that wanted to write its events between two of them
waited for most of the pass (bench at 2,000 persons after 300 s: request p99 0.74 s, 133 s of
waiting to begin in 9 minutes).

Each write transaction takes the *turn* (an ``flock`` on ``write-turn.lock``) first. A writer of
the foreground (any process whose writer lock is not lent) says it wants the turn (a shared
``flock`` on ``write-wanted.lock``) while it waits; a background writer (the settling process,
whose lock is lent) lets such a waiter go first before it takes the turn again. So a request
waits for at most the one settling transaction that is running, and settling goes on between
requests. Both waits are bounded: a stuck process delays the other by ``YIELD_S`` or, for the
turn, at most the busy timeout, after which SQLite's own lock decides as before.
"""

from __future__ import annotations

import fcntl
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

__all__ = ["TURN_FILES", "WriteTurn"]

TURN_FILES = ("write-turn.lock", "write-wanted.lock")
YIELD_S = 0.05  # longest a background writer lets a waiting request go first
_POLL_S = 0.001


class WriteTurn:
    """The turn to write, taken around each write transaction (``EmbeddedStore._transaction``).
    Within a process the store's thread lock already serialises transactions; this orders the
    processes."""

    def __init__(self, directory: Path, background: bool, wait_s: float) -> None:
        self._directory = directory
        self._background = background
        self._wait_s = wait_s

    @contextmanager
    def taken(self) -> Iterator[None]:
        # Opened for each transaction (microseconds beside a commit): a store left unclosed by its
        # caller then leaves no file open, and closing a file drops its locks.
        with open(self._directory / TURN_FILES[0], "ab") as turn, \
                open(self._directory / TURN_FILES[1], "ab") as wanted:
            if self._background:
                # A request waiting for the turn goes first: wait until it has it (or none waits).
                _take(wanted, fcntl.LOCK_EX, YIELD_S)
                fcntl.flock(wanted, fcntl.LOCK_UN)
                _take(turn, fcntl.LOCK_EX, self._wait_s)
            else:
                fcntl.flock(wanted, fcntl.LOCK_SH)
                _take(turn, fcntl.LOCK_EX, self._wait_s)
                fcntl.flock(wanted, fcntl.LOCK_UN)
            yield


def _take(file: IO[bytes], mode: int, wait_s: float) -> None:
    """Take the lock, polling every millisecond (a blocking ``flock`` cannot time out); after
    ``wait_s`` go on without it (SQLite's own lock then decides)."""
    deadline = time.monotonic() + wait_s
    while True:
        try:
            fcntl.flock(file, mode | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() >= deadline:
                return
            time.sleep(_POLL_S)
