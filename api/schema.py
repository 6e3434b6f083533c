"""The GraphQL schema over the query catalogue.

Resolvers are thin: each calls a named query (through a per-request DataLoader
for fields of ``Customer``) and turns its rows into types; no Cypher lives
here. Personal contact data is masked for the ``reader`` role; mutations need
``admin``. Print the schema with ``python -m custgraph.api.schema`` (it is kept
in ``api/schema.graphql``; a test fails when that file is stale).
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
from typing import Any

import strawberry
from custgraph.graph import ErasureKey, Rows
from custgraph.services import CHURN_FIELDS, SEGMENT_FIELDS, confirm, erase, reject, unmerge, update_consents
from strawberry.types import Info

from custgraph.errors import ApiError

from .context import JOURNEY_CAP, OFFERS_CAP, RequestContext, run_query
from .masking import contact, record_id, searches_contact

__all__ = ["build_schema", "sdl"]

MAX_PAGE = 100
# Fields of Customer served by a loader other than the profile's (sized ones take ``first``).
LOADER_OF = {"links": "links"}
SIZED_OF = {"journey": ("journey", 100, JOURNEY_CAP), "crossSell": ("cross_sell", 10, OFFERS_CAP)}
# Fields of Customer that need no loader.
OTHER_FIELDS = {"id", "__typename"}


def _context(info: Info[RequestContext, None]) -> RequestContext:
    return info.context


def _page(first: int, cap: int = MAX_PAGE) -> int:
    if not 0 < first <= cap:
        raise ApiError(f"first must be between 1 and {cap}")
    return first


@strawberry.type
class Link:
    """A SAME_AS link between two of the customer's records, and why it was made."""

    a: str
    b: str
    rule: str | None
    score: float | None
    evidence: list[str]


@strawberry.type
class Identity:
    id: str
    source: str | None
    name: str | None
    email: str | None
    phone: str | None


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


@strawberry.type
class RepServing:
    id: str
    name: str | None
    team: str | None
    times: int | None


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
    def of(row: dict[str, Any], context: RequestContext) -> Touchpoint:
        identity_id = record_id(context.caller, context.pseudonym_key, row["identity_id"])
        return Touchpoint(id=row["interaction_id"], at=row["at"], type=row["type"], source=row["source"],
                          identity_id=identity_id, channel_id=row["channel_id"], rep_id=row["rep_id"],
                          skus=row["skus"], amount=row["amount"], score=row["score"], score_kind=row["score_kind"],
                          sentiment=row["sentiment"])


@strawberry.type
class PathNode:
    label: str
    key: str


@strawberry.type
class PathLink:
    type: str
    start: str
    end: str


@strawberry.type
class Path:
    """A path that exists in the graph, node by node."""

    nodes: list[PathNode]
    relationships: list[PathLink]

    @staticmethod
    def of(nodes: list[dict[str, Any]], relationships: list[dict[str, Any]]) -> Path:
        return Path(nodes=[PathNode(label=n["label"], key=str(n["key"])) for n in nodes],
                    relationships=[PathLink(type=r["type"], start=str(r["start"]), end=str(r["end"]))
                                   for r in relationships])


@strawberry.type
class Reason:
    """``customers`` of the ``buyers`` of product ``sku`` also bought the offer."""

    sku: str
    name: str | None
    customers: int
    buyers: int


@strawberry.type
class Offer:
    sku: str
    name: str | None
    category: str | None
    score: float
    because: list[Reason]
    path: Path

    @staticmethod
    def of(row: dict[str, Any]) -> Offer:
        return Offer(sku=row["sku"], name=row["name"], category=row["category"], score=row["score"],
                     because=[Reason(sku=r["sku"], name=r["name"], customers=r["customers"], buyers=r["buyers"])
                              for r in row["because"]],
                     path=Path.of(row["path"]["nodes"], row["path"]["relationships"]))


@strawberry.type
class OfferPath:
    via_sku: str
    other_customer: str
    share: float
    path: Path


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


