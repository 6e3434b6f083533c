"""``journey_variants`` on the embedded store (Cypher: ``queries/journey_variants.cypher``)."""

from collections.abc import Mapping
from typing import Any

from ...named_query import Rows
from ..graph import EmbeddedGraph
from .support import round_half_up


def run(graph: EmbeddedGraph, params: Mapping[str, Any]) -> Rows:
    variants: dict[tuple[str, ...], list[int]] = {}
    for _, journey in graph.journeys(("type",)):
        types = [kind for (kind,) in journey]
        collapsed = [t for n, t in enumerate(types) if n == 0 or types[n - 1] != t]
        entry = variants.setdefault(tuple(collapsed[: params["steps"]]), [0, 0])
        entry[0] += 1
        entry[1] += "purchase" in types
    ranked = sorted(variants.items(), key=lambda item: (-item[1][0], list(item[0])))
    return [{"variant": list(variant), "customers": customers, "converted": converted,
             "conversion": round_half_up(converted / customers, 4)}
            for variant, (customers, converted) in ranked[: params["limit"]]]
