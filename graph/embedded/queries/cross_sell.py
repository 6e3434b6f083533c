"""``cross_sell`` on the embedded store (Cypher: ``queries/cross_sell.cypher``)."""

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ...named_query import Rows
from ..graph import EmbeddedGraph, NodeId, key_of
from .support import as_of, round_half_up

SIGNALS = {"add_to_cart": (0, 1.0, "carted"), "web_visit": (1, 0.5, "viewed"), "support_ticket": (1, 0.5, "asked")}
PRIOR = 0.2  # interest every category gets, so that a category's best products count a little anywhere


@dataclass(frozen=True)
class Interest:
    product: NodeId
    props: Mapping[str, Any]
    weight: float
    signal: str
    via: str | None  # the interaction that showed it; None for a purchase (BOUGHT)


@dataclass
class Part:
    part: float
    via: str | None
    reason: dict[str, Any]


@dataclass
class Offer:
    sku: str
    name: Any
    category: Any
    score: float
    parts: list[Part]


def _ruled_out(graph: EmbeddedGraph, customer: NodeId, params: Mapping[str, Any]) -> tuple[set[str], set[str]]:
    """(skus the customer returned, categories they complained about in the window)."""
    now = as_of(params)
    since = now - dt.timedelta(days=params["complaint_days"])
    returned: set[str] = set()
    complained: set[str] = set()
    for x, props in graph.out_nodes(customer, "HAD"):
        kind = props.get("type")
        sentiment = props.get("sentiment")
        if kind == "return":
            returned.update(str(p[1]) for p, _ in graph.out(x, "ABOUT"))
        elif kind == "support_ticket" and sentiment is not None and sentiment <= -0.5 and since <= props["at"] < now:
            complained.update(category for _, product in graph.out_nodes(x, "ABOUT")
                              if (category := product.get("category")) is not None)
    return returned, complained


def _interest(graph: EmbeddedGraph, customer: NodeId, owned: dict[str, Mapping[str, Any]]) -> list[Interest]:
    """What the customer bought, and the strongest other signal per product they did not buy."""
    found = [Interest(("Product", sku), props, 1.0, "bought", None) for sku, props in owned.items()]
    best: dict[str, tuple[tuple[Any, ...], Interest]] = {}
    for x, props in graph.out_nodes(customer, "HAD"):
        signal = SIGNALS.get(props.get("type"))  # type: ignore[arg-type]
        if signal is None:
            continue
        rank, weight, name = signal
        for product, product_props in graph.out_nodes(x, "ABOUT"):
            sku = str(product[1])
            if sku in owned:
                continue
            # Cypher: ORDER BY carted first, x.at DESC, x.interaction_id DESC; the first wins.
            key = (rank, _Desc(props["at"]), _Desc(str(x[1])))
            if sku not in best or key < best[sku][0]:
                best[sku] = (key, Interest(product, product_props, weight, name, str(x[1])))
    found.extend(item for _, item in best.values())
    found.sort(key=lambda i: (-i.weight, str(i.product[1])))
    return found


class _Desc:
    """A sort key that orders its value descending."""

    def __init__(self, value: Any) -> None:
        self.value = value

    def __lt__(self, other: "_Desc") -> bool:
        return bool(self.value > other.value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Desc) and bool(self.value == other.value)


def _in_category(graph: EmbeddedGraph, product: NodeId, category: str) -> dict[str, Mapping[str, Any]]:
    """Every product whose ``category`` is this one (they share the product's Category node)."""
    members: dict[str, Mapping[str, Any]] = {}
    for node, _ in graph.out(product, "IN_CATEGORY"):
        for member, props in graph.into_nodes(node, "IN_CATEGORY"):
            if props.get("category") == category:
                members[str(member[1])] = props
    return members


def _scored(graph: EmbeddedGraph, interest: list[Interest], taken: set[str], complained: set[str],
            k: int) -> list[Offer]:
    candidates: dict[str, Mapping[str, Any]] = {}
    together: dict[str, dict[int, Any]] = {}  # sku → interest index → its ALSO_BOUGHT link
    for n, item in enumerate(interest):
        for y, link in graph.out(item.product, "ALSO_BOUGHT"):
            candidates.setdefault(str(y[1]), {})
            together.setdefault(str(y[1]), {})[n] = link
    categories: dict[str, dict[str, Mapping[str, Any]]] = {}
    for item in interest:
        category = item.props.get("category")
        if category is not None and category not in categories:
            categories[category] = _in_category(graph, item.product, category)
            candidates.update(categories[category])
    known = graph.nodes_by_key("Product", [sku for sku, props in candidates.items() if not props])
    candidates.update({str(sku): props for sku, (_, props) in known.items()})
    rows = []
    for sku, props in candidates.items():
        category = props.get("category")
        if sku in taken or (category is not None and category in complained):
            continue
        if category is not None and category not in categories:
            categories[category] = _in_category(graph, ("Product", sku), category)
        members = categories.get(category, {}) if category is not None else {}
        category_buyers = sum(int(p.get("buyers") or 0) for p in members.values())
        buyers = int(props.get("buyers") or 0)
        within = float(buyers) / category_buyers if category_buyers > 0 else 0.0
        parts = []
        links = together.get(sku, {})
        for n, item in enumerate(interest):
            if n not in links:
                continue
            both, x_buyers = links[n]["customers"], item.props["buyers"]
            parts.append(Part(item.weight * both / math.sqrt(float(x_buyers) * props["buyers"]), item.via,
                              {"kind": "also_bought", "sku": str(item.product[1]), "name": item.props.get("name"),
                               "signal": item.signal, "category": None, "region": None,
                               "customers": both, "buyers": x_buyers}))
        near = [item for item in interest if category is not None and item.props.get("category") == category]
        prior = PRIOR * within if not near else 0.0
        if near:
            affinity = 0.0
            for item in near:
                affinity += item.weight
            first = near[0]
            parts.append(Part((affinity + PRIOR) * within, first.via,
                              {"kind": "category", "sku": str(first.product[1]), "name": first.props.get("name"),
                               "signal": first.signal, "category": category, "region": None,
                               "customers": buyers, "buyers": category_buyers}))
        parts.sort(key=lambda part: (-part.part, part.reason["kind"], part.reason["sku"]))
        total = 0.0
        for part in parts:
            total += part.part
        rows.append(Offer(sku, props.get("name"), category, round_half_up(total + prior, 4) or 0.0, parts[:3]))
    rows.sort(key=lambda row: (-row.score, row.sku))
    return rows[:k]


