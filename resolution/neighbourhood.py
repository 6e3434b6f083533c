"""The records a change can move: walked out from a few records over what ties them to others.

Why: a decision (``services/decisions.py``) and a records pass over the records live events
changed (``scoped.py``) re-cluster only what they can move, so they read just those records
instead of every record of the store.
"""

from __future__ import annotations

from typing import Any

from custgraph.graph import Store
from custgraph.queries import get as named_query

__all__ = ["TIES", "neighbourhood"]

TIES = ("SAME_AS", "CONFIRMED_SAME_AS")  # links along which a change's effect can travel


def neighbourhood(store: Store, start: list[str],
                  found: dict[str, dict[str, Any]] | None = None) -> dict[str, dict[str, Any]]:
    """Every record reachable from ``start`` over ``TIES`` and shared customers, as the rows of
    ``identity_neighbourhood``, one query per step. ``found``: rows read before (not read again)."""
    found = dict(found or {})
    asked: set[str] = set()  # asked and not found: not in the store (any more)
    frontier = sorted(set(start) - set(found))
    while frontier:
        asked.update(frontier)
        for row in store.run(named_query("identity_neighbourhood"), {"ids": frontier}):
            found[str(row["identity_id"])] = row
        # A customer's rows list the same members (but each its own id): one row each is enough,
        # where a customer of live events has dozens of visitors' records, each listing the others.
        one_each = {row["customer_id"]: row["members"] for row in found.values() if row["customer_id"] is not None}
        reached = {str(member) for members in one_each.values() for member in members}
        reached |= {str(end) for row in found.values() for link in row["links"] if link["type"] in TIES
                    for end in (link["a"], link["b"])}
        frontier = sorted(reached - set(found) - asked)
    return found
