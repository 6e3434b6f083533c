"""The graph store: the model, one ``Store`` interface and its two backends."""

from . import normalise
from .batch import BatchResult, GraphBatch, PreparedBatch, typed_batch
from .cohorts import cohort_rows, lifecycle_rows
from .erased import KEY_NODE, ErasureKey, legacy_tombstone
from .model import NODE_KINDS, RELATIONSHIP_KINDS, VISITOR, NodeKind, RelationshipKind, node_kind, relationship_kind
from .named_query import NamedQuery, QueryParameter, Rows, round_half_up
from .open_store import open_store
from .rows import JourneyEdit, NodeRow, RelationshipRow, WriteResult
from .store import DEFAULT_BATCH_SIZE, Store, one_writer

__all__ = [
    "DEFAULT_BATCH_SIZE",
    "KEY_NODE",
    "NODE_KINDS",
    "RELATIONSHIP_KINDS",
    "VISITOR",
    "BatchResult",
    "ErasureKey",
    "GraphBatch",
    "JourneyEdit",
    "NamedQuery",
    "NodeKind",
    "NodeRow",
    "PreparedBatch",
    "QueryParameter",
    "RelationshipKind",
    "RelationshipRow",
    "Rows",
    "Store",
    "WriteResult",
    "cohort_rows",
    "legacy_tombstone",
    "lifecycle_rows",
    "node_kind",
    "normalise",
    "one_writer",
    "open_store",
    "relationship_kind",
    "round_half_up",
    "typed_batch",
]
