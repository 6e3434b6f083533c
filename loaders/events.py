"""Live events (``POST /v1/events``, ``custgraph consume``): one JSON event → the rows a loaded
file would give, checked by the same contract.

The form is close to Segment's spec, so that a site or system already sending Segment,
RudderStack or PostHog-style events needs little change:

- ``type``: ``track`` (a touchpoint named by ``event``), ``page`` (a ``web_visit``) or
  ``identify`` (who the sender is: ``traits``);
- ``messageId``: unique per event; sending it again changes nothing;
- ``userId`` (the sender's id of a known customer) and/or ``anonymousId`` (a visitor not signed
  in); ``timestamp`` (ISO 8601, default: when it arrived);
- ``properties``: ``sku`` (or ``products``: [{``sku``}...]), ``amount`` (or ``revenue`` /
  ``total``), ``quantity``, ``channel``, ``rep``, ``score``, ``score_kind``, ``sentiment``,
  ``text``, ``campaign`` (else ``context.campaign.name``, Segment's UTM campaign); ``traits``
  (identify): the customers file's fields, in snake_case or Segment's names;
- ``context.source``: the source system, as in the loaded files (default: the key's name).

A known customer is the Identity ``SOURCE:USER_ID`` (the id a loaded export of that source gives
the same person); a visitor is ``SOURCE:anon:ANONYMOUS_ID``. ``identify`` with both writes
``known_as`` on the visitor's record, which resolution's ``identify`` rule links outright.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from custgraph.errors import RowRejectedError
from custgraph.graph import VISITOR, NodeRow

from .contract import ENTITIES
from .load import identity_node, interaction_node
from .mapping import SOURCE_NAME, SourceMapping
from .validate import RowParser

__all__ = ["EVENT_TYPES", "MAX_ID_CHARS", "EventRejected", "EventRows", "parse_event", "parse_events"]

EVENT_TYPES = ("track", "identify", "page")
MAX_ID_CHARS = 200
ANONYMOUS = VISITOR
_WORDS = re.compile(r"[^a-z0-9]+")
# Segment's e-commerce and common event names, as touchpoint types of the contract.
EVENT_NAMES = {"order_completed": "purchase", "product_added": "add_to_cart", "page_viewed": "web_visit",
               "email_opened": "email_open", "email_link_clicked": "email_click", "survey_answered": "survey_response",
               "ticket_created": "support_ticket"}
# Segment trait names → the customers file's fields (snake_case names are taken as they are).
TRAITS = {"firstName": "given_name", "first_name": "given_name", "lastName": "family_name",
          "last_name": "family_name", "birthday": "birth_date", "postalCode": "postal_code", "state": "region",
          "createdAt": "created_at", "loyaltyId": "loyalty_id", "nameKana": "name_kana",
          "emailOptIn": "email_opt_in", "smsOptIn": "sms_opt_in"}
ADDRESS = {"street": "street", "city": "city", "postalCode": "postal_code", "postal_code": "postal_code",
           "state": "region", "region": "region", "country": "country"}


class EventRejected(Exception):
    """An event that cannot be taken: ``field`` is its path in the event (``properties.amount``)."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


@dataclass(frozen=True)
class EventRows:
    """What one event writes: Identity records (the visitor's, the customer's), and for track and
    page one Interaction performed by the customer's record (else the visitor's)."""

    message_id: str
    source: str
    identities: tuple[NodeRow, ...]
    interaction: NodeRow | None
    performer: str | None
    channel_id: str | None
    rep_id: str | None
    skus: tuple[str, ...]


def _text_id(event: dict[str, Any], name: str) -> str | None:
    value = event.get(name)
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise EventRejected(name, "must be a string")
    text = str(value).strip()
    if len(text) > MAX_ID_CHARS:
        raise EventRejected(name, f"longer than {MAX_ID_CHARS} characters")
    return text or None


