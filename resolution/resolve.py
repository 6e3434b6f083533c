"""``custgraph resolve``: link Identity records and keep one golden Customer per person.

Incremental by default. A record is *dirty* when it is new, unresolved, or its
compared fields changed since the last run (``resolved`` holds their digest).
Only pairs that touch a dirty record are compared; stored links between clean
records are kept. The clusters are recomputed for every connected component
that holds a dirty record (plus the old customers of its members), and only
those customers are written and get their derived relationships rebuilt.
Clustering depends only on a component's links, so the result equals a full
run from scratch (``--full``), which a test checks. A caller that knows which
records changed and keeps a memo (the events settler) may read only those and
the records they can move (``scoped.py``).

Writes go in this order: customers, memberships, links, derived relationships,
removal of emptied customers, and last the records' digests. A run cut off
half-way leaves its records dirty, so the next run redoes their components.
Customers' scores (RFM, churn) are not identity resolution: the ``resolve`` use
case (``custgraph.services``) writes them after this.
"""

from __future__ import annotations

import functools
import gc
import logging
import time
from collections import Counter
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any

from custgraph.graph import JourneyEdit, RelationshipRow, Store
from custgraph.graph.collector import collector_paused, settled_objects
from custgraph.queries import get as named_query

from .cluster import Link, Traits, clusters
from .compared import Compared, ordered_pair, scoring_context, stored_links
from .config import ResolveConfig
from .engines import open_engine
from .features import (
    Placeholders,
    blanked,
    feature_table,
    find_placeholders,
    term_frequencies,
)
from .memo import KeptBasis, RecordMemo, Refresh
from .model import MatchModel
from .records import MatchRecord, comparable, fingerprint, forget_name_forms, match_record
from .scoped import compare_changed
from .scoring import rule_pairs, score_pairs
from .stored_model import load_model, train_model
from .survivorship import customer_id, golden

__all__ = ["ResolveReport", "resolve"]

log = logging.getLogger(__name__)

Progress = Callable[[str], None]
# (rebuilt by the run, yet to be) -> those yet to be that the caller wants rebuilt next.
Meanwhile = Callable[[Collection[str], Collection[str]], Collection[str]]
# Between steps of a run, and between this many of the customers it rebuilds, ``meanwhile`` is
# called (the events settler rebuilds there the journeys of events that came during the run).
MEANWHILE_SLICE = 200
HELD = "held for review: "  # the evidence line of a link the cardinality caps held


@dataclass
class ResolveReport:
    records: int = 0
    dirty: int = 0
    compared: int = 0  # pairs scored at or above the review threshold, plus pairs a rule links
    customers_caught_up: int = 0  # derived relationships rebuilt for touchpoints loaded since
    links: int = 0  # SAME_AS links written or confirmed this run
    review: int = 0  # pairs in the review band (POSSIBLY_SAME_AS) written this run
    held: int = 0  # links the cardinality caps sent to review instead
    joined: int = 0  # bare visitors' records that joined a customer without re-clustering it (scoped.py)
    clusters: int = 0  # clusters formed in the components that held a new or changed record
    customers: int = 0  # customers in the store after the run
    customers_written: int = 0
    customers_removed: int = 0
    customers_scored: int = 0  # customers with an RFM segment (services/scoring.py)
    trained: bool = False  # the model was (re)trained this run
    scoped: bool = False  # read only the records a change can move (customers and customer_ids unknown)
    model_id: str = ""
    placeholders: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)
    # Every customer id after the run, for what follows it (scores); not part of the report.
    customer_ids: frozenset[str] = field(default=frozenset(), repr=False, compare=False)
    # The customers whose journeys this run rebuilt or removed (what kept journeys must take again).
    customers_changed: frozenset[str] = field(default=frozenset(), repr=False, compare=False)
    # How the journeys of those customers changed, where the run over changed records knows
    # (``Store.rebuild_derived`` with ``links_hold``); the others changed in ways not told.
    journey_edits: dict[str, JourneyEdit] = field(default_factory=dict, repr=False, compare=False)

    def as_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__dataclass_fields__
                if name not in ("customer_ids", "customers_changed", "journey_edits")}


def record_traits(record: MatchRecord) -> Traits:
    """What the cardinality caps count of ``record`` (placeholders already blanked)."""
    return Traits(record.birth_date.isoformat() if record.birth_date else None,
                  record.email.split("@", 1)[1] if record.email and "@" in record.email else None,
                  comparable(record))


