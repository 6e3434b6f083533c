"""The input contract: which files a source folder holds and which fields they carry.

A source is a folder named after its system (``crm/``, ``webshop/``...) holding
any of ``customers``, ``products``, ``channels``, ``reps`` and ``interactions``
as ``.csv``, ``.jsonl`` or ``.parquet``, and optionally ``mapping.toml``. The
README's "Input contract" section lists the same facts (tests/test_catalogue.py checks it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["ENTITIES", "FORMATS", "INTERACTION_TYPES", "Entity", "Field"]

FORMATS = (".csv", ".jsonl", ".parquet")

# Known touchpoint types; others are accepted when they are snake_case words.
INTERACTION_TYPES = (
    "web_visit", "add_to_cart", "purchase", "return", "support_ticket", "email_sent", "email_open",
    "email_click", "survey_response", "store_visit", "call", "chat", "app_session", "social_mention",
)
INTERACTION_TYPE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


@dataclass(frozen=True)
class Field:
    """A canonical field: ``kind`` is how it is parsed (see loaders.validate)."""

    name: str
    kind: str = "text"  # text | date | timestamp | number | integer | boolean | list | score | type
    required: bool = False
    refers_to: str | None = None  # entity whose key this field holds
    description: str = ""


@dataclass(frozen=True)
class Entity:
    name: str
    key: str
    fields: tuple[Field, ...]

    def field(self, name: str) -> Field | None:
        return next((f for f in self.fields if f.name == name), None)

    @property
    def required(self) -> list[str]:
        return [f.name for f in self.fields if f.required]


ENTITIES: dict[str, Entity] = {entity.name: entity for entity in (
    Entity("products", "sku", (
        Field("sku", required=True, description="product key, shared by every source"),
        Field("name"), Field("category"), Field("brand"),
        Field("price", "number"),
    )),
    Entity("channels", "channel_id", (
        Field("channel_id", required=True, description="channel key, shared by every source"),
        Field("name"), Field("kind", description="web, app, store, phone, email, social..."),
    )),
    Entity("reps", "rep_id", (
        Field("rep_id", required=True, description="representative key, shared by every source"),
        Field("name"), Field("team"), Field("region"),
    )),
    Entity("customers", "source_id", (
        Field("source_id", required=True, description="the customer's id in this source"),
        Field("name", description="full name as the source writes it"),
        Field("given_name"), Field("family_name"),
        Field("name_kana", description="reading in kana (Japanese names)"),
        Field("email"), Field("phone"),
        Field("birth_date", "date"),
        Field("street"), Field("city"), Field("postal_code"), Field("region"),
        Field("country", description="ISO 3166 alpha-2; also how national phone numbers are read"),
        Field("loyalty_id", description="a customer or loyalty number shared across systems"),
        Field("email_opt_in", "boolean"), Field("sms_opt_in", "boolean"),
        Field("created_at", "timestamp"), Field("updated_at", "timestamp"),
    )),
    Entity("interactions", "interaction_id", (
        Field("interaction_id", required=True, description="the touchpoint's id in this source"),
        Field("customer_id", required=True, refers_to="customers",
              description="source_id of the customer in the same source"),
        Field("type", "type", required=True, description="purchase, support_ticket, web_visit..."),
        Field("at", "timestamp", required=True),
        Field("channel_id", refers_to="channels"),
        Field("rep_id", refers_to="reps"),
        Field("sku", "list", refers_to="products", description="one sku, or several separated by |"),
        Field("amount", "number"), Field("quantity", "integer"),
        Field("score", "score", description="NPS 0-10 or CSAT 1-5 (see score_kind)"),
        Field("score_kind", description="nps or csat"),
        Field("sentiment", "number", description="-1 (negative) to 1 (positive)"),
        Field("text"),
        Field("campaign", description="the marketing campaign the touchpoint belongs to (attribution by campaign)"),
    )),
)}

# Order of loading: referenced entities first.
LOAD_ORDER = ("products", "channels", "reps", "customers", "interactions")
