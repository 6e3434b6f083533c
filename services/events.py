"""Live events: ``take_events`` writes a batch as one unit of work; ``settle_events`` then resolves
the records they wrote and rebuilds their customers' journeys.

Why two steps: taking must answer fast and be durable when it answers (the sender may forget
the events then), so it writes only what the events are. Settling reads the records around
them (resolution, derived links) and is redone whole if cut off: a batch of events is taken
once, but its settling may run again with no harm.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from typing import Any

from custgraph.graph import KEY_NODE, ErasureKey, JourneyEdit, NodeRow, RelationshipRow, Store, one_writer, typed_batch
from custgraph.loaders import (
    EventRejected,
    EventRows,
    parse_events,
    possible_tombstones,
    tombstone_functions,
    tombstone_keys,
)
from custgraph.queries import get as named_query
from custgraph.resolution import RecordMemo, ResolveConfig
from custgraph.resolution import resolve as resolve_identities

from .summaries import keep_settled_journeys

__all__ = ["MAX_EVENTS", "EventOutcome", "EventsTaken", "SettledPass", "settle_events", "take_events", "unsettled"]

MAX_EVENTS = 500  # per request or Kafka poll: a bigger batch is refused whole (HTTP 413)
# The Summary node that says when events were last taken and settled: a process killed between
# the two leaves taken_at ahead, and the next one to start settles everything (``unsettled``).
EVENTS = "events"
# The Summary node that lists the customers a pass left for a later one to keep (``keep=False``), so
# that a pass after a stop keeps them too: a catch-up resolve finds lagging relationships, not lagging
# kept journeys. Apart from EVENTS, which every request writes: a list of thousands stays off that write.
HANDED = "events:unkept"
log = logging.getLogger("custgraph.events")


@dataclass(frozen=True)
class EventOutcome:
    """What became of one event: ``accepted`` (written), ``duplicate`` (its messageId was taken
    before: nothing changed), ``ignored`` (its person was erased on request) or ``rejected``
    (``field`` and ``reason`` say why; nothing of it was written)."""

    message_id: str | None
    status: str
    field: str | None = None
    reason: str | None = None


@dataclass
class EventsTaken:
    outcomes: list[EventOutcome]
    records: set[str] = field(default_factory=set)  # Identity records new or changed: to resolve
    performers: set[str] = field(default_factory=set)  # records with new touchpoints: their journeys


def _message_id(event: Any) -> str | None:
    value = event.get("messageId") if isinstance(event, dict) else None
    return str(value) if isinstance(value, str | int) and not isinstance(value, bool) else None


def _unknown_reference(rows: EventRows, channels: set[Any], reps: set[Any], products: set[Any]) -> EventRejected | None:
    if rows.channel_id and rows.channel_id not in channels:
        return EventRejected("properties.channel", f"unknown channel {rows.channel_id!r}")
    if rows.rep_id and rows.rep_id not in reps:
        return EventRejected("properties.rep", f"unknown rep {rows.rep_id!r}")
    missing = [sku for sku in rows.skus if sku not in products]
    if missing:
        return EventRejected("properties.sku", f"unknown product {missing[0]!r}")
    return None


@one_writer("take events")
def take_events(store: Store, events: Sequence[Any], default_source: str,
                erasure_key: ErasureKey | None = None) -> EventsTaken:
    """Check every event and write the good ones in one transaction: when this returns, they are
    durable. A bad event is answered with its field and reason and never stops the others."""
    outcomes: list[EventOutcome | None] = [None] * len(events)
    parsed: dict[int, EventRows] = {}
    seen: set[tuple[str, str]] = set()
    for index, (event, rows) in enumerate(zip(events, parse_events(events, default_source), strict=True)):
        if isinstance(rows, EventRejected):
            outcomes[index] = EventOutcome(_message_id(event), "rejected", rows.field, rows.reason)
            continue
        if (rows.source, rows.message_id) in seen:
            outcomes[index] = EventOutcome(rows.message_id, "duplicate")
            continue
        seen.add((rows.source, rows.message_id))
        parsed[index] = rows
    records = {str(node.key) for r in parsed.values() for node in r.identities}
    tombstones = tombstone_keys(records, possible_tombstones(erasure_key))
    found = store.existing_keys_of({  # one round trip on Neo4j
        "Channel": {r.channel_id for r in parsed.values() if r.channel_id},
        "Rep": {r.rep_id for r in parsed.values() if r.rep_id},
        "Product": {sku for r in parsed.values() for sku in r.skus},
        "Erased": {*tombstones, KEY_NODE},
        "Interaction": {r.interaction.key for r in parsed.values() if r.interaction},
        "Identity": records})
    if KEY_NODE in found["Erased"]:  # erasures made with a key: this one must be it (or stop here)
        tombstone_functions(store, erasure_key)
    channels, reps, products = found["Channel"], found["Rep"], found["Product"]
    erased = {tombstones[str(key)] for key in found["Erased"] if key != KEY_NODE}
    taken_before, known = found["Interaction"], found["Identity"]

    identities: dict[str, dict[str, Any]] = {}
    interactions: list[NodeRow] = []
    performed, via, handled_by, about = [], [], [], []
    taken = EventsTaken([])
    for index, rows in parsed.items():
        unknown = _unknown_reference(rows, channels, reps, products)
        if unknown is not None:
            outcomes[index] = EventOutcome(rows.message_id, "rejected", unknown.field, unknown.reason)
            continue
        if any(str(node.key) in erased for node in rows.identities):
            outcomes[index] = EventOutcome(rows.message_id, "ignored", None, "the person was erased on request")
            continue
        if rows.interaction is not None and rows.interaction.key in taken_before:
            outcomes[index] = EventOutcome(rows.message_id, "duplicate")
            continue
        outcomes[index] = EventOutcome(rows.message_id, "accepted")
        for node in rows.identities:
            # A record known already, of which the event says no more than its source and source
            # id (its key), needs no writing: most events' only record is such.
            if node.key not in known or len(node.properties) > 2:
                identities.setdefault(str(node.key), {}).update(node.properties)
                taken.records.add(str(node.key))
        if rows.interaction is not None:
            key = rows.interaction.key
            interactions.append(rows.interaction)
            assert rows.performer is not None
            performed.append(RelationshipRow(rows.performer, key))
            taken.performers.add(rows.performer)
            if rows.channel_id:
                via.append(RelationshipRow(key, rows.channel_id))
            if rows.rep_id:
                handled_by.append(RelationshipRow(key, rows.rep_id))
            about += [RelationshipRow(key, sku) for sku in rows.skus]
    if identities or interactions:
        keys = [node.key for node in interactions]
        marker = NodeRow(EVENTS, {"taken_at": dt.datetime.now(dt.UTC)})
        nodes = [("Identity", [NodeRow(key, props) for key, props in identities.items()]),
                 ("Interaction", interactions), ("Summary", [marker])]
        store.write(typed_batch(
            [(label, rows) for label, rows in nodes if rows],
            [("PERFORMED", performed), ("VIA", via), ("HANDLED_BY", handled_by), ("ABOUT", about)],
            replace_from={"VIA": keys, "HANDLED_BY": keys, "ABOUT": keys}, replace_to={"PERFORMED": keys}))
    taken.outcomes = [outcome for outcome in outcomes if outcome is not None]
    assert len(taken.outcomes) == len(events)
    return taken


def unsettled(store: Store) -> bool:
    """Whether events were taken after the last settling ended (a process stopped in between)."""
    marker = store.get_node("Summary", EVENTS) or {}
    return marker.get("taken_at") is not None and (
        marker.get("settled_at") is None or marker["settled_at"] < marker["taken_at"])


@dataclass(frozen=True)
class SettledPass:
    """What one settling pass did: how many customers of performers it rebuilt, and the customers
    whose journeys changed but are left for a later pass to keep for the dashboard (``keep=False``)."""

    rebuilt: int
    unkept: frozenset[str] = frozenset()


# At most this share of a pass goes to rebuilding, between its steps, the journeys of events that
# came meanwhile: a busy customer is rebuilt each time, and on Neo4j under the bench's load (each
# known customer has an event a second) asking every second took 2.5-5 s of 10-12 s passes,
# whose length then grew with what they took.
MEANWHILE_SHARE = 0.3


class _Meanwhile:
    """The performers of events that came while a pass runs, taken (``more``) between its steps
    and their customers rebuilt there, so that such an event need not wait for the rest of the
    pass (a records pass took 3.4-6 s at the bench's rate, and an event that came as one began
    showed after it: the p99 of freshness). ``more`` decides how often it gives any, within
    ``MEANWHILE_SHARE`` of the pass. Called between a resolve's steps (``__call__``), it is told
    which customers the step rebuilt (``resolved``: a rebuild now comes after the resolve's) and
    which it has yet to (``pending``: those it leaves to the resolve, and names for its next
    slices). Called between the keeping's reads (``between``), it returns how journeys changed."""

    def __init__(self, store: Store, more: Callable[[], set[str]] | None) -> None:
        self.store = store
        self.more = more
        # How the journeys rebuilt here changed, in the order they were rebuilt: before the
        # resolve's rebuild of the customer (or without one), and after it.
        self.early: dict[str, JourneyEdit] = {}
        self.late: dict[str, JourneyEdit] = {}
        self.rebuilt: set[str] = set()
        self.seconds = 0.0
        self._began = time.perf_counter()
        self._busy = False

    def __call__(self, resolved: Collection[str], pending: Collection[str]) -> set[str]:
        """Returns the customers of ``pending`` with events that came: for the resolve's next slices
        (one late in its order waited for most of its rebuild: 6.5-7.6 s at the bench's rate)."""
        return self._rebuild(resolved, pending)[1]

    def between(self) -> dict[str, JourneyEdit]:
        return self._rebuild((), ())[0]

    def _rebuild(self, resolved: Collection[str], pending: Collection[str]) -> tuple[dict[str, JourneyEdit], set[str]]:
        done: dict[str, JourneyEdit] = {}
        if self.more is None or self._busy or \
                self.seconds > MEANWHILE_SHARE * (time.perf_counter() - self._began):
            return done, set()
        self._busy = True  # not again from within its own rebuild
        started = time.perf_counter()
        try:
            fresh = self.more()
            if not fresh:
                return done, set()
            rows = self.store.run(named_query("identity_customers"), {"ids": sorted(fresh)})
            customers = {str(row["customer_id"]) for row in rows if row["customer_id"]}
            left = customers & set(pending)
            customers -= left
            resolved = set(resolved)
            for customer, edit in self.store.rebuild_derived(sorted(customers), links_hold=True).items():
                edits = self.late if customer in resolved else self.early
                edits[str(customer)] = _then(edits.get(str(customer)), edit)
                done[str(customer)] = edit
            self.rebuilt |= customers
            return done, left
        finally:
            self._busy = False
            self.seconds += time.perf_counter() - started


@one_writer("settle events")
def settle_events(store: Store, config: ResolveConfig, records: set[str], performers: set[str],
                  everything: bool = False, settled: bool = True, memo: RecordMemo | None = None,
                  keep: bool = True, more: Callable[[], set[str]] | None = None) -> SettledPass:
    """Rebuild the journeys of the customers of ``performers``, resolve ``records`` (incrementally,
    with the stored match model: never pausing to train), and take the changed customers'
    journeys next to the kept ones (``keep_settled_journeys``) for the dashboard.

    The performers whose records did not change come first: their customers are known, and a
    touchpoint of theirs shows once their rebuild is written, not after the resolve (seconds on
    Neo4j). Those whose records changed wait for it, which may move them (and rebuilds the
    customers it changes). ``keep=False`` leaves the keeping (about 1 s per 1,000 customers on
    Neo4j) to a later pass: the customers are written in the store (``HANDED``), and the next pass
    that keeps keeps them with its own, once. The live-event server's records passes do so, so
    that the events waiting behind them wait less; the store, not the server's memory, holds them,
    so that a server stopped between the two passes has them kept after it starts again.
    ``everything``: catch up after a stop (an incremental resolve finds the changed records and
    the customers whose journeys lag). ``settled``: nothing else waits, so the store is marked
    settled up to what was taken when this began, if nothing is left unkept. Scores and the rest
    of the dashboard's summary wait for the next ``resolve``. ``memo``: one kept by the caller
    across its passes, so that a pass derives again only the records that changed
    (``RecordMemo``) and, while the basis it keeps is recent, reads only ``records`` and what
    they can move (``scoped.py``). ``more``: takes the performers of events that came since the
    pass began, or since it last asked (``_Meanwhile``): between a resolve's steps, and between
    the keeping's reads (``keep_settled_journeys``)."""
    marker = store.get_node("Summary", EVENTS) or {}
    seconds: dict[str, float] = {}  # logged at DEBUG: where a pass's time goes
    meanwhile = _Meanwhile(store, more)
    started = time.perf_counter()
    # A touchpoint or two more each. They waited longest: what came meanwhile waits for them
    # (rebuilt between their slices, it held them back 1-3 s on Neo4j).
    customers = _rebuilt(store, performers - records, set())
    seconds["journeys"] = time.perf_counter() - started
    changed: dict[str, JourneyEdit] = {}
    if records or everything:
        report = resolve_identities(store, config, may_train=False, catch_up=everything, memo=memo,
                                    changed=None if everything else records, meanwhile=meanwhile)
        changed = {customer: report.journey_edits.get(customer, WHOLE) for customer in report.customers_changed}
        seconds |= report.seconds
    after: dict[str, JourneyEdit | None] = {}
    if performers & records:
        started = time.perf_counter()
        after = _rebuilt(store, performers & records, changed.keys() | customers.keys())
        seconds["journeys after"] = time.perf_counter() - started
    node = store.get_node("Summary", HANDED) or {}  # perhaps handed by a stopped process
    since = node.get("since") or [0] * len(node.get("customers") or ())
    handed = {customer: JourneyEdit(unchanged, had) for customer, unchanged, had in zip(
        node.get("customers") or (), since, node.get("had") or since, strict=True)}
    # Per customer, how its journey changed since it was last kept: the pass that handed it over,
    # then each part of this pass, in the order they ran, as one edit. ``meanwhile`` ran after the
    # first rebuild, before and after the resolve's (as it tells), and before the last rebuild,
    # whose customers the resolve did not rebuild.
    unkept: dict[str, JourneyEdit] = {}
    seconds["meanwhile"] = meanwhile.seconds
    for found in (handed, customers, meanwhile.early, changed, meanwhile.late, after):
        for customer, edit in found.items():
            if edit is not None:
                unkept[customer] = _then(unkept.get(customer), edit)
    if keep:
        started = time.perf_counter()
        # What is rebuilt between the keeping's reads is read with this pass's change if its
        # customer's turn is still to come, else left to the next pass to keep.
        unkept = keep_settled_journeys(store, unkept, between=meanwhile.between)
        seconds["keep journeys"] = time.perf_counter() - started - (meanwhile.seconds - seconds["meanwhile"])
        seconds["meanwhile"] = meanwhile.seconds
    log.debug("settling pass: %d records, %d customers changed by them (%d in part), %d of performers (%d grown), "
              "%d of performers meanwhile, %d handed over, %d left to keep; %s", len(records), len(changed),
              sum(1 for edit in changed.values() if edit.unchanged), len(customers.keys() | after.keys()),
              sum(1 for edit in (*customers.values(), *after.values()) if edit and edit.unchanged),
              len(meanwhile.rebuilt), len(handed), len(unkept),
              ", ".join(f"{name} {value:.2f} s" for name, value in seconds.items()))
    # Written after the keeping, in one transaction: a pass that fails before leaves them handed.
    marks = [{"summary_id": HANDED, "customers": sorted(unkept) or None,
              "since": [unkept[customer].unchanged for customer in sorted(unkept)] or None,
              "had": [unkept[customer].had for customer in sorted(unkept)] or None}] if unkept != handed else []
    if settled and not unkept and marker.get("taken_at") is not None:
        marks.append({"summary_id": EVENTS, "settled_at": marker["taken_at"]})
    if marks:
        store.upsert_nodes("Summary", marks)
    return SettledPass(len(customers.keys() | after.keys() | meanwhile.rebuilt), frozenset(unkept))


WHOLE = JourneyEdit(0, 0)  # a journey changed in a way not told: kept whole


def _then(first: JourneyEdit | None, then: JourneyEdit) -> JourneyEdit:
    return then if first is None else first.then(then)


def _rebuilt(store: Store, performers: set[str], done: Collection[str]) -> dict[str, JourneyEdit | None]:
    """Rebuild the derived relationships of the customers of ``performers`` but those ``done``
    (links unchanged: they gained touchpoints, not records); returns the customers of
    ``performers``, each with how its journey changed: None for those done and those whose
    journeys did not change. Those are many: a records pass rebuilds the customers it changes
    with the events that came while it ran, and about half of a journeys pass's customers were
    such at 2,000 persons (kept whole again before, a sixth of a million touchpoints a pass)."""
    if not performers:
        return {}
    rows = store.run(named_query("identity_customers"), {"ids": sorted(performers)})
    customers = {str(row["customer_id"]) for row in rows if row["customer_id"]}
    edits = store.rebuild_derived(sorted(customers - set(done)), links_hold=True)
    return {customer: None if customer in done else edits.get(customer) for customer in customers}
