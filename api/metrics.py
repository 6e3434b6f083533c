"""Prometheus metrics of the API: GraphQL operations by name and outcome, with latency.

Kept in process (one registry per worker) in the text exposition format; a
scraper sums the workers. Operation names come from clients, so at most
``MAX_OPERATIONS`` distinct names are kept, the rest count as ``other``.
"""

from __future__ import annotations

import threading
from bisect import bisect_left

__all__ = ["Metrics"]

BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
MAX_OPERATIONS = 100


def _label(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


class Metrics:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: dict[tuple[str, str], int] = {}
        self._buckets: dict[str, list[int]] = {}
        self._sums: dict[str, float] = {}

    def observe(self, operation: str, outcome: str, seconds: float) -> None:
        with self._lock:
            if operation not in self._buckets and len(self._buckets) >= MAX_OPERATIONS:
                operation = "other"
            self._counts[(operation, outcome)] = self._counts.get((operation, outcome), 0) + 1
            buckets = self._buckets.setdefault(operation, [0] * (len(BUCKETS) + 1))
            buckets[bisect_left(BUCKETS, seconds)] += 1
            self._sums[operation] = self._sums.get(operation, 0.0) + seconds

    def text(self) -> str:
        with self._lock:
            lines = ["# HELP custgraph_graphql_operations_total GraphQL operations served, by outcome.",
                     "# TYPE custgraph_graphql_operations_total counter"]
            for (operation, outcome), count in sorted(self._counts.items()):
                lines.append(f'custgraph_graphql_operations_total{{operation="{_label(operation)}",'
                             f'outcome="{outcome}"}} {count}')
            lines += ["# HELP custgraph_graphql_duration_seconds Time to answer a GraphQL operation.",
                      "# TYPE custgraph_graphql_duration_seconds histogram"]
            for operation, buckets in sorted(self._buckets.items()):
                name = _label(operation)
                total = 0
                for bound, count in zip((*BUCKETS, float("inf")), buckets, strict=True):
                    total += count
                    le = "+Inf" if bound == float("inf") else repr(bound)
                    lines.append(f'custgraph_graphql_duration_seconds_bucket{{operation="{name}",le="{le}"}} {total}')
                seconds = self._sums[operation]
                lines.append(f'custgraph_graphql_duration_seconds_sum{{operation="{name}"}} {seconds:.6f}')
                lines.append(f'custgraph_graphql_duration_seconds_count{{operation="{name}"}} {total}')
            return "\n".join(lines) + "\n"
