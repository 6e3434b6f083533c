"""The rows of the catalogue queries the API reads, as types.

Why: a row from ``Store.run`` is a ``dict[str, Any]``; naming its columns here (from each
query's header in ``queries/NAME.cypher``) lets mypy check every field a resolver reads, and a
renamed column fails the type check instead of a request. ``as_rows`` is the one place a
query's rows are declared to have their columns.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, TypedDict, TypeVar, cast

__all__ = [
    "GoldenCustomer",
    "IdentityRow",
    "LinkRow",
    "NpsRow",
    "OfferPathRow",
    "OfferRow",
    "PathRow",
    "ProductRow",
    "ProfileRow",
    "ProspectRow",
    "RepRow",
    "TouchpointRow",
    "as_row",
    "as_rows",
]

RowType = TypeVar("RowType")


def as_rows(kind: type[RowType], rows: list[dict[str, Any]]) -> list[RowType]:
    """``rows`` as the query's declared row type (``kind`` names it; nothing is converted)."""
    return cast(list[RowType], rows)


def as_row(kind: type[RowType], row: dict[str, Any]) -> RowType:
    return cast(RowType, row)


class GoldenCustomer(TypedDict, total=False):
    """A Customer node: golden attributes and the scores of the last resolve."""

    name: str | None
    email: str | None
    phone: str | None
    birth_date: dt.date | str | None
    country: str | None
    city: str | None
    email_opt_in: bool | None
    sms_opt_in: bool | None
    sources: list[str] | None
    golden_sources: str | None
    scores_as_of: dt.datetime
    rfm_segment: str | None
    rfm_r: int
    rfm_f: int
    rfm_m: int
    rfm_recency_days: int
    rfm_frequency: int
    rfm_monetary: float
    churn_risk: float | None
    churn_recent: int
    churn_previous: int
    churn_nps_drop: float | None
    churn_unhappy_tickets: int
    predictions_as_of: dt.datetime
    purchase_propensity: float | None
    propensity_features: list[str] | None
    propensity_effects: list[float] | None
    propensity_categories: list[str] | None
    propensity_category_scores: list[float] | None
    category_features: list[str] | None
    category_effects: list[float] | None
    churn_probability: float | None
    churn_features: list[str] | None
    churn_effects: list[float] | None


class IdentityRow(TypedDict):
    identity_id: str
    source: str | None
    name: str | None
    email: str | None
    phone: str | None


class TypeCount(TypedDict):
    type: str
    count: int


class ChannelCount(TypedDict):
    channel_id: str
    count: int


class ProductRow(TypedDict):
    sku: str
    name: str | None
    category: str | None
    times: int | None
    amount: float | None
    last_at: dt.datetime | None


class RepRow(TypedDict):
    rep_id: str
    name: str | None
    team: str | None
    times: int | None


class NpsRow(TypedDict):
    score: float | None
    at: dt.datetime | None


class ProfileRow(TypedDict):
    """``customer_profile``."""

    customer: GoldenCustomer
    identities: list[IdentityRow]
    by_type: list[TypeCount]
    by_channel: list[ChannelCount]
    products: list[ProductRow]
    reps: list[RepRow]
    purchases: int | None
    revenue: float | None
    latest_nps: NpsRow | None


class LinkRow(TypedDict):
    """``customer_links``."""

    a: str
    b: str
    rule: str | None
    score: float | None
    evidence: list[str] | None


class TouchpointRow(TypedDict):
    """``journey``."""

    interaction_id: str
    at: dt.datetime
    type: str
    source: str | None
    identity_id: str | None
    channel_id: str | None
    rep_id: str | None
    skus: list[str]
    amount: float | None
    score: float | None
    score_kind: str | None
    sentiment: float | None


class PathNodeRow(TypedDict):
    label: str
    key: str | int


class PathLinkRow(TypedDict):
    type: str
    start: str | int
    end: str | int


class PathRow(TypedDict):
    nodes: list[PathNodeRow]
    relationships: list[PathLinkRow]


class ReasonRow(TypedDict):
    kind: str
    sku: str
    name: str | None
    signal: str | None
    category: str | None
    region: str | None
    customers: int
    buyers: int


class OfferRow(TypedDict):
    """``cross_sell``."""

    sku: str
    name: str | None
    category: str | None
    score: float
    because: list[ReasonRow]
    path: PathRow


class OfferPathRow(TypedDict):
    """``cross_sell_paths``."""

    via_sku: str
    other: str
    share: float
    nodes: list[PathNodeRow]
    relationships: list[PathLinkRow]


class ProspectRow(TypedDict):
    """``prospects_for_product``."""

    customer_id: str
    score: float
    via: list[str]
