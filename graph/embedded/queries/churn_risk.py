"""``churn_risk`` on the embedded store (Cypher: ``queries/churn_risk.cypher``)."""

import datetime as dt
from collections.abc import Mapping
from typing import Any

from ...named_query import Rows
from ..facts import micros
from ..graph import EmbeddedGraph
from .support import as_of, journeys_of, round_half_up

COLUMNS = ("at", "type", "sentiment", "score_kind", "score")


def run(graph: EmbeddedGraph, params: Mapping[str, Any]) -> Rows:
    now = as_of(params)
    start = now - dt.timedelta(days=params["window_days"])
    before = now - dt.timedelta(days=2 * params["window_days"])
    rows: list[tuple[Any, dict[str, Any]]] = []
    wanted = params.get("customer_ids")
    # Only what the rule below looks at: the window, and survey answers.
    for key, steps in journeys_of(graph, wanted, COLUMNS,
                                  "(f.t >= :before AND f.t < :now) OR f.type = 'survey_response'",
                                  {"before": micros(before), "now": micros(now)}):
        window = [x for x in steps if before <= x[0] < now]
        if not window:
            continue
        recent = sum(1 for at, *_ in window if at >= start)
        previous = len(window) - recent
        unhappy = sum(1 for at, kind, sentiment, _, _ in window if at >= start and kind == "support_ticket"
                      and sentiment is not None and sentiment <= -0.5)
        answers = [(at, score) for at, kind, _, score_kind, score in steps if kind == "survey_response"
                   and score_kind == "nps" and score is not None and at < now]
        earlier = [float(score) for at, score in answers if at < start]
        latest = [float(score) for at, score in answers if at >= start]
        nps_drop = sum(earlier) / len(earlier) - sum(latest) / len(latest) if earlier and latest else None
        activity_drop = 1.0 - float(recent) / previous if previous >= 2 and recent < previous else 0.0
        nps_part = 0.0 if nps_drop is None or nps_drop <= 0 else 1.0 if nps_drop >= 5 else nps_drop / 5.0
        risk = round_half_up(0.5 * activity_drop + 0.3 * nps_part + 0.2 * (1.0 if unhappy > 0 else 0.0), 4) or 0.0
        if risk > 0:
            rows.append((key, {"customer_id": str(key), "name": None, "recent": recent, "previous": previous,
                               "nps_drop": round_half_up(nps_drop, 2), "unhappy_tickets": unhappy, "risk": risk}))
    rows.sort(key=lambda item: (-item[1]["risk"], item[1]["customer_id"]))
    chosen = rows[: params["limit"]]
    found = graph.nodes_by_key("Customer", [key for key, _ in chosen])  # names of these only
    for key, row in chosen:
        row["name"] = found[key][1].get("name")
    return [row for _, row in chosen]
