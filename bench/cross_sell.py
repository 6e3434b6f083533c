"""Cross-sell against standard recommenders: hide each person's most recent purchase, recommend from the rest.

    python bench/cross_sell.py [--customers 5000] [--backend embedded|neo4j] [--record]

Generates persons (seed 7), removes every person's most recent purchase and all they did from a
day before it from the source files, loads and resolves what is left, and asks ``cross_sell``
(k = 10) for the customer whose record made the hidden purchase. A hit is a hidden product among
the ten (products the customer already owned are not counted: they are no cross-sell).

Measured in the same run on the same store: popularity (the products with the most buyers the
customer does not own), item-kNN, EASE and implicit ALS (bench/recommenders.py), trained on every
customer's purchases there. Customers who bought nothing before the hidden purchase (cold start)
are reported apart: the standard models get what they viewed, carted or asked about instead.
Reports hit rate@10, NDCG@10, the share of customers given any offer and catalogue coverage;
target: ours at least as good as the best of them. Neo4j comes from CUSTGRAPH_TEST_NEO4J_URI /
_USER / _PASSWORD.
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
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import recommenders
from neo4j_target import target
from provenance import heading
from recommenders import Recommender
from rich.progress import Progress

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


SIGNALS = ("web_visit", "add_to_cart", "support_ticket")  # interest short of buying


@dataclass
class Case:
    """One customer to recommend for: what the store knows of them, and what they bought next."""

    customer_id: str
    owned: set[str]
    signals: list[str]  # products viewed, carted or asked about, for customers who own nothing
    relevant: set[str]


@dataclass
class Score:
    hits: int = 0
    ndcg: float = 0.0
    offered: int = 0  # customers given at least one product
    cases: int = 0

    def add(self, ranked: list[str], relevant: set[str]) -> None:
        self.cases += 1
        self.offered += bool(ranked)
        self.hits += bool(relevant & set(ranked[:K]))
        self.ndcg += _ndcg(ranked, relevant)


def cases(store: Store, hidden: dict[str, Hidden]) -> list[Case]:
    """The customers whose hidden purchase holds a product they did not own by then."""
    customer_of = {f"{r['source']}:{r['source_id']}": r["customer_id"]
                   for r in store.run(queries.get("customer_identities"))}
    found = []
    for item in hidden.values():
        customer = customer_of.get(item.identity_id)
        if customer is None:
            continue
        profile = store.run(queries.get("customer_profile"), {"customer_id": customer})[0]
        owned = {p["sku"] for p in profile["products"]}
        relevant = item.skus - owned
        if not relevant:
            continue  # nothing new to find
        signals = [] if owned else [sku for touch in store.run(queries.get("journey"), {"customer_id": customer})
                                    if touch["type"] in SIGNALS for sku in touch["skus"]]
        found.append(Case(customer, owned, signals, relevant))
    return found


def standard_models(store: Store) -> tuple[recommenders.Purchases, dict[str, Recommender]]:
    """The standard recommenders, trained on every customer's purchases in the store, each at
    every setting of a small grid (the report keeps each model's best on this very split, which
    favours them over ours: ours has no setting tuned to it)."""
    baskets = {}
    for row in store.run(queries.get("customer_identities")):
        customer = row["customer_id"]
        if customer is not None and customer not in baskets:
            profile = store.run(queries.get("customer_profile"), {"customer_id": customer})[0]
            baskets[customer] = {p["sku"] for p in profile["products"]}
    data = recommenders.Purchases(baskets, [row["sku"] for row in store.run(queries.get("product_popularity"))])
    models: dict[str, Recommender] = {"item-kNN": recommenders.item_knn(data, K)}
    for regularisation in EASE_GRID:
        models[f"EASE lambda={regularisation:g}"] = recommenders.ease(data, K, regularisation)
    for factors, regularisation, alpha in ALS_GRID:
        models[f"ALS f={factors} lambda={regularisation:g} alpha={alpha:g}"] = recommenders.als(
            data, K, factors, regularisation, alpha)
    return data, models


EASE_GRID = (10.0, 50.0, 200.0, 800.0)
ALS_GRID = ((8, 0.01, 1.0), (16, 0.01, 1.0), (32, 0.01, 1.0), (32, 0.1, 10.0), (64, 0.1, 1.0), (64, 0.1, 10.0))


GROUPS = {"warm": "bought before", "browsed": "cold start: bought nothing before, viewed, carted or asked",
          "unknown": "cold start: no signal at all"}


@dataclass
class Report:
    """Per group of customers (``GROUPS``), per method: its score; and the catalogue share each
    method offered to everyone."""

    scores: dict[str, dict[str, Score]]
    coverage: dict[str, float]
    catalogue: int


def _group(case: Case) -> str:
    return "warm" if case.owned else "browsed" if case.signals else "unknown"


def evaluate(store: Store, hidden: dict[str, Hidden]) -> Report:
    data, models = standard_models(store)
    popular = [row["sku"] for row in store.run(queries.get("product_popularity"))]

    def popularity(case: Case) -> list[str]:
        return [sku for sku in popular if sku not in case.owned][:K]

    def standard(model: Recommender) -> Callable[[Case], list[str]]:
        """A standard model's offers; popularity for a customer it has nothing to go on for, as usual."""
        def offers(case: Case) -> list[str]:
            have = data.row(sorted(case.owned) or case.signals)
            return [data.skus[i] for i in model(have)] if have else popularity(case)
        return offers

    methods: dict[str, Callable[[Case], list[str]]] = {
        "ours": lambda case: [row["sku"] for row in store.run(queries.get("cross_sell"),
                                                              {"customer_id": case.customer_id, "k": K})],
        "popularity": popularity,
    }
    methods.update({name: standard(model) for name, model in models.items()})
    scores = {group: {name: Score() for name in methods} for group in GROUPS}
    offered: dict[str, set[str]] = {name: set() for name in methods}
    for case in progress(cases(store, hidden), "recommending"):
        for name, method in methods.items():
            ranked = method(case)
            scores[_group(case)][name].add(ranked, case.relevant)
            offered[name].update(ranked[:K])
    return Report(scores, {name: len(skus) / len(popular) for name, skus in offered.items()}, len(popular))


