"""``custgraph resolve``: link Identity records and keep one golden Customer per person.

Incremental by default. A record is *dirty* when it is new, unresolved, or its
compared fields changed since the last run (``resolved`` holds their digest).
Only pairs that touch a dirty record are compared; stored links between clean
records are kept. The clusters are recomputed for every connected component
that holds a dirty record (plus the old customers of its members), and only
those customers are written and get their derived relationships rebuilt.
Clustering depends only on a component's links, so the result equals a full
run from scratch (``--full``), which a test checks.

Writes go in this order: customers, memberships, links, derived relationships,
removal of emptied customers, and last the records' digests. A run cut off
half-way leaves its records dirty, so the next run redoes their components.
Customers' scores (RFM, churn) are not identity resolution: the ``resolve`` use
case (``custgraph.services``) writes them after this.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from custgraph.graph import RelationshipRow, Store
from custgraph.queries import get as named_query

from .blocking import Blocks, build_blocks, candidate_pairs
from .cluster import Link, clusters
from .compare import Context, compare, scoring_context
from .config import ResolveConfig
from .records import MatchRecord, fingerprint, match_record
from .survivorship import customer_id, golden

__all__ = ["ResolveReport", "resolve"]

Progress = Callable[[str], None]


@dataclass
class ResolveReport:
    records: int = 0
    dirty: int = 0
    compared: int = 0
    customers_caught_up: int = 0  # derived relationships rebuilt for touchpoints loaded since
    links: int = 0  # SAME_AS links written or confirmed this run
    review: int = 0  # pairs in the review band (POSSIBLY_SAME_AS) written this run
    clusters: int = 0  # clusters formed in the components that held a new or changed record
    customers: int = 0  # customers in the store after the run
    customers_written: int = 0
    customers_removed: int = 0
    customers_scored: int = 0  # customers with an RFM segment (services/scoring.py)
    skipped_blocks: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    # Every customer id after the run, for what follows it (scores); not part of the report.
    customer_ids: frozenset[str] = field(default=frozenset(), repr=False, compare=False)

    def as_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__dataclass_fields__ if name != "customer_ids"}


def _pair(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a < b else (b, a)


def score_basis(records: list[MatchRecord], config: ResolveConfig) -> tuple[Blocks, Context]:
    """The blocks of all records and the context their scores depend on (prior, value counts)."""
    blocks = build_blocks(records, config.max_block)
    return blocks, Context(config.prior_for(len(records)), blocks.counts)


def resolve(store: Store, config: ResolveConfig, full: bool = False, say: Progress | None = None) -> ResolveReport:
    report = ResolveReport()
    clock = time.perf_counter()

    def phase(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        report.seconds[name] = round(now - clock, 3)
        clock = now
        if say:
            say(f"{name}: {report.seconds[name]:.1f} s")

    rows = store.run(named_query("identity_records"))
    props = {str(row["props"]["identity_id"]): row["props"] for row in rows}
    current = {str(row["props"]["identity_id"]): row["customer_id"] for row in rows}
    ids = list(props)
    records = [match_record(props[i]) for i in ids]
    stored: dict[str, dict[tuple[str, str], dict[str, Any]]] = {
        "SAME_AS": {}, "POSSIBLY_SAME_AS": {}, "NOT_SAME_AS": {}, "CONFIRMED_SAME_AS": {}}
    for row in store.run(named_query("identity_links")):
        stored[row["type"]][_pair(str(row["a"]), str(row["b"]))] = row["props"]
    blocks, context = score_basis(records, config)
    digests = {identity: fingerprint(props[identity], scoring_context(record, context))
               for identity, record in zip(ids, records, strict=True)}
    dirty = set(ids) if full else {i for i in ids if current[i] is None or props[i].get("resolved") != digests[i]}
    report.records, report.dirty = len(ids), len(dirty)
    report.skipped_blocks = dict(sorted(blocks.skipped.items(), key=lambda kv: -kv[1])[:10])
    phase("read")

    position = {identity: index for index, identity in enumerate(ids)}
    pairs = candidate_pairs(blocks, None if full else [position[i] for i in dirty])
    report.compared = len(pairs)
    links: dict[tuple[str, str], Link] = {}
    review: dict[tuple[str, str], Link] = {}
    for x, y in pairs:
        found = compare(records[x], records[y], config, context)
        if found.score >= config.review_threshold:
            pair = _pair(records[x].identity_id, records[y].identity_id)
            link = Link(pair[0], pair[1], found.rule, found.score, found.evidence)
            (links if found.score >= config.link_threshold else review)[pair] = link
    decided = stored["NOT_SAME_AS"].keys() | stored["CONFIRMED_SAME_AS"].keys()
    review = {pair: link for pair, link in review.items() if pair not in decided}  # answered already
    for pair, decision in stored["CONFIRMED_SAME_AS"].items():  # a person said so: a rule, always
        if pair[0] in props and pair[1] in props and pair not in stored["NOT_SAME_AS"]:
            links[pair] = Link(pair[0], pair[1], "confirmed", 1.0,
                               (f"confirmed by {decision.get('by')}: {decision.get('reason') or 'no reason given'}",))
    for pair, old in stored["SAME_AS"].items():  # links between clean records stay as they are
        if pair[0] not in dirty and pair[1] not in dirty and pair[0] in props and pair[1] in props:
            links.setdefault(pair, Link(pair[0], pair[1], str(old.get("rule")), float(old.get("score") or 0.0),
                                        tuple(old.get("evidence") or ())))
    phase("compare")

    # The members to re-cluster: components (over links) holding a dirty record, closed
    # over old customers, so that a record leaving a customer re-clusters the rest of it.
    neighbours: dict[str, list[str]] = {}
    for first, second in links:
        neighbours.setdefault(first, []).append(second)
        neighbours.setdefault(second, []).append(first)
    by_customer: dict[str, list[str]] = {}
    for identity, customer in current.items():
        if customer is not None:
            by_customer.setdefault(customer, []).append(identity)
    affected: set[str] = set()
    frontier = list(dirty)
    while frontier:
        identity = frontier.pop()
        if identity in affected:
            continue
        affected.add(identity)
        frontier += neighbours.get(identity, [])
        if current[identity] is not None:
            frontier += by_customer[current[identity]]
    apart = [pair for pair in stored["NOT_SAME_AS"] if pair[0] in affected]
    groups = clusters(sorted(affected), [link for pair, link in links.items() if pair[0] in affected],
                      apart, config)
    report.clusters = len(groups)
    phase("cluster")

    assignment = {identity: customer_id(group) for group in groups for identity in group}
    customers = [{"customer_id": assignment[group[0]], **golden([props[i] for i in group])} for group in groups]
    store.upsert_nodes("Customer", customers)
    report.customers_written = len(customers)
    phase("write customers")
    store.upsert_relationships("RESOLVES_TO", [RelationshipRow(i, assignment[i]) for i in sorted(affected)],
                               replace_from=sorted(affected))
    phase("write memberships")
    touched_links = [link for pair, link in sorted(links.items()) if pair[0] in dirty or pair[1] in dirty]
    store.upsert_relationships(
        "SAME_AS", [RelationshipRow(link.a, link.b, {"rule": link.rule, "score": link.score,
                                                     "evidence": list(link.evidence)}) for link in touched_links],
        replace_from=sorted(dirty), replace_to=sorted(dirty))
    store.upsert_relationships(
        "POSSIBLY_SAME_AS", [RelationshipRow(link.a, link.b, {"score": link.score, "evidence": list(link.evidence)})
                             for _, link in sorted(review.items())],
        replace_from=sorted(dirty), replace_to=sorted(dirty))
    report.links, report.review = len(touched_links), len(review)
    phase("write links")
    old_customers = {current[i] for i in affected if current[i] is not None}
    new_customers = {customer["customer_id"] for customer in customers}
    customers_after = set(assignment.values()) | {c for i, c in current.items() if c is not None and i not in affected}
    store.rebuild_derived(sorted(old_customers | new_customers))
    # Touchpoints loaded for records that did not change leave their customer's HAD / NEXT /
    # BOUGHT behind; the consistency query finds those customers (a whole-graph query, needless
    # when this run has just rebuilt every customer, as a first or full run does).
    behind = [] if customers_after <= new_customers else sorted(
        {str(row["customer_id"]) for row in store.run(named_query("derived_mismatches"))})
    store.rebuild_derived(behind)
    report.customers_caught_up = len(behind)
    phase("derived relationships")
    if old_customers | new_customers or behind:
        store.rebuild_affinity()
    phase("product affinity")
    report.customers_removed = store.delete_nodes("Customer", sorted(old_customers - new_customers))
    store.upsert_nodes("Identity", [{"identity_id": i, "resolved": digests[i]} for i in sorted(dirty)])
    report.customers = len(customers_after)
    report.customer_ids = frozenset(customers_after)
    phase("clean up")
    return report
