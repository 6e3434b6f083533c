"""The graph store: the model, one ``Store`` interface and its two backends."""

from .batch import BatchResult, GraphBatch
from .model import NODE_KINDS, RELATIONSHIP_KINDS, NodeKind, RelationshipKind, node_kind, relationship_kind
from .named_query import NamedQuery, QueryParameter, Rows
from .open_store import open_store
from .rows import RelationshipRow, WriteResult
from .store import DEFAULT_BATCH_SIZE, Store

__all__ = [
    "DEFAULT_BATCH_SIZE",
    "NODE_KINDS",
    "RELATIONSHIP_KINDS",
    "BatchResult",
    "GraphBatch",
    "NamedQuery",
    "NodeKind",
    "QueryParameter",
    "RelationshipKind",
    "RelationshipRow",
    "Rows",
    "Store",
    "WriteResult",
    "node_kind",
    "open_store",
    "relationship_kind",
]
