"""``churn_risk`` on the embedded store (Cypher: ``queries/churn_risk.cypher``)."""

import datetime as dt
from collections.abc import Mapping
from typing import Any

from ...named_query import Rows
from ..graph import EmbeddedGraph
from .support import as_of, round_half_up


def run(graph: EmbeddedGraph, params: Mapping[str, Any]) -> Rows:
    now = as_of(params)
    start = now - dt.timedelta(days=params["window_days"])
    before = now - dt.timedelta(days=2 * params["window_days"])
    rows: list[dict[str, Any]] = []
    wanted = params.get("customer_ids")
    for key in graph.keys("Customer") if wanted is None else [k for k in wanted if graph.has_node("Customer", k)]:
        steps = [graph.props(x) for x, _ in graph.out(("Customer", key), "HAD")]
        window = [x for x in steps if before <= x["at"] < now]
        if not window:
            continue
        recent = sum(1 for x in window if x["at"] >= start)
        previous = len(window) - recent
        unhappy = sum(1 for x in window if x["at"] >= start and x.get("type") == "support_ticket"
                      and x.get("sentiment") is not None and x["sentiment"] <= -0.5)
        answers = [x for x in steps if x.get("type") == "survey_response" and x.get("score_kind") == "nps"
                   and x.get("score") is not None and x["at"] < now]
        earlier = [float(x["score"]) for x in answers if x["at"] < start]
        latest = [float(x["score"]) for x in answers if x["at"] >= start]
        nps_drop = sum(earlier) / len(earlier) - sum(latest) / len(latest) if earlier and latest else None
        activity_drop = 1.0 - float(recent) / previous if previous >= 2 and recent < previous else 0.0
        nps_part = 0.0 if nps_drop is None or nps_drop <= 0 else 1.0 if nps_drop >= 5 else nps_drop / 5.0
        risk = round_half_up(0.5 * activity_drop + 0.3 * nps_part + 0.2 * (1.0 if unhappy > 0 else 0.0), 4) or 0.0
        if risk > 0:
            props = graph.node("Customer", key) or {}
            rows.append({"customer_id": str(key), "name": props.get("name"), "recent": recent, "previous": previous,
                         "nps_drop": round_half_up(nps_drop, 2), "unhappy_tickets": unhappy, "risk": risk})
    rows.sort(key=lambda row: (-row["risk"], row["customer_id"]))
    return rows[: params["limit"]]
