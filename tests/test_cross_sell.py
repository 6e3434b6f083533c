"""Cross-sell respects the customer and reaches every customer, on both backends.

A small hand-made store: what a customer owns, returned or complained about is never offered; a
customer who only browsed gets offers from what they viewed; one with no signal at all gets the
best sellers of their country, said as such; every offer's path exists in the graph.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from custgraph import queries
from custgraph.graph import Store
from custgraph.loaders import load_sources
from custgraph.services import ResolveConfig, resolve
from tests.graph_paths import walk

AS_OF = "2026-11-01T00:00:00Z"
PRODUCTS = """sku,name,category
TEA-1,Sencha,tea
TEA-2,Gyokuro,tea
TEA-3,Hojicha,tea
POT-1,Kyusu,pots
POT-2,Tetsubin,pots
BOOK-1,Tea book,books
"""
CUSTOMERS = """source_id,name,email,country,email_opt_in,sms_opt_in
b1,Alice Archer,alice@example.com,US,true,
b2,Bruno Baker,bruno@example.com,US,true,true
b3,Chloe Carter,chloe@example.com,US,false,
b4,Daichi Doi,daichi@example.jp,JP,,
b5,Emi Endo,emi@example.jp,JP,,
b6,Fumio Fujii,fumio@example.jp,JP,,
t,Tomoko Tanaka,tomoko@example.jp,JP,,true
v,Victor Vance,victor@example.com,US,true,
w,Wakana Watanabe,wakana@example.jp,JP,,
n,Nobody Known,nobody@example.org,,,
"""
INTERACTIONS = """interaction_id,customer_id,type,at,sku,sentiment
p1,b1,purchase,2026-08-01T10:00:00Z,TEA-1|TEA-2,
p2,b2,purchase,2026-08-02T10:00:00Z,TEA-1|TEA-2|POT-1,
p3,b3,purchase,2026-08-03T10:00:00Z,TEA-1|POT-2,
p4,b4,purchase,2026-08-04T10:00:00Z,BOOK-1,
p5,b5,purchase,2026-08-05T10:00:00Z,BOOK-1|TEA-3,
p6,b6,purchase,2026-08-06T10:00:00Z,BOOK-1,
t1,t,purchase,2026-09-01T10:00:00Z,TEA-1,
t2,t,return,2026-09-05T10:00:00Z,TEA-3,
t3,t,support_ticket,2026-10-20T10:00:00Z,POT-1,-0.8
t4,t,web_visit,2026-10-21T10:00:00Z,BOOK-1,
v1,v,web_visit,2026-10-01T10:00:00Z,TEA-1,
v2,v,web_visit,2026-10-02T10:00:00Z,TEA-1,
w1,w,email_sent,2026-10-01T10:00:00Z,,
n1,n,email_sent,2026-10-01T10:00:00Z,,
"""


def _loaded(store: Store, tmp_path: Path) -> dict[str, str]:
    """Source id → golden customer id."""
    folder = tmp_path / "crm"
    folder.mkdir()
    for name, text in (("products.csv", PRODUCTS), ("customers.csv", CUSTOMERS), ("interactions.csv", INTERACTIONS)):
        (folder / name).write_text(text, encoding="utf-8")
    report = load_sources(store, [folder], tmp_path / "rejects.jsonl")
    assert report.total("rejected") == 0
    resolve(store, ResolveConfig())
    customers = {row["source_id"]: row["customer_id"] for row in store.run(queries.get("customer_identities"))}
    assert len(set(customers.values())) == len(customers), "the test's customers must stay apart"
    return customers


def _offers(store: Store, customer: str, **params: Any) -> list[dict[str, Any]]:
    return store.run(queries.get("cross_sell"), {"customer_id": customer, "as_of": AS_OF, **params})


def _walk(store: Store, customer: str, offer: dict[str, Any]) -> None:
    nodes, links = offer["path"]["nodes"], offer["path"]["relationships"]
    assert nodes[-1] == {"label": "Product", "key": offer["sku"]}
    if offer["because"][0]["kind"] != "best_seller":
        assert nodes[0] == {"label": "Customer", "key": customer}
    walk(store, nodes, links)


def test_offers_leave_out_what_was_owned_returned_or_complained_about(store: Store, tmp_path: Path) -> None:
    customers = _loaded(store, tmp_path)
    me = customers["t"]
    offers = _offers(store, me)
    skus = [offer["sku"] for offer in offers]
    assert "TEA-1" not in skus  # owned
    assert "TEA-3" not in skus  # returned
    assert not {"POT-1", "POT-2"} & set(skus)  # a complaint about a pot 12 days before
    assert skus[:2] == ["TEA-2", "BOOK-1"], offers  # bought with their tea; the book they viewed
    assert offers[0]["because"][0] | {"customers": 0} == {
        "kind": "also_bought", "sku": "TEA-1", "name": "Sencha", "signal": "bought", "category": None,
        "region": None, "customers": 0, "buyers": 4}
    assert any(r["kind"] == "category" and r["signal"] == "viewed" for r in offers[1]["because"]), offers[1]
    for offer in offers:
        _walk(store, me, offer)
    # The complaint's window is configurable: ten days leave it out, and the pots come back.
    later = [offer["sku"] for offer in _offers(store, me, complaint_days=10)]
    assert {"POT-1", "POT-2"} <= set(later)
    assert "TEA-3" not in later


def test_a_customer_who_only_browsed_gets_offers_from_what_they_viewed(store: Store, tmp_path: Path) -> None:
    customers = _loaded(store, tmp_path)
    me = customers["v"]
    offers = _offers(store, me, k=3)
    assert offers and offers[0]["sku"] == "TEA-2", offers
    first = offers[0]["because"][0]
    assert (first["kind"], first["sku"], first["signal"]) == ("also_bought", "TEA-1", "viewed")
    assert [n["label"] for n in offers[0]["path"]["nodes"]] == ["Customer", "Interaction", "Product", "Product"]
    assert offers[0]["path"]["nodes"][1]["key"] == "crm:v2"  # the newest view
    assert "TEA-1" in [offer["sku"] for offer in offers]  # viewed, not bought: still an offer
    for offer in offers:
        _walk(store, me, offer)


def test_a_customer_without_any_signal_gets_the_best_sellers_of_their_country(store: Store, tmp_path: Path) -> None:
    customers = _loaded(store, tmp_path)
    japan = _offers(store, customers["w"], k=5)
    # Bought in Japan: BOOK-1 by three customers, TEA-1 (t) and TEA-3 (b5) by one each; everyone's
    # purchases (12) count as much as Japan's (5): TEA-2 (2 buyers) and POT-1 (1) follow, from elsewhere.
    assert [(o["sku"], o["because"][0]["region"], o["because"][0]["customers"]) for o in japan] == [
        ("BOOK-1", "JP", 3), ("TEA-1", "JP", 1), ("TEA-3", "JP", 1), ("TEA-2", None, 2), ("POT-1", None, 1)]
    assert all(o["score"] == 0.0 and o["because"][0]["kind"] == "best_seller" for o in japan), japan
    # Without a country: the best sellers of everyone.
    everyone = _offers(store, customers["n"], k=3)
    assert [(o["sku"], o["because"][0]["region"], o["because"][0]["customers"]) for o in everyone] == [
        ("TEA-1", None, 4), ("BOOK-1", None, 3), ("TEA-2", None, 2)]
    for offer in japan + everyone:
        _walk(store, customers["w"], offer)
    # A new purchase in Japan counts at once (the embedded store keeps the counts until a write).
    more = tmp_path / "more" / "crm"
    more.mkdir(parents=True)
    (more / "customers.csv").write_text("source_id,name,email,country\nx,Xiao Xu,xiao@example.jp,JP\n")
    (more / "interactions.csv").write_text("interaction_id,customer_id,type,at,sku\n"
                                           "x1,x,purchase,2026-10-05T10:00:00Z,POT-2\n")
    load_sources(store, [more], tmp_path / "more-rejects.jsonl")
    resolve(store, ResolveConfig())
    later = _offers(store, customers["w"], k=5)
    assert ("POT-2", "JP", 1) in [(o["sku"], o["because"][0]["region"], o["because"][0]["customers"]) for o in later]


def test_an_outreach_list_keeps_to_consent_and_counts_who_it_left_out(store: Store, tmp_path: Path) -> None:
    customers = _loaded(store, tmp_path)
    name = {customer: source for source, customer in customers.items()}

    def prospects(channel: str | None) -> list[str]:
        return [name[row["customer_id"]] for row in store.run(queries.get("prospects_for_product"),
                                                              {"sku": "POT-1", "channel": channel})]

    def consent(channel: str) -> dict[str, int]:
        return store.run(queries.get("prospects_consent"), {"sku": "POT-1", "channel": channel})[0]

    # POT-1 was bought with TEA-1 and TEA-2; their buyers without it: b1, b3 and t.
    assert sorted(prospects(None)) == ["b1", "b3", "t"]
    assert prospects("email") == ["b1"]  # b3 said no, t never said
    assert prospects("sms") == ["t"]
    assert consent("email") == {"prospects": 3, "reachable": 1, "left_out": 2}
    assert consent("sms") == {"prospects": 3, "reachable": 1, "left_out": 2}
    assert consent("post") == {"prospects": 3, "reachable": 0, "left_out": 3}
    assert store.run(queries.get("prospects_consent"), {"sku": "NO-SUCH", "channel": "email"}) == []
