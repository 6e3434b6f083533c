"""Embedded twin of ``segments.cypher``."""

from collections.abc import Mapping
from typing import Any

from custgraph.graph import Rows
from custgraph.graph.embedded_graph import EmbeddedGraph

from .twin_support import as_of, round_half_up


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


def embedded(graph: EmbeddedGraph, params: Mapping[str, Any]) -> Rows:
    now = as_of(params)
    rows = []
    for key in graph.keys("Customer"):
        purchases = [props for x, _ in graph.out(("Customer", key), "HAD")
                     if (props := graph.node(*x) or {}).get("type") == "purchase"]
        if purchases:
            rows.append({"id": str(key), "recency": (now - max(p["at"] for p in purchases)).days,
                         "frequency": len(purchases),
                         "monetary": round_half_up(sum(float(p.get("amount") or 0.0) for p in purchases), 2)})
    n = len(rows)
    scores: dict[str, list[int]] = {row["id"]: [] for row in rows}
    for order in (lambda row: (-row["recency"], row["id"]), lambda row: (row["frequency"], row["id"]),
                  lambda row: (row["monetary"], row["id"])):
        for k, row in enumerate(sorted(rows, key=order)):
            scores[row["id"]].append(1 + (5 * k) // n)
    groups: dict[str, list[Any]] = {}
    for row in rows:
        entry = groups.setdefault(segment(*scores[row["id"]]), [0, 0, 0, 0.0])
        entry[0] += 1
        entry[1] += row["recency"]
        entry[2] += row["frequency"]
        entry[3] += row["monetary"]
    result = [{"segment": name, "customers": count, "share": round_half_up(count / n, 4),
               "avg_recency_days": round_half_up(recency / count, 2),
               "avg_frequency": round_half_up(frequency / count, 2),
               "avg_monetary": round_half_up(monetary / count, 2)}
              for name, (count, recency, frequency, monetary) in groups.items()]
    result.sort(key=lambda row: (-row["customers"], row["segment"]))
    return result
