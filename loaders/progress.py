"""Progress bars for long loads: one per file, with rows per second; silent when not wanted."""

from __future__ import annotations

import sys
from types import TracebackType
from typing import Self

from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    ProgressColumn,
    Task,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text

__all__ = ["FileProgress"]


class _RowsColumn(ProgressColumn):
    def render(self, task: Task) -> Text:
        rows = int(task.fields.get("rows", 0))
        elapsed = task.elapsed or 0.0
        rate = rows / elapsed if elapsed > 0 else 0.0
        return Text(f"{rows:>10,} rows {rate:>9,.0f} rows/s", style="progress.data.speed")


class FileProgress:
    """``start(file, size)``, ``advance(position, rows)``, ``finish()``; no-op when disabled."""

    def __init__(self, enabled: bool | None = None) -> None:
        self.enabled = sys.stderr.isatty() if enabled is None else enabled
        self._progress: Progress | None = None
        self._task: TaskID | None = None
        if self.enabled:
            self._progress = Progress(
                TextColumn("{task.description}", justify="left"),
                BarColumn(),
                TextColumn("{task.percentage:>3.0f}%"),
                _RowsColumn(),
                TimeElapsedColumn(),
                TimeRemainingColumn(),
                console=Console(stderr=True),
            )

    def start(self, description: str, size: int) -> None:
        if self._progress is not None:
            self._task = self._progress.add_task(description, total=max(size, 1), rows=0)

    def advance(self, position: int, rows: int) -> None:
        if self._progress is not None and self._task is not None:
            self._progress.update(self._task, completed=position, rows=rows)

    def finish(self, rows: int) -> None:
        if self._progress is not None and self._task is not None:
            task = self._progress.tasks[-1]
            self._progress.update(self._task, completed=task.total, rows=rows)
            self._task = None

    def __enter__(self) -> Self:
        if self._progress is not None:
            self._progress.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        if self._progress is not None:
            self._progress.stop()
