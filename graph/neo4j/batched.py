"""How Neo4j runs a per-customer query for many customers in one round trip.

The named query's own text goes inside ``UNWIND $keys AS customer_id MATCH (the
customer) OPTIONAL CALL (customer_id) { ... }``, with ``$customer_id`` read from
the unwound variable: one text to keep right, the ``.cypher`` file analysts use.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any, LiteralString, cast

from ..named_query import NamedQuery

__all__ = ["batched_cypher"]


@cache
def batched_cypher(query: NamedQuery) -> LiteralString:
    key = query.batched_on
    if key != "customer_id":
        raise ValueError(f"{query.name}: Neo4j batches on customer_id only, not {key!r}")
    body = "\n".join(line for line in query.cypher.splitlines() if not line.startswith("//"))
    body = re.sub(rf"\${key}\b", key, body)
    text = (f"UNWIND $keys AS {key}\nMATCH (:Customer {{customer_id: {key}}})\n"
            f"OPTIONAL CALL ({key}) {{\n{body}\n}}\nRETURN *\n")
    literal: LiteralString = cast(Any, text)  # built only from the shipped .cypher text and a fixed name
    return literal
