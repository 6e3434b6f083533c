"""What one GraphQL request carries: the store, the caller, and its DataLoaders.

Why DataLoaders per request: a query for 100 customers with their identities,
journeys and cross-sell would otherwise run three catalogue queries per
customer (300 round trips). Each loader collects the customer ids a request
asks for and runs the batched form of its catalogue query once
(``queries.batched``), so the round trips stay bounded by the number of
loaders, whatever the page size.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from strawberry.dataloader import DataLoader

from custgraph.graph import Rows, Store
from custgraph.queries import batched, get
from custgraph.services import Journeys, KeptJourneys, ResolveConfig

from .auth import Caller

__all__ = ["JOURNEY_CAP", "OFFERS_CAP", "RequestContext", "run_query"]

JOURNEY_CAP = 500  # touchpoints a journey field returns at most
OFFERS_CAP = 50  # cross-sell offers a customer field returns at most


async def run_query(store: Store, name: str, params: Mapping[str, Any]) -> Rows:
    return await store.arun(get(name), params)


def _found(rows: Rows, keys: list[str]) -> list[Rows | None]:
    """Rows of a batched query per customer: ``None`` for a customer that does not exist, and
    without the all-null row that marks an existing customer with nothing to show."""
    by_key: dict[str, Rows | None] = dict.fromkeys(keys)
    for row in rows:
        found = by_key[row["customer_id"]]
        if found is None:
            found = by_key[row["customer_id"]] = []
        if any(value is not None for name, value in row.items() if name != "customer_id"):
            found.append(row)
    return [by_key[key] for key in keys]


def _loader(store: Store, name: str, params: Mapping[str, Any]) -> DataLoader[str, Rows | None]:
    query = batched(name)

    async def load(keys: list[str]) -> list[Rows | None]:
        rows = await store.arun(query, {**params, "keys": list(keys)})
        return _found(rows, list(keys))

    return DataLoader(load_fn=load)


def _sized_loader(store: Store, name: str, size: str) -> DataLoader[tuple[str, int], Rows | None]:
    """Keys are (customer id, how many rows the field asked for): one batched run per distinct
    size, so a field asking for 10 offers does not fetch and convert 50."""
    query = batched(name)

    async def load(keys: list[tuple[str, int]]) -> list[Rows | None]:
        by_size: dict[int, list[str]] = {}
        for customer, count in keys:
            by_size.setdefault(count, []).append(customer)
        found: dict[tuple[str, int], Rows | None] = {}
        for count, customers in by_size.items():
            rows = await store.arun(query, {size: count, "keys": customers})
            found.update({(customer, count): group for customer, group in
                          zip(customers, _found(rows, customers), strict=True)})
        return [found[key] for key in keys]

    return DataLoader(load_fn=load)


@dataclass
class RequestContext:
    store: Store
    caller: Caller
    resolve_config: ResolveConfig
    pseudonym_key: bytes  # the process's key for the record ids readers see (api/masking.py)
    erasure_key_file: str  # where erasures find (or make) their key: graph/erased.py
    kept_journeys: KeptJourneys  # the process's: read once per resolve
    loaders: dict[str, DataLoader[str, Rows | None]] = field(default_factory=dict)
    sized: dict[str, DataLoader[tuple[str, int], Rows | None]] = field(default_factory=dict)

    async def journeys(self) -> Journeys | None:
        """The journeys kept at the last resolve with what live events settled since, which the
        analytics count from; None before the first resolve (the analytics then read the graph)."""
        return await asyncio.to_thread(self.kept_journeys.current, self.store)

    def __post_init__(self) -> None:
        self.loaders = {"profile": _loader(self.store, "customer_profile", {}),
                        "links": _loader(self.store, "customer_links", {})}
        self.sized = {"journey": _sized_loader(self.store, "journey", "limit"),
                      "cross_sell": _sized_loader(self.store, "cross_sell", "k")}
