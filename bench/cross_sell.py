"""Cross-sell quality: hide each person's most recent purchase, recommend from the rest.

    python bench/cross_sell.py [--customers 5000] [--backend embedded|neo4j] [--record]

Generates persons (seed 7), removes every person's most recent purchase and
all they did from a day before it from the source files, loads and resolves what is left, and asks ``cross_sell`` (k =
10) for the customer whose record made the hidden purchase. A hit is a hidden
product among the ten (products the customer already owned are not counted:
they are no cross-sell). The baseline, measured in the same run on the same
store, recommends the products with the most buyers that the customer does not
own. Reports hit rate@10 and NDCG@10 of both; target: at least twice the
baseline's hit rate. Neo4j comes from CUSTGRAPH_TEST_NEO4J_URI / _USER / _PASSWORD.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import math
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from neo4j_target import target
from provenance import heading

from custgraph import queries
from custgraph.graph import Store
from custgraph.graph.embedded import EmbeddedStore
from custgraph.loaders import load_sources
from custgraph.samples.generate import SOURCES, generate
from custgraph.services import ResolveConfig, resolve

RESULTS = Path(__file__).with_name("RESULTS.md")
K = 10


@dataclass
class Hidden:
    identity_id: str
    skus: set[str]


Purchase = tuple[str, str, str, list[str], str]  # source, record id, at, skus, interaction id


def _purchases(root: Path) -> list[Purchase]:
    found: list[Purchase] = []
    with open(root / "crm" / "interactions.csv", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["type"] == "purchase":
                found.append(("crm", row["customer_id"], row["at"], row["sku"].split("|"), row["interaction_id"]))
    with open(root / "webshop" / "interactions.jsonl", encoding="utf-8") as handle:
        for line in handle:
            row = json.loads(line)
            if row["type"] == "purchase":
                skus = row["sku"] if isinstance(row["sku"], list) else [row["sku"]]
                found.append(("webshop", row["customer_id"], row["at"], skus, row["interaction_id"]))
    return found


def hold_out(root: Path, train: Path) -> dict[str, Hidden]:
    """Copy ``root`` to ``train`` cut before each person's most recent purchase: that purchase and
    everything the person did from a day before it (the visits and cart of that session would give
    it away) are left out. Returns person → the hidden purchase."""
    with open(root / "truth.csv", encoding="utf-8") as handle:
        person_of = {(r["source"], r["source_id"]): r["person_id"] for r in csv.DictReader(handle)}
    latest: dict[str, Purchase] = {}
    for purchase in _purchases(root):
        person = person_of[(purchase[0], purchase[1])]
        if person not in latest or (purchase[2], purchase[4]) > (latest[person][2], latest[person][4]):
            latest[person] = purchase
    cut = {person: (dt.datetime.fromisoformat(p[2]) - dt.timedelta(days=1)).isoformat() for person, p in latest.items()}

    def kept(source: str, row: dict[str, Any]) -> bool:
        person = person_of[(source, row["customer_id"])]
        return person not in cut or dt.datetime.fromisoformat(row["at"]).isoformat() < cut[person]

    shutil.copytree(root, train, dirs_exist_ok=False)
    for source in SOURCES:
        if source == "webshop":
            with open(root / source / "interactions.jsonl", encoding="utf-8") as original, \
                    open(train / source / "interactions.jsonl", "w", encoding="utf-8") as out:
                out.writelines(line for line in original if kept(source, json.loads(line)))
            continue
        with open(root / source / "interactions.csv", encoding="utf-8") as original, \
                open(train / source / "interactions.csv", "w", encoding="utf-8", newline="") as out:
            reader = csv.DictReader(original)
            writer = csv.DictWriter(out, fieldnames=reader.fieldnames or [])
            writer.writeheader()
            writer.writerows(row for row in reader if kept(source, row))
    return {person: Hidden(f"{p[0]}:{p[1]}", set(p[3])) for person, p in latest.items()}


def _ndcg(ranked: list[str], relevant: set[str]) -> float:
    gain = sum(1 / math.log2(rank + 2) for rank, sku in enumerate(ranked[:K]) if sku in relevant)
    ideal = sum(1 / math.log2(rank + 2) for rank in range(min(K, len(relevant))))
    return gain / ideal


def evaluate(store: Store, hidden: dict[str, Hidden]) -> dict[str, float]:
    customer_of = {f"{r['source']}:{r['source_id']}": r["customer_id"]
                   for r in store.run(queries.get("customer_identities"))}
    products = store.run(queries.get("product_popularity"))
    popular = [row["sku"] for row in products]
    totals = {"customers": 0, "hits": 0, "ndcg": 0.0, "baseline_hits": 0, "baseline_ndcg": 0.0}
    for item in hidden.values():
        customer = customer_of.get(item.identity_id)
        if customer is None:
            continue
        profile = store.run(queries.get("customer_profile"), {"customer_id": customer})[0]
        owned = {p["sku"] for p in profile["products"]}
        relevant = item.skus - owned
        if not owned or not relevant:
            continue  # nothing to recommend from, or nothing new to find
        ours = [row["sku"] for row in store.run(queries.get("cross_sell"), {"customer_id": customer, "k": K})]
        baseline = [sku for sku in popular if sku not in owned][:K]
        totals["customers"] += 1
        totals["hits"] += bool(relevant & set(ours))
        totals["ndcg"] += _ndcg(ours, relevant)
        totals["baseline_hits"] += bool(relevant & set(baseline))
        totals["baseline_ndcg"] += _ndcg(baseline, relevant)
    n = totals["customers"] or 1
    return {"customers": totals["customers"], "hit_rate": totals["hits"] / n, "ndcg": totals["ndcg"] / n,
            "baseline_hit_rate": totals["baseline_hits"] / n, "baseline_ndcg": totals["baseline_ndcg"] / n}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=5000, help="persons to generate")
    parser.add_argument("--backend", choices=["embedded", "neo4j"], default="embedded")
    parser.add_argument("--record", action="store_true", help="append the result to bench/RESULTS.md")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="custgraph-cross-sell-"))
    generate(work / "full", args.customers, seed=7)
    hidden = hold_out(work / "full", work / "train")
    folders = [work / "train" / source for source in SOURCES]
    if args.backend == "embedded":
        store: Store = EmbeddedStore(work / "store")
        store.init()
    else:
        neo4j = target()
        if neo4j is None:
            return 2
        neo4j_store = neo4j.store()
        neo4j_store.wipe()
        neo4j_store.init()
        store = neo4j_store
    with store:
        load_sources(store, folders, work / "rejects.jsonl")
        resolve(store, ResolveConfig())
        result = evaluate(store, hidden)
    ratio = result["hit_rate"] / result["baseline_hit_rate"] if result["baseline_hit_rate"] else float("inf")
    line = (f"- {args.backend}, {args.customers:,} persons, {result['customers']:,} customers with a hidden "
            f"new product: hit rate@10 **{result['hit_rate']:.3f}** vs popularity {result['baseline_hit_rate']:.3f} "
            f"(**{ratio:.2f}x**); NDCG@10 {result['ndcg']:.3f} vs {result['baseline_ndcg']:.3f}")
    print(line)
    if args.record:
        with open(RESULTS, "a", encoding="utf-8") as results:
            results.write(heading("Cross-sell quality") + "seed 7; each person's most recent purchase hidden; "
                          f"target: hit rate >= 2x the popularity baseline's.\n\n{line}\n")
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
