"""The Store contract, asserted identically on the embedded store and on Neo4j."""

from __future__ import annotations

import datetime as dt
import random
from concurrent.futures import ThreadPoolExecutor

import pytest

from custgraph import queries
from custgraph.errors import InvalidRowError, MissingEndpointError, UnknownLabelError
from custgraph.graph import GraphBatch, RelationshipRow, Store
from custgraph.graph.batch import BatchResult, PreparedBatch
from custgraph.samples.builtin import SAMPLE_NODES, SAMPLE_RELATIONSHIPS, load_sample
from tests.conftest import StoreFactory

ANN = {"customer_id": "c-1", "name": "Ann Lee", "email_norm": "ann@example.com"}
BOB = {"customer_id": "c-2", "name": "Bob Ray"}


def node_counts(store: Store) -> dict[str, int]:
    return {row["label"]: row["count"] for row in store.run(queries.get("node_counts"))}


def relationship_counts(store: Store) -> dict[str, int]:
    return {row["type"]: row["count"] for row in store.run(queries.get("relationship_counts"))}


def test_upsert_creates_then_repeats_change_nothing(store: Store) -> None:
    first = store.upsert_nodes("Customer", [ANN, BOB])
    again = store.upsert_nodes("Customer", [ANN, BOB])

    assert (first.created, first.updated, first.unchanged) == (2, 0, 0)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert node_counts(store) == {"Customer": 2}
    assert store.get_node("Customer", "c-1") == ANN


def test_changed_property_is_updated_and_none_removes(store: Store) -> None:
    store.upsert_nodes("Customer", [ANN])

    result = store.upsert_nodes("Customer", [{"customer_id": "c-1", "name": "Ann Lee-Park", "email_norm": None}])

    assert (result.created, result.updated, result.unchanged) == (0, 1, 0)
    assert store.get_node("Customer", "c-1") == {"customer_id": "c-1", "name": "Ann Lee-Park"}


def test_properties_not_in_the_row_are_kept(store: Store) -> None:
    store.upsert_nodes("Customer", [ANN])
    store.upsert_nodes("Customer", [{"customer_id": "c-1", "segment": "loyal"}])

    assert store.get_node("Customer", "c-1") == {**ANN, "segment": "loyal"}


def test_set_properties_changes_existing_nodes_only_as_an_upsert_would(store: Store) -> None:
    """The same changes by ``set_properties`` and by ``upsert_nodes`` give the same maps (the embedded
    store changes the JSON inside SQLite), and a key not in the store makes nothing."""
    changes = {"name": None, "segment": "loyal", "scored_at": dt.datetime(2026, 5, 1, 9, 30, tzinfo=dt.UTC),
               "since": dt.date(2020, 2, 29), "tags": ["a", "b"], "n": 3, "share": 0.25, "vip": False}
    store.upsert_nodes("Customer", [ANN, {**ANN, "customer_id": "c-3"}])

    found = store.set_properties("Customer", [{"customer_id": "c-1", **changes}, {"customer_id": "c-404", "n": 1}])
    store.upsert_nodes("Customer", [{"customer_id": "c-3", **changes}])

    assert found == 1
    expected = {"customer_id": "c-1", "email_norm": "ann@example.com",
                **{name: value for name, value in changes.items() if value is not None}}
    assert store.get_node("Customer", "c-1") == expected
    assert store.get_node("Customer", "c-3") == {**expected, "customer_id": "c-3"}
    assert node_counts(store) == {"Customer": 2}
    assert store.set_properties("Customer", [{"customer_id": "c-1", "segment": "lapsed", "tags": None}]) == 1
    assert store.get_node("Customer", "c-1") == {**{k: v for k, v in expected.items() if k != "tags"},
                                                 "segment": "lapsed"}


