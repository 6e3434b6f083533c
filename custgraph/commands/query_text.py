"""``custgraph query``: named-query parameters from the command line, rows as a table, JSON or CSV.

Why its own module: the command line gives every value as text; the catalogue
declares each parameter's type, so the text is read as that type here (and a
wrong value is a one-line error naming the parameter), not in every query.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
import textwrap
from collections.abc import Sequence
from typing import IO, Any

from custgraph.csv_output import write_csv
from custgraph.errors import QueryParameterError
from custgraph.graph import NamedQuery, Rows

__all__ = ["describe", "parse_params", "write_rows"]


def parse_params(query: NamedQuery, pairs: Sequence[str]) -> dict[str, Any]:
    """``key=value`` pairs read as the types ``query`` declares (lists as JSON or comma-separated)."""
    declared = {parameter.name: parameter for parameter in query.parameters}
    params: dict[str, Any] = {}
    for pair in pairs:
        key, sep, text = pair.partition("=")
        if not sep:
            raise QueryParameterError(f"{query.name}: --param {pair!r}: use key=value")
        parameter = declared.get(key)
        if parameter is None:
            known = ", ".join(declared) or "none"
            raise QueryParameterError(f"{query.name}: unknown parameter {key!r} (parameters: {known})")
        params[key] = _read(query.name, key, parameter.type, text)
    return params


def _read(query: str, key: str, kind: str, text: str) -> Any:
    try:
        if kind == "integer":
            return int(text)
        if kind == "float":
            return float(text)
        if kind == "boolean":
            if text.lower() not in ("true", "false"):
                raise ValueError
            return text.lower() == "true"
        if kind == "list":
            if text.startswith("["):
                value = json.loads(text)
                if not isinstance(value, list):
                    raise ValueError
                return value
            return [item.strip() for item in text.split(",") if item.strip()]
    except (ValueError, json.JSONDecodeError):
        raise QueryParameterError(f"{query}: parameter {key}: {text!r} is not of type {kind}") from None
    return text


def describe(query: NamedQuery) -> str:
    """One line per query for ``--list``: its name, parameters and what it is for."""
    params = ", ".join(f"{p.name}: {p.type}" + ("" if p.required else f" = {json.dumps(p.default)}")
                       for p in query.parameters)
    return f"{query.name}({params})\n" + textwrap.fill(query.description, 100, initial_indent="    ",
                                                      subsequent_indent="    ")


def _plain(value: Any) -> Any:
    """JSON-ready: datetimes and dates in ISO 8601."""
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    return value


def _cell(value: Any) -> str:
    value = _plain(value)
    if value is None:
        return ""
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def write_rows(rows: Rows, fmt: str, out: IO[str] | None = None) -> None:
    out = out if out is not None else sys.stdout  # looked up now: a default bound at import goes stale
    if fmt == "json":
        json.dump(_plain(rows), out, ensure_ascii=False, indent=2)
        out.write("\n")
        return
    columns = list(dict.fromkeys(key for row in rows for key in row))
    if fmt == "csv":
        write_csv(out, columns, ([_cell(row.get(column)) for column in columns] for row in rows))
        return
    cells = [[_cell(row.get(column)) for column in columns] for row in rows]
    widths = [min(60, max([len(column)] + [len(line[i]) for line in cells])) for i, column in enumerate(columns)]
    out.write("  ".join(column.ljust(width) for column, width in zip(columns, widths, strict=True)).rstrip() + "\n")
    for line in cells:
        shown = [(text if len(text) <= width else text[: width - 1] + "…").ljust(width)
                 for text, width in zip(line, widths, strict=True)]
        out.write("  ".join(shown).rstrip() + "\n")
    out.write(f"({len(rows)} row{'s' if len(rows) != 1 else ''})\n")
