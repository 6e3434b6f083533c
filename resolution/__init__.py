"""Identity resolution (名寄せ): link the records of one person, keep one golden Customer each."""

from .config import ResolveConfig, read_config
from .resolve import ResolveReport, resolve

__all__ = ["ResolveConfig", "ResolveReport", "read_config", "resolve"]