def test_set_properties_keeps_what_search_finds(store: Store) -> None:
    """An Identity's e-mail set so is found by search under the new address, not the old one."""
    store.upsert_nodes("Identity", [{"identity_id": "crm:1", "email_norm": "old@example.com"}])
    store.upsert_nodes("Customer", [ANN])
    store.upsert_relationships("RESOLVES_TO", [("crm:1", "c-1")])

    store.set_properties("Identity", [{"identity_id": "crm:1", "email_norm": "new@example.com", "resolved": "x"}])

    def found(text: str) -> list[str]:
        return [row["customer_id"] for row in store.run(queries.get("search_customers"), {"text": text})]

    assert (found("new@example.com"), found("old@example.com")) == (["c-1"], [])


def test_repeated_key_in_one_call_is_merged_later_wins(store: Store) -> None:
    result = store.upsert_nodes("Customer", [ANN, {"customer_id": "c-1", "name": "Ann B."}])

    assert (result.created, result.total) == (1, 1)
    assert store.get_node("Customer", "c-1") == {**ANN, "name": "Ann B."}


def test_values_round_trip(store: Store) -> None:
    at = dt.datetime(2026, 3, 1, 12, 30, 5, 123000, tzinfo=dt.UTC)
    row = {"interaction_id": "i-1", "type": "purchase", "at": at, "on": dt.date(2026, 3, 1),
           "amount": 12.5, "quantity": 3, "gift": False, "tags": ["a", "b"], "text": "日本語 ok"}
    store.upsert_nodes("Interaction", [row])

    assert store.get_node("Interaction", "i-1") == row
    assert store.upsert_nodes("Interaction", [row]).unchanged == 1


def test_integer_and_string_keys_are_distinct(store: Store) -> None:
    store.upsert_nodes("Product", [{"sku": 7, "name": "int"}, {"sku": "7", "name": "str"}])

    assert store.get_node("Product", 7) == {"sku": 7, "name": "int"}
    assert store.get_node("Product", "7") == {"sku": "7", "name": "str"}


def test_missing_node_reads_as_none(store: Store) -> None:
    assert store.get_node("Customer", "nobody") is None
    assert store.get_relationship("RESOLVES_TO", "x", "y") is None


def test_relationship_upsert_between_existing_nodes(store: Store) -> None:
    store.upsert_nodes("Identity", [{"identity_id": "crm:1"}, {"identity_id": "web:9"}])
    store.upsert_nodes("Customer", [ANN])

    first = store.upsert_relationships("RESOLVES_TO", [("crm:1", "c-1"), ("web:9", "c-1", {"since": 2024})])
    again = store.upsert_relationships("RESOLVES_TO", [("crm:1", "c-1"), ("web:9", "c-1", {"since": 2024})])
    changed = store.upsert_relationships("RESOLVES_TO", [RelationshipRow("web:9", "c-1", {"since": 2025})])

    assert (first.created, again.unchanged, changed.updated) == (2, 2, 1)
    assert store.get_relationship("RESOLVES_TO", "web:9", "c-1") == {"since": 2025}
    assert store.get_relationship("RESOLVES_TO", "crm:1", "c-1") == {}
    assert relationship_counts(store) == {"RESOLVES_TO": 2}


def test_missing_endpoint_is_a_clear_error_and_writes_nothing(open_test_store: StoreFactory) -> None:
    store = open_test_store(batch_size=2)
    store.upsert_nodes("Identity", [{"identity_id": f"crm:{i}"} for i in range(5)])
    store.upsert_nodes("Customer", [ANN])
    rows = [(f"crm:{i}", "c-1") for i in range(5)] + [("crm:404", "c-1"), ("crm:0", "c-missing")]

    with pytest.raises(MissingEndpointError) as caught:
        store.upsert_relationships("RESOLVES_TO", rows)

    message = str(caught.value)
    assert "RESOLVES_TO" in message and "'crm:404'" in message and "'c-missing'" in message
    assert "nothing was written" in message
    assert caught.value.total == 2
    assert relationship_counts(store) == {}


