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
class AttributionCredit:
    key: str = strawberry.field(description="the channel, touchpoint type or campaign; (direct): a conversion with "
                                            "no touchpoint in its lookback; (none): touchpoints without one")
    first_touch: float
    last_touch: float
    linear: float
    time_decay: float
    position_based: float
    markov: float = strawberry.field(description="removal effect in a first-order Markov chain of every path")
    shapley: float = strawberry.field(description="Shapley value of the key sets' conversion rates")


@strawberry.type
class Attribution:
    conversions: int
    paths: int = strawberry.field(description="converting and not")
    credits: list[AttributionCredit] = strawberry.field(
        description="each model's conversions per key; every model's credits sum to the conversions")


@strawberry.type
class CauseTouchpoint:
    type: str
    channel: str | None
    rep: str | None
    skus: list[str]
    sentiment: float | None
    at: dt.datetime


@strawberry.type
class CauseExample:
    customer_id: str
    answer_id: str | None = strawberry.field(description="the survey answer (null for a drop-off)")
    score: float | None
    at: dt.datetime = strawberry.field(description="of the answer, or of the step the customer stopped at")
    path: list[CauseTouchpoint] = strawberry.field(description="the touchpoints before it, in order")


@strawberry.type
class RootCause:
    kind: str = strawberry.field(description="rep, channel, product, touchpoint, support or segment")
    value: str
    cases: int = strawberry.field(description="answers (or customers at the step) that hold it")
    low: int = strawberry.field(description="of those, the low ones (the support count)")
    lift: float
    p_value: float = strawberry.field(description="one-sided Fisher exact test")
    q_value: float = strawberry.field(description="Benjamini-Hochberg over every candidate tested")
    examples: list[CauseExample]


@strawberry.type
class RootCauses:
    kind: str = strawberry.field(description="nps, csat, or drop-off after STEP")
    cases: int
    low: int
    tested: int = strawberry.field(description="candidates with at least minSupport cases")
    causes: list[RootCause] = strawberry.field(
        description="q <= alpha and lift above 1, lowest q first; the first `first` (default 20, at most 100)")


@strawberry.type
class RetentionCell:
    cohort: str = strawberry.field(description="the month (UTC) of the cohort's first purchase or touchpoint")
    months_since: int
    customers: int = strawberry.field(description="of the cohort, active that month")
    cohort_size: int
    rate: float


@strawberry.type
class LifecycleMonth:
    month: str
    new: int
    returning: int
    resurrecting: int
    dormant: int = strawberry.field(description="active the month before, not this one")
    active: int


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
