"""``lifecycle`` on the embedded store (Cypher: ``queries/lifecycle.cypher``)."""

from collections import Counter
from collections.abc import Mapping
from typing import Any

from ...named_query import Rows
from ..graph import EmbeddedGraph
from .support import active_months, month_text

STATES = ("new", "returning", "resurrecting", "dormant")


def run(graph: EmbeddedGraph, params: Mapping[str, Any]) -> Rows:
    customers = active_months(graph, params)
    if not customers:
        return []
    last = max(max(months) for months in customers)
    counts: dict[int, Counter[str]] = {}
    for months in customers:
        first = min(months)
        for month in months:
            state = "new" if month == first else "returning" if month - 1 in months else "resurrecting"
            counts.setdefault(month, Counter())[state] += 1
            if month + 1 not in months and month + 1 <= last:
                counts.setdefault(month + 1, Counter())["dormant"] += 1
    return [{"month": month_text(month), **{state: found[state] for state in STATES},
             "active": found["new"] + found["returning"] + found["resurrecting"]}
            for month, found in sorted(counts.items())]
