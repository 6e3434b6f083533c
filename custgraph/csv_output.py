"""CSV that custgraph writes for people to open in a spreadsheet.

Why: a value such as ``=cmd|'/c calc'!A0`` from a source file would run as a
formula in Excel or LibreOffice (CSV injection). A cell that starts like a
formula gets a leading apostrophe, which spreadsheets show as text; numbers,
signed numbers and E.164 phone numbers (``+81…``) stay as they are.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from typing import IO

__all__ = ["spreadsheet_safe", "write_csv"]

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")


def spreadsheet_safe(value: str) -> str:
    if value.startswith(_FORMULA_START) and not _NUMBER.match(value):
        return "'" + value
    return value


def write_csv(out: IO[str], header: list[str], rows: Iterable[list[str]]) -> None:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([spreadsheet_safe(column) for column in header])
    writer.writerows([spreadsheet_safe(cell) for cell in row] for row in rows)
