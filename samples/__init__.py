"""Sample data: realistic multi-source exports with their truth (``generate``), and a tiny
built-in graph for tests (``load_sample``). Apart from ``loaders``: generating files is not
loading them, and the loader must not depend on how the samples are made."""

from .builtin import load_sample
from .generate import SOURCES, generate

__all__ = ["SOURCES", "generate", "load_sample"]
