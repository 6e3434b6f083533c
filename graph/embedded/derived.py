"""The embedded store's derived relationships, computed in Python.

The same definition as the Neo4j statements ``REBUILD_DERIVED``
(see ``Store.rebuild_derived``); a parity test holds the two together.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from .facts import when
from .graph import EmbeddedGraph, NodeId, decoded

__all__ = ["BULK", "IdChange", "affinity_changes", "customer_links", "derived_changes"]

IdLink = tuple[str, int, int]  # type, start id, end id
IdChange = tuple[list[IdLink], dict[IdLink, dict[str, Any]]]  # links to delete, links to write or rewrite
BULK = 1000  # customers from which one pass over the links beats following each customer's


def _round2(value: float) -> float:
    """Half-up to 2 decimals, as Cypher's ``round(x, 2)`` does (Python's ``round`` rounds half-even)."""
    return float(Decimal(repr(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def customer_links(customer: int, journey: list[tuple[int, Any, Any, Any]], products: Callable[[int], list[int]],
                   reps: Callable[[int], list[int]]) -> dict[IdLink, dict[str, Any]]:
    """The one rule for a customer's ``HAD``, ``NEXT``, ``BOUGHT`` and ``SERVES``, from its interactions
    in journey order as (interaction, type, amount, at); ``products`` and ``reps`` give an
    interaction's ``ABOUT`` and ``HANDLED_BY`` ends (all by node id)."""
    written: dict[IdLink, dict[str, Any]] = {}
    bought: dict[int, dict[str, Any]] = {}
    serves: dict[int, int] = {}
    for x, kind, amount, at in journey:
        written[("HAD", customer, x)] = {}
        if kind == "purchase":
            about = products(x)
            for p in about:
                entry = bought.setdefault(p, {"times": 0, "amount": 0.0, "first_at": at, "last_at": at})
                entry["times"] += 1
                entry["amount"] += float(amount or 0.0) / len(about)
                entry["first_at"] = min(entry["first_at"], at)
                entry["last_at"] = max(entry["last_at"], at)
        for rep in reps(x):
            serves[rep] = serves.get(rep, 0) + 1
    for (a, *_), (b, *_) in itertools.pairwise(journey):
        written[("NEXT", a, b)] = {}
    for p, entry in bought.items():
        written[("BOUGHT", customer, p)] = {**entry, "amount": _round2(entry["amount"])}
    for rep, times in serves.items():
        written[("SERVES", rep, customer)] = {"times": times}
    return written


def derived_changes(graph: EmbeddedGraph, customer_ids: Iterable[Any], whole: bool) -> IdChange:
    """The links to delete and to write (by node id) so that these customers' ``HAD`` / ``NEXT`` /
    ``BOUGHT`` / ``SERVES`` follow ``customer_links``; links that stay as they are are neither
    deleted nor written again. ``whole``: read each relationship type and the interaction facts in
    one pass (a first or full resolve, thousands of customers); else only the rows of these
    customers, a few statements per type (live events settle a few hundred at a time)."""
    wanted = set(graph.ids_by_key("Customer", list(dict.fromkeys(customer_ids))).values())

    def links(rel_type: str, ids: set[int], outgoing: bool) -> list[tuple[int, int, str | None]]:
        if whole:
            return [link for link in graph.links(rel_type) if (link[0] if outgoing else link[1]) in ids]
        return graph.links_by_id(rel_type, sorted(ids), outgoing)

    member_of = {i: c for i, c, _ in links("RESOLVES_TO", wanted, outgoing=False)}
    done: dict[int, list[int]] = {}
    for i, x, _ in links("PERFORMED", set(member_of), outgoing=True):
        done.setdefault(member_of[i], []).append(x)
    performed = {x for interactions in done.values() for x in interactions}
    facts = graph.interaction_facts(None if whole else sorted(performed))
    about, handled = _ends(links("ABOUT", performed, True)), _ends(links("HANDLED_BY", performed, True))
    old: dict[IdLink, str | None] = {("HAD", c, x): None for c, x, _ in links("HAD", wanted, True)}
    had = {x for _, _, x in old}
    old.update((("NEXT", x, y), None) for x, y, _ in links("NEXT", had, True))
    old.update((("BOUGHT", c, p), props) for c, p, props in links("BOUGHT", wanted, True))
    old.update((("SERVES", r, c), props) for r, c, props in links("SERVES", wanted, False))

    written: dict[IdLink, dict[str, Any]] = {}
    for customer, interactions in done.items():
        in_order = graph.in_journey_order([(customer, facts[x][0], x) for x in interactions if x in facts])
        journey = [(x, facts[x][2], facts[x][3], when(facts[x][1])) for _, _, x in in_order]
        written.update(customer_links(customer, journey, lambda x: about.get(x, []),
                                      lambda x: handled.get(x, [])))
    deleted = [link for link in old if link not in written]
    changed = {link: props for link, props in written.items()
               if link not in old or decoded(old[link]) != props}
    return deleted, changed


def _ends(links: Iterable[tuple[int, int, str | None]]) -> dict[int, list[int]]:
    ends: dict[int, list[int]] = {}
    for start, end, _ in links:
        ends.setdefault(start, []).append(end)
    return ends


def affinity_changes(graph: EmbeddedGraph) -> tuple[dict[NodeId, dict[str, Any]], IdChange]:
    """``Product.buyers`` and ``ALSO_BOUGHT`` from every customer's ``BOUGHT``, in one pass over
    ``BOUGHT``: the products whose ``buyers`` changed (with all their properties), and the links
    to delete and to write (by id; links that stay as they are are left alone)."""
    buyers: dict[int, int] = {}
    pairs: dict[tuple[int, int], int] = {}
    for _, links in itertools.groupby(graph.links("BOUGHT"), key=lambda link: link[0]):  # by customer
        owned = [p for _, p, _ in links]
        for p in owned:
            buyers[p] = buyers.get(p, 0) + 1
        for x, y in itertools.permutations(owned, 2):
            pairs[(x, y)] = pairs.get((x, y), 0) + 1
    nodes = {("Product", key): {**props, "buyers": buyers.get(node_id, 0)} for node_id, key, props in
             graph.nodes("Product") if props.get("buyers") != buyers.get(node_id, 0)}
    old = {("ALSO_BOUGHT", x, y): props for x, y, props in graph.links("ALSO_BOUGHT")}
    written: dict[IdLink, dict[str, Any]] = {("ALSO_BOUGHT", x, y): {"customers": n} for (x, y), n in pairs.items()}
    return nodes, ([link for link in old if link not in written],
                   {link: props for link, props in written.items() if link not in old or decoded(old[link]) != props})
