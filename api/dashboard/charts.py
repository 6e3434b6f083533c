"""The geometry of the dashboard's SVG charts, worked out on the server.

Why SVG from the server rather than a chart library in the browser: nothing to vendor or
build, the page needs no script (its Content-Security-Policy forbids any), a chart is as
fast as the table beside it, and each chart has a table with the same numbers for screen
readers and for copying.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["Line", "Sankey", "heat_class", "line", "path_graph", "sankey"]


@dataclass(frozen=True)
class Line:
    width: int
    height: int
    points: list[tuple[float, float, str, float]]  # x, y, label, value
    low: float
    high: float

    @property
    def polyline(self) -> str:
        return " ".join(f"{x:.1f},{y:.1f}" for x, y, _, _ in self.points)


def line(values: Sequence[tuple[str, float | None]], width: int = 640, height: int = 160,
         low: float = -100.0, high: float = 100.0) -> Line:
    """Points of a line over labelled values (None left out) on a fixed scale, so that two months'
    charts compare by eye."""
    pad = 24
    kept = [(index, label, value) for index, (label, value) in enumerate(values) if value is not None]
    span = max(1, len(values) - 1)
    points = [(pad + (width - 2 * pad) * index / span,
               pad + (height - 2 * pad) * (high - value) / (high - low), label, value)
              for index, label, value in kept]
    return Line(width, height, points, low, high)


def heat_class(nps: float | None) -> str:
    """A CSS class for an NPS cell, in bands of 20 points (colours in dashboard.css)."""
    if nps is None:
        return "heat-none"
    band = min(9, max(0, int((nps + 100) // 20)))
    return f"heat-{band}"


@dataclass(frozen=True)
class Sankey:
    width: int
    height: int
    nodes: list[dict[str, Any]]  # x, y, height, type, customers, column
    links: list[dict[str, Any]]  # d (path), width, share, source, target, customers


def sankey(paths: Sequence[tuple[Sequence[str], int]], width: int = 760, height: int = 320,
           align_right: bool = False) -> Sankey:
    """Flows of journeys: one column per step, one node per touchpoint type at that step, a link per
    (step type → next step type) carrying the customers of the paths that take it. Paths are
    (types, customers); ``align_right`` lines paths up by their last step (paths into a touchpoint)."""
    total = sum(customers for _, customers in paths) or 1
    columns = max((len(types) for types, _ in paths), default=0)
    node_size: dict[tuple[int, str], int] = {}
    flow: dict[tuple[int, str, str], int] = {}
    for path, customers in paths:
        types = list(path)
        offset = columns - len(types) if align_right else 0
        for index, kind in enumerate(types):
            column = offset + index
            node_size[(column, kind)] = node_size.get((column, kind), 0) + customers
            if index + 1 < len(types):
                key = (column, kind, types[index + 1])
                flow[key] = flow.get(key, 0) + customers
    pad, node_width, gap = 8, 12, 10
    scale = (height - 2 * pad - gap * 6) / total
    step_x = (width - 2 * pad - node_width - 120) / max(1, columns - 1)
    nodes: list[dict[str, Any]] = []
    top: dict[tuple[int, str], float] = {}
    for column in range(columns):
        y = float(pad)
        for (col, kind), size in sorted(node_size.items(), key=lambda item: (-item[1], item[0][1])):
            if col != column:
                continue
            top[(col, kind)] = y
            nodes.append({"x": pad + column * step_x, "y": y, "height": max(2.0, size * scale), "type": kind,
                          "customers": size, "column": column})
            y += max(2.0, size * scale) + gap
    out_used = dict.fromkeys(top, 0.0)
    in_used = dict.fromkeys(top, 0.0)
    links: list[dict[str, Any]] = []
    for (column, source, target), customers in sorted(flow.items(), key=lambda item: (item[0][0], -item[1])):
        thickness = max(1.0, customers * scale)
        x0 = pad + column * step_x + node_width
        x1 = pad + (column + 1) * step_x
        y0 = top[(column, source)] + out_used[(column, source)] + thickness / 2
        y1 = top[(column + 1, target)] + in_used[(column + 1, target)] + thickness / 2
        out_used[(column, source)] += thickness
        in_used[(column + 1, target)] += thickness
        middle = (x0 + x1) / 2
        links.append({"d": f"M{x0:.1f},{y0:.1f} C{middle:.1f},{y0:.1f} {middle:.1f},{y1:.1f} {x1:.1f},{y1:.1f}",
                      "width": thickness, "share": customers / total, "source": source, "target": target,
                      "customers": customers, "column": column})
    return Sankey(width, height, nodes, links)


def path_graph(path: Mapping[str, Any] | None, height: int = 70) -> dict[str, Any]:
    """A cross-sell path (customer → what they showed interest in → ... → the offered product) laid
    out left to right, 130 px a step so that touchpoint ids do not overlap."""
    nodes = list((path or {}).get("nodes") or [])
    width = 120 + 130 * max(1, len(nodes) - 1)
    step = (width - 120) / max(1, len(nodes) - 1)
    placed = [{"x": 60 + index * step, "y": height / 2, "label": node["label"], "key": node["key"]}
              for index, node in enumerate(nodes)]
    where = {node["key"]: node for node in placed}
    edges = [{"x0": where[r["start"]]["x"], "x1": where[r["end"]]["x"], "y": height / 2, "type": r["type"]}
             for r in (path or {}).get("relationships") or [] if r["start"] in where and r["end"] in where]
    return {"width": width, "height": height, "nodes": placed, "edges": edges}