def _campaign(context: dict[str, Any]) -> Any:
    """Segment's ``context.campaign.name`` (the UTM campaign), when ``properties`` names none."""
    campaign = context.get("campaign")
    return campaign.get("name") if isinstance(campaign, dict) else campaign


def _object(event: dict[str, Any], name: str) -> dict[str, Any]:
    value = event.get(name)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise EventRejected(name, "must be an object")
    return value


def _touchpoint_type(event: dict[str, Any], kind: str) -> str:
    if kind == "page":
        return "web_visit"
    name = event.get("event")
    if not isinstance(name, str) or not name.strip():
        raise EventRejected("event", "a track event needs an event name (a touchpoint type, e.g. purchase)")
    word = _WORDS.sub("_", re.sub(r"([a-z])([A-Z])", r"\1_\2", name.strip()).lower()).strip("_")
    return EVENT_NAMES.get(word, word)


def _skus(properties: dict[str, Any]) -> Any:
    if "sku" in properties:
        return properties["sku"]
    products = properties.get("products")
    if products is None:
        return None
    if not isinstance(products, list) or not all(isinstance(p, dict) for p in products):
        raise EventRejected("properties.products", "must be a list of objects with a sku")
    return [p.get("sku") for p in products]


def _traits(traits: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """The customers file's fields the traits give, and each field's path in the event."""
    fields: dict[str, Any] = {}
    where: dict[str, str] = {}
    for name, value in traits.items():
        if name == "address" and isinstance(value, dict):
            for part, item in value.items():
                if part in ADDRESS:
                    fields[ADDRESS[part]], where[ADDRESS[part]] = item, f"traits.address.{part}"
        else:
            fields[TRAITS.get(name, name)], where[TRAITS.get(name, name)] = value, f"traits.{name}"
    return fields, where


class _Parsers:
    """The contract's row parsers per source, made once per batch (making one is half the cost
    of parsing an event; one per batch keeps their idea of "now" fresh)."""

    def __init__(self) -> None:
        self._made: dict[str, tuple[SourceMapping, RowParser, RowParser]] = {}

    def __call__(self, source: str) -> tuple[SourceMapping, RowParser, RowParser]:
        if source not in self._made:
            mapping = SourceMapping(name=source)
            self._made[source] = (mapping, RowParser(ENTITIES["customers"], mapping, whole_rows=True),
                                  RowParser(ENTITIES["interactions"], mapping, whole_rows=True))
        return self._made[source]


def parse_events(events: Sequence[Any], default_source: str) -> list[EventRows | EventRejected]:
    """Each event's rows, or the ``EventRejected`` that names its field."""
    parsers = _Parsers()
    parsed: list[EventRows | EventRejected] = []
    for event in events:
        try:
            parsed.append(parse_event(event, default_source, parsers=parsers))
        except EventRejected as bad:
            parsed.append(bad)
    return parsed


def parse_event(event: Any, default_source: str, now: dt.datetime | None = None,
                parsers: _Parsers | None = None) -> EventRows:
    """One event's rows, or ``EventRejected`` naming the field. ``default_source``: the source of
    events whose context names none (the sending key's name)."""
    if not isinstance(event, dict):
        raise EventRejected("(event)", "must be a JSON object")
    kind = event.get("type")
    if kind not in EVENT_TYPES:
        raise EventRejected("type", f"must be one of {', '.join(EVENT_TYPES)}")
    message_id = _text_id(event, "messageId")
    if message_id is None:
        raise EventRejected("messageId", "a value is required (unique per event: sending it again changes nothing)")
    user_id, anonymous_id = _text_id(event, "userId"), _text_id(event, "anonymousId")
    if user_id is None and anonymous_id is None:
        raise EventRejected("userId", "an event needs a userId or an anonymousId")
    context, properties = _object(event, "context"), _object(event, "properties")
    source = context.get("source", default_source)
    if not isinstance(source, str) or not SOURCE_NAME.match(source):
        raise EventRejected("context.source", "a source name: lower-case letters, digits, _ and - (at most 40)")
    mapping, customer_row, interaction_row = (parsers or _Parsers())(source)
    stamp = event.get("timestamp") or (now or dt.datetime.now(dt.UTC)).isoformat()
    known = f"{source}:{user_id}" if user_id else None
    visitor = f"{source}:{ANONYMOUS}{anonymous_id}" if anonymous_id else None
    notes: Counter[str] = Counter()
    identities: list[NodeRow] = []

    def identity(source_id: str, fields: dict[str, Any], where: dict[str, str]) -> NodeRow:
        raw = {"source_id": source_id, **fields}
        unknown = sorted(set(raw) - {f.name for f in ENTITIES["customers"].fields})
        if unknown:
            raise EventRejected(where.get(unknown[0], unknown[0]), "not a customer field of the input contract")
        try:
            row = customer_row(raw)
        except RowRejectedError as bad:
            raise EventRejected(where.get(bad.field, bad.field), bad.reason) from None
        node = identity_node(mapping, row, notes)
        # Only what the event says: a property set to null would erase what a loaded export holds,
        # and ``trust`` is the loaded source's rank (a record known only from events has none, so
        # survivorship prefers any loaded source's value, then the most recent).
        given = {name for name, value in row.items() if value is not None}
        props = {name: value for name, value in node.properties.items() if value is not None and (
            name in given or name in ("source", "name") or name.endswith("_norm"))}
        return NodeRow(node.key, props)

    if kind == "identify":
        traits = _object(event, "traits")
        if known is None:
            raise EventRejected("userId", "identify needs the userId the visitor signed in as")
        fields, where = _traits(traits)
        if fields and "updated_at" not in fields:  # what it says is as recent as the event
            fields["updated_at"], where["updated_at"] = stamp, "timestamp"
        identities.append(identity(str(user_id), fields, where))
    elif known is not None:
        identities.append(identity(str(user_id), {}, {}))
    if visitor is not None:
        node = identity(f"{ANONYMOUS}{anonymous_id}", {}, {})
        if kind == "identify":
            node = NodeRow(node.key, {**node.properties, "known_as": known})
        identities.append(node)
    if kind == "identify":
        return EventRows(message_id, source, tuple(identities), None, None, None, None, ())

    raw = {"interaction_id": message_id, "customer_id": user_id or f"{ANONYMOUS}{anonymous_id}",
           "type": _touchpoint_type(event, str(kind)), "at": stamp, "channel_id": properties.get("channel"),
           "rep_id": properties.get("rep"), "sku": _skus(properties),
           "amount": next((properties[k] for k in ("amount", "revenue", "total") if k in properties), None),
           "quantity": properties.get("quantity"), "score": properties.get("score"),
           "score_kind": properties.get("score_kind"), "sentiment": properties.get("sentiment"),
           "text": properties.get("text"), "campaign": properties.get("campaign", _campaign(context))}
    where = {"interaction_id": "messageId", "customer_id": "userId", "type": "event", "at": "timestamp",
             "channel_id": "properties.channel", "rep_id": "properties.rep", "sku": "properties.sku",
             "amount": "properties.amount", "quantity": "properties.quantity", "score": "properties.score",
             "score_kind": "properties.score_kind", "sentiment": "properties.sentiment", "text": "properties.text",
             "campaign": "properties.campaign" if "campaign" in properties else "context.campaign.name"}
    try:
        row = interaction_row(raw)
    except RowRejectedError as bad:
        raise EventRejected(where.get(bad.field, bad.field), bad.reason) from None
    if row["score_kind"] is not None and row["score_kind"].lower() not in ("nps", "csat"):
        raise EventRejected("properties.score_kind", "nps or csat")
    return EventRows(message_id, source, tuple(identities), interaction_node(source, row), known or visitor,
                     row["channel_id"], row["rep_id"], tuple(dict.fromkeys(row["sku"] or ())))
