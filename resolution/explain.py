"""``custgraph explain A B``: the links that put two records in one customer, or why they are apart.

Apart, the two records are scored against each other as ``resolve`` would: the deterministic
rules, then the model's waterfall (the prior, each field's level and its weight in bits).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from custgraph.errors import UnknownIdentityError
from custgraph.graph import Store
from custgraph.queries import get as named_query

from .config import ResolveConfig
from .engines import open_engine
from .records import match_record
from .resolve import score_basis
from .scoring import Scored, rule_pairs, score_one

__all__ = ["Explanation", "explain"]


@dataclass
class Explanation:
    a: str
    b: str
    customer_a: str | None
    customer_b: str | None
    path: list[dict[str, Any]] = field(default_factory=list)
    links: list[dict[str, Any]] = field(default_factory=list)  # direct links or decisions between a and b
    rule: str | None = None  # the deterministic rule that links them, if any
    comparison: Scored | None = None
    blocked: bool = True  # whether blocking pairs them, so that resolve compares them at all

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
                out += [f"      {item}" for item in props.get("evidence") or () if str(item).startswith("held")]
            elif link["type"] == "SAME_AS":
                out.append("  linked (SAME_AS), but held apart: a human decision, the chaining guard or a "
                           "cardinality cap kept their customers separate")
        if self.rule:
            out.append(f"  a deterministic rule links them: {self.rule}")
        if not self.blocked:
            out.append("  never compared: they share no blocking key (e-mail, its local part or stem, phone, "
                       "loyalty number, birth date, a name form, family name with postcode, street)")
        if self.comparison is None:
            out.append("  not compared with the model: no match model fits this custgraph yet "
                       "(`custgraph resolve` trains one)")
        else:
            c = self.comparison
            out.append(f"  compared with the model: match probability {c.probability}")
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
    # Scores depend on the whole store (how common each value is, placeholders): read it, as
    # resolve does, with the stored model (never training one: explaining writes nothing).
    raw = sorted((match_record(row["props"]) for row in store.run(named_query("identity_records"))),
                 key=lambda record: record.identity_id)
    basis, _ = score_basis(store, raw, config, train=False, may_train=False)
    pair = {record.identity_id: record for record in basis.records if record.identity_id in (a, b)}
    ruled = rule_pairs([pair[a], pair[b]], config.rules, None)
    result.rule = next((rule for rule, _ in ruled.values()), None)
    if basis.model is not None:
        result.comparison, result.blocked = score_one(open_engine(config.engine), basis.model, basis.table,
                                                        basis.frequencies, a, b)
    return result
