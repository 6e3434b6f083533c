"""The embedded store's derived relationships, computed in Python.

The same definition as the Neo4j statements ``CLEAR_DERIVED`` / ``BUILD_DERIVED``
(see ``Store.rebuild_derived``); a parity test holds the two together.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from .graph import EmbeddedGraph, NodeId

__all__ = ["Change", "affinity_changes", "derived_changes"]

Link = tuple[str, NodeId, NodeId]
Change = tuple[list[Link], dict[Link, dict[str, Any]]]  # links to delete, links to write


def _round2(value: float) -> float:
    """Half-up to 2 decimals, as Cypher's ``round(x, 2)`` does (Python's ``round`` rounds half-even)."""
    return float(Decimal(repr(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def derived_changes(graph: EmbeddedGraph, customer_ids: Iterable[Any]) -> Change:
    deleted: list[Link] = []
    written: dict[Link, dict[str, Any]] = {}
    for key in dict.fromkeys(customer_ids):
        customer: NodeId = ("Customer", key)
        for x, _ in graph.out(customer, "HAD"):
            deleted.append(("HAD", customer, x))
            deleted += [("NEXT", x, y) for y, _ in graph.out(x, "NEXT")]
        deleted += [("BOUGHT", customer, p) for p, _ in graph.out(customer, "BOUGHT")]
        deleted += [("SERVES", r, customer) for r, _ in graph.into(customer, "SERVES")]
        if not graph.has_node(*customer):
            continue
        interactions = [x for identity, _ in graph.into(customer, "RESOLVES_TO")
                        for x, _ in graph.out(identity, "PERFORMED")]
        props = {x: graph.node(*x) or {} for x in interactions}
        interactions.sort(key=lambda x: (props[x]["at"], x[1]))
        bought: dict[NodeId, dict[str, Any]] = {}
        serves: dict[NodeId, int] = {}
        for x in interactions:
            written[("HAD", customer, x)] = {}
            node = props[x]
            if node.get("type") == "purchase":
                products = [p for p, _ in graph.out(x, "ABOUT")]
                for p in products:
                    entry = bought.setdefault(p, {"times": 0, "amount": 0.0, "first_at": node["at"],
                                                  "last_at": node["at"]})
                    entry["times"] += 1
                    entry["amount"] += float(node.get("amount") or 0.0) / len(products)
                    entry["first_at"] = min(entry["first_at"], node["at"])
                    entry["last_at"] = max(entry["last_at"], node["at"])
            for rep, _ in graph.out(x, "HANDLED_BY"):
                serves[rep] = serves.get(rep, 0) + 1
        for a, b in itertools.pairwise(interactions):
            written[("NEXT", a, b)] = {}
        for p, entry in bought.items():
            written[("BOUGHT", customer, p)] = {**entry, "amount": _round2(entry["amount"])}
        for rep, times in serves.items():
            written[("SERVES", rep, customer)] = {"times": times}
    deleted = [link for link in dict.fromkeys(deleted) if link not in written]
    return deleted, written


def affinity_changes(graph: EmbeddedGraph) -> tuple[dict[NodeId, dict[str, Any]], Change]:
    """``Product.buyers`` and ``ALSO_BOUGHT`` from every customer's ``BOUGHT``: the nodes to
    rewrite (with all their properties), and the links to delete and to write."""
    products: list[NodeId] = [("Product", key) for key in graph.keys("Product")]
    deleted: list[Link] = [("ALSO_BOUGHT", p, q) for p in products for q, _ in graph.out(p, "ALSO_BOUGHT")]
    pairs: dict[tuple[NodeId, NodeId], int] = {}
    nodes: dict[NodeId, dict[str, Any]] = {}
    for p in products:
        buyers = [c for c, _ in graph.into(p, "BOUGHT")]
        nodes[p] = {**(graph.node(*p) or {}), "buyers": len(buyers)}
    for key in graph.keys("Customer"):
        owned = [p for p, _ in graph.out(("Customer", key), "BOUGHT")]
        for x, y in itertools.permutations(owned, 2):
            pairs[(x, y)] = pairs.get((x, y), 0) + 1
    written: dict[Link, dict[str, Any]] = {("ALSO_BOUGHT", x, y): {"customers": n} for (x, y), n in pairs.items()}
    return nodes, ([link for link in deleted if link not in written], written)
