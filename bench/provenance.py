"""Where a benchmark figure comes from: the commit (taken when the run starts, so edits made
while it runs are not credited to it) and the machine, for the headings in bench/RESULTS.md."""

from __future__ import annotations

import datetime as dt
import os
import platform
import subprocess
from pathlib import Path

__all__ = ["COMMIT", "heading"]


def _commit() -> str:
    """Asked of the checkout this file is in, wherever the run was started from."""
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], capture_output=True, text=True, cwd=Path(__file__).parent).stdout.strip()

    head = git("rev-parse", "--short", "HEAD")
    if not head:
        return "unknown (not a git checkout)"
    # The results file itself is not a change to the code being measured.
    changed = git("status", "--porcelain", "--untracked-files=no", "--", ":(top)", ":(top,exclude)bench/RESULTS.md")
    return f"{head} (with uncommitted changes)" if changed else head


COMMIT = _commit()


def heading(title: str) -> str:
    return (f"\n## {title}, {dt.date.today().isoformat()}, {platform.machine()}, {os.cpu_count()} cores, "
            f"Python {platform.python_version()}\n\nCommit {COMMIT}; ")
