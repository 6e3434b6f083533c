"""The ``custgraph`` command: its arguments, and which module of ``custgraph/commands`` runs each.

Every expected failure is a ``CustgraphError`` and is printed as one line
(``custgraph: error: ...``) with exit status 2; tracebacks are for bugs only.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from custgraph import __version__
from custgraph.config import Config
from custgraph.errors import ConfigError, CustgraphError

__all__ = ["main"]


# Which module of custgraph/commands runs each command (imported only when one of its commands runs).
GROUPS = {"init": "store", "stats": "store", "export": "store", "load": "loading", "generate": "loading",
          "resolve": "resolution", "explain": "resolution", "unmerge": "resolution", "model": "resolution",
          "query": "query", "serve": "serving", "demo": "serving", "consume": "consuming"}


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
    demo = commands.add_parser("demo", help="generate sample data, load it, resolve identities and serve the API")
    demo.add_argument("--customers", type=int, default=500, help="persons to generate (default 500)")
    demo.add_argument("--seed", type=int, default=1)
    demo.add_argument("--host", default="127.0.0.1")
    demo.add_argument("--port", type=int, default=8000)
    demo.add_argument("--no-serve", action="store_true", help="prepare the store and print the examples only")
    commands.add_parser("stats", help="print how many nodes and relationships the store holds")
    load = commands.add_parser("load", help="load source folders (CSV / JSONL / Parquet exports) into the store")
    load.add_argument("sources", nargs="+", metavar="SOURCE_DIR", help="one folder per source system")
    load.add_argument("--rejects", default="custgraph-rejects.jsonl",
                      help="where rejected rows go, one JSON object each (default: %(default)s)")
    load.add_argument("--json", action="store_true", help="print the counts as one JSON object")
    load.add_argument("--quiet", action="store_true", help="no progress bars")
    load.add_argument("--batch-size", type=int, default=None, help="rows per store transaction (default 1000)")
    load.add_argument("--strict", action="store_true",
                      help="an invalid optional field rejects its whole row (default: the field is dropped and "
                           "reported in the rejects file, and the row loads)")
    generate = commands.add_parser("generate", help="write realistic multi-source sample data with truth.csv")
    generate.add_argument("out", metavar="OUT_DIR")
    generate.add_argument("--customers", type=int, default=1000, help="real persons to generate (default 1000)")
    generate.add_argument("--seed", type=int, default=1, help="same seed, same files (default 1)")
    generate.add_argument("--interactions-per-customer", type=float, default=10.0,
                          help="average touchpoints per person (default 10)")
    resolve = commands.add_parser("resolve", help="link identity records and build golden customers (incremental)")
    resolve.add_argument("--full", action="store_true", help="compare every record again, not only new or changed ones")
    resolve.add_argument("--config", default=None, metavar="TOML",
                         help="matching rules and thresholds (default: $CUSTGRAPH_RESOLVE_CONFIG or built-in)")
    resolve.add_argument("--train", action="store_true",
                         help="train the match model again on the store's records before resolving")
    resolve.add_argument("--json", action="store_true", help="print the report as one JSON object")
    model = commands.add_parser("model", help="show the match model learned from the store's records")
    model.add_argument("action", choices=["show"], help="show: every comparison level with its m, u and weight")
    model.add_argument("--json", action="store_true")
    explain = commands.add_parser("explain", help="show why two identity records are one customer, or apart")
    explain.add_argument("a", metavar="A", help="identity id, source:source_id (e.g. crm:C-0000001)")
    explain.add_argument("b", metavar="B")
    explain.add_argument("--config", default=None, metavar="TOML")
    explain.add_argument("--json", action="store_true")
    unmerge = commands.add_parser("unmerge", help="record that two identity records are different people")
    unmerge.add_argument("a", metavar="A")
    unmerge.add_argument("b", metavar="B")
    unmerge.add_argument("--by", required=True, help="who decides (kept with the decision)")
    unmerge.add_argument("--reason", required=True, help="why (kept with the decision)")
    unmerge.add_argument("--config", default=None, metavar="TOML")
    export = commands.add_parser("export", help="print store contents as CSV")
    export.add_argument("what", choices=["identities"], help="identities: source,source_id,customer_id")
    query = commands.add_parser("query", help="run a named query from the catalogue (see --list)")
    query.add_argument("name", nargs="?", metavar="NAME", help="the query, e.g. customer_profile")
    query.add_argument("bare", nargs="*", metavar="KEY=VALUE", help="parameters may also follow the name without -p")
    query.add_argument("--list", action="store_true", help="list the queries with their parameters")
    query.add_argument("--param", "-p", action="append", default=[], metavar="KEY=VALUE",
                       help="a parameter (repeat for more); lists as JSON or comma-separated")
    query.add_argument("--format", choices=["table", "json", "csv"], default="table")
    consume = commands.add_parser("consume", help="take live events from a Kafka topic (the form POST /v1/events "
                                                  "takes), committing offsets once they are stored")
    consume.add_argument("--kafka", required=True, metavar="BROKERS", help="bootstrap servers, host:port,...")
    consume.add_argument("--topic", required=True)
    consume.add_argument("--group", default="custgraph", help="consumer group (default: %(default)s)")
    consume.add_argument("--source", default="kafka",
                         help="source of events whose context names none (default: %(default)s)")
    consume.add_argument("--option", "-o", action="append", default=[], metavar="KEY=VALUE",
                         help="a Kafka client setting (repeat for more), e.g. security.protocol=SASL_SSL")
    consume.add_argument("--rejects", default="custgraph-event-rejects.jsonl",
                         help="where rejected events go, with partition and offset (default: %(default)s)")
    serve = commands.add_parser("serve", help="serve the HTTP API with uvicorn")
    serve.add_argument("--host", default=None, help="default: $CUSTGRAPH_HOST or 127.0.0.1")
    serve.add_argument("--port", type=int, default=None, help="default: $CUSTGRAPH_PORT or 8000")
    serve.add_argument("--workers", type=int, default=None,
                       help="worker processes (Neo4j only; default: $CUSTGRAPH_WORKERS or 1)")
    return parser


def main(argv: Sequence[str] | None = None, env: Mapping[str, str] | None = None) -> int:
    args = _parser().parse_args(argv)
    environment = os.environ if env is None else env
    # The driver logs each retry as a warning and each broken connection as an
    # error, with internals; the command reports the outcome itself, in one line.
    logging.getLogger("neo4j").setLevel(logging.CRITICAL)
    try:
        config = Config.from_env(environment, store=args.store)
        if _opens_store(args) and args.command not in STORE_MAKERS:
            _require_existing_store(config, "--store" if args.store is not None else "CUSTGRAPH_STORE")
        group = importlib.import_module(f"custgraph.commands.{GROUPS[args.command]}")
        return int(group.COMMANDS[args.command](config, args, environment))
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


STORE_MAKERS = ("init", "load", "demo")  # the commands that may create an embedded store directory


def _opens_store(args: argparse.Namespace) -> bool:
    return args.command != "generate" and not (args.command == "query" and (args.list or not args.name))


def _require_existing_store(config: Config, setting: str) -> None:
    """A mistyped path must not become a new, empty store that answers every question with nothing."""
    if config.uses_neo4j:
        return
    if not (Path(config.store) / "graph.sqlite").exists():
        raise ConfigError(setting, f"no custgraph store at {config.store} (custgraph init or load makes one)")
