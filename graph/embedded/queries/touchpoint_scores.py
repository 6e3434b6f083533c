"""``touchpoint_scores`` on the embedded store (Cypher: ``queries/touchpoint_scores.cypher``)."""

from collections.abc import Mapping
from typing import Any

from ...named_query import Rows
from ..facts import when
from ..graph import EmbeddedGraph, key_of
from .support import nulls_last, round_half_up


def run(graph: EmbeddedGraph, params: Mapping[str, Any]) -> Rows:
    since, until = params.get("since"), params.get("until")
    groups: dict[tuple[str, Any, Any], list[float]] = {}
    # Each survey answer with the touchpoint before it (NEXT) and that touchpoint's channel (VIA).
    answers = graph.select(
        "SELECT s.at, s.score, s.score_kind, t.type, "
        "(SELECT c.key FROM relationships v, nodes c WHERE v.type = :via AND v.start_id = t.id AND c.id = v.end_id) "
        "FROM interaction_facts s, relationships n INDEXED BY relationships_by_end, interaction_facts t "
        "WHERE s.type = 'survey_response' AND s.score IS NOT NULL "
        "AND n.type = :next AND n.end_id = s.id AND t.id = n.start_id",
        {"via": graph.code("VIA"), "next": graph.code("NEXT")})
    for at_text, score, kind, before_type, channel in answers:
        at = when(at_text)
        if at is None or (since is not None and at < since) or (until is not None and at >= until):
            continue
        group = (at.strftime("%Y-%m"), None if channel is None else key_of(channel), before_type)
        entry = groups.setdefault(group, [0, 0, 0, 0, 0])
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
                     "promoters": promoters, "passives": nps_n - promoters - detractors, "detractors": detractors,
                     "nps": None if nps_n == 0 else round_half_up(100.0 * (promoters - detractors) / nps_n, 1),
                     "csat_responses": csat_n,
                     "csat": None if csat_n == 0 else round_half_up(float(csat_total) / csat_n, 2)})
    rows.sort(key=lambda row: (row["month"], nulls_last(row["channel_id"]), nulls_last(row["type"])))
    return rows
