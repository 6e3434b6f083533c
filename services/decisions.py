"""Human decisions: ``unmerge`` (NOT_SAME_AS) and review-queue answers, respected by every later run.

A decision moves only the records linked to its two records (over SAME_AS links, confirmed
decisions and shared customers), so it reads and re-clusters just those, with the same
clustering a resolve uses, and writes the decision, the customers and their memberships in
one transaction (derived relationships follow, as after a resolve). Before, a decision marked
both records dirty and ran a whole resolve, which reads every record of the store.

What waits for the next resolve: the segment and churn risk of a customer the decision
creates (they rank a customer among all of them: a whole-graph query) and the products'
co-purchase counts (cross-sell reasons). A customer that keeps its id keeps its scores.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from custgraph.errors import UnknownIdentityError
from custgraph.graph import GraphBatch, RelationshipRow, Store, one_writer
from custgraph.resolution import (
    TIES,
    Link,
    ResolveConfig,
    clusters,
    customer_id,
    golden,
    match_record,
    neighbourhood,
    record_traits,
)

__all__ = ["DecisionReport", "confirm", "reject", "unmerge"]

DECISIONS = ("NOT_SAME_AS", "CONFIRMED_SAME_AS")


@dataclass(frozen=True)
class DecisionReport:
    records: int  # the records the decision could move, re-clustered
    customers_written: int
    customers_removed: int


@one_writer("unmerge")
def unmerge(store: Store, config: ResolveConfig, a: str, b: str, by: str, reason: str) -> DecisionReport:
    """Record that ``a`` and ``b`` are different people and re-cluster the records this can move.

    The decision is a ``NOT_SAME_AS`` link (``by``, ``at``, ``reason``); clustering
    never puts its two records in one customer again.
    """
    return _decide(store, config, "NOT_SAME_AS", a, b, by, reason)


@one_writer("confirm")
def confirm(store: Store, config: ResolveConfig, a: str, b: str, by: str, reason: str) -> DecisionReport:
    """Record that ``a`` and ``b`` are one person (a review-queue pair a human checked): the
    decision links them like a deterministic rule now and in every later run."""
    return _decide(store, config, "CONFIRMED_SAME_AS", a, b, by, reason)


@one_writer("reject")
def reject(store: Store, config: ResolveConfig, a: str, b: str, by: str, reason: str) -> DecisionReport:
    """Answer a review-queue pair with "two people": the same ``NOT_SAME_AS`` decision as an
    unmerge (the pair may or may not share a customer now), and the pair leaves the queue."""
    return _decide(store, config, "NOT_SAME_AS", a, b, by, reason)


def _decide(store: Store, config: ResolveConfig, decision: str, a: str, b: str, by: str,
            reason: str) -> DecisionReport:
    """Write ``decision`` between ``a`` and ``b`` (replacing the opposite one: the latest word
    counts) with the customers it makes, in one transaction."""
    first, second = sorted((a, b))
    records = neighbourhood(store, [first, second])
    for identity in (a, b):
        if identity not in records:
            raise UnknownIdentityError(identity)
    opposite = DECISIONS[1 - DECISIONS.index(decision)]
    stored: dict[str, dict[tuple[str, str], dict[str, Any]]] = {kind: {} for kind in (*TIES, *DECISIONS,
                                                                                      "POSSIBLY_SAME_AS")}
    for row in records.values():
        for link in row["links"]:
            stored[link["type"]][(str(link["a"]), str(link["b"]))] = link["props"]
    made = {"by": by, "at": dt.datetime.now(dt.UTC).replace(microsecond=0), "reason": reason}
    stored[opposite].pop((first, second), None)
    stored["POSSIBLY_SAME_AS"].pop((first, second), None)  # an answered pair leaves the review queue
    stored[decision][(first, second)] = made
    # The pair's SAME_AS link says why they are one customer: a confirmation is its rule now; a
    # link that was only a confirmation goes with it (a comparison's own link stays).
    if decision == "CONFIRMED_SAME_AS":
        stored["SAME_AS"][(first, second)] = {"rule": "confirmed", "score": 1.0,
                                              "evidence": [f"confirmed by {by}: {reason or 'no reason given'}"]}
    elif stored["SAME_AS"].get((first, second), {}).get("rule") == "confirmed":
        del stored["SAME_AS"][(first, second)]

    # The links clustering sees, as resolve builds them: stored SAME_AS links, and each confirmed
    # pair as a rule unless a person also said the two differ.
    links: dict[tuple[str, str], Link] = {}
    for pair, props in stored["CONFIRMED_SAME_AS"].items():
        if pair[0] in records and pair[1] in records and pair not in stored["NOT_SAME_AS"]:
            links[pair] = Link(pair[0], pair[1], "confirmed", 1.0,
                               (f"confirmed by {props.get('by')}: {props.get('reason') or 'no reason given'}",))
    for pair, props in stored["SAME_AS"].items():
        if pair[0] in records and pair[1] in records:
            links.setdefault(pair, Link(pair[0], pair[1], str(props.get("rule")), float(props.get("score") or 0.0),
                                        tuple(props.get("evidence") or ())))
    members = sorted(records)
    traits = {i: record_traits(match_record(records[i]["props"])) for i in members}
    groups = clusters(members, list(links.values()), [pair for pair in stored["NOT_SAME_AS"]
                                                      if pair[0] in records], config, traits).groups
    assignment = {identity: customer_id(group) for group in groups for identity in group}
    customers = [{"customer_id": assignment[group[0]], **golden([records[i]["props"] for i in group])}
                 for group in groups]
    old = {str(row["customer_id"]) for row in records.values() if row["customer_id"] is not None}
    new = {customer["customer_id"] for customer in customers}

    def kept(kind: str) -> list[RelationshipRow]:
        """``first``'s links of ``kind`` after the decision (replace_from drops the others)."""
        return [RelationshipRow(start, end, props) for (start, end), props in sorted(stored[kind].items())
                if start == first]

    store.write(GraphBatch(
        nodes=[("Customer", customers)],
        relationships=[(decision, kept(decision)), (opposite, kept(opposite)), ("SAME_AS", kept("SAME_AS")),
                       ("POSSIBLY_SAME_AS", kept("POSSIBLY_SAME_AS")),
                       ("RESOLVES_TO", [RelationshipRow(i, assignment[i]) for i in members])],
        replace_from={opposite: [first], "SAME_AS": [first], "POSSIBLY_SAME_AS": [first], "RESOLVES_TO": members},
    ))
    # Then, as after a resolve, derived relationships (an emptied customer's HAD leads to the NEXT
    # links to clear, so it goes last) and the emptied customers. A run cut off here leaves
    # derived relationships that lag, which the next resolve catches up (derived_mismatches).
    store.rebuild_derived(sorted(old | new))
    store.write(GraphBatch(delete_nodes={"Customer": sorted(old - new)}))
    return DecisionReport(len(members), len(customers), len(old - new))
