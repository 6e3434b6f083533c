"""The named query catalogue: every .cypher file has a readable header and an embedded answer."""

from __future__ import annotations

import pytest

from custgraph import queries
from custgraph.errors import QueryParameterError, UnknownQueryError
from custgraph.graph import NamedQuery, QueryParameter


def test_every_query_has_a_header_and_the_embedded_store_answers_it() -> None:
    from custgraph.graph.embedded.queries import implementation

    assert {"node_counts", "relationship_counts"} <= set(queries.names())
    for name in queries.names():
        query = queries.get(name)
        assert query.cypher.startswith(f"// {name}: ")
        assert "Parameters:" in query.cypher and "Returns:" in query.cypher
        assert query.description
        assert callable(implementation(name))
    with pytest.raises(UnknownQueryError):
        implementation("support")  # what the implementations share is not a query


def test_unknown_query_lists_the_known_ones() -> None:
    with pytest.raises(UnknownQueryError, match="node_counts"):
        queries.get("drop_everything")


def _query(*parameters: QueryParameter) -> NamedQuery:
    return NamedQuery(name="q", cypher="RETURN 1", parameters=parameters)


def test_bind_fills_defaults_and_checks_types() -> None:
    query = _query(QueryParameter("customer_id", "string"), QueryParameter("k", "integer", 10, required=False))

    assert query.bind({"customer_id": "c-1"}) == {"customer_id": "c-1", "k": 10}
    with pytest.raises(QueryParameterError, match="missing parameter customer_id"):
        query.bind({})
    with pytest.raises(QueryParameterError, match="unknown parameter"):
        query.bind({"customer_id": "c-1", "limit": 3})
    with pytest.raises(QueryParameterError, match="k must be of type integer"):
        query.bind({"customer_id": "c-1", "k": True})


def test_the_readme_documents_every_field_of_the_input_contract() -> None:
    from pathlib import Path

    from custgraph.loaders.contract import ENTITIES

    readme = Path(__file__).resolve().parents[1].joinpath("README.md").read_text(encoding="utf-8")
    section = readme.split("### Input contract", 1)[1].split("### What load does", 1)[0]
    for entity in ENTITIES.values():
        assert f"| `{entity.name}` | `{entity.key}` |" in section
        for field in entity.fields:
            assert f"`{field.name}`" in section, f"{entity.name}.{field.name} is not in the README"