def test_an_endpoint_deleted_between_batches_is_not_linked(open_test_store: StoreFactory) -> None:
    """The embedded store looks each endpoint up once per call (``upsert_relationships``); a
    node deleted between two of its batches (another thread's erasure) must be looked up again,
    not linked by its old id."""
    store = open_test_store(batch_size=1)
    store.upsert_nodes("Identity", [{"identity_id": "crm:1"}, {"identity_id": "crm:2"}])
    store.upsert_nodes("Customer", [{"customer_id": "c-1"}, {"customer_id": "c-2"}])
    write = store._write
    deleted: list[str] = []

    def write_then_delete(batch: PreparedBatch) -> BatchResult:
        result = write(batch)
        if not deleted:
            deleted.append("c-2")
            store.delete_nodes("Customer", ["c-2"])
        return result

    store._write = write_then_delete  # type: ignore[method-assign]
    with pytest.raises(MissingEndpointError, match="c-2"):
        store.upsert_relationships("RESOLVES_TO", [("crm:1", "c-1"), ("crm:2", "c-2")])
    assert relationship_counts(store) == {"RESOLVES_TO": 1}
    assert store.get_node("Customer", "c-2") is None


def test_rows_are_written_in_batches(open_test_store: StoreFactory) -> None:
    store = open_test_store(batch_size=2)
    result = store.upsert_nodes("Channel", [{"channel_id": f"ch-{i}"} for i in range(5)])

    assert (result.batches, result.created) == (3, 5)


@pytest.mark.parametrize(("row", "field"), [
    ({"name": "no key"}, "customer_id"),
    ({"customer_id": ""}, "customer_id"),
    ({"customer_id": 1.5}, "customer_id"),
    ({"customer_id": "c-9", "address": {"city": "Oslo"}}, "address"),
    ({"customer_id": "c-9", "tags": ["a", 1]}, "tags"),
    ({"customer_id": "c-9", "score": float("nan")}, "score"),
    ({"customer_id": "c-9", "big": 2**70}, "big"),
])
def test_invalid_row_names_the_field_and_writes_nothing(store: Store, row: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidRowError) as caught:
        store.upsert_nodes("Customer", [BOB, row])

    assert caught.value.field == field
    assert "Customer row 1" in str(caught.value)
    assert node_counts(store) == {}


INJECTIONS = [
    "Customer) DETACH DELETE (n",
    "Customer {customer_id: 'x'}) MATCH (m) DETACH DELETE m //",
    "Customer`) DETACH DELETE n //",
    "customer",
    "",
    "RESOLVES_TO]->() MATCH (n) DETACH DELETE n //",
]


@pytest.mark.parametrize("label", INJECTIONS)
def test_labels_outside_the_model_are_refused(store: Store, label: str) -> None:
    store.upsert_nodes("Customer", [ANN])

    with pytest.raises(UnknownLabelError):
        store.upsert_nodes(label, [{"customer_id": "x"}])
    with pytest.raises(UnknownLabelError):
        store.upsert_relationships(label, [("x", "y")])
    with pytest.raises(UnknownLabelError):
        store.get_node(label, "x")

    assert node_counts(store) == {"Customer": 1}


def test_named_queries_answer_alike_on_both_backends(store: Store) -> None:
    load_sample(store)

    assert node_counts(store) == {label: len(rows) for label, rows in SAMPLE_NODES.items()}
    assert relationship_counts(store) == {t: len(rows) for t, rows in SAMPLE_RELATIONSHIPS.items()}
    assert store.run(queries.get("node_counts")) == sorted(
        store.run(queries.get("node_counts")), key=lambda row: row["label"]
    )


def test_reopening_gives_back_the_same_graph(open_test_store: StoreFactory) -> None:
    store = open_test_store()
    load_sample(store)
    before = (node_counts(store), relationship_counts(store), store.get_node("Interaction", "webshop:o-2"))
    store.close()

    reopened = open_test_store()

    after = (node_counts(reopened), relationship_counts(reopened), reopened.get_node("Interaction", "webshop:o-2"))
    assert after == before
    assert load_sample(reopened).unchanged == sum(before[0].values()) + sum(before[1].values())


