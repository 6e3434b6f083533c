"""Reading CSV, JSONL and Parquet files row by row, with the line each row came from.

Readers never stop at a bad row: a row they cannot decode is yielded as a
``RawRow`` with ``problem`` set, so the loader rejects it and goes on. Only a
file that cannot be opened, or a CSV whose header cannot be trusted (blank, with
a column named twice or not at all, lines ended by CR alone), is fatal.

A CSV quote that is never closed would make the rest of the file one field. A
record spanning several lines that does not fit the header is therefore taken
back: its first line is rejected and reading starts again on the next line, so
one bad line costs one row and never silently swallows the rows after it.
"""

from __future__ import annotations

import csv
import json
import re
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from custgraph.errors import SourceFileError

__all__ = ["MAX_FIELD_CHARS", "RawRow", "SourceFile", "read_rows"]

MAX_FIELD_CHARS = 65_536  # longer fields are rejected: no real attribute is that long
# Past this a field is unreadable, not merely too long: an unclosed quote stops here, not at 16 MiB.
_CSV_HARD_LIMIT = 4 * MAX_FIELD_CHARS
csv.field_size_limit(_CSV_HARD_LIMIT)


@dataclass
class RawRow:
    line: int
    values: dict[str, Any] = field(default_factory=dict)
    problem: tuple[str, str] | None = None  # (field, reason) when the row cannot be read
    position: int = 0  # progress so far, in the units of SourceFile.size


@dataclass
class SourceFile:
    """``columns`` is ``None`` where the format has no header (JSONL)."""

    path: Path
    columns: list[str] | None
    rows: Iterator[RawRow]
    size: int  # bytes for CSV and JSONL, rows for Parquet


def read_rows(path: Path) -> SourceFile:
    """Open ``path`` and stream its rows."""
    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            columns, rows = _csv(path)
            return SourceFile(path, columns, rows, path.stat().st_size)
        if suffix == ".jsonl":
            return SourceFile(path, None, _jsonl(path), path.stat().st_size)
        if suffix == ".parquet":
            return _parquet(path)
    except OSError as error:
        raise SourceFileError(str(path), None, "", f"cannot read: {error.strerror}") from None
    raise SourceFileError(str(path), None, "", "unsupported format; use .csv, .jsonl or .parquet")


def _decoded_lines(handle: BinaryIO, counter: list[int]) -> Iterator[str]:
    first = True
    for raw in handle:
        counter[0] += len(raw)
        if first:
            raw = raw.removeprefix(b"\xef\xbb\xbf")  # a UTF-8 BOM, as Excel writes
            first = False
        yield raw.decode("utf-8", errors="surrogateescape")


_SURROGATE = re.compile("[\udc80-\udcff]")


def _undecodable(value: str) -> bool:
    """Bytes that were not UTF-8 survive decoding as lone surrogates (surrogateescape)."""
    return not value.isascii() and _SURROGATE.search(value) is not None


def _csv(path: Path) -> tuple[list[str] | None, Iterator[RawRow]]:
    """The header is read on its own, so checking it leaves no file open."""
    with open(path, "rb") as handle:
        first = handle.readline()
        more = bool(handle.read(1))
    if not first:
        return [], iter(())
    line = first.removeprefix(b"\xef\xbb\xbf").decode("utf-8", errors="surrogateescape")
    if "\r" in line.rstrip("\r\n"):
        raise SourceFileError(str(path), 1, "", "lines end in CR alone (old Mac style): save the file with LF or "
                                                  "CRLF line ends")
    if not line.strip():
        if not more:
            return [], iter(())
        raise SourceFileError(str(path), 1, "", "line 1 is blank: the header must be the first line")
    try:
        header = next(csv.reader([line]))
    except csv.Error as error:
        raise SourceFileError(str(path), 1, "", f"unreadable header: {error}") from None
    header = [column.strip() for column in header]
    if any(_undecodable(column) for column in header):
        raise SourceFileError(str(path), 1, "", "the header is not UTF-8 text")
    seen: dict[str, int] = {}
    for number, column in enumerate(header, start=1):
        if not column:
            raise SourceFileError(str(path), 1, "", f"column {number} of the header has no name")
        if column in seen:
            raise SourceFileError(str(path), 1, column, f"column {column!r} is named twice in the header "
                                                        f"(columns {seen[column]} and {number})")
        seen[column] = number
    return header, _csv_rows(path, header)


