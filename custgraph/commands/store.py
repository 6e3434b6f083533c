"""``custgraph init``, ``stats`` and ``export``: the store itself."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping

from custgraph.config import Config
from custgraph.csv_output import write_csv
from custgraph.graph import open_store
from custgraph.queries import get as named_query

__all__ = ["COMMANDS"]


def init(config: Config, args: argparse.Namespace, environment: Mapping[str, str]) -> int:
    with open_store(config, require_schema=False) as store:
        store.init()
        print(f"custgraph: schema ready in {store.target}")
    return 0


def stats(config: Config, args: argparse.Namespace, environment: Mapping[str, str]) -> int:
    with open_store(config) as store:
        nodes = store.run(named_query("node_counts"))
        relationships = store.run(named_query("relationship_counts"))
    width = max([len(r["label"]) for r in nodes] + [len(r["type"]) for r in relationships] + [5])
    print("nodes")
    for row in nodes:
        print(f"  {row['label']:<{width}} {row['count']:>9,}")
    print("relationships")
    for row in relationships:
        print(f"  {row['type']:<{width}} {row['count']:>9,}")
    return 0


def export(config: Config, args: argparse.Namespace, environment: Mapping[str, str]) -> int:
    with open_store(config) as store:
        rows = store.run(named_query("customer_identities"))
    write_csv(sys.stdout, ["source", "source_id", "customer_id"],
              ([row["source"], row["source_id"], row["customer_id"] or ""] for row in rows))
    return 0


COMMANDS = {"init": init, "stats": stats, "export": export}
