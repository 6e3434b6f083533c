"""Consents changed by hand: a person's own word beats what any source system says.

Why on the records, not only on the golden customer: the customer node is
rewritten whenever its records are resolved again (and may get another id
after a merge); the records keep the statement with who took it and when, and
survivorship (``golden``) applies the latest one every time.
"""

from __future__ import annotations

import datetime as dt

from custgraph.errors import CustgraphError, UnknownCustomerError
from custgraph.graph import GraphBatch, Store, one_writer
from custgraph.queries import get as named_query
from custgraph.resolution import CONSENTS, golden

__all__ = ["update_consents"]


@one_writer("update consents")
def update_consents(store: Store, customer_id: str, changes: dict[str, bool], by: str) -> dict[str, bool | None]:
    """Record ``changes`` (consent name → given or withdrawn) on every record of the customer and
    update its golden attributes now; returns the customer's consents afterwards."""
    unknown = set(changes) - set(CONSENTS)
    if unknown:
        raise CustgraphError(f"unknown consent(s) {', '.join(sorted(unknown))}; known: {', '.join(CONSENTS)}")
    rows = store.run(named_query("customer_profile"), {"customer_id": customer_id})
    if not rows:
        raise UnknownCustomerError(customer_id)
    identities = [i["identity_id"] for i in rows[0]["identities"]]
    at = dt.datetime.now(dt.UTC).replace(microsecond=0)
    said = [{"identity_id": identity, "consent_at": at, "consent_by": by,
             **{f"consent_{name}": value for name, value in changes.items()}} for identity in identities]
    records = [{**(store.get_node("Identity", row["identity_id"]) or {}), **row} for row in said]
    after = golden(records)
    consents = {name: after[name] for name in CONSENTS}
    # One transaction: the records and the golden customer (and where its attributes came from) agree.
    store.write(GraphBatch(nodes=[("Identity", said), ("Customer", [{"customer_id": customer_id, **consents,
                                                                      "golden_sources": after["golden_sources"]}])]))
    return consents
