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
    resolve.add_argument("--json", action="store_true", help="print the report as one JSON object")
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
        if args.command == "init":
            return _init(config)
        if args.command == "demo":
            return _demo(config, args, environment)
        if args.command == "stats":
            return _stats(config)
        if args.command == "load":
            return _load(config, args)
        if args.command == "generate":
            return _generate(args)
        if args.command in ("resolve", "explain", "unmerge"):
            return _resolution(config, args, environment)
        if args.command == "export":
            return _export(config)
        if args.command == "query":
            return _query(config, args)
        if args.command == "serve":
            return _serve(config, args, environment)
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


STORE_MAKERS = ("init", "load", "demo")  # the commands that may create an embedded store directory


def _opens_store(args: argparse.Namespace) -> bool:
    return args.command != "generate" and not (args.command == "query" and (args.list or not args.name))


def _require_existing_store(config: Config, setting: str) -> None:
    """A mistyped path must not become a new, empty store that answers every question with nothing."""
    from pathlib import Path

    if config.uses_neo4j:
        return
    if not (Path(config.store) / "graph.sqlite").exists():
        raise ConfigError(setting, f"no custgraph store at {config.store} (custgraph init or load makes one)")


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

    from custgraph.graph import DEFAULT_BATCH_SIZE, ErasureKey, open_store
    from custgraph.loaders import FileProgress, load_sources

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


def _generate(args: argparse.Namespace) -> int:
    from pathlib import Path

    from custgraph.loaders import generate

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


def _resolution(config: Config, args: argparse.Namespace, environment: Mapping[str, str]) -> int:
    import json
    from pathlib import Path

    from custgraph.graph import open_store
    from custgraph.resolution import explain, read_config, resolve, unmerge

    config_path = args.config or environment.get("CUSTGRAPH_RESOLVE_CONFIG")
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
            report = unmerge(store, rules, args.a, args.b, args.by, args.reason)
            print(f"custgraph: {args.a} and {args.b} recorded as different people by {args.by}; "
                  f"{report.customers_written} customer(s) rebuilt")
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


def _export(config: Config) -> int:
    from custgraph.csv_output import write_csv
    from custgraph.graph import open_store
    from custgraph.queries import get as named_query

    with open_store(config) as store:
        rows = store.run(named_query("customer_identities"))
    write_csv(sys.stdout, ["source", "source_id", "customer_id"],
              ([row["source"], row["source_id"], row["customer_id"] or ""] for row in rows))
    return 0


def _query(config: Config, args: argparse.Namespace) -> int:
    from custgraph.graph import open_store
    from custgraph.queries import get as named_query
    from custgraph.queries import names
    from custgraph.query_cli import describe, parse_params, write_rows

    if args.list or not args.name:
        print("\n".join(describe(named_query(name)) for name in names()))
        return 0
    query = named_query(args.name)
    params = parse_params(query, [*args.param, *args.bare])
    query.bind(params)  # a wrong or missing parameter fails before the store is opened
    with open_store(config) as store:
        rows = store.run(query, params)
    write_rows(rows, args.format)
    return 0


def _stats(config: Config) -> int:
    _print_stats(config)
    return 0


