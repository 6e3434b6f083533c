"""The Query root: thin resolvers over the query catalogue."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Awaitable, Mapping
from typing import Any, TypeVar

import strawberry
from strawberry.types import Info

from custgraph.errors import ApiError, QueryParameterError
from custgraph.graph import Rows
from custgraph.services import RootCauses as FoundCauses
from custgraph.services import attribute, check_attribution, dropoff_causes, read_predictions, retention, score_causes

from .context import JOURNEY_CAP, OFFERS_CAP, RequestContext, run_query
from .masking import searches_contact
from .pagination import Connection, connection, page_of, page_size, start_of
from .rows import OfferPathRow, ProspectRow, as_rows
from .types.customer import Customer, LikelyBuyer, Prospect
from .types.journey import (
    Attribution,
    AttributionCredit,
    CauseExample,
    CauseTouchpoint,
    FunnelStep,
    JourneyVariant,
    LifecycleMonth,
    RetentionCell,
    RootCause,
    RootCauses,
    TouchpointScore,
    Transition,
)
from .types.offers import OfferPath, Outreach, OutreachChannel
from .types.predictions import PredictionModels

__all__ = ["Query"]

T = TypeVar("T")
PROSPECTS_CAP = 1000  # prospects a product's pages reach at most: the ranking's tail says little
# Fields of Customer served by the links loader, and by sized loaders (name, default first, cap).
LINK_FIELDS = {"links", "linksPage"}
SIZED_OF = {"journey": ("journey", 100, JOURNEY_CAP), "crossSell": ("cross_sell", 10, OFFERS_CAP)}
OTHER_FIELDS = {"id", "__typename"}  # need no loader


def _count(value: Any) -> int | None:
    """An argument as strawberry's selected fields give it: literals arrive as text (``"10"``)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


def _journey_page_size(arguments: Mapping[str, Any]) -> int | None:
    """How many touchpoints a ``journeyPage`` selection fetches, or None when its arguments are
    not ones it would serve (the field itself then says what is wrong)."""
    first = _count(arguments.get("first", 20))
    after = arguments.get("after")
    try:
        return start_of(after if isinstance(after, str) else None) + page_size(first or 0) + 1
    except ApiError:
        return None


def _check_start(start: str) -> None:
    if start not in ("purchase", "touch"):
        raise ApiError("start must be purchase or touch")


def _root_causes(found: FoundCauses, first: int) -> RootCauses:
    """The ``first`` causes (the strongest), with their examples and paths."""
    return RootCauses(kind=found.kind, cases=found.cases, low=found.low, tested=found.tested, causes=[
        RootCause(kind=cause.kind, value=cause.value, cases=cause.cases, low=cause.low, lift=cause.lift,
                  p_value=cause.p_value, q_value=cause.q_value, examples=[
                      CauseExample(customer_id=example.customer_id, answer_id=example.answer_id, score=example.score,
                                   at=example.at,
                                   path=[CauseTouchpoint(type=step["type"], channel=step["channel"], rep=step["rep"],
                                                         skus=list(step["skus"]), sentiment=step["sentiment"],
                                                         at=step["at"])
                                         for step in example.path])
                      for example in cause.examples])
        for cause in found.causes[:first]])


def _rows_to(kind: type[T], rows: Rows) -> list[T]:
    return [kind(**row) for row in rows]


