"""What scripts/neo4j-local and scripts/kafka-local share: the cache they fetch into, and how a
server process group they started is checked and stopped. Standard library only (they run before
``pip install``)."""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import time
from pathlib import Path

__all__ = ["cache_dir", "pid_alive", "stop_group"]


def cache_dir() -> Path:
    root = os.environ.get("CUSTGRAPH_CACHE") or str(Path.home() / ".cache" / "custgraph")
    return Path(root)


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def stop_group(pid: int, timeout_s: float, name: str) -> None:
    """SIGTERM the process group (a clean shutdown), then SIGKILL it if it is still there after
    ``timeout_s``; returns once the process is gone."""
    if not pid_alive(pid):
        return
    os.killpg(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout_s
    while pid_alive(pid) and time.monotonic() < deadline:
        _reap(pid)
        time.sleep(0.2)
    if pid_alive(pid):
        print(f"{name}: pid {pid} ignored SIGTERM for {timeout_s:.0f}s; killing it", file=sys.stderr)
        os.killpg(pid, signal.SIGKILL)
        while pid_alive(pid):
            _reap(pid)
            time.sleep(0.1)


def _reap(pid: int) -> None:
    """Collect the exit status when we are the parent, so the pid really disappears."""
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)
