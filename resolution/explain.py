"""``custgraph explain A B``: the links that put two records in one customer, or why they are apart."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from custgraph.graph import Store
from custgraph.queries import get as named_query

from custgraph.errors import UnknownIdentityError

from .blocking import blocking_keys
from .compare import Comparison, compare
from .config import ResolveConfig
from .records import match_record
from .resolve import score_basis

__all__ = ["Explanation", "explain"]


@dataclass
class Explanation:
    a: str
    b: str
    customer_a: str | None
    customer_b: str | None
    path: list[dict[str, Any]] = field(default_factory=list)
    links: list[dict[str, Any]] = field(default_factory=list)  # direct links or decisions between a and b
    comparison: Comparison | None = None
    shared_keys: list[str] = field(default_factory=list)

    @property
    def together(self) -> bool:
        return self.customer_a is not None and self.customer_a == self.customer_b

    def lines(self) -> list[str]:
        if self.together:
            out = [f"{self.a} and {self.b} are one customer ({self.customer_a}), "
                   f"through {len(self.path)} link{'s' if len(self.path) != 1 else ''}:"]
            for step in self.path:
                out.append(f"  {step['from']} → {step['to']}: rule {step['rule']}, score {step['score']}")
                out += [f"      {item}" for item in step.get("evidence") or ()]
            return out
        out = [f"{self.a} ({self.customer_a or 'unresolved'}) and {self.b} ({self.customer_b or 'unresolved'}) "
               "are apart:"]
        for link in self.links:
            props = link["props"]
            if link["type"] == "NOT_SAME_AS":
                out.append(f"  a decision keeps them apart: NOT_SAME_AS by {props.get('by')} at {props.get('at')}"
                           f" ({props.get('reason') or 'no reason given'})")
            elif link["type"] == "POSSIBLY_SAME_AS":
                out.append(f"  in the review queue (score {props.get('score')}): confirm or reject it")
            elif link["type"] == "SAME_AS":
                out.append("  linked (SAME_AS), but held apart: a human decision or the chaining guard "
                           "kept their customers separate")
        if not self.shared_keys:
            out.append("  never compared: they share no blocking key (e-mail or its stem, phone, loyalty number, "
                       "birth date, postcode with family name, full name)")
        if self.comparison is not None:
            c = self.comparison
            out.append(f"  compared directly: rule {c.rule}, score {c.score}")
            out += [f"      {item}" for item in c.evidence]
        return out


def explain(store: Store, config: ResolveConfig, a: str, b: str) -> Explanation:
    rows = store.run(named_query("identity_pair"), {"a": a, "b": b})
    if not rows:
        for identity in (a, b):
            if store.get_node("Identity", identity) is None:
                raise UnknownIdentityError(identity)
    row = rows[0]
    result = Explanation(a, b, row["customer_a"], row["customer_b"], links=list(row["links"]))
    if result.together:
        result.path = store.run(named_query("identity_path"), {"a": a, "b": b})
        return result
    # Scores depend on how common the names are in the whole store: read it, as resolve does.
    records = {str(row["props"]["identity_id"]): match_record(row["props"])
               for row in store.run(named_query("identity_records"))}
    _, context = score_basis(list(records.values()), config)
    record_a, record_b = records[a], records[b]
    result.shared_keys = sorted(set(blocking_keys(record_a)) & set(blocking_keys(record_b)))
    result.comparison = compare(record_a, record_b, config, context)
    return result
