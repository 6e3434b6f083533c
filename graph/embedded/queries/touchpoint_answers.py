"""``touchpoint_answers`` on the embedded store (Cypher: ``queries/touchpoint_answers.cypher``)."""

import datetime as dt
from collections.abc import Mapping
from typing import Any

from ...named_query import Rows
from ...values import to_json
from ..facts import when
from ..graph import EmbeddedGraph, decoded, key_of

CHUNK = 900  # ids per statement, under SQLite's limit on bound values


def run(graph: EmbeddedGraph, params: Mapping[str, Any]) -> Rows:
    month, limit = params.get("month"), int(params["limit"])
    # The answers after a touchpoint of this type and channel, from the facts (no node decoded)...
    found = graph.select(
        "SELECT s.id, s.at, t.id, t.at, s.score, s.score_kind, t.type, (SELECT c.key FROM relationships v, nodes c "
        "WHERE v.type = :via AND v.start_id = t.id AND c.id = v.end_id) FROM interaction_facts t, relationships n, "
        "interaction_facts s WHERE (:type IS NULL OR t.type = :type) AND n.type = :next AND n.start_id = t.id "
        "AND s.id = n.end_id AND s.type = 'survey_response' AND s.score IS NOT NULL",
        {"type": params.get("type"), "next": graph.code("NEXT"), "via": graph.code("VIA")})
    wanted = None if params.get("channel_id") is None else to_json(params["channel_id"])
    answers: list[tuple[dt.datetime, int, int, dt.datetime | None, Any, Any, str, Any]] = []
    for s_id, s_at, t_id, t_at, score, kind, before, channel in found:
        at = when(s_at)
        if at is not None and (month is None or at.strftime("%Y-%m") == month) and wanted in (None, channel):
            answers.append((at, s_id, t_id, when(t_at), score, kind, before,
                            None if channel is None else key_of(channel)))
    if not answers:
        return []
    # ...then the keys, texts, customers and reps of the answers shown only (ties at the cut included).
    answers.sort(key=lambda a: -a[0].timestamp())
    cut = answers[min(limit, len(answers)) - 1][0] if limit > 0 else None
    kept = [a for a in answers if cut is not None and a[0] >= cut]
    ids = [node_id for a in kept for node_id in (a[1], a[2])]
    keys: dict[int, tuple[Any, dict[str, Any]]] = {}
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        keys.update((node_id, (key_of(key), decoded(props))) for node_id, key, props in graph.select(
            f"SELECT id, key, props FROM nodes WHERE id IN ({','.join('?' * len(chunk))})", tuple(chunk)))
    kept.sort(key=lambda a: (-a[0].timestamp(), str(keys[a[1]][0])))
    shown = kept[:limit]
    if not shown:
        return []
    customers = _linked(graph, "SELECT r.end_id, c.key FROM relationships r, nodes c WHERE r.type = ? "
                        "AND r.end_id IN ({}) AND c.id = r.start_id", "HAD", [a[1] for a in shown])
    reps = _linked(graph, "SELECT r.start_id, p.key FROM relationships r, nodes p WHERE r.type = ? "
                   "AND r.start_id IN ({}) AND p.id = r.end_id", "HANDLED_BY", [a[2] for a in shown])
    return [{"answer_id": keys[s_id][0], "answered_at": s_at, "score": score, "score_kind": kind,
             "text": keys[s_id][1].get("text"),
             "customer_id": key_of(customers[s_id]) if s_id in customers else None,
             "channel_id": channel, "type": before, "touchpoint_id": keys[t_id][0], "touchpoint_at": t_at,
             "rep_id": key_of(reps[t_id]) if t_id in reps else None}
            for s_at, s_id, t_id, t_at, score, kind, before, channel in shown]


def _linked(graph: EmbeddedGraph, statement: str, rel_type: str, ids: list[int]) -> dict[int, Any]:
    """node id → the stored key at the other end of its ``rel_type`` link, a chunk of ids at a time."""
    found: dict[int, Any] = {}
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        found.update(graph.select(statement.format(",".join("?" * len(chunk))), (graph.code(rel_type), *chunk)))
    return found
