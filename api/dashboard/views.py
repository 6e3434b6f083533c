"""The dashboard's views: each reads the query catalogue (writes go through a use case) and
renders one page. Filters live in the query string, so every view is a URL to share."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from custgraph.errors import CustgraphError
from custgraph.graph import ErasureKey, Rows, Store, round_half_up
from custgraph.services import (
    MODELS,
    Answers,
    DecisionReport,
    Journeys,
    ResolveConfig,
    RootCauses,
    Summary,
    attribute,
    confirm,
    erase,
    funnel_dropoff_causes,
    match_model,
    read_answers,
    read_predictions,
    read_summary,
    reject,
    retention,
    score_causes,
    sources_of,
    summarise,
    unmerge,
)

from ..auth import Caller, KeyRing
from ..context import run_query
from ..masking import searches_contact
from . import charts
from .i18n import COOKIE as LANGUAGE_COOKIE
from .i18n import LANGUAGES
from .pages import render
from .session import caller_of, forget, remember, same_origin

__all__ = ["Views"]

MAX_STEPS = 6  # funnel steps the builder offers
JOURNEY_SHOWN = 200  # touchpoints a profile lists
OFFERS_SHOWN = 5
BUYERS_SHOWN = 20  # the likeliest buyers of a category on the segments page
QUEUE_SHOWN = 50
ANSWERS_SHOWN = 50  # survey answers a heat-map cell lists
DROPPED_SHOWN = 10  # customers listed under each funnel step they dropped off at
CAUSES_SHOWN = 8  # root causes listed under the heat map and each funnel step
COHORT_MONTHS = 12  # months after the first a retention matrix shows
# The golden attributes a profile lists, each with the record it came from (the mask kind is the
# attribute: readers see e-mail and phone masked and the rest of the contact data withheld).
GOLDEN_SHOWN = ("name", "name_kana", "email", "phone", "street", "postal_code", "city", "region", "country",
                "birth_date", "loyalty_id", "email_opt_in", "sms_opt_in")
UNMASKED = frozenset({"name", "name_kana", "city", "region", "country", "email_opt_in", "sms_opt_in"})
DECISIONS: dict[str, Callable[[Store, ResolveConfig, str, str, str, str], DecisionReport]] = {
    "confirm": confirm, "reject": reject, "unmerge": unmerge}

View = Callable[[Request, Caller], Awaitable[Response]]


@dataclass(frozen=True)
class Figures:
    """What the views count from: the summary, and its journeys and answers when asked for."""

    summary: Summary
    journeys: Journeys | None
    answers: Answers | None
    kept: bool  # kept at the last resolve, or computed now


def _safe_next(value: str | None) -> str:
    """Where to go after signing in or switching language: a path on this site only."""
    return value if value and value.startswith("/") and not value.startswith("//") else "/"


def _bounded(text: str | None, low: int, high: int, default: int) -> int:
    """A whole number from the query string, kept within [low, high]; the default when absent or not a number."""
    try:
        return min(high, max(low, int(text or default)))
    except ValueError:
        return default


def _monthly(scores: Rows) -> list[dict[str, Any]]:
    """NPS and CSAT per month over all touchpoints. NPS is linear in the answer counts, so the
    response-weighted mean of the cells' NPS is the month's NPS; CSAT is a mean, weighted alike."""
    months: dict[str, dict[str, float]] = {}
    for row in scores:
        month = months.setdefault(row["month"], {"nps_n": 0, "nps_sum": 0.0, "csat_n": 0, "csat_sum": 0.0})
        if row["nps"] is not None:
            month["nps_n"] += row["nps_responses"]
            month["nps_sum"] += row["nps"] * row["nps_responses"]
        if row["csat"] is not None:
            month["csat_n"] += row["csat_responses"]
            month["csat_sum"] += row["csat"] * row["csat_responses"]
    return [{"month": name, "nps_responses": int(m["nps_n"]), "csat_responses": int(m["csat_n"]),
             "nps": round(m["nps_sum"] / m["nps_n"], 1) if m["nps_n"] else None,
             "csat": round(m["csat_sum"] / m["csat_n"], 2) if m["csat_n"] else None}
            for name, m in sorted(months.items())]


class Views:
    """The routes' handlers, bound to the server's key ring and resolve settings."""

    def __init__(self, keys: KeyRing, resolve_config: ResolveConfig, erasure_key_file: str) -> None:
        self.keys = keys
        self.resolve_config = resolve_config
        self.erasure_key_file = erasure_key_file
        # The last answers read (megabytes at 100k persons), kept until a resolve replaces them; the
        # journeys are the app's (``app.state.kept_journeys``), which the API's analytics share.
        self._answers: Answers | None = None

    async def _summary(self, request: Request, journeys: bool = False, answers: bool = False) -> Figures:
        """The summary kept at the last resolve (with its journeys and answers when asked), else
        computed now from the catalogue (a store last resolved by an older custgraph)."""
        store: Store = request.app.state.store
        summary = await asyncio.to_thread(read_summary, store)
        if summary is None:
            live, live_journeys, live_answers = await asyncio.to_thread(summarise, store)
            return Figures(live, live_journeys, live_answers, kept=False)
        kept = await asyncio.to_thread(request.app.state.kept_journeys.current, store, summary) if journeys else None
        if answers and (self._answers is None or self._answers.refreshed_at != summary.journeys_of):
            self._answers = await asyncio.to_thread(read_answers, store)
        return Figures(summary, kept, self._answers if answers else None, kept=True)

    async def _kept(self, request: Request) -> Journeys | None:
        """The kept journeys the analytics count from (``KeptJourneys.current``)."""
        return await asyncio.to_thread(request.app.state.kept_journeys.current, request.app.state.store)

    def page(self, view: View, role: str = "reader") -> Callable[[Request], Awaitable[Response]]:
        """A view behind sign-in: without a known key, the sign-in page (then back here)."""

        async def handle(request: Request) -> Response:
            caller = caller_of(request, self.keys)
            if caller is None:
                here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
                return RedirectResponse(f"/signin?{urlencode({'next': here})}", status_code=303)
            if not caller.may(role):
                return render(request, caller, "message.html", status=403, message_key="admins_only")
            return await view(request, caller)

        return handle

    # sign-in and language ---------------------------------------------------------------------

    async def signin(self, request: Request) -> Response:
        target = _safe_next(request.query_params.get("next"))
        if request.method == "GET":
            return render(request, None, "signin.html", target=target, failed=False)
        form = await request.form()
        key = str(form.get("key", "")).strip()
        target = _safe_next(str(form.get("next", "/")))
        caller = None if self.keys.empty else self.keys.caller(key)
        if caller is None or not caller.may("reader"):  # a collector's key only sends events
            return render(request, None, "signin.html", status=401, target=target, failed=True)
        response = RedirectResponse(target, status_code=303)
        remember(response, request, key)
        return response

    async def signout(self, request: Request) -> Response:
        response = RedirectResponse("/signin", status_code=303)
        forget(response)
        return response

    async def language(self, request: Request) -> Response:
        code = request.path_params["code"]
        response = RedirectResponse(_safe_next(request.query_params.get("next")), status_code=303)
        if code in LANGUAGES:
            response.set_cookie(LANGUAGE_COOKIE, code, max_age=365 * 86400, samesite="lax", path="/")
        return response

    # views ------------------------------------------------------------------------------------

    async def overview(self, request: Request, caller: Caller) -> Response:
        figures = await self._summary(request)
        summary, kept = figures.summary, figures.kept
        model = await asyncio.to_thread(match_model, request.app.state.store)
        months = _monthly(summary.scores)
        return render(request, caller, "overview.html", counts=summary.nodes, months=months, revenue=summary.revenue,
                      waiting=summary.relationships.get("POSSIBLY_SAME_AS", 0), newest=summary.as_of,
                      trained=model.trained_at if model else None, summary=summary, kept=kept,
                      nps_line=charts.line([(m["month"], m["nps"]) for m in months]))

    async def customers(self, request: Request, caller: Caller) -> Response:
        text = request.query_params.get("q", "").strip()
        refused = bool(text) and not caller.may("analyst") and searches_contact(text)
        rows = [] if not text or refused else await run_query(request.app.state.store, "search_customers",
                                                              {"text": text, "limit": 50})
        return render(request, caller, "customers.html", q=text, rows=rows, refused=refused,
                      request_done=request.query_params.get("done"))

    async def customer(self, request: Request, caller: Caller) -> Response:
        customer_id = request.path_params["customer_id"]
        profile = await run_query(request.app.state.store, "customer_profile", {"customer_id": customer_id})
        if not profile:
            return render(request, caller, "message.html", status=404, message_key="not_found")
        links, journey, offers = await asyncio.gather(
            run_query(request.app.state.store, "customer_links", {"customer_id": customer_id}),
            run_query(request.app.state.store, "journey", {"customer_id": customer_id, "limit": JOURNEY_SHOWN}),
            run_query(request.app.state.store, "cross_sell", {"customer_id": customer_id, "k": OFFERS_SHOWN}))
        for offer in offers:
            offer["graph"] = charts.path_graph(offer.get("path"))
        return render(request, caller, "customer.html", p=profile[0], links=links, journey=journey, offers=offers,
                      attributes=_golden_rows(profile[0]), done=request.query_params.get("done"))

    async def journeys(self, request: Request, caller: Caller) -> Response:
        steps = [step for step in request.query_params.getlist("step") if step][:MAX_STEPS]
        length = _bounded(request.query_params.get("length"), 2, 6, 4)
        figures = await self._summary(request, journeys=True)
        summary, journeys, kept = figures.summary, figures.journeys, figures.kept
        assert journeys is not None
        asked = request.query_params.get("window")
        window = _bounded(asked, 1, 3650, 30) if asked else None
        funnel = journeys.funnel(steps, dropped=DROPPED_SHOWN, window_days=window) if steps else []
        causes = request.query_params.get("causes") == "1"
        store = request.app.state.store
        if causes and len(funnel) > 1:  # why customers stop at each step but the last (when asked)
            found = await asyncio.to_thread(funnel_dropoff_causes, store, steps, window,
                                            kept=await self._kept(request))
            for row, step_causes in zip(funnel, found, strict=False):
                row["causes"] = step_causes
        variants = journeys.variants(length, 12)
        through = request.query_params.get("through") or ""
        direction = "into" if request.query_params.get("direction") == "into" else "from"
        depth = _bounded(request.query_params.get("depth"), 1, 5, 3)
        paths = journeys.paths(through, direction, depth, 15) if through else []
        transitions = summary.transitions
        types = sorted({row["from_type"] for row in transitions} | {row["to_type"] for row in transitions}
                       | set(journeys.types))
        matrix = {(row["from_type"], row["to_type"]): row for row in transitions}
        overall = (funnel[-1]["customers"] / funnel[0]["customers"]) if funnel and funnel[0]["customers"] else None
        return render(request, caller, "journeys.html", steps=steps, max_steps=MAX_STEPS, types=types, window=window,
                      causes=causes,
                      funnel=funnel, overall=overall, matrix=matrix, variants=variants, length=length,
                      sankey=charts.sankey([(v["variant"], v["customers"]) for v in variants]),
                      widest=max((r["customers"] for r in funnel), default=0), summary=summary, kept=kept,
                      through=through, direction=direction, depth=depth, paths=paths,
                      paths_sankey=charts.sankey([(p["path"], p["customers"]) for p in paths],
                                                 align_right=direction == "into"))

    async def touchpoints(self, request: Request, caller: Caller) -> Response:
        asked = request.query_params.get("causes") == "1"  # root causes only when asked
        figures = await self._summary(request, answers=True)
        summary, kept = figures.summary, figures.kept
        months = sorted({row["month"] for row in summary.scores}, reverse=True)
        month = request.query_params.get("month") or None
        scores = [row for row in summary.scores if month is None or row["month"] == month]
        channel, kind = request.query_params.get("channel"), request.query_params.get("type")
        cells: dict[tuple[str, str], Counter[str]] = {}
        for row in scores:
            cell = cells.setdefault((row["channel_id"], row["type"]), Counter())
            for name in ("nps_responses", "promoters", "passives", "detractors", "csat_responses"):
                cell[name] += row.get(name) or 0
        heat: dict[tuple[str, str], dict[str, Any]] = {}
        for key, c in cells.items():
            responses = c["nps_responses"]
            nps = round_half_up(100.0 * (c["promoters"] - c["detractors"]) / responses, 1) if responses else None
            heat[key] = {"nps": nps, "responses": responses, "promoters": c["promoters"], "passives": c["passives"],
                         "detractors": c["detractors"], "csat_responses": c["csat_responses"],
                         "class": charts.heat_class(nps)}
        detail = [row for row in scores if row["channel_id"] == channel and row["type"] == kind] if channel else []
        assert figures.answers is not None
        answers = figures.answers.of(channel, kind, month, ANSWERS_SHOWN) if channel and kind else []
        causes = None
        if asked:
            causes = await asyncio.to_thread(score_causes, request.app.state.store, "nps",
                                             kept=await self._kept(request))
        return render(request, caller, "touchpoints.html", heat=heat, channels=sorted({k[0] for k in heat}),
                      kinds=sorted({k[1] for k in heat}), channel=channel, kind=kind, detail=detail,
                      summary=summary, kept=kept, months=months, month=month, answers=answers,
                      causes=_first(causes, CAUSES_SHOWN) if causes else None)

    async def attribution(self, request: Request, caller: Caller) -> Response:
        query = request.query_params
        summary = (await self._summary(request)).summary
        types = sorted({row["from_type"] for row in summary.transitions}
                       | {row["to_type"] for row in summary.transitions} | {"purchase"})
        asked_conversion, asked_by = query.get("conversion") or "", query.get("by") or ""
        conversion = asked_conversion if asked_conversion in types else "purchase"
        by = asked_by if asked_by in ("channel", "type", "campaign") else "channel"
        lookback = _bounded(query.get("lookback"), 1, 3650, 30)
        half_life = _bounded(query.get("half_life"), 1, 365, 7)
        found = await asyncio.to_thread(attribute, request.app.state.store, by, conversion, None, None, lookback,
                                        float(half_life), await self._kept(request))
        rows = sorted(found.credits.items(), key=lambda item: (-item[1]["linear"], item[0]))
        return render(request, caller, "attribution.html", found=found, rows=rows, models=MODELS, types=types,
                      conversion=conversion, by=by, lookback=lookback, half_life=half_life)

    async def retention(self, request: Request, caller: Caller) -> Response:
        start = "touch" if request.query_params.get("start") == "touch" else "purchase"
        found = await asyncio.to_thread(retention, request.app.state.store, start, await self._kept(request))
        cells, lifecycle = found.cohorts, found.lifecycle
        cohorts = [(row["cohort"], row["customers"]) for row in cells if row["months_since"] == 0]
        shown = {(row["cohort"], row["months_since"]): {**row, "class": charts.heat_class(row["rate"] * 200 - 100)}
                 for row in cells if 0 < row["months_since"] <= COHORT_MONTHS}
        since = max((n for _, n in shown), default=0)
        return render(request, caller, "retention.html", start=start, cohorts=cohorts, cells=shown, since=since,
                      lifecycle=lifecycle)

    async def segments(self, request: Request, caller: Caller) -> Response:
        figures = await self._summary(request)
        summary, kept = figures.summary, figures.kept
        names = sorted({str(m["from"]) for m in summary.moves} | {str(m["to"]) for m in summary.moves})
        moves = {(str(m["from"]), str(m["to"])): m["customers"] for m in summary.moves}
        store = request.app.state.store
        report = await asyncio.to_thread(read_predictions, store)
        models = report.models if report is not None else {}
        products = await run_query(store, "product_popularity", {})
        categories = sorted({str(row["category"]) for row in products
                             if row["category"] is not None}) if "category" in models else []
        category = request.query_params.get("category") or (categories[0] if categories else "")
        buyers = await run_query(store, "likely_buyers", {"category": category, "limit": BUYERS_SHOWN}) \
            if category in categories else []
        skus = [str(row["sku"]) for row in products if row["buyers"]]
        sku = request.query_params.get("sku") or (skus[0] if skus else "")
        prospects = await run_query(store, "prospects_for_product", {"sku": sku, "k": BUYERS_SHOWN}) \
            if sku in skus else []
        return render(request, caller, "segments.html", sizes=list(summary.segments.items()), moves=moves,
                      move_names=names,
                      total=sum(summary.segments.values()), churn=summary.churn, as_of=summary.as_of,
                      summary=summary, kept=kept, models=models, categories=categories, category=category,
                      buyers=buyers, skus=skus, sku=sku, prospects=prospects)

    async def review(self, request: Request, caller: Caller) -> Response:
        pairs = await run_query(request.app.state.store, "review_queue", {"limit": QUEUE_SHOWN})
        return render(request, caller, "review.html", pairs=pairs, done=request.query_params.get("done"))

    async def decide(self, request: Request, caller: Caller) -> Response:
        """confirm / reject a review pair, or unmerge two records of a customer: one use case each."""
        form = await request.form()
        action = str(form.get("action", ""))
        if action not in DECISIONS or not same_origin(request, str(form.get("csrf", ""))):
            return render(request, caller, "message.html", status=400, message_key="error")
        a, b, reason = (str(form.get(name, "")).strip() for name in ("a", "b", "reason"))
        back = _safe_next(str(form.get("back", "/review")))
        if not (a and b and reason):
            return render(request, caller, "message.html", status=400, message_key="error",
                          detail="give both records and a reason: it is kept with the decision")
        try:
            report = await asyncio.to_thread(DECISIONS[action], request.app.state.store, self.resolve_config,
                                             a, b, caller.name, reason)
        except CustgraphError as error:
            return render(request, caller, "message.html", status=400, message_key="error", detail=str(error))
        separator = "&" if "?" in back else "?"
        return RedirectResponse(f"{back}{separator}{urlencode({'done': f'{action}:{report.customers_written}'})}",
                                status_code=303)

    async def erasure(self, request: Request, caller: Caller) -> Response:
        """Right to erasure (the ``erase`` use case), confirmed by typing the customer's id."""
        form = await request.form()
        customer_id = str(form.get("customer_id", ""))
        if not same_origin(request, str(form.get("csrf", ""))):
            return render(request, caller, "message.html", status=400, message_key="error")
        if str(form.get("confirm", "")).strip() != customer_id:
            return render(request, caller, "message.html", status=400, message_key="error",
                          detail="type the customer's id to confirm the erasure")
        key = ErasureKey.read(self.erasure_key_file, create=True)
        assert key is not None
        try:
            report = await asyncio.to_thread(erase, request.app.state.store, customer_id, key, [])
        except CustgraphError as error:
            return render(request, caller, "message.html", status=400, message_key="error", detail=str(error))
        done = f"erased:{len(report.customers)}:{report.identities}:{report.interactions}"
        return RedirectResponse(f"/customers?{urlencode({'done': done})}", status_code=303)


def _first(found: RootCauses, n: int) -> RootCauses:
    return replace(found, causes=found.causes[:n])


def _golden_rows(profile: dict[str, Any]) -> list[dict[str, Any]]:
    """The profile's golden attributes with a value, each with the record it came from (a record's
    id names its source: ``crm:C-0000025``)."""
    customer = profile["customer"]
    origin, stated = sources_of(customer)
    return [{"attribute": name, "value": customer[name], "masked": name not in UNMASKED,
             "identity_id": origin.get(name), "stated": name in stated}
            for name in GOLDEN_SHOWN if customer.get(name) not in (None, "")]
