"""Loaders: read source exports, validate, normalise and write them through the Store."""

from .sample import load_sample

__all__ = ["load_sample"]
