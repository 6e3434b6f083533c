"""``cross_sell_paths`` on the embedded store (Cypher: ``queries/cross_sell_paths.cypher``)."""

from collections.abc import Mapping
from typing import Any

from ...named_query import Rows
from ..graph import EmbeddedGraph, NodeId, key_of
from .support import round_half_up


def _shares(graph: EmbeddedGraph, owned: list[NodeId], target: NodeId) -> list[tuple[float, str, int, int]]:
    """(share of X's buyers who also bought ``target``, X's sku, customers of both, X's buyers) for
    each owned product X with an ALSO_BOUGHT link to it, strongest first."""
    found = []
    for x in owned:
        link = graph.relationship("ALSO_BOUGHT", x, target)
        if link is not None:
            buyers = (graph.node(*x) or {})["buyers"]
            found.append((float(link["customers"]) / buyers, str(x[1]), link["customers"], buyers))
    found.sort(key=lambda share: (-share[0], share[1]))
    return found


def run(graph: EmbeddedGraph, params: Mapping[str, Any]) -> Rows:
    customer, target = ("Customer", params["customer_id"]), ("Product", params["sku"])
    if not graph.has_node(*customer) or not graph.has_node(*target):
        return []
    owned = [p for p, _ in graph.out(customer, "BOUGHT")]
    if target in owned:
        return []
    rows: list[dict[str, Any]] = []
    me, target_id = graph.node_id(*customer), graph.node_id(*target)
    target_buyers = graph.props(target).get("buyers") or 0
    customers, in_key_order = graph.census("Customer")
    for share, via, together, via_buyers in _shares(graph, owned, target)[: params["first"]]:
        via_id = graph.node_id("Product", via)
        params_ = {"bought": graph.code("BOUGHT"), "me": me, "via": via_id, "target": target_id}
        # The first other buyer of both by key: walking the customers in key order meets one about
        # every customers / together keys; walking the buyers of the product with fewer meets all.
        if in_key_order and 2 * customers / max(together, 1) < min(target_buyers, via_buyers):
            others = [str(key_of(key)) for (key,) in graph.select(
                "SELECT c.key FROM nodes c INDEXED BY nodes_by_key WHERE c.label = :customer AND c.id != :me "
                "AND EXISTS (SELECT 1 FROM relationships a WHERE a.type = :bought AND a.start_id = c.id "
                "AND a.end_id = :via) AND EXISTS (SELECT 1 FROM relationships b WHERE b.type = :bought "
                "AND b.start_id = c.id AND b.end_id = :target) ORDER BY c.key LIMIT 1",
                {**params_, "customer": graph.code("Customer")})]
        else:
            walked, probed = ("via", "target") if via_buyers <= target_buyers else ("target", "via")
            others = sorted(str(key_of(key)) for (key,) in graph.select(
                "SELECT c.key FROM relationships a INDEXED BY relationships_by_end, relationships b, nodes c "
                f"WHERE a.type = :bought AND a.end_id = :{walked} AND a.start_id != :me AND b.type = :bought "
                f"AND b.start_id = a.start_id AND b.end_id = :{probed} AND c.id = a.start_id", params_))
        if not others:
            continue
        other = others[0]
        rows.append({
            "via_sku": via, "other": other, "share": round_half_up(share, 4),
            "nodes": [{"label": "Customer", "key": customer[1]}, {"label": "Product", "key": via},
                      {"label": "Customer", "key": other}, {"label": "Product", "key": target[1]}],
            "relationships": [{"type": "BOUGHT", "start": customer[1], "end": via},
                              {"type": "BOUGHT", "start": other, "end": via},
                              {"type": "BOUGHT", "start": other, "end": target[1]}],
        })
    rows.sort(key=lambda row: (-(row["share"] or 0.0), row["via_sku"]))
    return rows
