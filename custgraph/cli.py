"""The ``custgraph`` command.

Every expected failure is a ``CustgraphError`` and is printed as one line
(``custgraph: error: ...``) with exit status 2; tracebacks are for bugs only.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Mapping, Sequence

from custgraph import __version__
from custgraph.config import Config
from custgraph.errors import ConfigError, CustgraphError

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="custgraph",
        description="A graph-based customer relationship knowledge store.",
    )
    parser.add_argument("--version", action="version", version=f"custgraph {__version__}")
    parser.add_argument(
        "--store",
        help="a neo4j://, neo4j+s:// or bolt:// URI, or a directory for the embedded store "
        "(default: $CUSTGRAPH_STORE, else ./custgraph-data)",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    commands.add_parser("init", help="create the store's constraints and indexes (idempotent)")
    commands.add_parser("demo", help="load a small built-in sample and print what the store holds")
    commands.add_parser("stats", help="print how many nodes and relationships the store holds")
    load = commands.add_parser("load", help="load source folders (CSV / JSONL / Parquet exports) into the store")
    load.add_argument("sources", nargs="+", metavar="SOURCE_DIR", help="one folder per source system")
    load.add_argument("--rejects", default="custgraph-rejects.jsonl",
                      help="where rejected rows go, one JSON object each (default: %(default)s)")
    load.add_argument("--json", action="store_true", help="print the counts as one JSON object")
    load.add_argument("--quiet", action="store_true", help="no progress bars")
    load.add_argument("--batch-size", type=int, default=None, help="rows per store transaction (default 1000)")
    generate = commands.add_parser("generate", help="write realistic multi-source sample data with truth.csv")
    generate.add_argument("out", metavar="OUT_DIR")
    generate.add_argument("--customers", type=int, default=1000, help="real persons to generate (default 1000)")
    generate.add_argument("--seed", type=int, default=1, help="same seed, same files (default 1)")
    generate.add_argument("--interactions-per-customer", type=float, default=10.0,
                          help="average touchpoints per person (default 10)")
    serve = commands.add_parser("serve", help="serve the HTTP API with uvicorn")
    serve.add_argument("--host", default=None, help="default: $CUSTGRAPH_HOST or 127.0.0.1")
    serve.add_argument("--port", type=int, default=None, help="default: $CUSTGRAPH_PORT or 8000")
    return parser


def main(argv: Sequence[str] | None = None, env: Mapping[str, str] | None = None) -> int:
    args = _parser().parse_args(argv)
    environment = os.environ if env is None else env
    # The driver logs each retry as a warning and each broken connection as an
    # error, with internals; the command reports the outcome itself, in one line.
    logging.getLogger("neo4j").setLevel(logging.CRITICAL)
    try:
        config = Config.from_env(environment, store=args.store)
        if args.command == "init":
            return _init(config)
        if args.command == "demo":
            return _demo(config)
        if args.command == "stats":
            return _stats(config)
        if args.command == "load":
            return _load(config, args)
        if args.command == "generate":
            return _generate(args)
        if args.command == "serve":
            return _serve(config, args.host or environment.get("CUSTGRAPH_HOST", "127.0.0.1"),
                          args.port or int(environment.get("CUSTGRAPH_PORT", "8000")))
    except CustgraphError as error:
        print(f"custgraph: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("custgraph: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (`custgraph stats | head`); not an error worth a traceback.
        sys.stderr.close()
        return 0
    return 0


def _init(config: Config) -> int:
    from custgraph.graph import open_store

    with open_store(config, require_schema=False) as store:
        store.init()
        print(f"custgraph: schema ready in {store.target}")
    return 0


def _print_stats(config: Config) -> None:
    from custgraph.graph import open_store
    from custgraph.queries import get as named_query

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


def _load(config: Config, args: argparse.Namespace) -> int:
    from pathlib import Path

    from custgraph.graph import DEFAULT_BATCH_SIZE, open_store
    from custgraph.loaders import FileProgress, load_sources

    batch_size = args.batch_size or DEFAULT_BATCH_SIZE
    if batch_size < 1:
        raise ConfigError("--batch-size", "must be at least 1")
    progress = FileProgress(enabled=False if (args.quiet or args.json) else None)
    with open_store(config, require_schema=not config.uses_neo4j, batch_size=batch_size) as store:
        if not config.uses_neo4j:
            store.init()
        report = load_sources(store, [Path(s) for s in args.sources], Path(args.rejects), progress, batch_size)
    if args.json:
        print(report.to_json())
        return 0
    for file in report.files:
        notes = f"  ({'; '.join(file.notes)})" if file.notes else ""
        print(f"{file.source}/{Path(file.path).name}: {file.rows:,} rows, {file.created:,} loaded, "
              f"{file.updated:,} updated, {file.unchanged:,} unchanged, {file.rejected:,} rejected{notes}")
    totals = report.as_dict()
    print(f"total: {totals['created']:,} loaded, {totals['updated']:,} updated, "
          f"{totals['unchanged']:,} unchanged, {totals['rejected']:,} rejected")
    if report.rejects_path:
        print(f"rejected rows: {report.rejects_path}")
    return 0


def _generate(args: argparse.Namespace) -> int:
    from pathlib import Path

    from custgraph.loaders.generate import generate

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


def _stats(config: Config) -> int:
    _print_stats(config)
    return 0


def _demo(config: Config) -> int:
    from custgraph.graph import open_store
    from custgraph.loaders import load_sample

    with open_store(config, require_schema=False) as store:
        store.init()
        result = load_sample(store)
        print(f"custgraph: sample loaded into {store.target}: "
              f"{result.created} created, {result.updated} updated, {result.unchanged} unchanged")
    _print_stats(config)
    return 0


def _serve(config: Config, host: str, port: int) -> int:
    import uvicorn

    from custgraph.api import create_app

    uvicorn.run(create_app(config), host=host, port=port, log_level="info")
    return 0
