"""Loaders: read source exports, validate, normalise and write them through the Store."""

from .generate import SOURCES, generate
from .load import load_sources, plan_sources
from .progress import FileProgress
from .report import FileReport, LoadReport
from .sample import load_sample

__all__ = ["SOURCES", "FileProgress", "FileReport", "LoadReport", "generate", "load_sample", "load_sources",
           "plan_sources"]