def test_concurrent_writers_on_shared_nodes_all_succeed(store: Store) -> None:
    """Opposite lock orders invite deadlocks on Neo4j; the driver's retries must absorb them."""
    identities = [f"crm:{i}" for i in range(40)]
    customers = [f"c-{i}" for i in range(4)]
    store.upsert_nodes("Identity", [{"identity_id": key} for key in identities])
    store.upsert_nodes("Customer", [{"customer_id": key} for key in customers])

    def writer(seed: int) -> int:
        rows = [(identity, customers[(i + seed) % 4], {"by": seed}) for i, identity in enumerate(identities)]
        random.Random(seed).shuffle(rows)
        written = 0
        for round_ in range(5):
            written += store.upsert_relationships("RESOLVES_TO", rows[round_ % 2::2]).total
            store.upsert_nodes("Customer", [{"customer_id": key, "touched": seed} for key in reversed(customers)])
        return written

    with ThreadPoolExecutor(max_workers=4) as pool:
        written = list(pool.map(writer, range(4)))

    assert written == [100] * 4
    assert relationship_counts(store) == {"RESOLVES_TO": 160}
    assert node_counts(store) == {"Identity": 40, "Customer": 4}


@pytest.mark.parametrize("side", ["start", "end"])
def test_replace_deletes_links_the_rows_no_longer_hold(store: Store, side: str) -> None:
    store.upsert_nodes("Interaction", [{"interaction_id": f"i-{n}"} for n in range(3)])
    store.upsert_nodes("Channel", [{"channel_id": "web"}, {"channel_id": "app"}, {"channel_id": "store"}])
    store.upsert_relationships("VIA", [("i-0", "web"), ("i-1", "web"), ("i-2", "store")])

    if side == "start":  # i-0 moved from web to app; i-1 lost its channel; i-2 untouched
        result = store.upsert_relationships("VIA", [("i-0", "app")], replace_from=["i-0", "i-1"])
        expected = {("i-0", "app"), ("i-2", "store")}
    else:  # web now has only i-2
        result = store.upsert_relationships("VIA", [("i-2", "web")], replace_to=["web"])
        expected = {("i-2", "web"), ("i-2", "store")}

    assert result.deleted == 2
    pairs = {(i, c) for i in ("i-0", "i-1", "i-2") for c in ("web", "app", "store")
             if store.get_relationship("VIA", i, c) is not None}
    assert pairs == expected


def test_replacing_from_both_ends_deletes_a_link_between_two_anchors_once(store: Store) -> None:
    """Resolve replaces the links of dirty records at both ends; a dropped link between two of
    them is stale from either end and must be deleted (and counted) once."""
    store.upsert_nodes("Identity", [{"identity_id": f"x:{n}"} for n in range(3)])
    store.upsert_relationships("SAME_AS", [("x:0", "x:1"), ("x:1", "x:2")])

    result = store.upsert_relationships("SAME_AS", [("x:1", "x:2")], replace_from=["x:0", "x:1", "x:2"],
                                        replace_to=["x:0", "x:1", "x:2"])

    assert result.deleted == 1
    assert store.get_relationship("SAME_AS", "x:0", "x:1") is None
    assert store.get_relationship("SAME_AS", "x:1", "x:2") is not None


def test_existing_keys(store: Store) -> None:
    store.upsert_nodes("Rep", [{"rep_id": "r-1"}, {"rep_id": 2}])

    assert store.existing_keys("Rep", ["r-1", "r-9", 2, "2"]) == {"r-1", 2}
    assert store.existing_keys("Rep", []) == set()
    store.upsert_nodes("Channel", [{"channel_id": "web"}])
    assert store.existing_keys_of({"Rep": ["r-1", "r-9", 2], "Channel": ["web", "shop"], "Product": []}) == {
        "Rep": {"r-1", 2}, "Channel": {"web"}, "Product": set()}


def test_nodes_are_read_many_at_once_and_missing_ones_left_out(store: Store) -> None:
    store.upsert_nodes("Rep", [{"rep_id": "r-1", "name": "Aiko"}, {"rep_id": 2, "name": "Ben"}])

    assert store.get_nodes("Rep", ["r-1", "r-9", 2, "2", "r-1"]) == {
        "r-1": {"rep_id": "r-1", "name": "Aiko"}, 2: {"rep_id": 2, "name": "Ben"}}
    assert store.get_nodes("Rep", []) == {}
