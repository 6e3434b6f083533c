"""Reading CSV, JSONL and Parquet files row by row, with the line each row came from.

Readers never stop at a bad row: a row they cannot decode is yielded as a
``RawRow`` with ``problem`` set, so the loader rejects it and goes on. Only a
file that cannot be opened, or a CSV without the required columns, is fatal.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from custgraph.errors import SourceFileError

__all__ = ["MAX_FIELD_CHARS", "RawRow", "SourceFile", "read_rows"]

MAX_FIELD_CHARS = 65_536  # longer fields are rejected: no real attribute is that long
_CSV_HARD_LIMIT = 16 * 1024 * 1024
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
        try:
            header = next(csv.reader(_decoded_lines(handle, [0])))
        except StopIteration:
            return [], iter(())
        except csv.Error as error:
            raise SourceFileError(str(path), 1, "", f"unreadable header: {error}") from None
    header = [column.strip() for column in header]
    if any(_undecodable(column) for column in header):
        raise SourceFileError(str(path), 1, "", "the header is not UTF-8 text")
    return header, _csv_rows(path, header)


def _csv_rows(path: Path, header: list[str]) -> Iterator[RawRow]:
    with open(path, "rb") as handle:
        counter = [0]
        reader = csv.reader(_decoded_lines(handle, counter))
        next(reader)
        last_line = reader.line_num
        while True:
            start = last_line + 1
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as error:
                last_line = reader.line_num
                yield RawRow(start, problem=("-", f"unreadable CSV: {error}"), position=counter[0])
                continue
            last_line = reader.line_num
            if not cells:
                continue  # a blank line
            row = RawRow(start, position=counter[0])
            if len(cells) != len(header):
                row.problem = ("-", f"{len(cells)} fields where the header has {len(header)}")
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
