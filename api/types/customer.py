"""The golden customer and what hangs off it: its records, links, counts, products, reps,
scores, journey and offers.

Fields read the customer's rows through the request's DataLoaders (``api/context.py``), so a
page of customers costs one batched query per kind of row, not one per customer.
"""

from __future__ import annotations

import datetime as dt

import strawberry
from strawberry.types import Info

from custgraph.services import sources_of

from ..context import JOURNEY_CAP, OFFERS_CAP, RequestContext
from ..masking import contact, record_id
from ..pagination import Connection, connection, page_of, page_size, start_of
from ..rows import (
    GoldenCustomer,
    IdentityRow,
    LinkRow,
    OfferRow,
    ProductRow,
    ProfileRow,
    RepRow,
    TouchpointRow,
    as_row,
    as_rows,
)
from .journey import Touchpoint
from .offers import Offer
from .predictions import CategoryScore, Effect, Prediction

__all__ = ["BoughtProduct", "ChurnRisk", "Count", "Customer", "GoldenSource", "Identity", "LikelyBuyer", "Link", "Nps",
           "Prospect",
           "RepServing", "Segment"]

NO_PROFILE = as_row(ProfileRow, {"customer": {}, "identities": [], "by_type": [], "by_channel": [], "products": [],
                                 "reps": [], "purchases": None, "revenue": None, "latest_nps": None})


@strawberry.type
class Link:
    """A SAME_AS link between two of the customer's records, and why it was made."""

    a: str
    b: str
    rule: str | None
    score: float | None
    evidence: list[str]

    @staticmethod
    def of(row: LinkRow, context: RequestContext) -> Link:
        caller, key = context.caller, context.pseudonym_key
        return Link(a=record_id(caller, key, row["a"]) or "", b=record_id(caller, key, row["b"]) or "",
                    rule=row["rule"], score=row["score"], evidence=list(row["evidence"] or []))


@strawberry.type
class Identity:
    id: str
    source: str | None
    name: str | None
    email: str | None
    phone: str | None

    @staticmethod
    def of(row: IdentityRow, context: RequestContext) -> Identity:
        caller = context.caller
        return Identity(id=record_id(caller, context.pseudonym_key, row["identity_id"]) or "", source=row["source"],
                        name=row["name"], email=contact(caller, "email", row["email"]),
                        phone=contact(caller, "phone", row["phone"]))


@strawberry.type
class GoldenSource:
    """Where one golden attribute came from: the record whose value won survivorship."""

    attribute: str
    identity: str = strawberry.field(description="the record's id (pseudonymised for readers)")
    source: str | None = strawberry.field(description="the record's source system")
    stated: bool = strawberry.field(description="a consent the person gave or withdrew themselves (updateConsents)")


@strawberry.type
class Count:
    key: str
    count: int


@strawberry.type
class BoughtProduct:
    sku: str
    name: str | None
    category: str | None
    times: int | None
    amount: float | None
    last_at: dt.datetime | None

    @staticmethod
    def of(row: ProductRow) -> BoughtProduct:
        return BoughtProduct(sku=row["sku"], name=row["name"], category=row["category"], times=row["times"],
                             amount=row["amount"], last_at=row["last_at"])


@strawberry.type
class RepServing:
    id: str
    name: str | None
    team: str | None
    times: int | None

    @staticmethod
    def of(row: RepRow) -> RepServing:
        return RepServing(id=row["rep_id"], name=row["name"], team=row["team"], times=row["times"])


@strawberry.type
class Nps:
    score: float | None
    at: dt.datetime | None


@strawberry.type
class Segment:
    """RFM: recency, frequency and monetary value scored 1-5 by quintile among all buyers, as of
    the newest touchpoint when the store was last resolved."""

    as_of: dt.datetime
    segment: str
    r: int
    f: int
    m: int
    recency_days: int
    frequency: int
    monetary: float

    @staticmethod
    def of(golden: GoldenCustomer) -> Segment | None:
        segment = golden.get("rfm_segment")
        if segment is None:
            return None
        return Segment(as_of=golden["scores_as_of"], segment=segment, r=golden["rfm_r"], f=golden["rfm_f"],
                       m=golden["rfm_m"], recency_days=golden["rfm_recency_days"],
                       frequency=golden["rfm_frequency"], monetary=golden["rfm_monetary"])


@strawberry.type
class ChurnRisk:
    """Touchpoints in the last 90 days against the 90 before, NPS trend, unhappy tickets; the
    windows end at the newest touchpoint when the store was last resolved."""

    as_of: dt.datetime
    risk: float
    recent: int
    previous: int
    nps_drop: float | None
    unhappy_tickets: int

    @staticmethod
    def of(golden: GoldenCustomer) -> ChurnRisk | None:
        risk = golden.get("churn_risk")
        if risk is None:
            return None
        return ChurnRisk(as_of=golden["scores_as_of"], risk=risk, recent=golden["churn_recent"],
                         previous=golden["churn_previous"], nps_drop=golden.get("churn_nps_drop"),
                         unhappy_tickets=golden["churn_unhappy_tickets"])


