"""The graph model as data: node kinds, relationship kinds, keys and indexes.

This is the allow-list for everything that must be spliced into query text
(labels, relationship types, property keys): user input never is. Backends
derive their schema (Neo4j constraints and indexes, SQLite tables) from it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from custgraph.errors import UnknownLabelError

__all__ = [
    "NODE_KINDS",
    "RELATIONSHIP_KINDS",
    "VISITOR",
    "NodeKind",
    "RelationshipKind",
    "node_kind",
    "relationship_kind",
]

_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


@dataclass(frozen=True)
class NodeKind:
    """A node label with its unique key property and the properties we index."""

    label: str
    key: str
    indexed: tuple[str, ...] = ()
    description: str = ""
    # Text indexes (Neo4j): for CONTAINS searches, e.g. part of a name.
    text_indexed: tuple[str, ...] = ()


@dataclass(frozen=True)
class RelationshipKind:
    """A relationship type; at most one of it between a given start and end node."""

    type: str
    start: str
    end: str
    description: str = ""


_NODES = (
    NodeKind("Customer", "customer_id", ("name_norm", "email_norm", "phone_norm", "country"),
             "one real person after identity resolution"),
    NodeKind("Identity", "identity_id", ("source", "email_norm", "phone_norm", "name_norm"),
             "a person record as one source system holds it; identity_id is 'source:source_id'",
             ("name_norm", "name_kana_norm")),
    NodeKind("Product", "sku", ("category", "buyers"), "a product or service"),
    NodeKind("Category", "category_id", (), "a product category"),
    NodeKind("Channel", "channel_id", ("kind",), "web, store, phone, email, social, app..."),
    NodeKind("Rep", "rep_id", ("team",), "a sales or service representative"),
    NodeKind("Interaction", "interaction_id", ("type", "at"), "one touchpoint event"),
    NodeKind("MatchModel", "model_id", (), "the identity model learned from the store's records (prior, m and u "
             "of every comparison level); one, model_id 'identity'"),
    NodeKind("Summary", "summary_id", (), "what the dashboard shows, computed at resolve time "
             "(services/summaries.py): 'dashboard' (aggregates), 'journeys' (every customer's touchpoints in order, "
             "with what the analytics read of each), 'answers', and 'journeys_settled' (with one node per settling "
             "pass: the journeys live events changed since the resolve)"),
    NodeKind("Erased", "erased_id", (), "a record erased on request, known only by a hash of its identity id "
             "(graph/erased.py), so that later loads skip it"),
)

_RELATIONSHIPS = (
    RelationshipKind("SAME_AS", "Identity", "Identity", "identity link with rule, score, evidence"),
    RelationshipKind("POSSIBLY_SAME_AS", "Identity", "Identity", "the review queue: a pair below the link threshold"),
    RelationshipKind("NOT_SAME_AS", "Identity", "Identity", "a human decision that two records differ"),
    RelationshipKind("CONFIRMED_SAME_AS", "Identity", "Identity", "a human decision that two records are one person"),
    RelationshipKind("RESOLVES_TO", "Identity", "Customer", "membership of a golden customer"),
    RelationshipKind("PERFORMED", "Identity", "Interaction", "which record did it"),
    RelationshipKind("VIA", "Interaction", "Channel", ""),
    RelationshipKind("HANDLED_BY", "Interaction", "Rep", ""),
    RelationshipKind("ABOUT", "Interaction", "Product", ""),
    RelationshipKind("IN_CATEGORY", "Product", "Category", ""),
    RelationshipKind("HAD", "Customer", "Interaction", "derived"),
    RelationshipKind("NEXT", "Interaction", "Interaction", "derived: a customer's journey in time order"),
    RelationshipKind("BOUGHT", "Customer", "Product", "derived: times, amount, first_at, last_at"),
    RelationshipKind("SERVES", "Rep", "Customer", "derived"),
    RelationshipKind("ALSO_BOUGHT", "Product", "Product", "derived: customers who bought both"),
)

NODE_KINDS: dict[str, NodeKind] = {kind.label: kind for kind in _NODES}
# How an anonymous visitor's Identity record's source id starts (live events: ``anonymousId``).
VISITOR = "anon:"
RELATIONSHIP_KINDS: dict[str, RelationshipKind] = {kind.type: kind for kind in _RELATIONSHIPS}

for _kind in _NODES:
    assert all(_NAME.match(name) for name in (_kind.label, _kind.key, *_kind.indexed, *_kind.text_indexed)), _kind
for _rel in _RELATIONSHIPS:
    assert _NAME.match(_rel.type) and _rel.start in NODE_KINDS and _rel.end in NODE_KINDS, _rel


def node_kind(label: str) -> NodeKind:
    """The model's node kind for ``label``; anything else raises ``UnknownLabelError``."""
    try:
        return NODE_KINDS[label]
    except (KeyError, TypeError):
        raise UnknownLabelError("node label", str(label)) from None


def relationship_kind(rel_type: str) -> RelationshipKind:
    """The model's relationship kind for ``rel_type``; anything else raises."""
    try:
        return RELATIONSHIP_KINDS[rel_type]
    except (KeyError, TypeError):
        raise UnknownLabelError("relationship type", str(rel_type)) from None