class TraitsOf(Mapping[str, Traits]):
    """``record_traits`` of the records, made when clustering asks: it asks only for records a
    link reaches (making them all took seconds at a million records)."""

    def __init__(self, records: Mapping[str, MatchRecord]) -> None:
        self.records = records

    def __getitem__(self, identity: str) -> Traits:
        return record_traits(self.records[identity])

    def __iter__(self) -> Iterator[str]:
        return iter(self.records)

    def __len__(self) -> int:
        return len(self.records)


@dataclass
class Basis:
    """What every score of a run depends on: the records as compared, their feature table,
    the placeholders found and the model."""

    raw: list[MatchRecord]  # as read
    records: list[MatchRecord]  # as compared: placeholders blanked
    placeholders: Placeholders
    table: Any  # pyarrow.Table
    model: MatchModel | None
    frequencies: dict[str, Any]  # column → pyarrow.Table of value, tf_<column> (empty without a model)

    def bands(self) -> dict[str, dict[str | None, float]]:
        """Column → value → its term-frequency band (``features.term_frequencies``)."""
        return {column: dict(zip(table[column].to_pylist(), table[f"tf_{column}"].to_pylist(), strict=True))
                for column, table in self.frequencies.items()}

    def context(self) -> dict[str, tuple[Any, ...]]:
        """Per record, what of the basis can change its scores (``scoring_context``)."""
        bands = self.bands()
        model_id = self.model.model_id if self.model else ""
        return {raw.identity_id: scoring_context(model_id, bands, raw, record)
                for raw, record in zip(self.raw, self.records, strict=True)}


def score_basis(store: Store, raw: list[MatchRecord], config: ResolveConfig, train: bool,
                say: Progress | None = None, may_train: bool = True) -> tuple[Basis, bool]:
    """The basis of this run's scores, training the model when asked, when there is none, or
    when the store has grown by ``retrain_growth`` since; and whether it trained."""
    # Counts, records and columns: built once, none in a cycle.
    with collector_paused():
        as_read = feature_table(raw)
        placeholders = find_placeholders(as_read, config.placeholder_records, config.placeholder_factor,
                                         config.placeholder_name_share)
        records, table = blanked(raw, as_read, placeholders)
    model = load_model(store)
    unfit = model is not None and not model.fits()  # kept by an older custgraph, for other comparisons
    due = may_train and len(records) >= 2 and (
        model is None or unfit or train or len(records) >= model.records * (1 + config.retrain_growth))
    if due:
        if say:
            say("training the match model" + (
                "" if model is None else " (the stored one was trained for other comparisons)" if unfit
                else f" (last trained on {model.records:,} records at {model.trained_at})"))
        model = train_model(store, table, len(records), config)
    elif unfit:
        model = None  # never score with numbers that belong to other levels
    with collector_paused():  # counts per value and word: no cycles
        frequencies = term_frequencies(table, model.records) if model is not None else {}
    return Basis(raw, records, placeholders, table, model, frequencies), due


def _compare_everything(store: Store, config: ResolveConfig, full: bool, say: Progress | None, train: bool,
                        may_train: bool, memo: RecordMemo | None, phase: Callable[[str], None]) -> Compared:
    """Read every record and link, and compare the dirty records (all of them when ``full``)."""
    started = time.monotonic()
    props, current, ids, raw = _read_records(store, memo)
    with collector_paused():
        stored = stored_links()
        for row in store.run(named_query("identity_links")):
            stored[row["type"]][ordered_pair(str(row["a"]), str(row["b"]))] = row["props"]
    phase("read")
    basis, trained = score_basis(store, raw, config, train, say, may_train)
    phase("train" if trained else "prepare")  # placeholders, features (and the model)
    with collector_paused():
        context = basis.context()
        digests = {identity: memo.digest(identity, props[identity], context[identity]) if memo else
                   fingerprint(props[identity], context[identity]) for identity in ids}
    records = {record.identity_id: record for record in basis.records}  # by id, as compared
    if memo:
        memo.keep_only(set(ids))
    phase("digests")  # what finds the records to resolve again next time
    dirty = set(ids) if full else {i for i in ids if current[i] is None or props[i].get("resolved") != digests[i]}

    every = full or len(dirty) == len(ids)  # scoring all pairs at once is cheaper than changed against kept
    # A record with nothing to compare (a website visitor's) shares no blocking key: no pair to score.
    to_score = dirty if every else {i for i in dirty if comparable(records[i])}
    scored = [] if basis.model is None or not to_score else score_pairs(
        open_engine(config.engine), basis.model, basis.table, basis.frequencies, None if every else to_score,
        config.review_threshold)
    # Splink's query trees hold cycles, and through them its tables: free them now, before the
    # rest of the phase (with the collector paused) ends and the run freezes what is alive.
    gc.collect()
    ruled = rule_pairs(basis.records, config.rules, None if every else dirty)
    if memo:
        memo.basis = _kept(basis, started)
        memo.refresh = None  # one being read began before this: older than this one
    return Compared(props, current, stored, records, digests, dirty, scored, ruled, True, trained,
                    basis.model.model_id if basis.model else "", basis.placeholders.describe()[:20])


