"""Loaders: read source exports and live events, validate, normalise and write them through the Store."""

from .events import EVENT_TYPES, EventRejected, EventRows, parse_events
from .load import (
    LAST_LOAD,
    erased_among,
    load_sources,
    plan_sources,
    possible_tombstones,
    tombstone_functions,
    tombstone_keys,
)
from .progress import FileProgress
from .report import FileReport, LoadReport

__all__ = ["EVENT_TYPES", "LAST_LOAD", "EventRejected", "EventRows", "FileProgress", "FileReport", "LoadReport",
           "erased_among", "load_sources", "parse_events", "plan_sources", "possible_tombstones", "tombstone_functions",
           "tombstone_keys"]
