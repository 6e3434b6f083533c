"""Human decisions: ``unmerge`` (NOT_SAME_AS) and review-queue answers, respected by every later run."""

from __future__ import annotations

import datetime as dt

from custgraph.graph import RelationshipRow, Store

from .config import ResolveConfig
from .explain import UnknownIdentityError
from .resolve import ResolveReport, resolve

__all__ = ["unmerge"]


def unmerge(store: Store, config: ResolveConfig, a: str, b: str, by: str, reason: str) -> ResolveReport:
    """Record that ``a`` and ``b`` are different people, then re-resolve their customers.

    The decision is a ``NOT_SAME_AS`` link (``by``, ``at``, ``reason``); clustering
    never puts its two records in one customer again. Both records are marked
    dirty, so the incremental run re-clusters exactly the customers they touch.
    """
    for identity in (a, b):
        if store.get_node("Identity", identity) is None:
            raise UnknownIdentityError(identity)
    first, second = sorted((a, b))
    store.upsert_relationships("NOT_SAME_AS", [RelationshipRow(first, second, {
        "by": by, "at": dt.datetime.now(dt.UTC).replace(microsecond=0), "reason": reason})])
    store.upsert_nodes("Identity", [{"identity_id": first, "resolved": None},
                                    {"identity_id": second, "resolved": None}])
    return resolve(store, config)