def _read_basis(store: Store, config: ResolveConfig, memo: RecordMemo) -> tuple[KeptBasis, set[str], set[str]]:
    """A basis read anew (``memo.Refresh``, on its own thread): every record, the placeholders,
    features and term frequencies they give, with the stored model; the records read; and those
    whose digest under the new context differs from the one they were resolved with."""
    started = time.monotonic()
    props, current, ids, raw = _read_records(store, memo)
    basis, _ = score_basis(store, raw, config, train=False, may_train=False)
    with collector_paused():
        context = basis.context()
        dirty = {i for i in ids
                 if current[i] is None or props[i].get("resolved") != memo.digest(i, props[i], context[i])}
        kept = _kept(basis, started)
    return kept, set(ids), dirty


def _read_records(store: Store, memo: RecordMemo | None) -> tuple[dict[str, dict[str, Any]], dict[str, Any],
                                                                   list[str], list[MatchRecord]]:
    """Every record: its properties and customer by id, the ids in order, and each comparable record."""
    # A map, a record and an id each, no cycles: 2.7 s at 100,000 records instead of 5.0 for the
    # records alone; at 1,000,000 the maps and ids cost about 7 s of collections more.
    with collector_paused():
        rows = store.run(named_query("identity_records"))
        props = {str(row["props"]["identity_id"]): row["props"] for row in rows}
        current = {str(row["props"]["identity_id"]): row["customer_id"] for row in rows}
        ids = sorted(props)
        raw = [memo.record(i, props[i]) for i in ids] if memo else [match_record(props[i]) for i in ids]
        forget_name_forms()
    return props, current, ids, raw


def _kept(basis: Basis, started: float) -> KeptBasis:
    """The basis kept for runs over changed records, read from ``started`` (``time.monotonic``) on."""
    return KeptBasis({record.identity_id: record for record in basis.records}, basis.table, basis.placeholders,
                     basis.model, basis.frequencies, basis.bands(), started, time.monotonic() - started)


def _basis_taken(store: Store, config: ResolveConfig, memo: RecordMemo, changed: set[str]) -> tuple[set[str], bool]:
    """The records a run over changed records takes, and whether it takes a basis read anew.

    When one is ready it replaces the kept basis, and the run takes, with ``changed``, the records
    runs changed while it was read and those its context leaves dirty. Otherwise, when the kept
    basis has aged and none is being read, reading one begins, and this run and those after it
    go on with the aged one until it is ready. One that failed is logged and a whole run made."""
    refresh = memo.refresh
    if refresh is not None and refresh.made.done():
        memo.refresh = None
        try:
            basis, read, dirty = refresh.made.result()
        except Exception:
            log.warning("reading the match basis anew failed; resolving every record instead", exc_info=True)
            memo.basis = None
            return changed, False
        memo.basis = basis
        memo.keep_only(read | refresh.changed | changed)
        log.debug("took a match basis read anew in %.2f s: %d records, %d dirty, %d changed meanwhile",
                  basis.whole_s, len(read), len(dirty), len(refresh.changed))
        return changed | refresh.changed | dirty, True
    if refresh is not None:
        refresh.changed |= changed
    elif memo.basis is not None and memo.basis.aged():
        memo.refresh = Refresh.begun(functools.partial(_read_basis, store, config, memo))
        memo.refresh.changed |= changed  # this run writes them while the basis is read
    return changed, False


