"""The Mutation root: admin actions, each one use case (``custgraph.services``) run on a worker
thread, so the event loop keeps serving while the store writes."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import strawberry
from strawberry.types import Info

from custgraph.errors import ApiError
from custgraph.graph import ErasureKey, Store
from custgraph.services import DecisionReport, ResolveConfig, confirm, erase, reject, unmerge, update_consents

from .context import RequestContext, run_query
from .types.admin import Consents, Decision, Erasure

__all__ = ["Mutation"]

# unmerge, confirm and reject: (store, settings, a, b, by, reason)
DecisionAction = Callable[[Store, ResolveConfig, str, str, str, str], DecisionReport]


def _admin(info: Info[RequestContext, None]) -> RequestContext:
    context = info.context
    if not context.caller.may("admin"):
        raise ApiError("this needs an admin API key")
    return context


async def _decide(info: Info[RequestContext, None], action: DecisionAction, a: str, b: str,
                  reason: str) -> Decision:
    context = _admin(info)
    if not reason.strip():
        raise ApiError("give a reason: it is kept with the decision")
    report = await asyncio.to_thread(action, context.store, context.resolve_config, a, b, context.caller.name, reason)
    rows = await run_query(context.store, "identity_pair", {"a": a, "b": b})
    return Decision(customer_a=rows[0]["customer_a"], customer_b=rows[0]["customer_b"],
                    customers_written=report.customers_written)


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
