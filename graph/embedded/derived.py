"""The embedded store's derived relationships, computed in Python.

The same definition as the Neo4j statements ``CLEAR_DERIVED`` / ``BUILD_DERIVED``
(see ``Store.rebuild_derived``); a parity test holds the two together.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, TypeVar

from .facts import when
from .graph import EmbeddedGraph, NodeId, decoded

__all__ = ["BULK", "Change", "IdChange", "affinity_changes", "customer_links", "derived_changes",
           "derived_changes_in_bulk"]

Link = tuple[str, NodeId, NodeId]
Change = tuple[list[Link], dict[Link, dict[str, Any]]]  # links to delete, links to write
IdLink = tuple[str, int, int]  # type, start id, end id
IdChange = tuple[list[IdLink], dict[IdLink, dict[str, Any]]]  # links to delete, links to write or rewrite
N = TypeVar("N", NodeId, int)  # a node as the per-customer (key) or the bulk (id) rebuild names it
BULK = 1000  # customers from which one pass over the links beats following each customer's


def _round2(value: float) -> float:
    """Half-up to 2 decimals, as Cypher's ``round(x, 2)`` does (Python's ``round`` rounds half-even)."""
    return float(Decimal(repr(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def customer_links(customer: N, journey: list[tuple[N, Any, Any, Any]], products: Callable[[N], list[N]],
                   reps: Callable[[N], list[N]]) -> dict[tuple[str, N, N], dict[str, Any]]:
    """The one rule for a customer's ``HAD``, ``NEXT``, ``BOUGHT`` and ``SERVES``, from its interactions
    in journey order as (interaction, type, amount, at); ``products`` and ``reps`` give an
    interaction's ``ABOUT`` and ``HANDLED_BY`` ends. Both ways of rebuilding (per customer, in bulk)
    use it, with node ids of their own kind."""
    written: dict[tuple[str, N, N], dict[str, Any]] = {}
    bought: dict[N, dict[str, Any]] = {}
    serves: dict[N, int] = {}
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
        written.update(customer_links(
            customer, [(x, props[x].get("type"), props[x].get("amount"), props[x]["at"]) for x in interactions],
            lambda x: [p for p, _ in graph.out(x, "ABOUT")], lambda x: [r for r, _ in graph.out(x, "HANDLED_BY")]))
    deleted = [link for link in dict.fromkeys(deleted) if link not in written]
    return deleted, written


def derived_changes_in_bulk(graph: EmbeddedGraph, customer_ids: Iterable[Any]) -> IdChange:
    """``derived_changes`` for many customers (a first or full resolve): one pass over each
    relationship type and the interaction facts, by node id; links that stay as they are are
    neither deleted nor written again."""
    wanted = set(graph.ids_by_key("Customer", list(dict.fromkeys(customer_ids))).values())
    member_of = {i: c for i, c, _ in graph.links("RESOLVES_TO") if c in wanted}
    done: dict[int, list[int]] = {}
    for i, x, _ in graph.links("PERFORMED"):
        if i in member_of:
            done.setdefault(member_of[i], []).append(x)
    facts = {x: (t, at, kind, amount) for x, t, at, kind, amount in graph.select(
        "SELECT id, t, at, type, amount FROM interaction_facts")}
    about, handled = _ends(graph, "ABOUT"), _ends(graph, "HANDLED_BY")
    old: dict[IdLink, str | None] = {("HAD", c, x): None for c, x, _ in graph.links("HAD") if c in wanted}
    had = {x for _, _, x in old}
    old.update((("NEXT", x, y), None) for x, y, _ in graph.links("NEXT") if x in had)
    old.update((("BOUGHT", c, p), props) for c, p, props in graph.links("BOUGHT") if c in wanted)
    old.update((("SERVES", r, c), props) for r, c, props in graph.links("SERVES") if c in wanted)

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


def _ends(graph: EmbeddedGraph, rel_type: str) -> dict[int, list[int]]:
    ends: dict[int, list[int]] = {}
    for start, end, _ in graph.links(rel_type):
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