@strawberry.type
class Customer:
    id: str

    async def _profile(self, info: Info[RequestContext, None]) -> dict[str, Any]:
        rows = await _context(info).loaders["profile"].load(self.id)
        return rows[0] if rows else {"customer": {}, "identities": [], "by_type": [], "by_channel": [],
                                     "products": [], "reps": []}

    async def _golden(self, info: Info[RequestContext, None], name: str, kind: str = "") -> Any:
        value = (await self._profile(info))["customer"].get(name)
        return contact(_context(info).caller, kind, value) if kind else value

    @strawberry.field(description="golden name (most trusted, then most recent source)")
    async def name(self, info: Info[RequestContext, None]) -> str | None:
        return await self._golden(info, "name")  # type: ignore[no-any-return]

    @strawberry.field(description="golden e-mail; masked for readers")
    async def email(self, info: Info[RequestContext, None]) -> str | None:
        return await self._golden(info, "email", "email")  # type: ignore[no-any-return]

    @strawberry.field(description="golden phone; masked for readers")
    async def phone(self, info: Info[RequestContext, None]) -> str | None:
        return await self._golden(info, "phone", "phone")  # type: ignore[no-any-return]

    @strawberry.field(description="ISO date; withheld from readers")
    async def birth_date(self, info: Info[RequestContext, None]) -> str | None:
        value = await self._golden(info, "birth_date", "birth_date")
        return None if value is None else str(value)

    @strawberry.field
    async def country(self, info: Info[RequestContext, None]) -> str | None:
        return await self._golden(info, "country")  # type: ignore[no-any-return]

    @strawberry.field
    async def city(self, info: Info[RequestContext, None]) -> str | None:
        return await self._golden(info, "city")  # type: ignore[no-any-return]

    @strawberry.field(description="e-mail marketing consent (golden; the person's own word first)")
    async def email_opt_in(self, info: Info[RequestContext, None]) -> bool | None:
        return await self._golden(info, "email_opt_in")  # type: ignore[no-any-return]

    @strawberry.field(description="SMS marketing consent (golden; the person's own word first)")
    async def sms_opt_in(self, info: Info[RequestContext, None]) -> bool | None:
        return await self._golden(info, "sms_opt_in")  # type: ignore[no-any-return]

    @strawberry.field(description="the source systems that know this customer")
    async def sources(self, info: Info[RequestContext, None]) -> list[str]:
        return list(await self._golden(info, "sources") or [])

    @strawberry.field(description="the source records resolved to this customer")
    async def identities(self, info: Info[RequestContext, None]) -> list[Identity]:
        context = _context(info)
        caller = context.caller
        return [Identity(id=record_id(caller, context.pseudonym_key, i["identity_id"]) or "", source=i["source"],
                         name=i["name"],
                         email=contact(caller, "email", i["email"]), phone=contact(caller, "phone", i["phone"]))
                for i in (await self._profile(info))["identities"]]

    @strawberry.field(description="the links that put its records together, with their evidence")
    async def links(self, info: Info[RequestContext, None]) -> list[Link]:
        context = _context(info)
        rows = await context.loaders["links"].load(self.id) or []
        caller, key = context.caller, context.pseudonym_key
        return [Link(a=record_id(caller, key, r["a"]) or "", b=record_id(caller, key, r["b"]) or "", rule=r["rule"],
                     score=r["score"], evidence=list(r["evidence"] or [])) for r in rows]

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
        context = _context(info)
        rows = await context.sized["journey"].load((self.id, _page(first, JOURNEY_CAP))) or []
        return [Touchpoint.of(row, context) for row in rows]

    @strawberry.field
    async def products_bought(self, info: Info[RequestContext, None]) -> list[BoughtProduct]:
        products = (await self._profile(info))["products"]
        return [BoughtProduct(sku=p["sku"], name=p["name"], category=p["category"], times=p["times"],
                              amount=p["amount"], last_at=p["last_at"]) for p in products]

    @strawberry.field
    async def reps(self, info: Info[RequestContext, None]) -> list[RepServing]:
        return [RepServing(id=r["rep_id"], name=r["name"], team=r["team"], times=r["times"])
                for r in (await self._profile(info))["reps"]]

    @strawberry.field(description="RFM segment as of the last resolve (null for a customer who never purchased)")
    async def segment(self, info: Info[RequestContext, None]) -> Segment | None:
        golden = (await self._profile(info))["customer"]
        if golden.get("rfm_segment") is None:
            return None
        return Segment(as_of=golden["scores_as_of"], **{name: golden[f"rfm_{name}"] for name in SEGMENT_FIELDS})

    @strawberry.field(description="churn risk as of the last resolve (null when nothing is falling)")
    async def churn_risk(self, info: Info[RequestContext, None]) -> ChurnRisk | None:
        golden = (await self._profile(info))["customer"]
        if golden.get("churn_risk") is None:
            return None
        return ChurnRisk(as_of=golden["scores_as_of"], **{name: golden.get(f"churn_{name}") for name in CHURN_FIELDS})

    @strawberry.field(description=f"products to offer next, with score and paths behind it (at most {OFFERS_CAP})")
    async def cross_sell(self, info: Info[RequestContext, None], first: int = 10) -> list[Offer]:
        rows = await _context(info).sized["cross_sell"].load((self.id, _page(first, OFFERS_CAP))) or []
        return [Offer.of(row) for row in rows]


@strawberry.type
class CustomerEdge:
    cursor: str
    node: Customer


