"""Right to erasure: a person's records and golden customers gone, their touchpoints anonymised.

Who the person is: the golden customer named; every other customer holding a record that
the deterministic rules would tie to one of the person's records by what it carries (the
same e-mail address, or the same phone number with a family name in common; identity
resolution may have split the person, for instance over a mistyped birth date, which the
rules refuse to link across: 26 of 2,000 people in a sample were split), followed until no
new customer turns up; and the customers of any record ids the caller names (for splits
that no shared identifier shows). Stored links between customers are not followed: one
joins two customers only where a human said "different people" or where the chaining
guard refused a weak link, and neither is evidence enough to erase someone. More than
``MAX_CUSTOMERS`` customers is refused: an address shared that widely (``info@…``) is
not one person's, and the caller should name the records instead.

What stays: each touchpoint's type, time, amount, quantity, scores and its channel, rep
and products, under a new random id and attached to no one, so that funnels, product and
channel figures keep their totals. What goes: every identity (names, contacts, addresses,
the source ids), the golden customers, every link between them, the touchpoints' free text
and their source ids. The store is then told to forget the deleted bytes
(``Store.forget_deleted``: the embedded store overwrites freed pages and empties its
write-ahead log, so the files hold none of it when this returns).

The source systems may still hold the person. Each erased record leaves an ``Erased``
node holding only a keyed hash of its identity id (``graph/erased.py``), and later loads
skip that record's rows and its touchpoints' rows; erase the person in the sources too.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from custgraph.errors import ErasureScopeError, UnknownCustomerError
from custgraph.graph import KEY_NODE, ErasureKey, GraphBatch, RelationshipRow, Store, normalise, one_writer
from custgraph.queries import get as named_query
from custgraph.resolution import match_record

from .summaries import forget_customers

__all__ = ["MAX_CUSTOMERS", "ErasureReport", "erase", "person_customers"]

KEPT = ("type", "at", "amount", "quantity", "score", "score_kind", "sentiment")
MAX_CUSTOMERS = 20


@dataclass(frozen=True)
class ErasureReport:
    customer_id: str
    customers: tuple[str, ...]  # every golden customer erased, the one named first
    identities: int
    interactions: int


def _customer_of(store: Store, identity_id: str, number: int) -> str:
    rows = store.run(named_query("identity_pair"), {"a": identity_id, "b": identity_id})
    if not rows:
        raise ErasureScopeError(f"record {number} of the list is not in the store")
    if rows[0]["customer_a"] is None:
        raise ErasureScopeError(f"record {number} of the list is not resolved to a customer yet: run resolve first")
    return str(rows[0]["customer_a"])


def _email(value: str | None) -> str | None:
    """The canonical form of an e-mail address, or None for a value that is not one (``n/a``
    would otherwise be searched as part of a name)."""
    try:
        return normalise.email(value) if value else None
    except ValueError:
        return None


def person_customers(store: Store, customer_id: str, records: Sequence[str] = ()) -> dict[str, list[dict[str, str]]]:
    """The golden customers the person is spread over, each with its identities (the profile's
    ``identities`` rows), the named one first."""
    found: dict[str, list[dict[str, str]]] = {}
    todo = [customer_id, *(_customer_of(store, record, n) for n, record in enumerate(records, start=1))]
    searched: set[str] = set()
    while todo:
        current = todo.pop(0)
        if current in found:
            continue
        rows = store.run(named_query("customer_profile"), {"customer_id": current})
        if not rows:
            raise UnknownCustomerError(current)
        found[current] = rows[0]["identities"]
        if len(found) > MAX_CUSTOMERS:
            raise ErasureScopeError(f"the person's e-mail addresses and phone reach more than {MAX_CUSTOMERS} "
                                    "customers; name the records to erase instead")
        for identity in found[current]:
            email = _email(identity.get("email"))
            if email and email not in searched:
                searched.add(email)
                hits = store.run(named_query("search_customers"), {"text": email, "limit": MAX_CUSTOMERS + 1})
                todo += [hit["customer_id"] for hit in hits]
            todo += _same_phone_and_family(store, identity["identity_id"], searched)
    return found


def _same_phone_and_family(store: Store, identity_id: str, searched: set[str]) -> list[str]:
    """Customers with a record of the same phone number and a family name in common with this one
    (the deterministic rule's test; the phone alone may be a household's)."""
    props = store.get_node("Identity", identity_id)
    phone = (props or {}).get("phone_norm")
    if props is None or not phone or phone in searched:
        return []
    searched.add(phone)
    mine = match_record({**props, "identity_id": identity_id})
    hits = store.run(named_query("search_customers"), {"text": phone, "limit": MAX_CUSTOMERS + 1})
    found = []
    for hit in hits:
        for other in hit["matched"]:
            theirs = store.get_node("Identity", other)
            if theirs is not None and match_record({**theirs, "identity_id": other}).family & mine.family:
                found.append(hit["customer_id"])
                break
    return found


@one_writer("erase")
def erase(store: Store, customer_id: str, key: ErasureKey, records: Sequence[str] = ()) -> ErasureReport:
    customers = person_customers(store, customer_id, records)
    identities = [row["identity_id"] for members in customers.values() for row in members]
    steps = [step for customer in customers
             for step in store.run(named_query("journey"), {"customer_id": customer, "limit": 1_000_000})]
    copies, via, handled, about = [], [], [], []
    for step in steps:
        new_id = f"erased:{uuid.uuid4().hex}"
        copies.append({"interaction_id": new_id, "erased": True, **{k: step[k] for k in KEPT}})
        if step["channel_id"] is not None:
            via.append(RelationshipRow(new_id, step["channel_id"]))
        if step["rep_id"] is not None:
            handled.append(RelationshipRow(new_id, step["rep_id"]))
        about += [RelationshipRow(new_id, sku) for sku in step["skus"]]
    # One transaction: the anonymous copies, the tombstones (with the key's fingerprint, which
    # lets loads check their key) and the deletions land together or not at all.
    now = dt.datetime.now(dt.UTC)
    store.write(GraphBatch(
        nodes=[("Interaction", copies), ("Summary", forget_customers(store, customers)),
               ("Erased", [{"erased_id": KEY_NODE, "fingerprint": key.fingerprint},
                           *({"erased_id": key.tombstone(identity), "erased_at": now} for identity in identities)])],
        relationships=[("VIA", via), ("HANDLED_BY", handled), ("ABOUT", about)],
        delete_nodes={"Interaction": [step["interaction_id"] for step in steps], "Identity": identities,
                      "Customer": list(customers)},
    ))
    store.rebuild_affinity()  # derived product totals: a later resolve rebuilds them as well
    store.forget_deleted()
    return ErasureReport(customer_id, tuple(customers), len(identities), len(steps))
