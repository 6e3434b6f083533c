"""Where a benchmark figure comes from: the commit (taken when the run starts, so edits made
while it runs are not credited to it) and the machine, for the headings in bench/RESULTS.md."""

from __future__ import annotations

import datetime as dt
import os
import platform
import subprocess

__all__ = ["COMMIT", "heading"]


def _commit() -> str:
    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], capture_output=True,
                           text=True).stdout.strip()
    return f"{head} (with uncommitted changes)" if dirty else head


COMMIT = _commit()


def heading(title: str) -> str:
    return (f"\n## {title}, {dt.date.today().isoformat()}, {platform.machine()}, {os.cpu_count()} cores, "
            f"Python {platform.python_version()}\n\nCommit {COMMIT}; ")
