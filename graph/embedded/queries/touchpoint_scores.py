"""``touchpoint_scores`` on the embedded store (Cypher: ``queries/touchpoint_scores.cypher``)."""

from collections.abc import Mapping
from typing import Any

from ...named_query import Rows
from ..graph import EmbeddedGraph
from .support import nulls_last, round_half_up


def run(graph: EmbeddedGraph, params: Mapping[str, Any]) -> Rows:
    since, until = params.get("since"), params.get("until")
    groups: dict[tuple[str, Any, Any], list[float]] = {}
    for key in graph.keys("Interaction"):
        s = ("Interaction", key)
        answer = graph.node(*s) or {}
        if answer.get("type") != "survey_response" or answer.get("score") is None:
            continue
        if (since is not None and answer["at"] < since) or (until is not None and answer["at"] >= until):
            continue
        for t, _ in graph.into(s, "NEXT"):
            channel = next(graph.out(t, "VIA"), None)
            group = (answer["at"].strftime("%Y-%m"), channel[0][1] if channel else None,
                     (graph.node(*t) or {}).get("type"))
            entry = groups.setdefault(group, [0, 0, 0, 0, 0])
            score, kind = answer["score"], answer.get("score_kind")
            if kind == "nps":
                entry[0] += 1
                entry[1] += score >= 9
                entry[2] += score <= 6
            elif kind == "csat":
                entry[3] += 1
                entry[4] += score
    rows = []
    for (month, channel_id, kind), (nps_n, promoters, detractors, csat_n, csat_total) in groups.items():
        rows.append({"month": month, "channel_id": channel_id, "type": kind, "nps_responses": nps_n,
                     "nps": None if nps_n == 0 else round_half_up(100.0 * (promoters - detractors) / nps_n, 1),
                     "csat_responses": csat_n,
                     "csat": None if csat_n == 0 else round_half_up(float(csat_total) / csat_n, 2)})
    rows.sort(key=lambda row: (row["month"], nulls_last(row["channel_id"]), nulls_last(row["type"])))
    return rows
