"""Right to erasure: a person's records and golden customer gone, their touchpoints anonymised.

What stays: each touchpoint's type, time, amount, quantity, scores and its
channel, rep and products, under a new random id and attached to no one, so
that funnels, product and channel figures keep their totals. What goes: every
identity (names, contacts, addresses, the source ids), the golden customer,
every link between them, the touchpoints' free text and their source ids.
Deleted nodes leave Neo4j's indexes and the embedded store's tables at once.

The source systems may still hold the person. Each erased record leaves an
``Erased`` node holding only a hash of its identity id (``graph/erased.py``), and
later loads skip that record's rows and its touchpoints' rows; erase the person
in the source systems too.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from custgraph.graph import RelationshipRow, Store
from custgraph.graph.erased import erased_key
from custgraph.queries import get as named_query

from .consents import UnknownCustomerError

__all__ = ["ErasureReport", "erase"]

KEPT = ("type", "at", "amount", "quantity", "score", "score_kind", "sentiment")


@dataclass(frozen=True)
class ErasureReport:
    customer_id: str
    identities: int
    interactions: int


def erase(store: Store, customer_id: str) -> ErasureReport:
    rows = store.run(named_query("customer_profile"), {"customer_id": customer_id})
    if not rows:
        raise UnknownCustomerError(customer_id)
    identities = [i["identity_id"] for i in rows[0]["identities"]]
    steps = store.run(named_query("journey"), {"customer_id": customer_id, "limit": 1_000_000})
    copies, via, handled, about = [], [], [], []
    for step in steps:
        new_id = f"erased:{uuid.uuid4().hex}"
        copies.append({"interaction_id": new_id, "erased": True, **{k: step[k] for k in KEPT}})
        if step["channel_id"] is not None:
            via.append(RelationshipRow(new_id, step["channel_id"]))
        if step["rep_id"] is not None:
            handled.append(RelationshipRow(new_id, step["rep_id"]))
        about += [RelationshipRow(new_id, sku) for sku in step["skus"]]
    # Copies first: a failure before the deletions leaves the person as they were plus unattached
    # anonymous touchpoints, never a person with touchpoints missing.
    store.upsert_nodes("Interaction", copies)
    store.upsert_relationships("VIA", via)
    store.upsert_relationships("HANDLED_BY", handled)
    store.upsert_relationships("ABOUT", about)
    # Remembered before the deletions: a failure in between leaves a person that later loads
    # skip and a second erase finishes.
    now = dt.datetime.now(dt.UTC)
    store.upsert_nodes("Erased", [{"erased_id": erased_key(identity), "erased_at": now} for identity in identities])
    store.delete_nodes("Interaction", [step["interaction_id"] for step in steps])
    store.delete_nodes("Identity", identities)
    store.delete_nodes("Customer", [customer_id])
    store.rebuild_affinity()
    return ErasureReport(customer_id, len(identities), len(steps))
