"""What the embedded answers to the named queries share: Cypher's rounding and ordering, journeys.

Why: each must give the rows its ``.cypher`` file gives, to the last digit and
in the same order. Cypher rounds half up (Python rounds half to even), orders
nulls after every value, and a journey is ordered by time, then id; months are counted in UTC.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from typing import Any

from ...named_query import round_half_up
from ..graph import EmbeddedGraph, NodeId, key_of

__all__ = ["active_months", "as_of", "interaction_campaigns", "journey", "journeys_of", "link_ends", "node_keys",
           "nulls_last", "round_half_up", "share", "type_counts"]


def nulls_last(value: Any) -> tuple[bool, Any]:
    """A sort key that puts ``None`` after every value, as Cypher's ascending ORDER BY does."""
    return (value is None, value if value is not None else 0)


def as_of(params: dict[str, Any] | Any) -> dt.datetime:
    """The ``as_of`` parameter, or now (Cypher: ``coalesce($as_of, datetime())``)."""
    value = params.get("as_of")
    return value if value is not None else dt.datetime.now(dt.UTC)


def journey(graph: EmbeddedGraph, customer: NodeId) -> list[tuple[NodeId, dict[str, Any]]]:
    """The customer's interactions (``HAD``) with their properties, by ``at`` then id."""
    steps = graph.out_nodes(customer, "HAD")
    steps.sort(key=lambda step: (step[1]["at"], step[0][1]))
    return steps


_FEW = 1000  # customers asked for by id below which following their links beats one pass over all


def journeys_of(graph: EmbeddedGraph, wanted: Collection[Any] | None, columns: Sequence[str], where: str = "",
                params: Mapping[str, Any] | None = None) -> Iterator[tuple[Any, list[tuple[Any, ...]]]]:
    """(customer key, its interactions in journey order as tuples of ``columns``) for every customer
    with interactions, or only the ``wanted`` ones: a few by their links, many in one pass
    (``EmbeddedGraph.journeys``; ``where`` may leave out what the caller would skip anyway)."""
    if wanted is not None and len(wanted) < _FEW:
        for key in dict.fromkeys(wanted):
            steps = [tuple(props.get(column) for column in columns) for _, props in journey(graph, ("Customer", key))]
            if steps:
                yield key, steps
        return
    keys = graph.ids("Customer")
    chosen = None if wanted is None else set(wanted)
    for customer, steps in graph.journeys(columns, where, params):
        if chosen is None or keys[customer] in chosen:
            yield keys[customer], steps


def type_counts(values: Iterable[str]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for value in values:
        counts[value] = counts.get(value, 0) + 1
    return counts


def share(part: int, whole: int) -> float:
    """``toFloat(part) / whole`` (never called with ``whole`` = 0)."""
    return float(part) / whole


_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)  # active_months: t is microseconds since


def active_months(graph: EmbeddedGraph, params: Mapping[str, Any]) -> list[set[int]]:
    """Per customer with activity, the months it was active: a purchase (``start`` "purchase") or
    any touchpoint (``start`` "touch")."""
    where = "" if params["start"] == "touch" else "f.type = 'purchase'"
    found: list[set[int]] = []
    for _, steps in graph.journeys(("t",), where):
        months = set()
        for (t,) in steps:
            at = _EPOCH + dt.timedelta(microseconds=t)
            months.add(at.year * 12 + at.month - 1)
        found.append(months)
    return found


def link_ends(graph: EmbeddedGraph, rel_type: str, label: str) -> dict[int, list[Any]]:
    """Node id → the keys at the end of its ``rel_type`` links, sorted: an interaction's channel,
    rep or products for the whole-graph queries, in one pass over the links."""
    keys = graph.ids(label)
    ends: dict[int, list[Any]] = {}
    for start, end, _ in graph.links(rel_type):
        ends.setdefault(start, []).append(keys[end])
    return {node_id: sorted(found, key=str) if len(found) > 1 else found for node_id, found in ends.items()}


_CHUNK = 500  # node ids per statement


def node_keys(graph: EmbeddedGraph, node_ids: list[int]) -> dict[int, Any]:
    """Node id → key, for the nodes of ``node_ids`` (read a chunk per statement)."""
    found: dict[int, Any] = {}
    for start in range(0, len(node_ids), _CHUNK):
        chunk = node_ids[start:start + _CHUNK]
        found.update((node_id, key_of(key)) for node_id, key in graph.select(
            f"SELECT id, key FROM nodes WHERE id IN ({','.join('?' * len(chunk))})", tuple(chunk)))
    return found


def interaction_campaigns(graph: EmbeddedGraph, node_ids: list[int] | None = None) -> dict[int, Any]:
    """Interaction node id → its campaign, for the interactions (all, or these) that name one."""
    if node_ids is None:
        return dict(graph.select(
            "SELECT id, json_extract(props, '$.campaign') FROM nodes WHERE label = ? "
            "AND json_extract(props, '$.campaign') IS NOT NULL", (graph.code("Interaction"),)))
    found: dict[int, Any] = {}
    for start in range(0, len(node_ids), _CHUNK):
        chunk = node_ids[start:start + _CHUNK]
        found.update(graph.select(
            f"SELECT id, json_extract(props, '$.campaign') FROM nodes WHERE id IN ({','.join('?' * len(chunk))}) "
            "AND json_extract(props, '$.campaign') IS NOT NULL", tuple(chunk)))
    return found
