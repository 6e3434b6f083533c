"""What a load did, per file, and where its rejected rows went."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Self

__all__ = ["FileReport", "LoadReport", "RejectWriter"]


@dataclass
class FileReport:
    path: str
    source: str
    entity: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    dropped: int = 0  # invalid optional fields left out of rows that loaded
    erased: int = 0  # rows of records erased on request (and their touchpoints): skipped
    notes: list[str] = field(default_factory=list)


@dataclass
class LoadReport:
    files: list[FileReport] = field(default_factory=list)
    relationships_created: int = 0
    relationships_updated: int = 0
    relationships_deleted: int = 0
    rejects_path: str | None = None

    def total(self, name: str) -> int:
        return sum(int(getattr(report, name)) for report in self.files)

    def as_dict(self) -> dict[str, Any]:
        counts = {name: self.total(name) for name in ("rows", "created", "updated", "unchanged", "rejected", "dropped",
                                                   "erased")}
        return {
            **counts,
            "loaded": counts["created"],
            "relationships": {
                "created": self.relationships_created,
                "updated": self.relationships_updated,
                "deleted": self.relationships_deleted,
            },
            "rejects_file": self.rejects_path,
            "files": [asdict(report) for report in self.files],
        }

    def to_json(self) -> str:
        return json.dumps(self.as_dict(), ensure_ascii=False)


class RejectWriter:
    """Appends one JSON object per rejected row or dropped field: file, line, field, reason and
    ``action`` ("row rejected": the row was not loaded; "field dropped": it loaded without it).

    The file is created on the first reject only, so a clean load leaves none behind;
    an older file at that path is replaced when the load starts.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.count = 0
        self._handle: IO[str] | None = None
        path.unlink(missing_ok=True)

    def write(self, source: str, file: str, line: int, field_name: str, reason: str,
              action: str = "row rejected") -> None:
        if self._handle is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._handle = open(self.path, "a", encoding="utf-8")  # noqa: SIM115 - closed in close()
        record = {"source": source, "file": file, "line": line, "field": field_name, "reason": reason,
                  "action": action}
        self._handle.write(json.dumps(record, ensure_ascii=False) + "\n")
        self.count += 1

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        self.close()
