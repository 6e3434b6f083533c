"""The embedded backend: SQLite on disk, the graph in memory, and its own answer to every named query."""

from .store import EmbeddedStore

__all__ = ["EmbeddedStore"]