def _demo(config: Config, args: argparse.Namespace, environment: Mapping[str, str]) -> int:
    """The main job: sample data in, identities resolved, the API up, and what to ask it."""
    import tempfile
    from pathlib import Path

    from custgraph.graph import ErasureKey, open_store
    from custgraph.loaders import SOURCES, FileProgress, generate, load_sources
    from custgraph.queries import get as named_query
    from custgraph.resolution import ResolveConfig, resolve

    if args.customers < 1:
        raise ConfigError("--customers", "must be at least 1")
    with tempfile.TemporaryDirectory(prefix="custgraph-demo-") as folder:
        data = Path(folder)
        generated = generate(data, args.customers, args.seed)
        print(f"custgraph: generated {generated.persons:,} persons as {sum(generated.records.values()):,} records "
              f"in {len(SOURCES)} sources, {generated.total_interactions:,} interactions")
        with open_store(config, require_schema=False) as store:
            store.init()
            report = load_sources(store, [data / source for source in SOURCES], data / "rejects.jsonl",
                                  FileProgress(enabled=False), erasure_key=ErasureKey.read(config.erasure_key_file))
            totals = report.as_dict()
            print(f"custgraph: loaded into {store.target}: {totals['created']:,} created, "
                  f"{totals['updated']:,} updated, {totals['unchanged']:,} unchanged")
            resolved = resolve(store, ResolveConfig())
            waiting = {row["type"]: row["count"] for row in store.run(named_query("relationship_counts"))}
            print(f"custgraph: {resolved.records:,} records resolved to {resolved.customers:,} customers "
                  f"({resolved.links:,} links made now, {waiting.get('POSSIBLY_SAME_AS', 0):,} pair(s) in the "
                  "review queue)")
            ids = sorted(row["customer_id"] for row in store.run(named_query("customer_identities"))
                         if row["customer_id"])
            example = max(ids[:200], key=lambda c: (len(store.run(named_query("cross_sell"),
                                                                   {"customer_id": c, "k": 3})), c))
    url = f"http://{args.host}:{args.port}/graphql"
    examples = [
        f'{{ customer(id: "{example}") {{ name sources identities {{ id source }} '
        f'links {{ rule score evidence }} }} }}',
        f'{{ customer(id: "{example}") {{ productsBought {{ sku }} segment {{ segment asOf }} '
        f'crossSell(first: 3) {{ sku score because {{ sku customers buyers }} }} }} }}',
        '{ funnel(steps: ["web_visit", "add_to_cart", "purchase"]) { type customers conversion dropOff } }',
    ]
    curl = ("curl -s " + url + " -H 'Content-Type: application/json' "
            """-d '{"query": "{ transitions { fromType toType count medianHours } }"}'""")
    if args.no_serve:
        print(f"\nThe store is ready. `custgraph --store {config.store} serve --port {args.port}` serves the "
              f"GraphQL API at {url} (GraphiQL in a browser; /healthz, /readyz, /metrics).\n"
              "Three queries to try there:\n")
    else:
        print(f"\nGraphQL API: {url}  (GraphiQL in a browser; /healthz, /readyz, /metrics)\nThree queries to try:\n")
    print("\n\n".join(f"  {query}" for query in examples))
    print(f"\nFrom a shell: {curl}\n")
    if args.no_serve:
        return 0
    serve = argparse.Namespace(host=args.host, port=args.port, workers=1)
    return _serve(config, serve, environment)


def _serve(config: Config, args: argparse.Namespace, environment: Mapping[str, str]) -> int:
    import ipaddress
    from pathlib import Path

    import uvicorn

    from custgraph.api import KeyRing, create_app
    from custgraph.resolution import read_config

    host = args.host or environment.get("CUSTGRAPH_HOST", "127.0.0.1")
    port = args.port or _integer(environment, "CUSTGRAPH_PORT", 8000)
    workers = args.workers or _integer(environment, "CUSTGRAPH_WORKERS", 1)
    keys = KeyRing.from_env(environment)  # a bad key file fails here, not at the first request
    loopback = host == "localhost" or (_is_ip(host) and ipaddress.ip_address(host).is_loopback)
    if keys.empty and not loopback:
        raise ConfigError("--host", f"serving on {host} needs API keys: set CUSTGRAPH_API_KEYS or "
                                    "CUSTGRAPH_API_KEYS_FILE (without keys the API serves this machine only)")
    if workers < 1:
        raise ConfigError("--workers", "must be at least 1")
    if workers > 1 and not config.uses_neo4j:
        raise ConfigError("--workers", "the embedded store is opened by one process; use Neo4j for several workers")
    rules_path = environment.get("CUSTGRAPH_RESOLVE_CONFIG")
    rules = read_config(Path(rules_path) if rules_path else None)
    if workers == 1:
        from custgraph.graph import open_store

        store = open_store(config)  # a locked or unreachable store is a one-line error here, not a traceback
        uvicorn.run(create_app(config, keys, rules, store=store), host=host, port=port, log_level="info")
        return 0
    os.environ["CUSTGRAPH_STORE"] = config.store  # the worker processes build the app from the environment
    uvicorn.run("custgraph.api:from_environment", factory=True, host=host, port=port, workers=workers,
                log_level="info")
    return 0


def _is_ip(text: str) -> bool:
    import ipaddress

    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def _integer(environment: Mapping[str, str], name: str, default: int) -> int:
    value = environment.get(name, "").strip()
    if not value:
        return default
    if not value.isdigit():
        raise ConfigError(name, f"must be a whole number, not {value!r}")
    return int(value)