class _Lines:
    """A file's lines for ``csv.reader``, numbered, remembering those the current record took, so a
    record that turns out wrong can be given back and read again from its second line."""

    def __init__(self, handle: BinaryIO, counter: list[int]) -> None:
        self._lines = enumerate(_decoded_lines(handle, counter), start=1)
        self._returned: deque[tuple[int, str]] = deque()
        self.taken: list[tuple[int, str]] = []

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        item = self._returned.popleft() if self._returned else next(self._lines)
        self.taken.append(item)
        return item[1]

    def give_back(self, lines: list[tuple[int, str]]) -> None:
        self._returned.extendleft(reversed(lines))


def _csv_rows(path: Path, header: list[str]) -> Iterator[RawRow]:
    with open(path, "rb") as handle:
        counter = [0]
        lines = _Lines(handle, counter)
        next(lines)  # the header, checked already
        reader = csv.reader(lines, strict=True)
        while True:
            lines.taken = []
            cells: list[str] = []
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as error:
                problem: str | None = f"unreadable CSV: {error}"
            else:
                if not cells:
                    continue  # a blank line
                problem = None if len(cells) == len(header) else \
                    f"{len(cells)} fields where the header has {len(header)}"
            if not lines.taken:
                return
            start = lines.taken[0][0]
            if problem is not None and len(lines.taken) > 1:
                # A quote left open took the lines after it: reject this line alone and read on.
                lines.give_back(lines.taken[1:])
                reader = csv.reader(lines, strict=True)
                yield RawRow(start, problem=("-", f"{problem}; a quote opened on this line is not closed where "
                                                   "it should be (the next lines are read on their own)"),
                             position=counter[0])
                continue
            row = RawRow(start, position=counter[0])
            if problem is not None:
                row.problem = ("-", problem)
            else:
                row.values = dict(zip(header, cells, strict=True))
                for column, value in row.values.items():
                    if _undecodable(value):
                        row.problem = (column, "not UTF-8 text (wrong encoding?)")
                        break
            yield row


def _jsonl(path: Path) -> Iterator[RawRow]:
    with open(path, "rb") as handle:
        position = 0
        for number, raw in enumerate(handle, start=1):
            position += len(raw)
            if number == 1:
                raw = raw.removeprefix(b"\xef\xbb\xbf")
            if not raw.strip():
                continue
            row = RawRow(number, position=position)
            try:
                value = json.loads(raw.decode("utf-8"))
            except UnicodeDecodeError:
                row.problem = ("-", "not UTF-8 text (wrong encoding?)")
            except json.JSONDecodeError as error:
                row.problem = ("-", f"not JSON: {error.msg} at column {error.colno}")
            else:
                if isinstance(value, dict):
                    row.values = value
                else:
                    row.problem = ("-", "a JSONL line must be one JSON object")
            yield row


def _parquet(path: Path) -> SourceFile:
    try:
        import pyarrow.parquet as parquet
    except ImportError:
        raise SourceFileError(str(path), None, "", "Parquet needs pyarrow: pip install 'custgraph[parquet]'") from None
    try:
        source = parquet.ParquetFile(path)
    except Exception as error:  # pyarrow raises its own error types for corrupt files
        raise SourceFileError(str(path), None, "", f"not a readable Parquet file: {error}") from None
    columns = list(source.schema_arrow.names)
    total = source.metadata.num_rows

    def rows() -> Iterator[RawRow]:
        number = 0
        for batch in source.iter_batches(batch_size=10_000):
            for values in batch.to_pylist():
                number += 1
                # Parquet has no lines; "line" is the row number counted from 1, plus the header line.
                yield RawRow(number + 1, values, position=number)

    return SourceFile(path, columns, rows(), total)
