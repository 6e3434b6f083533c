"""``identity_neighbourhood`` on the embedded store: a few statements per relationship type for
all the ids at once (the events settler asks for a few hundred records every pass)."""

from collections.abc import Mapping
from typing import Any

from ...named_query import Rows
from ..graph import EmbeddedGraph, decoded
from .support import node_keys

TYPES = ("SAME_AS", "POSSIBLY_SAME_AS", "NOT_SAME_AS", "CONFIRMED_SAME_AS")


def run(graph: EmbeddedGraph, params: Mapping[str, Any]) -> Rows:
    found = graph.nodes_by_key("Identity", list(params["ids"]))
    ids = sorted(node_id for node_id, _ in found.values())
    customer_of = {start: end for start, end, _ in graph.links_by_id("RESOLVES_TO", ids, outgoing=True)}
    members: dict[int, list[int]] = {}
    for member, of, _ in graph.links_by_id("RESOLVES_TO", sorted(set(customer_of.values())), outgoing=False):
        members.setdefault(of, []).append(member)
    links: dict[int, list[tuple[str, int, int, str | None]]] = {}
    for rel_type in TYPES:
        for outgoing in (True, False):
            for start, end, props in graph.links_by_id(rel_type, ids, outgoing):
                links.setdefault(start if outgoing else end, []).append((rel_type, start, end, props))
    keys = node_keys(graph, sorted({*customer_of.values(), *(m for group in members.values() for m in group),
                                    *(end for held in links.values() for _, a, b, _ in held for end in (a, b))}))
    # Each customer's members sorted once: a row per member lists the others, and a customer of live
    # events has dozens of visitors' records.
    in_order = {customer: sorted(((keys[m], m) for m in group), key=lambda pair: str(pair[0]))
                for customer, group in members.items()}
    rows = []
    for key, (node_id, node_props) in sorted(found.items(), key=lambda item: str(item[0])):
        customer = customer_of.get(node_id)
        held = [{"type": rel_type, "a": keys[a], "b": keys[b], "props": decoded(props)}
                for rel_type, a, b, props in dict.fromkeys(links.get(node_id, []))]
        together = [] if customer is None else in_order.get(customer, [])
        rows.append({"identity_id": key, "props": node_props,
                     "customer_id": None if customer is None else keys[customer],
                     "members": [member for member, m in together if m != node_id],
                     "links": sorted(held, key=lambda link: (link["type"], str(link["a"]), str(link["b"])))})
    return rows
