"""A source's optional ``mapping.toml``: column renames, trust rank, time zone, country.

Example::

    [source]
    name = "crm"            # default: the folder's name
    trust = 90              # 0-100; survivorship prefers higher (default 50)
    timezone = "Asia/Tokyo" # for timestamps without an offset (default UTC)
    country = "JP"          # for national phone numbers (default: none)

    [columns.customers]     # canonical field = column in the source file
    source_id = "CustomerNo"
    email = "E-Mail"
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from custgraph.errors import SourceFileError

from .contract import ENTITIES

__all__ = ["SourceMapping", "read_mapping"]

SOURCE_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")


@dataclass(frozen=True)
class SourceMapping:
    name: str
    trust: int = 50
    timezone: str = "UTC"
    country: str | None = None
    columns: dict[str, dict[str, str]] = field(default_factory=dict)  # entity → canonical → source column

    def column(self, entity: str, canonical: str) -> str:
        return self.columns.get(entity, {}).get(canonical, canonical)


def read_mapping(folder: Path) -> SourceMapping:
    """The folder's mapping, or defaults; a malformed file is a fatal error naming the key."""
    path = folder / "mapping.toml"
    default_name = folder.resolve().name.lower()
    if not path.exists():
        return _checked(path, SourceMapping(name=default_name))
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise SourceFileError(str(path), None, "", f"not valid TOML: {error}") from None
    source = data.get("source", {})
    columns = data.get("columns", {})
    unknown = sorted(set(columns) - set(ENTITIES))
    if unknown:
        raise SourceFileError(str(path), None, f"columns.{unknown[0]}", f"unknown file kind; use {', '.join(ENTITIES)}")
    for entity, renames in columns.items():
        for canonical, column in renames.items():
            if ENTITIES[entity].field(canonical) is None:
                raise SourceFileError(str(path), None, f"columns.{entity}.{canonical}", "not a canonical field")
            if not isinstance(column, str):
                raise SourceFileError(str(path), None, f"columns.{entity}.{canonical}", "must be a column name")
    trust = source.get("trust", 50)
    if not isinstance(trust, int) or not 0 <= trust <= 100:
        raise SourceFileError(str(path), None, "source.trust", "must be an integer from 0 to 100")
    return _checked(path, SourceMapping(
        name=str(source.get("name", default_name)),
        trust=trust,
        timezone=str(source.get("timezone", "UTC")),
        country=str(source["country"]).upper() if "country" in source else None,
        columns={entity: dict(renames) for entity, renames in columns.items()},
    ))


def _checked(path: Path, mapping: SourceMapping) -> SourceMapping:
    if not SOURCE_NAME.match(mapping.name):
        raise SourceFileError(str(path), None, "source.name",
                              f"{mapping.name!r} is not a source name (lower-case letters, digits, - and _)")
    try:
        ZoneInfo(mapping.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise SourceFileError(str(path), None, "source.timezone", f"unknown time zone {mapping.timezone!r}") from None
    return mapping
