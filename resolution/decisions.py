"""Human decisions: ``unmerge`` (NOT_SAME_AS) and review-queue answers, respected by every later run."""

from __future__ import annotations

import datetime as dt

from custgraph.graph import RelationshipRow, Store
from custgraph.queries import get as named_query

from custgraph.errors import UnknownIdentityError

from .config import ResolveConfig
from .resolve import ResolveReport, resolve

__all__ = ["confirm", "unmerge"]


def unmerge(store: Store, config: ResolveConfig, a: str, b: str, by: str, reason: str) -> ResolveReport:
    """Record that ``a`` and ``b`` are different people, then re-resolve their customers.

    The decision is a ``NOT_SAME_AS`` link (``by``, ``at``, ``reason``); clustering
    never puts its two records in one customer again. Both records are marked
    dirty, so the incremental run re-clusters exactly the customers they touch.
    """
    return _decide(store, config, "NOT_SAME_AS", a, b, by, reason)


def confirm(store: Store, config: ResolveConfig, a: str, b: str, by: str, reason: str) -> ResolveReport:
    """Record that ``a`` and ``b`` are one person (a review-queue pair a human checked), then
    re-resolve: the decision links them like a deterministic rule in every later run."""
    return _decide(store, config, "CONFIRMED_SAME_AS", a, b, by, reason)


def _decide(store: Store, config: ResolveConfig, decision: str, a: str, b: str, by: str,
            reason: str) -> ResolveReport:
    """Write ``decision`` between ``a`` and ``b`` (replacing the opposite one: the latest word
    counts), mark both dirty and resolve."""
    for identity in (a, b):
        if store.get_node("Identity", identity) is None:
            raise UnknownIdentityError(identity)
    first, second = sorted((a, b))
    opposite = "CONFIRMED_SAME_AS" if decision == "NOT_SAME_AS" else "NOT_SAME_AS"
    if store.get_relationship(opposite, first, second) is not None:
        # Keep every other decision of ``first``; replace_from drops the one left out.
        keep = [RelationshipRow(first, str(row["b"]), row["props"]) for row in store.run(named_query("identity_links"))
                if row["type"] == opposite and row["a"] == first and row["b"] != second]
        store.upsert_relationships(opposite, keep, replace_from=[first])
    store.upsert_relationships(decision, [RelationshipRow(first, second, {
        "by": by, "at": dt.datetime.now(dt.UTC).replace(microsecond=0), "reason": reason})])
    store.upsert_nodes("Identity", [{"identity_id": first, "resolved": None},
                                    {"identity_id": second, "resolved": None}])
    return resolve(store, config)
