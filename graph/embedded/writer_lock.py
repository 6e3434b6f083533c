"""One writing action at a time per store directory, across processes; readers never wait.

Why a lock beside SQLite's: SQLite serialises transactions, but a user action
(a load of several files, a resolve) is many batches, and two of them
interleaved would leave a store no sequential run gives (a resolve would
cluster half of a load). Each action holds an exclusive ``flock`` on the
directory's ``lock`` file from its first write to its end; another writer
waits, saying once who it waits for. The kernel drops the lock when a process
dies, so a killed writer never leaves the store locked.

A lock can be *lent*: the server's settling process (``api/settle_process.py``)
writes only when the server asks it to, and the server holds the lock around
each such request, so that process does not take it again (it would wait for
its own parent).
"""

from __future__ import annotations

import fcntl
import logging
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from custgraph.errors import StoreLockedError

__all__ = ["WriterLock"]

log = logging.getLogger(__name__)
_POLL_S = 0.05


class WriterLock:
    """Held by the process, not a thread: an action's writes may run on worker threads (a load
    writes on one), and one action may call another. Exclusive across processes."""

    def __init__(self, path: Path, timeout_s: float, lent: bool = False) -> None:
        self._path = path
        self._timeout_s = timeout_s
        self._lent = lent
        self._held = 0
        self._file: IO[str] | None = None
        self._count_lock = threading.Lock()

    @contextmanager
    def held(self, action: str) -> Iterator[None]:
        if self._lent:  # the process that started this one holds it for this action
            yield
            return
        with self._count_lock:
            if self._held == 0:
                self._acquire(action)
            self._held += 1
        try:
            yield
        finally:
            with self._count_lock:
                self._held -= 1
                if self._held == 0:
                    self._release()

    def _acquire(self, action: str) -> None:
        lock_file = open(self._path, "a+", encoding="utf-8")  # noqa: SIM115 - held until _release
        deadline = time.monotonic() + self._timeout_s
        told = False
        while True:
            try:
                fcntl.flock(lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    holder = _holder(lock_file)
                    lock_file.close()
                    raise StoreLockedError(
                        str(self._path.parent),
                        f"another custgraph process has been writing to this store for over "
                        f"{self._timeout_s:g} s ({holder}); try again when it ends") from None
                if not told:
                    log.warning("waiting for another custgraph process writing to %s (%s)",
                                self._path.parent, _holder(lock_file))
                    told = True
                time.sleep(_POLL_S)
        lock_file.seek(0)
        lock_file.truncate()
        lock_file.write(f"{action}, pid {os.getpid()}\n")
        lock_file.flush()
        self._file = lock_file

    def _release(self) -> None:
        if self._file is not None:
            fcntl.flock(self._file, fcntl.LOCK_UN)
            self._file.close()
            self._file = None


def _holder(lock_file: IO[str]) -> str:
    lock_file.seek(0)
    return lock_file.read().strip() or "unknown"