def _by_country(graph: EmbeddedGraph) -> dict[Any, dict[str, int]]:
    """Country → sku → customers of that country who bought it: one grouped pass over every
    ``BOUGHT`` link, none decoded, kept until the store changes (``per_version``)."""
    found: dict[Any, dict[str, int]] = {}
    for country, key, n in graph.select(
            "SELECT json_extract(c.props, '$.country'), p.key, count(*) FROM nodes c, relationships r, nodes p "
            "WHERE c.label = :customer AND r.type = :bought AND r.start_id = c.id AND p.id = r.end_id "
            "AND json_extract(c.props, '$.country') IS NOT NULL GROUP BY 1, 2",
            {"customer": graph.code("Customer"), "bought": graph.code("BOUGHT")}):
        found.setdefault(country, {})[str(key_of(key))] = int(n)
    return found


def _best_sellers(graph: EmbeddedGraph, country: Any, taken: set[str], complained: set[str],
                  k: int) -> list[Offer]:
    """The products most bought by customers of ``country``, with everyone's purchases as a prior
    as strong as the country's own (everyone's alone without a country)."""
    local: dict[str, int] = graph.per_version("buyers by country", lambda: _by_country(graph)).get(country, {})
    products = {str(key): props for _, key, props in graph.nodes("Product") if (props.get("buyers") or 0) > 0}
    everywhere = sum(int(props["buyers"]) for props in products.values())
    here = sum(local.values())
    found = []
    for sku, props in products.items():
        category = props.get("category")
        if sku in taken or (category is not None and category in complained):
            continue
        customers, buyers = local.get(sku, 0), int(props["buyers"])
        rank = customers + float(here) / everywhere * buyers if here > 0 else float(buyers)
        found.append((rank, Offer(sku, props.get("name"), category, 0.0, [
            Part(0.0, None, {"kind": "best_seller", "sku": sku, "name": props.get("name"), "signal": None,
                             "category": None, "region": country if customers > 0 else None,
                             "customers": customers if customers > 0 else buyers, "buyers": buyers})])))
    found.sort(key=lambda row: (-row[0], row[1].sku))
    return [offer for _, offer in found[:k]]


def _path(graph: EmbeddedGraph, customer: str, offer: Offer) -> dict[str, Any]:
    first = offer.parts[0]
    reason, sku = first.reason, offer.sku
    if reason["kind"] == "best_seller":
        return {"nodes": [{"label": "Product", "key": sku}], "relationships": []}
    if first.via is None:
        nodes = [{"label": "Customer", "key": customer}, {"label": "Product", "key": reason["sku"]}]
        links = [{"type": "BOUGHT", "start": customer, "end": reason["sku"]}]
    else:
        nodes = [{"label": "Customer", "key": customer}, {"label": "Interaction", "key": first.via},
                 {"label": "Product", "key": reason["sku"]}]
        links = [{"type": "HAD", "start": customer, "end": first.via},
                 {"type": "ABOUT", "start": first.via, "end": reason["sku"]}]
    if reason["kind"] == "also_bought":
        return {"nodes": [*nodes, {"label": "Product", "key": sku}],
                "relationships": [*links, {"type": "ALSO_BOUGHT", "start": reason["sku"], "end": sku}]}
    category_id = next((node[1] for node, _ in graph.out(("Product", sku), "IN_CATEGORY")), None)
    return {"nodes": [*nodes, {"label": "Category", "key": category_id}, {"label": "Product", "key": sku}],
            "relationships": [*links, {"type": "IN_CATEGORY", "start": reason["sku"], "end": category_id},
                              {"type": "IN_CATEGORY", "start": sku, "end": category_id}]}


def run(graph: EmbeddedGraph, params: Mapping[str, Any]) -> Rows:
    customer = ("Customer", params["customer_id"])
    props = graph.node(*customer)
    if props is None:
        return []
    k = params["k"]
    returned, complained = _ruled_out(graph, customer, params)
    owned: dict[str, Mapping[str, Any]] = {str(p[1]): product for p, product in graph.out_nodes(customer, "BOUGHT")}
    interest = _interest(graph, customer, owned)
    taken = set(owned) | returned
    offers = _scored(graph, interest, taken, complained, k)
    if len(offers) < k:
        offers += _best_sellers(graph, props.get("country"), taken | {o.sku for o in offers}, complained, k)
    key = str(params["customer_id"])
    return [{"sku": offer.sku, "name": offer.name, "category": offer.category, "score": offer.score,
             "because": [part.reason for part in offer.parts], "path": _path(graph, key, offer)}
            for offer in offers[:k]]