def _links(compared: Compared, config: ResolveConfig) -> tuple[dict[tuple[str, str], Link],
                                                                  dict[tuple[str, str], Link], set[tuple[str, str]]]:
    """The links (pair → link) clustering goes by, the pairs for review, and the pairs people
    decided on: scored pairs by the thresholds, ruled and confirmed pairs always, and the stored
    links between records that did not change, as they are."""
    props, dirty, stored = compared.props, compared.dirty, compared.stored
    links: dict[tuple[str, str], Link] = {}
    review: dict[tuple[str, str], Link] = {}
    for found in compared.scored:
        link = Link(found.a, found.b, "probabilistic", found.probability, found.evidence)
        (links if found.probability >= config.link_threshold else review)[(found.a, found.b)] = link
    for pair, (rule, evidence) in compared.ruled.items():
        links[pair] = Link(pair[0], pair[1], rule, 1.0, evidence)
        review.pop(pair, None)
    decided = set(stored["NOT_SAME_AS"]) | set(stored["CONFIRMED_SAME_AS"])
    review = {pair: link for pair, link in review.items() if pair not in decided}  # answered already
    for pair, decision in stored["CONFIRMED_SAME_AS"].items():  # a person said so: a rule, always
        if pair[0] in props and pair[1] in props and pair not in stored["NOT_SAME_AS"]:
            links[pair] = Link(pair[0], pair[1], "confirmed", 1.0,
                               (f"confirmed by {decision.get('by')}: {decision.get('reason') or 'no reason given'}",))
    for pair, old in stored["SAME_AS"].items():  # links between clean records stay as they are
        if pair[0] not in dirty and pair[1] not in dirty and pair[0] in props and pair[1] in props:
            links.setdefault(pair, Link(pair[0], pair[1], str(old.get("rule")), float(old.get("score") or 0.0),
                                        tuple(old.get("evidence") or ())))
    return links, review, decided


def _to_recluster(links: Mapping[tuple[str, str], Link], current: Mapping[str, str | None],
                  dirty: set[str]) -> set[str]:
    """The members to re-cluster: the components (over ``links``) holding a ``dirty`` record,
    closed over their ``current`` customers, so that a record leaving a customer re-clusters the
    rest of it."""
    if dirty.issuperset(current):  # a first or full run: every record, without walking a million links
        return set(current)
    neighbours: dict[str, list[str]] = {}
    for first, second in links:
        neighbours.setdefault(first, []).append(second)
        neighbours.setdefault(second, []).append(first)
    by_customer: dict[str, list[str]] = {}
    for identity, customer in current.items():
        if customer is not None:
            by_customer.setdefault(customer, []).append(identity)
    affected: set[str] = set()
    reached: set[str] = set()  # customers whose members are in the frontier already
    frontier = list(dirty)
    while frontier:
        identity = frontier.pop()
        if identity in affected:
            continue
        affected.add(identity)
        frontier += neighbours.get(identity, ())
        customer = current[identity]
        if customer is not None and customer not in reached:
            reached.add(customer)
            frontier += by_customer[customer]
    return affected


def resolve(store: Store, config: ResolveConfig, full: bool = False, say: Progress | None = None,
            train: bool = False, may_train: bool = True, catch_up: bool = True,
            memo: RecordMemo | None = None, changed: set[str] | None = None,
            meanwhile: Meanwhile | None = None) -> ResolveReport:
    """``may_train=False``: score with the stored model (or by the rules alone without one) even
    when the store has grown past ``retrain_growth``; live events settle so, never pausing to train.
    ``catch_up=False``: skip the whole-graph search for customers whose journeys lag their
    records' touchpoints, for a caller that rebuilds those customers itself (settling events).
    ``memo``: what earlier runs of this process derived from records that have not changed since
    (a caller that resolves every few seconds; a one-off run keeps nothing, which saves memory).
    ``changed``: the records the caller knows changed since its last run (those its live events
    wrote). With a memo that holds a recent whole run's basis (``KeptBasis``), the run reads and
    compares only these and the records they can move (``scoped.compare_changed``).
    ``meanwhile``: called after the clustering, between slices of the derived relationships'
    rebuild and after it, with the customers this run has rebuilt and those it has yet to; the
    caller may rebuild customers there, and names those yet to be rebuilt that it wants next (an
    event of theirs came: the run rebuilds them in its next slices, not in their turn). Why: a
    records pass of the events settler takes seconds, and an event that came as it began would
    otherwise wait for all of it."""
    with settled_objects() as settle:
        return _resolve(store, config, full, say, train, settle, may_train, catch_up, memo, changed,
                        meanwhile or _nothing)


def _nothing(resolved: Collection[str], pending: Collection[str]) -> Collection[str]:
    """No caller waits between a run's steps."""
    return ()


