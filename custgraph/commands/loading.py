"""``custgraph load`` and ``generate``: source exports in, sample exports out."""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from pathlib import Path

from custgraph.config import Config
from custgraph.errors import ConfigError
from custgraph.graph import DEFAULT_BATCH_SIZE, ErasureKey, open_store
from custgraph.services import FileProgress, generate, load_sources

__all__ = ["COMMANDS"]


def load(config: Config, args: argparse.Namespace, environment: Mapping[str, str]) -> int:
    batch_size = args.batch_size or DEFAULT_BATCH_SIZE
    if batch_size < 1:
        raise ConfigError("--batch-size", "must be at least 1")
    progress = FileProgress(enabled=False if (args.quiet or args.json) else None)
    with open_store(config, require_schema=not config.uses_neo4j, batch_size=batch_size) as store:
        if not config.uses_neo4j:
            store.init()
        report = load_sources(store, [Path(s) for s in args.sources], Path(args.rejects), progress, batch_size,
                              whole_rows=args.strict, erasure_key=ErasureKey.read(config.erasure_key_file))
    if args.json:
        print(report.to_json())
        return 0
    for file in report.files:
        notes = f"  ({'; '.join(file.notes)})" if file.notes else ""
        print(f"{file.source}/{Path(file.path).name}: {file.rows:,} rows, {file.created:,} loaded, "
              f"{file.updated:,} updated, {file.unchanged:,} unchanged, {file.rejected:,} rejected"
              f"{_extra(file.dropped, file.erased)}{notes}")
    totals = report.as_dict()
    extra = _extra(totals["dropped"], totals["erased"])
    print(f"total: {totals['created']:,} loaded, {totals['updated']:,} updated, "
          f"{totals['unchanged']:,} unchanged, {totals['rejected']:,} rejected{extra}")
    if report.rejects_path:
        print(f"rejected rows and dropped fields: {report.rejects_path}")
    return 0


def _extra(dropped: int, erased: int) -> str:
    return ((f", {dropped:,} invalid optional fields dropped" if dropped else "")
            + (f", {erased:,} of erased persons skipped" if erased else ""))


def generate_sample(config: Config, args: argparse.Namespace, environment: Mapping[str, str]) -> int:
    if args.customers < 1:
        raise ConfigError("--customers", "must be at least 1")
    if args.interactions_per_customer <= 0:
        raise ConfigError("--interactions-per-customer", "must be positive")
    out = Path(args.out)
    report = generate(out, args.customers, args.seed, args.interactions_per_customer)
    records = ", ".join(f"{source} {n:,}" for source, n in report.records.items())
    print(f"custgraph: {report.persons:,} persons as {sum(report.records.values()):,} records ({records}), "
          f"{report.total_interactions:,} interactions in {out}; truth in {out / 'truth.csv'}")
    print(f"load them with: custgraph load {' '.join(str(out / s) for s in ('crm', 'webshop', 'support', 'survey'))}")
    return 0


COMMANDS = {"load": load, "generate": generate_sample}
