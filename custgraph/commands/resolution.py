"""``custgraph resolve``, ``explain`` and ``unmerge``: identity resolution and its decisions."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping
from pathlib import Path

from custgraph.config import Config
from custgraph.graph import open_store
from custgraph.services import explain, match_model, read_config, resolve, unmerge

__all__ = ["COMMANDS"]


def _model(config: Config, args: argparse.Namespace, environment: Mapping[str, str]) -> int:
    with open_store(config) as store:
        model = match_model(store)
    if model is None:
        print("custgraph: no match model yet: `custgraph resolve` trains one on the store's records",
              file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps({"model_id": model.model_id, "trained_at": model.trained_at,
                          **json.loads(model.to_json())}, ensure_ascii=False))
        return 0
    print(f"match model {model.model_id}, trained {model.trained_at} on {model.records:,} records")
    print(f"prior: {model.prior:.3g} that two records picked at random are one person ({model.prior_weight:+.1f} bits)")
    for note in model.notes:
        print(f"note: {note}")
    if not model.fits():
        print("note: trained for other comparisons (an older custgraph): the next resolve trains it again")
    for name, levels in model.levels.items():
        print(f"\n{name}")
        print(f"  {'level':<70} {'m':>9} {'u':>9} {'weight':>7}")
        for level in levels:
            if level.null:
                print(f"  {level.label:<70} {'':>9} {'':>9} {'none':>7}")
            else:
                weight = level.weight or 0.0
                unseen = "  (not seen in training: no evidence)" if level.m == level.u else ""
                print(f"  {level.label:<70} {level.m:>9.3g} {level.u:>9.3g} {weight:>+7.1f}{unseen}")
    return 0


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
        report = resolve(store, rules, full=args.full, train=args.train,
                         say=None if args.json else lambda line: print(f"  {line}", file=sys.stderr))
    if args.json:
        print(json.dumps(report.as_dict()))
        return 0
    print(f"custgraph: {report.records:,} records ({report.dirty:,} new or changed), {report.compared:,} pairs "
          f"compared, {report.links:,} links, {report.review:,} pairs for review; "
          f"{report.customers_written:,} customers written, {report.customers_removed:,} removed, "
          f"{report.customers:,} customers in all, {report.customers_scored:,} with an RFM segment")
    if report.trained:
        print(f"  match model {report.model_id} trained on this store's records (custgraph model show)",
              file=sys.stderr)
    if report.held:
        print(f"  {report.held:,} links held for review by the cardinality caps", file=sys.stderr)
    for line in report.placeholders:
        print(f"  placeholder, no evidence: {line}", file=sys.stderr)
    return 0


COMMANDS = {"resolve": _run, "explain": _run, "unmerge": _run, "model": _model}
