"""Identity resolution (名寄せ): link the records of one person, keep one golden Customer each.

The engine: a match model learned from the store's records (Splink), deterministic rules,
clustering with over-merge guards, and survivorship. The user actions built on it (resolve
with scores, decisions, consents, erasure) are in ``custgraph.services``.
"""

from .cluster import Link, clusters
from .config import ResolveConfig, read_config
from .explain import explain
from .memo import RecordMemo
from .neighbourhood import TIES, neighbourhood
from .records import match_record
from .resolve import ResolveReport, record_traits, resolve
from .stored_model import load_model as match_model
from .survivorship import CONSENTS, customer_id, golden, sources_of

__all__ = ["CONSENTS", "TIES", "Link", "RecordMemo", "ResolveConfig", "ResolveReport", "clusters", "customer_id",
           "explain", "golden", "match_model", "match_record", "neighbourhood", "read_config", "record_traits",
           "resolve", "sources_of"]
