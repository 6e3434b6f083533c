"""Golden attributes: each from the most trusted, then most recent, record that has it.

Per attribute, not per record: the CRM may hold the best postal address while
only the web shop knows the current e-mail.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Sequence
from typing import Any

from custgraph.graph import VISITOR, normalise

__all__ = ["CONSENTS", "GOLDEN", "customer_id", "golden", "sources_of"]

GOLDEN = ("name", "given_name", "family_name", "name_kana", "email", "phone", "birth_date", "street", "city",
          "postal_code", "region", "country", "loyalty_id", "email_opt_in", "sms_opt_in")


_NORMALISED = ("name", "email", "phone")  # kept with their normalised forms, for search

# Consents a person can change by hand (``update_consents``): kept on each of their records as
# ``consent_<name>`` with ``consent_at`` / ``consent_by``, and golden from the latest such word.
CONSENTS = ("email_opt_in", "sms_opt_in")

# One encoder for every customer: json.dumps builds one per call, a third of the cost at 100k customers.
_SOURCES_JSON = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def customer_id(members: Sequence[str]) -> str:
    """Stable while the cluster keeps its smallest identity id (a merge keeps the id of that side),
    leaving out anonymous visitors' records when it has others: a visitor who signs in never
    renames the customer (sales tools keep customer ids, and a new id rebuilt the whole journey)."""
    first = min(members)
    if first.split(":", 1)[-1].startswith(VISITOR):
        first = min((member for member in members if not member.split(":", 1)[-1].startswith(VISITOR)), default=first)
    return "cust-" + hashlib.sha256(first.encode()).hexdigest()[:16]


def _rank(props: dict[str, Any]) -> tuple[int, str, str]:
    when = props.get("updated_at") or props.get("created_at")
    stamp = when.astimezone(dt.UTC).isoformat() if isinstance(when, dt.datetime) else ""
    return (int(props.get("trust") or 0), stamp, str(props["identity_id"]))


def golden(records: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The golden attributes of one cluster, with their normalised forms for search, and
    ``golden_sources``: which record each attribute came from (JSON text, see ``sources_of``)."""
    ordered = sorted(records, key=_rank, reverse=True) if len(records) > 1 else records
    result: dict[str, Any] = {}
    origin: dict[str, Any] = {}
    for attribute in GOLDEN:
        result[attribute] = None
        for record in ordered:  # a loop, not next() over a generator: half a million customers
            value = record.get(attribute)
            if value is not None and value != "":
                result[attribute] = value
                origin[attribute] = str(record["identity_id"])
                break
        else:
            record = None
        if attribute in _NORMALISED:
            result[f"{attribute}_norm"] = record.get(f"{attribute}_norm") if record else None
    stated: list[str] = []
    for attribute in CONSENTS:  # what the person told us through the API beats every source
        said = [r for r in records if r.get(f"consent_{attribute}") is not None]
        if said:
            latest = max(said, key=lambda r: (r["consent_at"], str(r["identity_id"])))
            result[attribute] = latest[f"consent_{attribute}"]
            origin[attribute] = str(latest["identity_id"])
            stated.append(attribute)
    if stated:
        origin["stated"] = stated
    # JSON text because a graph property cannot hold a map; Cypher reads it with apoc.convert.fromJsonMap.
    result["golden_sources"] = _SOURCES_JSON.encode(origin)
    if result["name"]:
        result["name"] = normalise.display_name(result["name"])
    result["name_norm"] = result["name_norm"] or (normalise.name(result["name"]) if result["name"] else None)
    result["identities"] = len(records)
    result["sources"] = sorted({str(r.get("source")) for r in records})
    return result


def sources_of(customer: dict[str, Any]) -> tuple[dict[str, str], frozenset[str]]:
    """A customer node's ``golden_sources``: attribute → the identity id it came from, and the
    consents that are the person's own word (taken through ``update_consents``) rather than a
    source's. Empty for a customer written before the sources were kept."""
    text = customer.get("golden_sources")
    origin = json.loads(text) if isinstance(text, str) and text else {}
    stated = frozenset(origin.pop("stated", ()))
    return {str(k): str(v) for k, v in origin.items()}, stated
