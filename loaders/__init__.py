"""Loaders: read source exports, validate, normalise and write them through the Store."""

from .load import LAST_LOAD, load_sources, plan_sources
from .progress import FileProgress
from .report import FileReport, LoadReport

__all__ = ["LAST_LOAD", "FileProgress", "FileReport", "LoadReport", "load_sources", "plan_sources"]
