"""Identity resolution (名寄せ): link the records of one person, keep one golden Customer each."""

from .config import ResolveConfig, read_config
from .consents import update_consents
from .decisions import confirm, unmerge
from .erasure import erase
from .explain import explain
from .resolve import ResolveReport, resolve
from .scores import CHURN_FIELDS, SEGMENT_FIELDS

__all__ = ["CHURN_FIELDS", "SEGMENT_FIELDS", "ResolveConfig", "ResolveReport", "confirm", "erase", "explain",
           "read_config", "resolve", "unmerge", "update_consents"]