@strawberry.type
class Query:
    @strawberry.field(description="one golden customer by id")
    async def customer(self, info: Info[RequestContext, None], id: str) -> Customer | None:
        # Every batched loader also says whether the customer exists, so the loads of the fields
        # asked for start here, at once: one round trip each, overlapping, and none extra.
        context = info.context
        starts: list[Awaitable[Rows | None]] = []
        profile = False
        for selected in info.selected_fields:
            for field in selected.selections:
                name = getattr(field, "name", None)
                arguments: Mapping[str, Any] = getattr(field, "arguments", {})
                if name in LINK_FIELDS:
                    starts.append(context.loaders["links"].load(id))
                elif name in SIZED_OF:
                    loader, default, cap = SIZED_OF[name]
                    first = _count(arguments.get("first", default))
                    if first is not None and 0 < first <= cap:
                        starts.append(context.sized[loader].load((id, first)))
                elif name == "journeyPage":
                    fetched = _journey_page_size(arguments)
                    if fetched is not None:
                        starts.append(context.sized["journey"].load((id, fetched)))
                elif name not in OTHER_FIELDS:
                    profile = True
        if profile or not starts:
            starts.append(context.loaders["profile"].load(id))
        found = await asyncio.gather(*starts)
        return Customer(id=id) if any(rows is not None for rows in found) else None

    @strawberry.field(description="customers by e-mail, +phone or part of a name (any script, width, case)")
    async def customers(self, info: Info[RequestContext, None], search: str, first: int = 20,
                        after: str | None = None) -> Connection[Customer]:
        context = info.context
        if not context.caller.may("analyst") and searches_contact(search):
            raise ApiError("searching by e-mail or phone needs an analyst or admin key; readers search by name")
        start = start_of(after)
        rows = await run_query(context.store, "search_customers",
                               {"text": search, "limit": start + page_size(first) + 1})
        return connection(rows[start:], start, first, lambda row: Customer(id=row["customer_id"]))

    @strawberry.field(description="paths customer → product X ← another customer → the product")
    async def cross_sell_paths(self, info: Info[RequestContext, None], customer_id: str, sku: str,
                               first: int = 5) -> list[OfferPath]:
        rows = await run_query(info.context.store, "cross_sell_paths",
                               {"customer_id": customer_id, "sku": sku, "first": page_size(first, 20)})
        return [OfferPath.of(row) for row in as_rows(OfferPathRow, rows)]

    @strawberry.field(description="customers most likely to buy a product they do not own; with a channel, only "
                                  "those who consented to it (outreach says how many were left out)")
    async def prospects(self, info: Info[RequestContext, None], sku: str, first: int = 20,
                        channel: OutreachChannel | None = None) -> list[Prospect]:
        rows = await run_query(info.context.store, "prospects_for_product",
                               {"sku": sku, "k": page_size(first), "channel": channel and channel.value})
        return [Prospect(customer=Customer(id=r["customer_id"]), score=r["score"], via=r["via"])
                for r in as_rows(ProspectRow, rows)]

    @strawberry.field(description="how many of a product's prospects (sku), or of a category's likely buyers "
                                  "(category), an outreach on the channel may reach, and how many it leaves out "
                                  "for want of consent (null for an unknown product)")
    async def outreach(self, info: Info[RequestContext, None], channel: OutreachChannel, sku: str | None = None,
                       category: str | None = None) -> Outreach | None:
        if (sku is None) == (category is None):
            raise ApiError("outreach takes either sku or category, not both")
        rows = await run_query(info.context.store, "prospects_consent", {"sku": sku, "channel": channel.value}) \
            if sku is not None else await run_query(info.context.store, "likely_buyers_consent",
                                                    {"category": category, "channel": channel.value})
        return Outreach(channel=channel, prospects=rows[0]["prospects"], reachable=rows[0]["reachable"],
                        left_out=rows[0]["left_out"]) if rows else None

    @strawberry.field(description=f"customers most likely to buy a product they do not own, a page at a time "
                                  f"(best first; the first {PROSPECTS_CAP})")
    async def prospects_page(self, info: Info[RequestContext, None], sku: str, first: int = 20,
                             after: str | None = None, channel: OutreachChannel | None = None) -> Connection[Prospect]:
        start = start_of(after)
        fetched = min(start + page_size(first) + 1, PROSPECTS_CAP)
        rows = as_rows(ProspectRow, await run_query(info.context.store, "prospects_for_product",
                                                    {"sku": sku, "k": fetched, "channel": channel and channel.value}))
        return connection(rows[start:], start, first,
                          lambda r: Prospect(customer=Customer(id=r["customer_id"]), score=r["score"], via=r["via"]))

    @strawberry.field(description="how the last resolve trained and checked the propensity and churn models "
                                  "(null before the first resolve)")
    async def prediction_models(self, info: Info[RequestContext, None]) -> PredictionModels | None:
        report = await asyncio.to_thread(read_predictions, info.context.store)
        return None if report is None else PredictionModels.of(report)

    @strawberry.field(description="the customers likeliest to buy in a category in the next 90 days (among those "
                                  "whose three likeliest categories include it), likeliest first")
    async def likely_buyers(self, info: Info[RequestContext, None], category: str, first: int = 20,
                            channel: OutreachChannel | None = None) -> list[LikelyBuyer]:
        rows = await run_query(info.context.store, "likely_buyers", {"category": category, "limit": page_size(first),
                                                                     "channel": channel and channel.value})
        return [LikelyBuyer(customer=Customer(id=r["customer_id"]), probability=r["probability"]) for r in rows]

    @strawberry.field(description=f"the customers likeliest to buy in a category, a page at a time (likeliest "
                                  f"first; the first {PROSPECTS_CAP})")
    async def likely_buyers_page(self, info: Info[RequestContext, None], category: str, first: int = 20,
                                 after: str | None = None,
                                 channel: OutreachChannel | None = None) -> Connection[LikelyBuyer]:
        start = start_of(after)
        fetched = min(start + page_size(first) + 1, PROSPECTS_CAP)
        rows = await run_query(info.context.store, "likely_buyers", {"category": category, "limit": fetched,
                                                                     "channel": channel and channel.value})
        return connection(rows[start:], start, first, lambda r: LikelyBuyer(customer=Customer(id=r["customer_id"]),
                                                                           probability=r["probability"]))

    @strawberry.field(description="the most common journey openings with conversion")
    async def journey_variants(self, info: Info[RequestContext, None], steps: int = 4,
                               first: int = 20) -> list[JourneyVariant]:
        if not 1 <= steps <= 10:
            raise ApiError("steps must be between 1 and 10")
        rows = await run_query(info.context.store, "journey_variants", {"steps": steps, "limit": page_size(first)})
        return _rows_to(JourneyVariant, rows)

    @strawberry.field(description="directly-follows counts between touchpoint types")
    async def transitions(self, info: Info[RequestContext, None], min_count: int = 1) -> list[Transition]:
        return _rows_to(Transition, await run_query(info.context.store, "transitions", {"min_count": min_count}))

    @strawberry.field(description="customers reaching each step in order, with conversion and drop-off")
    async def funnel(self, info: Info[RequestContext, None], steps: list[str],
                     window_days: int | None = None) -> list[FunnelStep]:
        if not 1 <= len(steps) <= 20:
            raise ApiError("give between 1 and 20 steps")
        if window_days is not None and window_days < 1:
            raise ApiError("windowDays must be at least 1")
        return _rows_to(FunnelStep, await run_query(info.context.store, "funnel",
                                                    {"steps": steps, "window_days": window_days}))

    @strawberry.field(description="conversions credited to channels, touchpoint types or campaigns by seven models "
                                  "side by side (first and last touch, linear, time decay, position based, Markov, "
                                  "Shapley)")
    async def attribution(self, info: Info[RequestContext, None], by: str = "channel", conversion: str = "purchase",
                          sku: str | None = None, category: str | None = None, lookback_days: int = 30,
                          half_life_days: float = 7.0) -> Attribution:
        try:
            check_attribution(by, lookback_days, half_life_days)
        except QueryParameterError as bad:
            raise ApiError(str(bad)) from None
        found = await asyncio.to_thread(attribute, info.context.store, by, conversion, sku, category, lookback_days,
                                        half_life_days, await info.context.journeys())
        return Attribution(conversions=found.conversions, paths=found.paths, credits=[
            AttributionCredit(key=key, **models) for key, models in found.credits.items()])

    @strawberry.field(description="what is over-represented before detractors' (NPS 0-6) or low CSAT (1-2) answers: "
                                  "reps, channels, products, touchpoint types, support outcomes, segments")
    async def score_causes(self, info: Info[RequestContext, None], kind: str = "nps", lookback_days: int = 30,
                           min_support: int = 5, alpha: float = 0.05, first: int = 20) -> RootCauses:
        first = page_size(first)
        if kind not in ("nps", "csat"):
            raise ApiError("kind must be nps or csat")
        if not 1 <= lookback_days <= 3660 or min_support < 1 or not 0 < alpha < 1:
            raise ApiError("lookbackDays must be 1-3660, minSupport at least 1, alpha between 0 and 1")
        found = await asyncio.to_thread(score_causes, info.context.store, kind, lookback_days, min_support, alpha,
                                        kept=await info.context.journeys())
        return _root_causes(found, first)

    @strawberry.field(description="what is over-represented before the customers who reached a funnel step and went "
                                  "no further (step: 1-based, not the last)")
    async def dropoff_causes(self, info: Info[RequestContext, None], steps: list[str], step: int,
                             window_days: int | None = None, min_support: int = 5,
                             alpha: float = 0.05, first: int = 20) -> RootCauses:
        first = page_size(first)
        if not 2 <= len(steps) <= 20 or not 1 <= step < len(steps):
            raise ApiError("give 2 to 20 steps, and a step from 1 to one before the last")
        if min_support < 1 or not 0 < alpha < 1 or (window_days is not None and window_days < 1):
            raise ApiError("minSupport must be at least 1, alpha between 0 and 1, windowDays at least 1")
        found = await asyncio.to_thread(dropoff_causes, info.context.store, steps, step, window_days, min_support,
                                        alpha, kept=await info.context.journeys())
        return _root_causes(found, first)

    @strawberry.field(description="cohorts by the month of the first purchase (start: purchase) or touchpoint "
                                  "(touch), and how many are active each month since")
    async def retention_cohorts(self, info: Info[RequestContext, None], start: str = "purchase") -> list[RetentionCell]:
        _check_start(start)
        found = await asyncio.to_thread(retention, info.context.store, start, await info.context.journeys())
        return _rows_to(RetentionCell, found.cohorts)

    @strawberry.field(description="customers new, returning, resurrecting and dormant in each month")
    async def lifecycle(self, info: Info[RequestContext, None], start: str = "purchase") -> list[LifecycleMonth]:
        _check_start(start)
        found = await asyncio.to_thread(retention, info.context.store, start, await info.context.journeys())
        return _rows_to(LifecycleMonth, found.lifecycle)

    @strawberry.field(description="NPS and CSAT by month per touchpoint (channel and type)")
    async def touchpoint_scores(self, info: Info[RequestContext, None], since: dt.datetime | None = None,
                                until: dt.datetime | None = None) -> list[TouchpointScore]:
        rows = await run_query(info.context.store, "touchpoint_scores", {"since": since, "until": until})
        return _rows_to(TouchpointScore, rows)

    @strawberry.field(description="NPS and CSAT by month per touchpoint, a page at a time (by month, channel, type)")
    async def touchpoint_scores_page(self, info: Info[RequestContext, None], since: dt.datetime | None = None,
                                     until: dt.datetime | None = None, first: int = 20,
                                     after: str | None = None) -> Connection[TouchpointScore]:
        rows = await run_query(info.context.store, "touchpoint_scores", {"since": since, "until": until})
        return page_of(_rows_to(TouchpointScore, rows), first, after, lambda score: score)
