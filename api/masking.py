"""What a reader may not see: contact data, and record ids that carry it.

Readers (the lowest role) get e-mail and phone masked, street, postcode and birth
date withheld, record ids replaced by pseudonyms, and may search by name only:
a search by an exact e-mail or phone would tell them that the person is a
customer, which is the very fact the masking hides.
"""

from __future__ import annotations

import hashlib
import hmac

from custgraph.graph import normalise

from .auth import Caller

__all__ = ["contact", "record_id", "searches_contact"]


def _mask_email(value: str) -> str:
    if "@" not in value:
        return "***"
    local, domain = value.split("@", 1)
    return f"{local[:1]}***@{domain}"


def contact(caller: Caller, kind: str, value: str | None) -> str | None:
    """Contact data for analysts and admins, masked for readers."""
    if caller.may("analyst") or value is None:
        return value
    if kind == "email":
        return _mask_email(value) if value else None
    if kind == "phone":
        return f"***{value[-2:]}" if value else None
    return None  # street, postcode, birth date: withheld


def record_id(caller: Caller, key: bytes, identity_id: str | None) -> str | None:
    """An identity record's id (``source:source_id``) for analysts; for readers the source and a
    pseudonym, since a source keyed by e-mail (``mailshop:someone@example.com``) puts the address
    in the id. The pseudonym is keyed by the serving process's secret, so it is the same id in
    every field and request of that process and cannot be turned back into the record's."""
    if identity_id is None or caller.may("analyst"):
        return identity_id
    source = identity_id.split(":", 1)[0] if ":" in identity_id else "record"
    digest = hmac.new(key, identity_id.encode(), hashlib.sha256).hexdigest()[:16]
    return f"{source}:~{digest}"


def searches_contact(text: str) -> bool:
    """Whether a customer search looks a person up by e-mail or phone rather than by name."""
    key = normalise.search_key(text)
    return "@" in key or key.startswith("+")
