"""The embedded store's derived relationships, computed in Python.

The same definition as the Neo4j statements ``REBUILD_DERIVED``
(see ``Store.rebuild_derived``); a parity test holds the two together.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from ..rows import JourneyEdit
from .facts import when
from .graph import EmbeddedGraph, NodeId, decoded

__all__ = ["BULK", "IdChange", "affinity_changes", "appended_changes", "customer_links", "derived_changes"]

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


def derived_changes(graph: EmbeddedGraph, customer_ids: Iterable[Any], whole: bool,
                    edits: dict[Any, JourneyEdit] | None = None) -> IdChange:
    """The links to delete and to write (by node id) so that these customers' ``HAD`` / ``NEXT`` /
    ``BOUGHT`` / ``SERVES`` follow ``customer_links``; links that stay as they are are neither
    deleted nor written again. ``whole``: read each relationship type and the interaction facts in
    one pass (a first or full resolve, thousands of customers); else only the rows of these
    customers, a few statements per type (live events settle a few hundred at a time). ``edits``:
    filled with the ``JourneyEdit`` of each customer whose touchpoints changed (by key): how many
    of its first touchpoints come before the first it gained, when it lost none."""
    keys = graph.ids_by_key("Customer", list(dict.fromkeys(customer_ids)))
    wanted = set(keys.values())

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
    had_by: dict[int, set[int]] = {}
    edited: dict[int, JourneyEdit] = {}  # by customer node id
    if edits is not None:
        for rel_type, c, x in old:
            if rel_type == "HAD":
                had_by.setdefault(c, set()).add(x)
    for customer, interactions in done.items():
        in_order = graph.in_journey_order([(customer, facts[x][0], x) for x in interactions if x in facts])
        journey = [(x, facts[x][2], facts[x][3], when(facts[x][1])) for _, _, x in in_order]
        written.update(customer_links(customer, journey, lambda x: about.get(x, []),
                                      lambda x: handled.get(x, [])))
        if edits is not None:
            before = had_by.get(customer, set())
            gained = [n for n, (x, *_) in enumerate(journey) if x not in before]
            if gained or len(before) != len(journey):
                unchanged = gained[0] if gained and before <= {x for x, *_ in journey} else 0
                edited[customer] = JourneyEdit(unchanged, len(before))
    if edits is not None:
        key_of = {node_id: key for key, node_id in keys.items()}
        edits.update((key_of[c], edit) for c, edit in edited.items())
    deleted = [link for link in old if link not in written]
    changed = {link: props for link, props in written.items()
               if link not in old or decoded(old[link]) != props}
    return deleted, changed


def appended_changes(graph: EmbeddedGraph,
                     customer_ids: Iterable[Any]) -> tuple[IdChange, list[Any], dict[Any, JourneyEdit]]:
    """The links to write and delete (by node id) for the customers whose journeys only gained
    touchpoints: the links ``derived_changes`` would give them, found from the touchpoints they
    gained (and the products and reps those name), and from the touchpoints they had from the
    last time before the earliest gained on, not from every one they had. Why: live events add a
    touchpoint or two to customers with thousands, mostly at the end (or a signed-in visitor's
    recent visits just before it), and rebuilding whole journeys made each settling pass as slow
    as the journeys were long (bench/RESULTS.md).

    Returns the changes; the keys of the other customers, for ``derived_changes`` (an interaction
    that left, a chain of ``NEXT`` links that does not hold); and each grown customer's key with its
    ``JourneyEdit``. A customer that gained nothing and lost nothing is in neither."""
    keys = graph.ids_by_key("Customer", list(dict.fromkeys(customer_ids)))
    key_of = {node_id: key for key, node_id in keys.items()}
    growth = graph.journey_growth(sorted(key_of))
    lost = {c for c in key_of if growth.performed[c] != growth.had[c] + len(growth.new.get(c, ()))}
    rest = [key_of[c] for c in sorted(lost)]
    candidates = {c: xs for c, xs in growth.new.items() if c not in lost}
    facts = graph.interaction_facts(sorted({x for c, xs in candidates.items()
                                            for x in (*xs, *growth.tails.get(c, ()))}))
    fit = {c: xs for c, xs in candidates.items() if len(growth.tails.get(c, ())) == (1 if growth.had[c] else 0)
           and all(facts.get(x, (None,))[0] is not None for x in (*xs, *growth.tails.get(c, ())))}
    rest += [key_of[c] for c in sorted(set(candidates) - set(fit))]
    # Each customer's touchpoints that may move: the ones it gained, and its last (appended after
    # it) or, where one gained sorts before its last, every one it had from the last time before
    # the earliest gained on (the one before those keeps its NEXT link).
    segments = {c: [*growth.tails.get(c, ()), *xs] for c, xs in fit.items()}
    ordered = _in_order(graph, segments, facts)
    moved = {c: graph.journey_from(c, min(facts[x][0] for x in fit[c])) for c, in_order in ordered.items()
             if growth.tails.get(c) and in_order[0] != growth.tails[c][0]}
    if moved:
        facts |= graph.interaction_facts(sorted({x for xs in moved.values() for x in xs} - set(facts)))
        ordered |= _in_order(graph, {c: [*had, *fit[c]] for c, had in moved.items()}, facts)
    had_in = {c: set(moved.get(c, growth.tails.get(c, ()))) for c in ordered}  # what each had of its segment
    gained = {c: [x for x in in_order if x not in had_in[c]] for c, in_order in ordered.items()}
    new_ids = sorted(x for xs in gained.values() for x in xs)
    about = _ends(graph.links_by_id("ABOUT", new_ids, True))
    written: dict[IdLink, dict[str, Any]] = {}
    owner: dict[int, int] = {}
    edits: dict[Any, JourneyEdit] = {}
    for c, in_order in ordered.items():
        owner.update((x, c) for x in gained[c])
        written.update((("HAD", c, x), {}) for x in gained[c])
        written.update((("NEXT", a, b), {}) for a, b in itertools.pairwise(in_order))
        first = next(n for n, x in enumerate(in_order) if x not in had_in[c])
        edits[key_of[c]] = JourneyEdit(growth.had[c] - len(had_in[c]) + first, growth.had[c])
    moving = sorted({x for xs in moved.values() for x in xs})
    deleted = [("NEXT", a, b) for a, b, _ in graph.links_by_id("NEXT", moving, True) if ("NEXT", a, b) not in written]
    old = {("SERVES", r, c): decoded(props) for r, c, props in graph.links_by_id("SERVES", sorted(ordered), False)}
    old.update((("BOUGHT", c, p), decoded(props)) for c, p, props in graph.links_by_id("BOUGHT", sorted(ordered), True))
    old.update((("NEXT", a, b), {}) for a, b, _ in graph.links_by_id("NEXT", moving, True))
    served: dict[IdLink, int] = {}
    for x, rep, _ in graph.links_by_id("HANDLED_BY", new_ids, True):
        served[("SERVES", rep, owner[x])] = served.get(("SERVES", rep, owner[x]), 0) + 1
    written.update((link, {"times": int(old.get(link, {}).get("times", 0)) + times}) for link, times in served.items())
    written.update(_bought_again(graph, gained, facts, about))
    changed = {link: props for link, props in written.items() if link not in old or old[link] != props}
    return (deleted, changed), rest, edits


def _bought_again(graph: EmbeddedGraph, gained: dict[int, list[int]], facts: dict[int, tuple[Any, ...]],
                  about: dict[int, list[int]]) -> dict[IdLink, dict[str, Any]]:
    """``BOUGHT`` of the (customer, product) pairs that gained a purchase, counted again (by
    ``customer_links``) from every purchase of the product in the customer's journey: adding to the
    stored amount, which is rounded to cents, would drift from the rule's."""
    touched = {(c, p) for c, xs in gained.items() for x in xs if facts[x][2] == "purchase" for p in about.get(x, [])}
    if not touched:
        return {}
    customers, products = sorted({c for c, _ in touched}), sorted({p for _, p in touched})
    journeys: dict[int, set[int]] = {c: {x for x in gained[c] if x in about} for c in customers}
    for c, x in graph.had_about(customers, products):
        journeys[c].add(x)
    earlier = {x for xs in journeys.values() for x in xs} - {x for xs in gained.values() for x in xs}
    facts = {**facts, **graph.interaction_facts(sorted(earlier - set(facts)))}
    about = {**about, **_ends(graph.links_by_id("ABOUT", sorted(earlier), True))}
    written: dict[IdLink, dict[str, Any]] = {}
    for c, in_order in _in_order(graph, journeys, facts).items():
        journey = [(x, facts[x][2], facts[x][3], when(facts[x][1])) for x in in_order]
        links = customer_links(c, journey, lambda x: about.get(x, []), lambda x: [])
        written.update((link, props) for link, props in links.items()
                       if link[0] == "BOUGHT" and (c, link[2]) in touched)
    return written


def _in_order(graph: EmbeddedGraph, interactions: Mapping[int, Iterable[int]],
              facts: Mapping[int, tuple[Any, ...]]) -> dict[int, list[int]]:
    """Each customer's interactions in journey order, sorted together: the keys of tied times are
    read in one statement for every customer, not one per customer."""
    in_order: dict[int, list[int]] = {c: [] for c in sorted(interactions)}
    for c, _, x in graph.in_journey_order([(c, facts[x][0], x) for c, xs in interactions.items() for x in xs]):
        in_order[c].append(x)
    return in_order


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