def test_a_graph_batch_is_written_whole(store: Store) -> None:
    batch = GraphBatch(
        nodes=[("Identity", [{"identity_id": "crm:1"}]), ("Interaction", [{"interaction_id": "crm:i1"}])],
        relationships=[("PERFORMED", [("crm:1", "crm:i1")])],
    )

    result = store.write(batch)

    assert (result["Identity"].created, result["Interaction"].created, result["PERFORMED"].created) == (1, 1, 1)
    assert store.get_relationship("PERFORMED", "crm:1", "crm:i1") == {}


def test_a_graph_batch_with_a_missing_endpoint_writes_nothing(store: Store) -> None:
    batch = GraphBatch(
        nodes=[("Interaction", [{"interaction_id": "crm:i1"}, {"interaction_id": "crm:i2"}])],
        relationships=[("PERFORMED", [("crm:404", "crm:i1")])],
    )

    with pytest.raises(MissingEndpointError, match="'crm:404'"):
        store.write(batch)

    assert node_counts(store) == {}


def test_a_graph_batch_deletes_nodes_with_their_links_after_its_writes(open_test_store: StoreFactory) -> None:
    store = open_test_store()
    store.write(GraphBatch(
        nodes=[("Identity", [{"identity_id": "crm:1"}, {"identity_id": "crm:2"}]),
               ("Interaction", [{"interaction_id": "crm:i1"}, {"interaction_id": "crm:i2"}])],
        relationships=[("PERFORMED", [("crm:1", "crm:i1"), ("crm:2", "crm:i2")]), ("SAME_AS", [("crm:1", "crm:2")])],
    ))
    result = store.write(GraphBatch(
        nodes=[("Interaction", [{"interaction_id": "erased:1"}])],
        relationships=[("PERFORMED", [("crm:2", "erased:1")])],
        delete_nodes={"Identity": ["crm:1", "crm:404"], "Interaction": ["crm:i1"]},
    ))
    assert (result["Identity"].deleted, result["Interaction"].deleted) == (1, 1)  # crm:404 was never there
    assert store.get_node("Identity", "crm:1") is None and store.get_node("Interaction", "crm:i1") is None
    assert store.get_relationship("SAME_AS", "crm:1", "crm:2") is None
    assert store.get_relationship("PERFORMED", "crm:2", "erased:1") == {}
    assert node_counts(store) == {"Identity": 1, "Interaction": 2}
    store.close()
    reopened = open_test_store()  # what the files hold, not only what the process remembers
    assert node_counts(reopened) == {"Identity": 1, "Interaction": 2}
    assert reopened.run(queries.get("relationship_counts")) == [{"type": "PERFORMED", "count": 2}]
    failing = GraphBatch(relationships=[("PERFORMED", [("crm:404", "crm:i2")])], delete_nodes={"Identity": ["crm:2"]})
    with pytest.raises(MissingEndpointError):
        reopened.write(failing)
    assert reopened.get_node("Identity", "crm:2") is not None  # a failed batch deletes nothing either


@pytest.mark.parametrize("name", INJECTIONS)
def test_statement_builders_take_only_model_names(name: str) -> None:
    """Labels and types are spliced into Neo4j statements; anything outside the model is refused first."""
    from custgraph.graph.neo4j import statements

    for build in (statements.upsert_nodes, statements.get_node, statements.existing_keys):
        with pytest.raises(UnknownLabelError):
            build(name)
    for build in (statements.upsert_relationships, statements.check_endpoints, statements.create_relationships,
                  statements.get_relationship):
        with pytest.raises(UnknownLabelError):
            build(name)
    with pytest.raises(UnknownLabelError):
        statements.delete_stale(name, True)
    with pytest.raises(UnknownLabelError):
        statements.create_star(name, ())
    with pytest.raises(UnknownLabelError):
        statements.create_star("Interaction", ((name, True, False),))
