"""``segments`` on the embedded store (Cypher: ``queries/segments.cypher``)."""

from collections.abc import Mapping
from typing import Any

from ...named_query import Rows
from ..graph import EmbeddedGraph
from .support import as_of, round_half_up


def segment(r: int, f: int, m: int) -> str:
    if r >= 4 and f >= 4 and m >= 4:
        return "champions"
    if r >= 3 and f >= 3:
        return "loyal"
    if r >= 4 and f <= 2:
        return "new"
    if r <= 2 and f >= 3:
        return "at_risk"
    if r <= 2 and f <= 2:
        return "hibernating"
    return "needs_attention"


def run(graph: EmbeddedGraph, params: Mapping[str, Any]) -> Rows:
    now = as_of(params)
    rows = []
    keys = graph.ids("Customer")
    for customer, purchases in graph.journeys(("at", "amount"), "f.type = 'purchase'"):
        rows.append({"id": str(keys[customer]), "recency": (now - max(at for at, _ in purchases)).days,
                     "frequency": len(purchases),
                     "monetary": round_half_up(sum(float(amount or 0.0) for _, amount in purchases), 2)})
    n = len(rows)
    scores: dict[str, list[int]] = {row["id"]: [] for row in rows}
    for order in (lambda row: (-row["recency"], row["id"]), lambda row: (row["frequency"], row["id"]),
                  lambda row: (row["monetary"], row["id"])):
        for k, row in enumerate(sorted(rows, key=order)):
            scores[row["id"]].append(1 + (5 * k) // n)
    wanted = params.get("customer_ids")
    result = [{"customer_id": row["id"], "recency_days": row["recency"], "frequency": row["frequency"],
               "monetary": row["monetary"], "r": scores[row["id"]][0], "f": scores[row["id"]][1],
               "m": scores[row["id"]][2], "segment": segment(*scores[row["id"]])}
              for row in rows if wanted is None or row["id"] in wanted]
    result.sort(key=lambda row: row["customer_id"])
    return result