@strawberry.type
class Customer:
    id: str

    async def _profile(self, info: Info[RequestContext, None]) -> ProfileRow:
        rows = await info.context.loaders["profile"].load(self.id)
        return as_row(ProfileRow, rows[0]) if rows else NO_PROFILE

    async def _golden(self, info: Info[RequestContext, None]) -> GoldenCustomer:
        return (await self._profile(info))["customer"]

    async def _links(self, info: Info[RequestContext, None]) -> list[LinkRow]:
        return as_rows(LinkRow, await info.context.loaders["links"].load(self.id) or [])

    @strawberry.field(description="golden name (most trusted, then most recent source)")
    async def name(self, info: Info[RequestContext, None]) -> str | None:
        return (await self._golden(info)).get("name")

    @strawberry.field(description="golden e-mail; masked for readers")
    async def email(self, info: Info[RequestContext, None]) -> str | None:
        return contact(info.context.caller, "email", (await self._golden(info)).get("email"))

    @strawberry.field(description="golden phone; masked for readers")
    async def phone(self, info: Info[RequestContext, None]) -> str | None:
        return contact(info.context.caller, "phone", (await self._golden(info)).get("phone"))

    @strawberry.field(description="ISO date; withheld from readers")
    async def birth_date(self, info: Info[RequestContext, None]) -> str | None:
        value = (await self._golden(info)).get("birth_date")
        return contact(info.context.caller, "birth_date", None if value is None else str(value))

    @strawberry.field
    async def country(self, info: Info[RequestContext, None]) -> str | None:
        return (await self._golden(info)).get("country")

    @strawberry.field
    async def city(self, info: Info[RequestContext, None]) -> str | None:
        return (await self._golden(info)).get("city")

    @strawberry.field(description="e-mail marketing consent (golden; the person's own word first)")
    async def email_opt_in(self, info: Info[RequestContext, None]) -> bool | None:
        return (await self._golden(info)).get("email_opt_in")

    @strawberry.field(description="SMS marketing consent (golden; the person's own word first)")
    async def sms_opt_in(self, info: Info[RequestContext, None]) -> bool | None:
        return (await self._golden(info)).get("sms_opt_in")

    @strawberry.field(description="the source systems that know this customer")
    async def sources(self, info: Info[RequestContext, None]) -> list[str]:
        return list((await self._golden(info)).get("sources") or [])

    @strawberry.field(description="which record each golden attribute came from (attributes without a value left out)")
    async def golden_sources(self, info: Info[RequestContext, None]) -> list[GoldenSource]:
        profile = await self._profile(info)
        origin, stated = sources_of(dict(profile["customer"]))
        systems = {row["identity_id"]: row["source"] for row in profile["identities"]}
        caller, key = info.context.caller, info.context.pseudonym_key
        return [GoldenSource(attribute=attribute, identity=record_id(caller, key, identity) or "",
                             source=systems.get(identity), stated=attribute in stated)
                for attribute, identity in sorted(origin.items())]

    @strawberry.field(description="the source records resolved to this customer")
    async def identities(self, info: Info[RequestContext, None]) -> list[Identity]:
        return [Identity.of(row, info.context) for row in (await self._profile(info))["identities"]]

    @strawberry.field(description="the source records resolved to this customer, a page at a time (by id)")
    async def identities_page(self, info: Info[RequestContext, None], first: int = 20,
                              after: str | None = None) -> Connection[Identity]:
        rows = (await self._profile(info))["identities"]
        return page_of(rows, first, after, lambda row: Identity.of(row, info.context))

    @strawberry.field(description="the links that put its records together, with their evidence")
    async def links(self, info: Info[RequestContext, None]) -> list[Link]:
        return [Link.of(row, info.context) for row in await self._links(info)]

    @strawberry.field(description="the links that put its records together, a page at a time (by a, then b)")
    async def links_page(self, info: Info[RequestContext, None], first: int = 20,
                         after: str | None = None) -> Connection[Link]:
        return page_of(await self._links(info), first, after, lambda row: Link.of(row, info.context))

    @strawberry.field(description="touchpoints by type")
    async def interactions(self, info: Info[RequestContext, None]) -> list[Count]:
        return [Count(key=r["type"], count=r["count"]) for r in (await self._profile(info))["by_type"]]

    @strawberry.field(description="touchpoints by channel")
    async def channels(self, info: Info[RequestContext, None]) -> list[Count]:
        return [Count(key=r["channel_id"], count=r["count"]) for r in (await self._profile(info))["by_channel"]]

    @strawberry.field
    async def purchases(self, info: Info[RequestContext, None]) -> int:
        return int((await self._profile(info)).get("purchases") or 0)

    @strawberry.field
    async def revenue(self, info: Info[RequestContext, None]) -> float:
        return float((await self._profile(info)).get("revenue") or 0.0)

    @strawberry.field
    async def latest_nps(self, info: Info[RequestContext, None]) -> Nps | None:
        latest = (await self._profile(info)).get("latest_nps")
        return None if latest is None else Nps(score=latest["score"], at=latest["at"])

    @strawberry.field(description=f"touchpoints in time order across all its records (at most {JOURNEY_CAP})")
    async def journey(self, info: Info[RequestContext, None], first: int = 100) -> list[Touchpoint]:
        rows = await info.context.sized["journey"].load((self.id, page_size(first, JOURNEY_CAP))) or []
        return [Touchpoint.of(row, info.context) for row in as_rows(TouchpointRow, rows)]

    @strawberry.field(description="touchpoints in time order across all its records, a page at a time")
    async def journey_page(self, info: Info[RequestContext, None], first: int = 20,
                           after: str | None = None) -> Connection[Touchpoint]:
        start = start_of(after)
        fetched = start + page_size(first) + 1  # the journey query returns the earliest touchpoints
        rows = as_rows(TouchpointRow, await info.context.sized["journey"].load((self.id, fetched)) or [])
        return connection(rows[start:], start, first, lambda row: Touchpoint.of(row, info.context))

    @strawberry.field
    async def products_bought(self, info: Info[RequestContext, None]) -> list[BoughtProduct]:
        return [BoughtProduct.of(row) for row in (await self._profile(info))["products"]]

    @strawberry.field(description="products bought, a page at a time (by amount, largest first)")
    async def products_bought_page(self, info: Info[RequestContext, None], first: int = 20,
                                   after: str | None = None) -> Connection[BoughtProduct]:
        return page_of((await self._profile(info))["products"], first, after, BoughtProduct.of)

    @strawberry.field
    async def reps(self, info: Info[RequestContext, None]) -> list[RepServing]:
        return [RepServing.of(row) for row in (await self._profile(info))["reps"]]

    @strawberry.field(description="the reps who served this customer, a page at a time (most often first)")
    async def reps_page(self, info: Info[RequestContext, None], first: int = 20,
                        after: str | None = None) -> Connection[RepServing]:
        return page_of((await self._profile(info))["reps"], first, after, RepServing.of)

    @strawberry.field(description="RFM segment as of the last resolve (null for a customer who never purchased)")
    async def segment(self, info: Info[RequestContext, None]) -> Segment | None:
        return Segment.of(await self._golden(info))

    @strawberry.field(description="churn risk as of the last resolve (null when nothing is falling)")
    async def churn_risk(self, info: Info[RequestContext, None]) -> ChurnRisk | None:
        return ChurnRisk.of(await self._golden(info))

    @strawberry.field(description="the probability of a purchase in the next 90 days (null before the models "
                                  "have enough history)")
    async def purchase_propensity(self, info: Info[RequestContext, None]) -> Prediction | None:
        return Prediction.of(await self._golden(info), "purchase_propensity", "propensity")

    @strawberry.field(description="the three likeliest categories of a purchase in the next 90 days; the first's "
                                  "reasons in categoryPropensityBecause")
    async def category_propensity(self, info: Info[RequestContext, None]) -> list[CategoryScore]:
        return CategoryScore.of(await self._golden(info))

    @strawberry.field(description="what moved the first category's probability most")
    async def category_propensity_because(self, info: Info[RequestContext, None]) -> list[Effect]:
        golden = await self._golden(info)
        return [Effect(feature=f, effect=e) for f, e in zip(golden.get("category_features") or [],
                                                            golden.get("category_effects") or [], strict=True)]

    @strawberry.field(description="the probability of no touchpoint in the next 90 days, for a customer active in "
                                  "the last 180; null where the model did not beat the churn_risk formula on the "
                                  "time split (predictionModels says which)")
    async def churn_probability(self, info: Info[RequestContext, None]) -> Prediction | None:
        return Prediction.of(await self._golden(info), "churn_probability", "churn")

    @strawberry.field(description=f"products to offer next, with score and paths behind it (at most {OFFERS_CAP})")
    async def cross_sell(self, info: Info[RequestContext, None], first: int = 10) -> list[Offer]:
        rows = await info.context.sized["cross_sell"].load((self.id, page_size(first, OFFERS_CAP))) or []
        return [Offer.of(row) for row in as_rows(OfferRow, rows)]


@strawberry.type
class LikelyBuyer:
    customer: Customer
    probability: float = strawberry.field(description="of a purchase in the category in the next 90 days")


@strawberry.type
class Prospect:
    customer: Customer
    score: float
    via: list[str]