def progress(items: list[Case], what: str) -> Iterator[Case]:
    with Progress(transient=True) as bar:
        task = bar.add_task(what, total=len(items))
        for item in items:
            yield item
            bar.advance(task)


def _best_of(scores: dict[str, Score], family: str) -> str:
    """The best setting of a model family by hit rate (NDCG breaks ties)."""
    named = [name for name in scores if name.split(" ")[0] == family]
    return max(named, key=lambda name: (scores[name].hits, scores[name].ndcg))


def lines(report: Report, backend: str, persons: int) -> list[str]:
    out = []
    for group, label in GROUPS.items():
        scores = report.scores[group]
        n = scores["ours"].cases or 1
        shown = ["ours", "popularity", "item-kNN", _best_of(scores, "EASE"), _best_of(scores, "ALS")]
        out.append(f"- {backend}, {persons:,} persons, {label}: {scores['ours'].cases:,} customers with a hidden "
                   "new product")
        for name in shown:
            score = scores[name]
            out.append(f"  - {name}: hit rate@10 **{score.hits / n:.3f}**, NDCG@10 {score.ndcg / n:.3f}, "
                       f"offers for {score.offered / n:.0%}")
    out.append("- catalogue coverage (share of the products offered to anyone): "
               + ", ".join(f"{name} {report.coverage[name]:.2f}" for name in
                           ["ours", "popularity", "item-kNN", _best_of(report.scores["warm"], "EASE"),
                            _best_of(report.scores["warm"], "ALS")]))
    return out


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
        report = evaluate(store, hidden)
    found = lines(report, args.backend, args.customers)
    print("\n".join(found))
    if args.record:
        grid = (f"EASE lambda in {', '.join(f'{r:g}' for r in EASE_GRID)}; ALS (factors, lambda, alpha) in "
                + ", ".join(f"({f}, {r:g}, {a:g})" for f, r, a in ALS_GRID))
        with open(RESULTS, "a", encoding="utf-8") as results:
            results.write(heading("Cross-sell against standard recommenders")
                          + f"seed 7; each person's most recent purchase hidden; k = {K}; the standard models are "
                          f"trained on the same store's purchases and each shown at its best setting on this split "
                          f"({grid}); coverage: share of the {report.catalogue} products offered to anyone; "
                          "target: ours at least as good as the best of them.\n\n" + "\n".join(found) + "\n")
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