def _resolve(store: Store, config: ResolveConfig, full: bool, say: Progress | None, train: bool,
             settle: Callable[[], None], may_train: bool, catch_up: bool, memo: RecordMemo | None,
             changed: set[str] | None, meanwhile: Meanwhile) -> ResolveReport:
    report = ResolveReport()
    clock = time.perf_counter()

    def phase(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        report.seconds[name] = round(now - clock, 3)
        clock = now
        if say:
            say(f"{name}: {report.seconds[name]:.1f} s")
        settle()  # what the phase made lives to the end of the run

    compared = None
    refreshed = False  # this run took a basis read anew: co-purchases are counted again, as a whole run does
    if changed is not None and memo is not None and not (full or train or catch_up):
        changed, refreshed = _basis_taken(store, config, memo, changed)
        compared = compare_changed(store, config, memo, changed)
    if compared is None:
        compared = _compare_everything(store, config, full, say, train, may_train, memo, phase)
    props, current, stored, dirty = compared.props, compared.current, compared.stored, compared.dirty
    report.trained, report.model_id, report.placeholders = compared.trained, compared.model_id, compared.placeholders
    joins = compared.joins  # bare visitors' records that join a customer as it is (scoped.py)
    report.records, report.dirty, report.scoped = len(props), len(dirty) + len(joins), not compared.whole
    report.joined = len(joins)
    report.compared = len(compared.scored) + len(compared.ruled)
    if not compared.whole:
        phase("read changed")
    with collector_paused():  # a link per scored or ruled pair (a million at 1,000,000 records), no cycles
        links, review, decided = _links(compared, config)
    phase("compare")

    # Lists, sets and clusters per record, none in a cycle, built without the collector's walks.
    with collector_paused():
        affected = _to_recluster(links, current, dirty)
        apart = [pair for pair in stored["NOT_SAME_AS"] if pair[0] in affected]
        clustering = clusters(affected, [link for pair, link in links.items() if pair[0] in affected],
                              apart, config, TraitsOf(compared.records))
    groups = clustering.groups
    for held in clustering.held:
        pair = (held.link.a, held.link.b)
        if pair not in decided:
            review[pair] = Link(pair[0], pair[1], held.link.rule, held.link.score,
                                (*held.link.evidence, f"{HELD}{held.reason}"))
    report.held = len(clustering.held)
    report.clusters = len(groups)
    phase("cluster")
    meanwhile((), ())  # nothing is written yet: what is rebuilt here and by this run is rebuilt again after

    # Golden customers, memberships and links: a dict or row per customer, record and link, none in
    # a cycle, built and written without the collector's walks.
    with collector_paused():
        assignment = {identity: customer_id(group) for group in groups for identity in group}
        customers = [{"customer_id": assignment[group[0]], **golden([props[i] for i in group])} for group in groups]
        # In key order: what follows visits customers in that order (the derived relationships,
        # scores), and a store that appends them so keeps its rows and index in that order too.
        customers.sort(key=itemgetter("customer_id"))
        store.upsert_nodes("Customer", customers)
        # A customer that visitors joined as it is (scoped.py) keeps its golden attributes (a bare
        # visitor's record has none); only its count of records grows.
        grown = Counter(join.customer for join in joins.values() if not join.already)
        if grown:
            joined = store.get_nodes("Customer", sorted(grown))
            store.set_properties("Customer", [
                {"customer_id": customer, "identities": int(joined.get(customer, {}).get("identities") or 0) + n}
                for customer, n in sorted(grown.items())])
        report.customers_written = len(customers)
        phase("write customers")
        assignment.update((i, join.customer) for i, join in joins.items())
        store.upsert_relationships("RESOLVES_TO", [RelationshipRow(i, assignment[i])
                                                   for i in sorted(affected | joins.keys())],
                                   replace_from=sorted(affected | joins.keys()))
        phase("write memberships")
        touched_links = sorted([*(link for pair, link in links.items() if pair[0] in dirty or pair[1] in dirty),
                                *(Link(*join.pair, join.rule, 1.0, join.evidence) for join in joins.values())],
                               key=lambda link: (link.a, link.b))
        store.upsert_relationships(
            "SAME_AS", [RelationshipRow(link.a, link.b, {"rule": link.rule, "score": link.score,
                                                         "evidence": list(link.evidence)}) for link in touched_links],
            replace_from=sorted(dirty | joins.keys()), replace_to=sorted(dirty | joins.keys()))
        # The review queue of every re-clustered record is written whole: pairs scored this run,
        # links the caps hold, and earlier pairs that neither touch a changed record nor were held.
        for pair, props_ in stored["POSSIBLY_SAME_AS"].items():
            if (pair[0] in affected and pair[0] not in dirty and pair[1] not in dirty and pair not in decided
                    and not any(str(line).startswith(HELD) for line in props_.get("evidence") or ())):
                review.setdefault(pair, Link(pair[0], pair[1], "probabilistic", float(props_.get("score") or 0.0),
                                             tuple(props_.get("evidence") or ())))
        store.upsert_relationships(
            "POSSIBLY_SAME_AS", [RelationshipRow(link.a, link.b, {"score": link.score, "evidence": list(link.evidence)})
                                 for _, link in sorted(review.items())],
            replace_from=sorted(affected | dirty | joins.keys()), replace_to=sorted(dirty | joins.keys()))
        report.links, report.review = len(touched_links), len(review)
        phase("write links")
    # Sets of ids, and rows per customer, touchpoint and record to write: no cycles either.
    with collector_paused():
        old_customers = {current[i] for i in affected if current[i] is not None} | {
            join.leaves for join in joins.values() if join.leaves is not None}
        new_customers = {customer["customer_id"] for customer in customers}
        # Every customer after the run: known when the run read every record.
        customers_after = set(assignment.values()) | {c for i, c in current.items()
                                                      if c is not None and i not in affected}
        # Live events' records (``changed``) mostly join a visitor's records to a customer, whose
        # journey grows by the visitor's touchpoints: their links hold (see Store.rebuild_derived).
        # The customers that records left are rebuilt first, in calls of their own: one that gains
        # their touchpoints must link them after the NEXT links between them are deleted, not
        # before (a rebuild in a later chunk would delete what the gaining customer linked).
        losers = {current[i] for i in affected if current[i] is not None and assignment[i] != current[i]} | {
            join.leaves for join in joins.values() if join.leaves is not None}
        gainers = old_customers | new_customers | {join.customer for join in joins.values()}
        edits = store.rebuild_derived(sorted(losers), links_hold=changed is not None)
        rest = sorted(gainers - losers)
        size = MEANWHILE_SLICE if meanwhile is not _nothing else max(1, len(rest))  # a whole run: one call
        done = set(losers)
        while rest:
            edits |= store.rebuild_derived(rest[:size], links_hold=changed is not None)
            done.update(rest[:size])
            rest = rest[size:]
            sooner = set(meanwhile(done, rest))
            rest = [c for c in rest if c in sooner] + [c for c in rest if c not in sooner]
        report.journey_edits = {str(customer): edit for customer, edit in edits.items()}
        # Touchpoints loaded for records that did not change leave their customer's HAD / NEXT /
        # BOUGHT behind; the consistency query finds those customers (a whole-graph query, needless
        # when this run has just rebuilt every customer, as a first or full run does).
        behind = [] if customers_after <= new_customers or not catch_up or not compared.whole else sorted(
            {str(row["customer_id"]) for row in store.run(named_query("derived_mismatches"))})
        store.rebuild_derived(behind)
        report.customers_caught_up = len(behind)
        phase("derived relationships")
        meanwhile(losers | gainers | set(behind), ())
        # Co-purchase counts are a whole-graph pass: a run over changed records leaves them to the
        # next whole run or the next that takes a basis read anew (about a minute later in the
        # events settler; see memo.KEPT_BASIS_S).
        if (old_customers | new_customers or behind) and (compared.whole or refreshed):
            store.rebuild_affinity()
        phase("product affinity")
        report.customers_removed = store.delete_nodes("Customer", sorted(old_customers - new_customers))
        store.set_properties("Identity", [{"identity_id": i, "resolved": compared.digests[i]}
                                          for i in sorted(dirty | joins.keys())])
    if compared.whole:
        report.customers = len(customers_after)
        report.customer_ids = frozenset(customers_after)
    # With links that hold, a customer whose touchpoints stayed as they were (a record that changed
    # its e-mail, a visitor with no visits joining) was not rebuilt: only those the rebuild names.
    rebuilt = set(report.journey_edits) if changed is not None else old_customers | new_customers
    report.customers_changed = frozenset((old_customers - new_customers) | rebuilt | set(behind))
    phase("clean up")
    if compared.whole and memo is not None and memo.basis is not None:
        memo.basis.whole_s = sum(report.seconds.values())  # how long its basis may serve (KeptBasis.fresh)
    return report
