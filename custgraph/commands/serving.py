"""``custgraph serve`` and ``demo``: the API, and the main job that ends in it."""

from __future__ import annotations

import argparse
import ipaddress
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path

import uvicorn

from custgraph.api import API_WRITER_WAIT_S, KeyRing, create_app
from custgraph.config import Config
from custgraph.errors import ConfigError
from custgraph.graph import ErasureKey, open_store
from custgraph.queries import get as named_query
from custgraph.services import SOURCES, FileProgress, ResolveConfig, generate, load_sources, read_config, resolve

__all__ = ["COMMANDS"]


def demo(config: Config, args: argparse.Namespace, environment: Mapping[str, str]) -> int:
    """The main job: sample data in, identities resolved, the API up, and what to ask it."""
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
            # A customer whose offers come from what they did, not from the best sellers.
            example = max(ids[:200], key=lambda c: (sum(1 for offer in store.run(named_query("cross_sell"),
                                                                                 {"customer_id": c, "k": 3})
                                                        if offer["because"][0]["kind"] != "best_seller"), c))
    url = f"http://{args.host}:{args.port}/graphql"
    examples = [
        f'{{ customer(id: "{example}") {{ name sources identities {{ id source }} '
        f'links {{ rule score evidence }} }} }}',
        f'{{ customer(id: "{example}") {{ productsBought {{ sku }} segment {{ segment asOf }} '
        f'crossSell(first: 3) {{ sku score because {{ kind sku signal customers buyers }} }} '
        f'categoryPropensity {{ category probability }} }} }}',
        '{ funnel(steps: ["web_visit", "add_to_cart", "purchase"]) { type customers conversion dropOff } }',
    ]
    curl = ("curl -s " + url + " -H 'Content-Type: application/json' "
            """-d '{"query": "{ transitions { fromType toType count medianHours } }"}'""")
    dashboard = f"http://{args.host}:{args.port}/"
    if args.no_serve:
        print(f"\nThe store is ready. `custgraph --store {config.store} serve --port {args.port}` serves the "
              f"dashboard at {dashboard} and the GraphQL API at {url} (GraphiQL in a browser; /healthz, /readyz, "
              "/metrics).\nThree queries to try there:\n")
    else:
        print(f"\nDashboard: {dashboard}  (open it in a browser)\n"
              f"GraphQL API: {url}  (GraphiQL in a browser; /healthz, /readyz, /metrics)\nThree queries to try:\n")
    print("\n\n".join(f"  {query}" for query in examples))
    print(f"\nFrom a shell: {curl}\n")
    if args.no_serve:
        return 0
    serve_args = argparse.Namespace(host=args.host, port=args.port, workers=1)
    return serve(config, serve_args, environment)


def serve(config: Config, args: argparse.Namespace, environment: Mapping[str, str]) -> int:
    host = args.host or config.host
    port = args.port or config.port
    workers = args.workers or config.workers
    keys = KeyRing.from_env(environment)  # a bad key file fails here, not at the first request
    loopback = host == "localhost" or (_is_ip(host) and ipaddress.ip_address(host).is_loopback)
    if keys.empty and not loopback:
        raise ConfigError("--host", f"serving on {host} needs API keys: set CUSTGRAPH_API_KEYS or "
                                    "CUSTGRAPH_API_KEYS_FILE (without keys the API serves this machine only)")
    if workers < 1:
        raise ConfigError("--workers", "must be at least 1")
    rules = read_config(Path(config.resolve_config) if config.resolve_config else None)
    if workers == 1:
        # An unreachable store is a one-line error here, not a traceback; a decision made over the API
        # waits at most API_WRITER_WAIT_S for a command writing to the same embedded store.
        store = open_store(config, writer_wait_s=API_WRITER_WAIT_S)
        uvicorn.run(create_app(config, keys, rules, store=store), host=host, port=port, log_level="info")
        return 0
    os.environ["CUSTGRAPH_STORE"] = config.store  # the worker processes build the app from the environment
    uvicorn.run("custgraph.api:from_environment", factory=True, host=host, port=port, workers=workers,
                log_level="info")
    return 0


def _is_ip(text: str) -> bool:

    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


COMMANDS = {"serve": serve, "demo": demo}
