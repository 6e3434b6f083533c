"""``custgraph query``: run a named query from the catalogue."""

from __future__ import annotations

import argparse
from collections.abc import Mapping

from custgraph.config import Config
from custgraph.graph import open_store
from custgraph.queries import get as named_query
from custgraph.queries import names

from .query_text import describe, parse_params, write_rows

__all__ = ["COMMANDS"]


def query(config: Config, args: argparse.Namespace, environment: Mapping[str, str]) -> int:
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


COMMANDS = {"query": query}
