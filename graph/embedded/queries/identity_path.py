"""``identity_path`` on the embedded store: breadth-first search over SAME_AS within the customer."""

from collections import deque
from collections.abc import Mapping
from typing import Any

from ...named_query import Rows
from ..graph import EmbeddedGraph, NodeId


def run(graph: EmbeddedGraph, params: Mapping[str, Any]) -> Rows:
    start, goal = ("Identity", params["a"]), ("Identity", params["b"])
    customer_a = next(graph.out(start, "RESOLVES_TO"), None)
    customer_b = next(graph.out(goal, "RESOLVES_TO"), None)
    if customer_a is None or customer_b is None or customer_a[0] != customer_b[0] or start == goal:
        return []
    members = {identity for identity, _ in graph.into(customer_a[0], "RESOLVES_TO")}
    came_from: dict[NodeId, tuple[NodeId, dict[str, Any]]] = {}
    queue = deque([start])
    seen = {start}
    while queue:
        node = queue.popleft()
        if node == goal:
            break
        steps = [(other, props) for other, props in graph.out(node, "SAME_AS")]
        steps += [(other, props) for other, props in graph.into(node, "SAME_AS")]
        for other, props in sorted(steps, key=lambda step: str(step[0][1])):
            if other in members and other not in seen:
                seen.add(other)
                came_from[other] = (node, props)
                queue.append(other)
    if goal not in came_from:
        return []
    path = []
    node = goal
    while node != start:
        previous, props = came_from[node]
        path.append((previous, node, props))
        node = previous
    return [{"step": step, "from": a[1], "to": b[1], "rule": props.get("rule"), "score": props.get("score"),
             "evidence": props.get("evidence")} for step, (a, b, props) in enumerate(reversed(path))]