@strawberry.type
class PageInfo:
    has_next_page: bool
    end_cursor: str | None


@strawberry.type
class CustomerConnection:
    edges: list[CustomerEdge]
    page_info: PageInfo


def _cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"offset:{offset}".encode()).decode()


def _offset(cursor: str | None) -> int:
    if cursor is None:
        return 0
    try:
        kind, value = base64.urlsafe_b64decode(cursor.encode()).decode().split(":", 1)
        if kind != "offset" or int(value) < 0:
            raise ValueError
        return int(value) + 1
    except (ValueError, UnicodeDecodeError):
        raise ApiError("after is not a cursor this API gave out") from None


@strawberry.type
class Prospect:
    customer: Customer
    score: float
    via: list[str]


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


@strawberry.type
class TouchpointScore:
    month: str
    channel_id: str | None
    type: str | None
    nps_responses: int
    nps: float | None
    csat_responses: int
    csat: float | None


def _count(value: Any) -> int | None:
    """An argument as strawberry's selected fields give it: literals arrive as text (``"10"``)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


def _rows_to(kind: type, rows: Rows) -> list[Any]:
    return [kind(**row) for row in rows]


@strawberry.type
class Query:
    @strawberry.field(description="one golden customer by id")
    async def customer(self, info: Info[RequestContext, None], id: str) -> Customer | None:
        # Every batched loader also says whether the customer exists, so the loads of the fields
        # asked for start here, at once: one round trip each, overlapping, and none extra.
        context = _context(info)
        starts: list[Any] = []
        profile = False
        for selected in info.selected_fields:
            for field in selected.selections:
                name = getattr(field, "name", None)
                if name in LOADER_OF:
                    starts.append(context.loaders[LOADER_OF[name]].load(id))
                elif name in SIZED_OF:
                    loader, default, cap = SIZED_OF[name]
                    first = _count(getattr(field, "arguments", {}).get("first", default))
                    if first is not None and 0 < first <= cap:
                        starts.append(context.sized[loader].load((id, first)))
                elif name not in OTHER_FIELDS:
                    profile = True
        if profile or not starts:
            starts.append(context.loaders["profile"].load(id))
        found = await asyncio.gather(*starts)
        return Customer(id=id) if any(rows is not None for rows in found) else None

    @strawberry.field(description="customers by e-mail, +phone or part of a name (any script, width, case)")
    async def customers(self, info: Info[RequestContext, None], search: str, first: int = 20,
                        after: str | None = None) -> CustomerConnection:
        context = _context(info)
        if not context.caller.may("analyst") and searches_contact(search):
            raise ApiError("searching by e-mail or phone needs an analyst or admin key; readers search by name")
        start = _offset(after)
        rows = await run_query(context.store, "search_customers",
                               {"text": search, "limit": start + _page(first) + 1})
        page = rows[start: start + first]
        edges = [CustomerEdge(cursor=_cursor(start + n), node=Customer(id=row["customer_id"]))
                 for n, row in enumerate(page)]
        return CustomerConnection(edges=edges, page_info=PageInfo(
            has_next_page=len(rows) > start + first, end_cursor=edges[-1].cursor if edges else None))

    @strawberry.field(description="paths customer → product X ← another customer → the product")
    async def cross_sell_paths(self, info: Info[RequestContext, None], customer_id: str, sku: str,
                               first: int = 5) -> list[OfferPath]:
        rows = await run_query(_context(info).store, "cross_sell_paths",
                               {"customer_id": customer_id, "sku": sku, "first": _page(first, 20)})
        return [OfferPath(via_sku=r["via_sku"], other_customer=r["other"], share=r["share"],
                          path=Path.of(r["nodes"], r["relationships"])) for r in rows]

    @strawberry.field(description="customers most likely to buy a product they do not own")
    async def prospects(self, info: Info[RequestContext, None], sku: str, first: int = 20) -> list[Prospect]:
        rows = await run_query(_context(info).store, "prospects_for_product", {"sku": sku, "k": _page(first)})
        return [Prospect(customer=Customer(id=r["customer_id"]), score=r["score"], via=r["via"]) for r in rows]

    @strawberry.field(description="the most common journey openings with conversion")
    async def journey_variants(self, info: Info[RequestContext, None], steps: int = 4,
                               first: int = 20) -> list[JourneyVariant]:
        if not 1 <= steps <= 10:
            raise ApiError("steps must be between 1 and 10")
        rows = await run_query(_context(info).store, "journey_variants", {"steps": steps, "limit": _page(first)})
        return _rows_to(JourneyVariant, rows)

    @strawberry.field(description="directly-follows counts between touchpoint types")
    async def transitions(self, info: Info[RequestContext, None], min_count: int = 1) -> list[Transition]:
        return _rows_to(Transition, await run_query(_context(info).store, "transitions", {"min_count": min_count}))

    @strawberry.field(description="customers reaching each step in order, with conversion and drop-off")
    async def funnel(self, info: Info[RequestContext, None], steps: list[str]) -> list[FunnelStep]:
        if not 1 <= len(steps) <= 20:
            raise ApiError("give between 1 and 20 steps")
        return _rows_to(FunnelStep, await run_query(_context(info).store, "funnel", {"steps": steps}))

    @strawberry.field(description="NPS and CSAT by month per touchpoint (channel and type)")
    async def touchpoint_scores(self, info: Info[RequestContext, None], since: dt.datetime | None = None,
                                until: dt.datetime | None = None) -> list[TouchpointScore]:
        rows = await run_query(_context(info).store, "touchpoint_scores", {"since": since, "until": until})
        return _rows_to(TouchpointScore, rows)


@strawberry.type
class Decision:
    """What a decision changed: the customers of the two records afterwards."""

    customer_a: str | None
    customer_b: str | None
    customers_written: int


def _admin(info: Info[RequestContext, None]) -> RequestContext:
    context = _context(info)
    if not context.caller.may("admin"):
        raise ApiError("this needs an admin API key")
    return context


async def _decide(info: Info[RequestContext, None], action: Any, a: str, b: str, reason: str) -> Decision:
    context = _admin(info)
    if not reason.strip():
        raise ApiError("give a reason: it is kept with the decision")
    report = await asyncio.to_thread(action, context.store, context.resolve_config, a, b, context.caller.name, reason)
    rows = await run_query(context.store, "identity_pair", {"a": a, "b": b})
    return Decision(customer_a=rows[0]["customer_a"], customer_b=rows[0]["customer_b"],
                    customers_written=report.customers_written)


@strawberry.type
class Consents:
    customer_id: str
    email_opt_in: bool | None
    sms_opt_in: bool | None


@strawberry.type
class Erasure:
    """What was erased: the person's records over every customer they were split over, and how
    many touchpoints were anonymised."""

    customer_id: str
    customers: list[str] = strawberry.field(description="every golden customer erased, the one named first")
    identities: int
    interactions: int


@strawberry.type
class Mutation:
    @strawberry.mutation(description="a review-queue pair is one person: link it for good (admin)")
    async def confirm_review(self, info: Info[RequestContext, None], a: str, b: str, reason: str) -> Decision:
        return await _decide(info, confirm, a, b, reason)

    @strawberry.mutation(description="a review-queue pair is two people: keep it apart for good (admin)")
    async def reject_review(self, info: Info[RequestContext, None], a: str, b: str, reason: str) -> Decision:
        return await _decide(info, reject, a, b, reason)

    @strawberry.mutation(description="two records of one customer are different people: split them (admin)")
    async def unmerge(self, info: Info[RequestContext, None], a: str, b: str, reason: str) -> Decision:
        return await _decide(info, unmerge, a, b, reason)

    @strawberry.mutation(description="what the person said about contact by e-mail / SMS; beats every source (admin)")
    async def update_consents(self, info: Info[RequestContext, None], customer_id: str,
                              email_opt_in: bool | None = None, sms_opt_in: bool | None = None) -> Consents:
        context = _admin(info)
        changes = {name: value for name, value in (("email_opt_in", email_opt_in), ("sms_opt_in", sms_opt_in))
                   if value is not None}
        if not changes:
            raise ApiError("give emailOptIn and/or smsOptIn")
        consents = await asyncio.to_thread(update_consents, context.store, customer_id, changes,
                                           context.caller.name)
        return Consents(customer_id=customer_id, email_opt_in=consents["email_opt_in"],
                        sms_opt_in=consents["sms_opt_in"])

    @strawberry.mutation(description="right to erasure: the person's records and customers deleted (the one "
                                     "named, those holding one of their e-mail addresses, those of the records "
                                     "named), touchpoints anonymised; erase them in the source systems too (admin)")
    async def erase_person(self, info: Info[RequestContext, None], customer_id: str,
                           records: list[str] | None = None) -> Erasure:
        context = _admin(info)
        key = ErasureKey.read(context.erasure_key_file, create=True)
        assert key is not None
        report = await asyncio.to_thread(erase, context.store, customer_id, key, records or [])
        return Erasure(customer_id=report.customer_id, customers=list(report.customers),
                       identities=report.identities, interactions=report.interactions)


def build_schema(extensions: list[Any] | None = None,
                 schema_class: type[strawberry.Schema] = strawberry.Schema) -> strawberry.Schema:
    return schema_class(query=Query, mutation=Mutation, extensions=extensions or [])


def sdl() -> str:
    return build_schema().as_str() + "\n"


if __name__ == "__main__":
    print(sdl(), end="")
