"""``custgraph resolve``, ``explain`` and ``unmerge``: identity resolution and its decisions."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping
from pathlib import Path

from custgraph.config import Config
from custgraph.graph import open_store
from custgraph.services import explain, read_config, resolve, unmerge

__all__ = ["COMMANDS"]


def _run(config: Config, args: argparse.Namespace, environment: Mapping[str, str]) -> int:
    config_path = args.config or config.resolve_config
    rules = read_config(Path(config_path) if config_path else None)
    with open_store(config) as store:
        if args.command == "explain":
            explanation = explain(store, rules, args.a, args.b)
            if args.json:
                print(json.dumps({"a": args.a, "b": args.b, "together": explanation.together,
                                  "lines": explanation.lines()}, ensure_ascii=False))
            else:
                print("\n".join(explanation.lines()))
            return 0
        if args.command == "unmerge":
            decided = unmerge(store, rules, args.a, args.b, args.by, args.reason)
            print(f"custgraph: {args.a} and {args.b} recorded as different people by {args.by}; "
                  f"{decided.records} record(s) re-clustered, {decided.customers_written} customer(s) written")
            return 0
        report = resolve(store, rules, full=args.full,
                         say=None if args.json else lambda line: print(f"  {line}", file=sys.stderr))
    if args.json:
        print(json.dumps(report.as_dict()))
        return 0
    print(f"custgraph: {report.records:,} records ({report.dirty:,} new or changed), {report.compared:,} pairs "
          f"compared, {report.links:,} links, {report.review:,} pairs for review; "
          f"{report.customers_written:,} customers written, {report.customers_removed:,} removed, "
          f"{report.customers:,} customers in all, {report.customers_scored:,} with an RFM segment")
    for key, size in report.skipped_blocks.items():
        print(f"  skipped blocking key {key!r}: {size:,} records share it (max_block)", file=sys.stderr)
    return 0


COMMANDS = {"resolve": _run, "explain": _run, "unmerge": _run}
