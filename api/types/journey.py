"""Journeys: touchpoints, how journeys begin and flow, funnels, and scores per touchpoint."""

from __future__ import annotations

import datetime as dt

import strawberry

from ..context import RequestContext
from ..masking import record_id
from ..rows import TouchpointRow

__all__ = ["FunnelStep", "JourneyVariant", "Touchpoint", "TouchpointScore", "Transition"]


@strawberry.type
class Touchpoint:
    id: str
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

    @staticmethod
    def of(row: TouchpointRow, context: RequestContext) -> Touchpoint:
        identity_id = record_id(context.caller, context.pseudonym_key, row["identity_id"])
        return Touchpoint(id=row["interaction_id"], at=row["at"], type=row["type"], source=row["source"],
                          identity_id=identity_id, channel_id=row["channel_id"], rep_id=row["rep_id"],
                          skus=row["skus"], amount=row["amount"], score=row["score"], score_kind=row["score_kind"],
                          sentiment=row["sentiment"])


@strawberry.type
class JourneyVariant:
    variant: list[str]
    customers: int
    converted: int
    conversion: float


@strawberry.type
class Transition:
    from_type: str
    to_type: str
    count: int
    median_hours: float


@strawberry.type
class FunnelStep:
    step: int
    type: str
    customers: int
    conversion: float
    drop_off: int
    median_hours: float | None = strawberry.field(
        description="time from step 1 to this step of those who reached it (lower median); at the last step, "
                    "the time to convert")


@strawberry.type
class TouchpointScore:
    month: str
    channel_id: str | None
    type: str | None
    nps_responses: int
    promoters: int = strawberry.field(description="NPS answers 9-10")
    passives: int = strawberry.field(description="NPS answers 7-8")
    detractors: int = strawberry.field(description="NPS answers 0-6")
    nps: float | None
    csat_responses: int
    csat: float | None
