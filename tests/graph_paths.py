"""A check shared by the tests of paths that queries return: every node and relationship exists."""

from __future__ import annotations

import itertools
from typing import Any

from custgraph.graph import Store


def walk(store: Store, nodes: list[dict[str, Any]], relationships: list[dict[str, Any]]) -> None:
    """Each node exists, and each relationship exists and joins the two nodes beside it."""
    assert len(relationships) == len(nodes) - 1
    for node in nodes:
        assert store.get_node(node["label"], node["key"]) is not None, node
    for (a, b), link in zip(itertools.pairwise(nodes), relationships, strict=True):
        assert {link["start"], link["end"]} == {a["key"], b["key"]}, (a, b, link)
        assert store.get_relationship(link["type"], link["start"], link["end"]) is not None, link
