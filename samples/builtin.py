"""A small built-in sample: two source systems, one person in both, a few touchpoints.

Why: ``custgraph demo`` must show a working graph on a fresh install with no
input files. The rows go through the same ``Store`` upserts a real load uses.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from custgraph.graph import RelationshipRow, Store, WriteResult, one_writer

__all__ = ["SAMPLE_NODES", "SAMPLE_RELATIONSHIPS", "load_sample"]

_UTC = dt.UTC


def _at(day: int, hour: int) -> dt.datetime:
    return dt.datetime(2026, 10, day, hour, 0, tzinfo=_UTC)


SAMPLE_NODES: dict[str, list[dict[str, Any]]] = {
    "Identity": [
        {"identity_id": "crm:C-1001", "source": "crm", "source_id": "C-1001", "name": "Hanako Yamada",
         "email": "Hanako.Yamada@example.jp", "phone": "+81 90-1234-5678"},
        {"identity_id": "webshop:u42", "source": "webshop", "source_id": "u42", "name": "山田 花子",
         "email": "hanako.yamada@example.jp"},
        {"identity_id": "crm:C-1002", "source": "crm", "source_id": "C-1002", "name": "Lars Berg",
         "email": "lars.berg@example.se", "phone": "+46 70 123 45 67"},
    ],
    "Product": [
        {"sku": "TEA-001", "name": "Sencha 100 g", "category": "tea", "price": 12.5},
        {"sku": "POT-010", "name": "Kyusu teapot", "category": "teaware", "price": 48.0},
        {"sku": "CUP-020", "name": "Yunomi cup", "category": "teaware", "price": 15.0},
    ],
    "Category": [{"category_id": "tea", "name": "Tea"}, {"category_id": "teaware", "name": "Teaware"}],
    "Channel": [
        {"channel_id": "web", "name": "Web shop", "kind": "web"},
        {"channel_id": "store-tokyo", "name": "Tokyo store", "kind": "store"},
        {"channel_id": "support-phone", "name": "Support line", "kind": "phone"},
    ],
    "Rep": [{"rep_id": "R-7", "name": "Aiko Tanaka", "team": "support", "region": "JP"}],
    "Interaction": [
        {"interaction_id": "webshop:o-1", "type": "web_visit", "at": _at(1, 9), "source": "webshop"},
        {"interaction_id": "webshop:o-2", "type": "purchase", "at": _at(1, 10), "amount": 12.5,
         "quantity": 1, "source": "webshop"},
        {"interaction_id": "crm:t-1", "type": "support_ticket", "at": _at(3, 14), "source": "crm",
         "text": "Which teapot suits sencha?"},
        {"interaction_id": "crm:s-1", "type": "survey_response", "at": _at(4, 8), "score": 9, "source": "crm"},
        {"interaction_id": "crm:p-1", "type": "purchase", "at": _at(6, 17), "amount": 63.0, "quantity": 2,
         "source": "crm"},
    ],
}

SAMPLE_RELATIONSHIPS: dict[str, list[RelationshipRow]] = {
    "PERFORMED": [
        RelationshipRow("webshop:u42", "webshop:o-1"),
        RelationshipRow("webshop:u42", "webshop:o-2"),
        RelationshipRow("crm:C-1001", "crm:t-1"),
        RelationshipRow("crm:C-1001", "crm:s-1"),
        RelationshipRow("crm:C-1002", "crm:p-1"),
    ],
    "VIA": [
        RelationshipRow("webshop:o-1", "web"),
        RelationshipRow("webshop:o-2", "web"),
        RelationshipRow("crm:t-1", "support-phone"),
        RelationshipRow("crm:p-1", "store-tokyo"),
    ],
    "ABOUT": [
        RelationshipRow("webshop:o-2", "TEA-001"),
        RelationshipRow("crm:p-1", "POT-010"),
        RelationshipRow("crm:p-1", "CUP-020"),
    ],
    "HANDLED_BY": [RelationshipRow("crm:t-1", "R-7")],
    "IN_CATEGORY": [
        RelationshipRow("TEA-001", "tea"),
        RelationshipRow("POT-010", "teaware"),
        RelationshipRow("CUP-020", "teaware"),
    ],
}


@one_writer("load sample")
def load_sample(store: Store) -> WriteResult:
    """Write the sample; running it again changes nothing."""
    total = WriteResult()
    for label, rows in SAMPLE_NODES.items():
        total += store.upsert_nodes(label, rows)
    for rel_type, rels in SAMPLE_RELATIONSHIPS.items():
        total += store.upsert_relationships(rel_type, rels)
    return total
