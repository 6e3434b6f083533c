"""custgraph load on both backends: what lands, what is refused, and that re-runs change nothing."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from custgraph import queries
from custgraph.errors import SourceFileError
from custgraph.graph import Store
from custgraph.loaders import LoadReport, load_sources

PRODUCTS = "sku,name,category,brand,price\nTEA-1,Sencha,Tea,Uji,12.5\nPOT-1,Kyusu,Teaware,Tokoname,48\n"
CHANNELS = "channel_id,name,kind\nweb,Web shop,web\nphone,Support line,phone\n"
REPS = "rep_id,name,team,region\nR-1,Aiko Tanaka,support,JP\n"
CUSTOMERS = (
    "source_id,name,name_kana,email,phone,birth_date,country,loyalty_id\n"
    "C1,山田　花子,ﾔﾏﾀﾞ ﾊﾅｺ,Hanako.Yamada+shop@Example.JP,０９０-１２３４-５６７８,1985年3月7日,JP,L1\n"
    "C2,Lars Berg,,lars.berg@example.se,+46 70 123 45 67,1990-07-03,SE,\n"
)
INTERACTIONS = (
    "interaction_id,customer_id,type,at,channel_id,rep_id,sku,amount,quantity,score,text\n"
    "i1,C1,purchase,2026-10-01T10:00:00+09:00,web,,TEA-1|POT-1,60.5,1,,\n"
    "i2,C1,support_ticket,2026-10-03T09:00:00Z,phone,R-1,POT-1,,,,Which pot suits sencha?\n"
    "i3,C2,survey_response,2026-10-04T08:00:00,,,,,,9,\n"
)


def write_source(root: Path, name: str = "crm", **files: str | bytes) -> Path:
    folder = root / name
    folder.mkdir(parents=True, exist_ok=True)
    for file_name, content in files.items():
        path = folder / file_name.replace("_", ".", 1) if "." not in file_name else folder / file_name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return folder


def full_source(root: Path, **overrides: str | bytes) -> Path:
    files: dict[str, str | bytes] = {
        "products.csv": PRODUCTS, "channels.csv": CHANNELS, "reps.csv": REPS,
        "customers.csv": CUSTOMERS, "interactions.csv": INTERACTIONS,
    }
    files.update(overrides)
    return write_source(root, "crm", **files)


def load(store: Store, tmp_path: Path, *folders: Path,
         whole_rows: bool = False) -> tuple[LoadReport, list[dict[str, object]]]:
    rejects = tmp_path / "rejects.jsonl"
    report = load_sources(store, list(folders), rejects, whole_rows=whole_rows)
    lines = rejects.read_text(encoding="utf-8").splitlines() if rejects.exists() else []
    return report, [json.loads(line) for line in lines]


def counts(store: Store) -> tuple[dict[str, int], dict[str, int]]:
    """What the sources made: without the Summary node that says when the store last took a load."""
    nodes = {row["label"]: row["count"] for row in store.run(queries.get("node_counts")) if row["label"] != "Summary"}
    links = {row["type"]: row["count"] for row in store.run(queries.get("relationship_counts"))}
    return nodes, links


def test_a_source_lands_as_nodes_and_relationships(store: Store, tmp_path: Path) -> None:
    report, rejects = load(store, tmp_path, full_source(tmp_path))

    assert rejects == []
    assert report.total("created") == 2 + 2 + 1 + 2 + 3
    assert counts(store) == (
        {"Category": 2, "Channel": 2, "Identity": 2, "Interaction": 3, "Product": 2, "Rep": 1},
        {"ABOUT": 3, "HANDLED_BY": 1, "IN_CATEGORY": 2, "PERFORMED": 3, "VIA": 2},
    )
    hanako = store.get_node("Identity", "crm:C1")
    assert hanako is not None
    assert (hanako["source"], hanako["source_id"], hanako["trust"]) == ("crm", "C1", 50)
    assert hanako["email_norm"] == "hanako.yamada@example.jp"
    assert hanako["phone_norm"] == "+819012345678"
    assert hanako["name_norm"] == "山田 花子"
    assert hanako["name_kana_norm"] == "やまだ はなこ"
    assert hanako["birth_date"] == dt.date(1985, 3, 7)
    purchase = store.get_node("Interaction", "crm:i1")
    assert purchase is not None
    assert purchase["at"] == dt.datetime(2026, 10, 1, 1, 0, tzinfo=dt.UTC)
    assert (purchase["type"], purchase["amount"], purchase["quantity"]) == ("purchase", 60.5, 1)
    survey = store.get_node("Interaction", "crm:i3")
    assert survey is not None and (survey["score"], survey["score_kind"]) == (9.0, "nps")
    assert store.get_relationship("PERFORMED", "crm:C1", "crm:i2") == {}
    assert store.get_relationship("HANDLED_BY", "crm:i2", "R-1") == {}
    assert store.get_relationship("IN_CATEGORY", "POT-1", "teaware") == {}


def test_loading_again_changes_nothing(store: Store, tmp_path: Path) -> None:
    folder = full_source(tmp_path)
    load(store, tmp_path, folder)
    before = counts(store)

    report, _ = load(store, tmp_path, folder)

    assert (report.total("created"), report.total("updated"), report.total("unchanged")) == (0, 0, 10)
    assert (report.relationships_created, report.relationships_deleted) == (0, 0)
    assert counts(store) == before


def test_a_changed_row_is_updated_and_its_links_replaced(store: Store, tmp_path: Path) -> None:
    load(store, tmp_path, full_source(tmp_path))
    changed = INTERACTIONS.replace("i1,C1,purchase,2026-10-01T10:00:00+09:00,web,,TEA-1|POT-1,60.5",
                                   "i1,C2,purchase,2026-10-01T10:00:00+09:00,phone,,TEA-1,12.5")

    report, _ = load(store, tmp_path, full_source(tmp_path, **{"interactions.csv": changed}))

    interactions = next(f for f in report.files if f.entity == "interactions")
    assert (interactions.updated, interactions.unchanged) == (1, 2)
    purchase = store.get_node("Interaction", "crm:i1")
    assert purchase is not None and purchase["amount"] == 12.5
    assert store.get_relationship("VIA", "crm:i1", "web") is None
    assert store.get_relationship("VIA", "crm:i1", "phone") == {}
    assert store.get_relationship("ABOUT", "crm:i1", "POT-1") is None
    assert store.get_relationship("PERFORMED", "crm:C1", "crm:i1") is None
    assert store.get_relationship("PERFORMED", "crm:C2", "crm:i1") == {}
    assert counts(store)[1]["ABOUT"] == 2


def test_a_new_file_adds_only_what_is_new(store: Store, tmp_path: Path) -> None:
    load(store, tmp_path, full_source(tmp_path))
    more = INTERACTIONS + "i4,C2,web_visit,2026-10-05T08:00:00Z,web,,,,,,\n"

    report, _ = load(store, tmp_path, full_source(tmp_path, **{"interactions.csv": more}))

    assert (report.total("created"), report.total("unchanged")) == (1, 10)
    assert counts(store)[0]["Interaction"] == 4


# (case, file, content, line, field, reason, what happens by default: the row is rejected, or only
# the field is dropped and the row loads; with whole_rows=True every case rejects its row)
BAD_INPUTS = [
    ("missing key", "customers.csv", CUSTOMERS + ",No Key,,,,,,\n", 4, "source_id", "required", "row"),
    ("bad date", "customers.csv", CUSTOMERS + "C3,Bad Date,,,,1990-13-45,,\n", 4, "birth_date", "not a date", "field"),
    ("impossible date", "customers.csv", CUSTOMERS + "C3,Bad Date,,,,19551192,,\n", 4, "birth_date", "not a date",
     "field"),
    ("birth date 0001", "customers.csv", CUSTOMERS + "C3,Old,,,,0001-01-01,,\n", 4, "birth_date", "1900", "field"),
    ("bad number", "interactions.csv", INTERACTIONS + "i9,C1,purchase,2026-10-05T08:00:00Z,,,,\"12,50\",,,\n",
     5, "amount", "not a number", "field"),
    ("underscore number", "interactions.csv", INTERACTIONS + "i9,C1,purchase,2026-10-05T08:00:00Z,,,,1_000,,,\n",
     5, "amount", "not a number", "field"),
    ("unknown customer", "interactions.csv", INTERACTIONS + "i9,C404,purchase,2026-10-05T08:00:00Z,,,,,,,\n",
     5, "customer_id", "unknown customer 'C404'", "row"),
    ("unknown product", "interactions.csv", INTERACTIONS + "i9,C1,purchase,2026-10-05T08:00:00Z,,,NOPE,,,,\n",
     5, "sku", "unknown product 'NOPE'", "row"),
    ("huge quantity", "interactions.csv", INTERACTIONS + "i9,C1,purchase,2026-10-05T08:00:00Z,,,,,1e30,,\n",
     5, "quantity", "64-bit", "field"),
    ("bad timestamp", "interactions.csv", INTERACTIONS + "i9,C1,purchase,yesterday,,,,,,,\n", 5, "at",
     "not a timestamp", "row"),
    ("timestamp before year 1", "interactions.csv",
     INTERACTIONS + "i9,C1,purchase,0001-01-01T00:00:00+01:00,,,,,,,\n", 5, "at", "out of range", "row"),
    ("timestamp after 9999", "interactions.csv",
     INTERACTIONS + "i9,C1,purchase,9999-12-31T23:59:59-01:00,,,,,,,\n", 5, "at", "out of range", "row"),
    ("timestamp in 9999", "interactions.csv", INTERACTIONS + "i9,C1,purchase,9999-01-01T00:00:00Z,,,,,,,\n",
     5, "at", "between 1900 and now", "row"),
    ("offset +23:59", "interactions.csv", INTERACTIONS + "i9,C1,purchase,2026-10-05T08:00:00+23:59,,,,,,,\n",
     5, "at", "-12:00 and +14:00", "row"),
    ("score out of range", "interactions.csv", INTERACTIONS + "i9,C2,survey_response,2026-10-05T08:00:00Z,,,,,,11,\n",
     5, "score", "NPS 0-10", "field"),
    ("duplicate key", "customers.csv", CUSTOMERS + "C1,Someone Else,,,,,,\n", 4, "source_id", "first on line 2",
     "row"),
    ("wrong encoding", "customers.csv", CUSTOMERS.encode() + "C3,Jos\u00e9 Garc\u00eda,,,,,,\n".encode("latin-1"),
     4, "name", "not UTF-8", "row"),
    ("huge field", "customers.csv", CUSTOMERS + "C3," + "x" * 70_000 + ",,,,,,\n", 4, "name", "longer than", "field"),
    ("wrong field count", "customers.csv", CUSTOMERS + "C3,Too,Few\n", 4, "-", "3 fields where the header has 8",
     "row"),
]


@pytest.mark.parametrize("whole_rows", [False, True], ids=["fields dropped", "whole rows"])
@pytest.mark.parametrize(("file_name", "content", "line", "field", "reason", "kind"),
                         [case[1:] for case in BAD_INPUTS], ids=[case[0] for case in BAD_INPUTS])
def test_a_bad_value_is_reported_with_file_line_and_field_and_good_rows_load(
    store: Store, tmp_path: Path, file_name: str, content: str | bytes, line: int, field: str, reason: str,
    kind: str, whole_rows: bool,
) -> None:
    report, rejects = load(store, tmp_path, full_source(tmp_path, **{file_name: content}), whole_rows=whole_rows)

    assert len(rejects) == 1, rejects
    assert rejects[0]["file"].endswith(file_name)
    assert (rejects[0]["line"], rejects[0]["field"], rejects[0]["source"]) == (line, field, "crm")
    assert reason in str(rejects[0]["reason"])
    nodes, _ = counts(store)
    if kind == "row" or whole_rows:
        assert (rejects[0]["action"], report.total("rejected"), report.total("dropped")) == ("row rejected", 1, 0)
        assert (nodes["Identity"], nodes["Interaction"]) == (2, 3)
    else:  # the row loads without the field
        assert (rejects[0]["action"], report.total("rejected"), report.total("dropped")) == ("field dropped", 0, 1)
        label, key = ("Identity", "crm:C3") if file_name == "customers.csv" else ("Interaction", "crm:i9")
        loaded = store.get_node(label, key)
        assert loaded is not None and rejects[0]["field"] not in loaded, loaded
        assert nodes["Identity"] + nodes["Interaction"] == 6


@pytest.mark.parametrize(("content", "note"), [("", "empty file"), ("sku,name,category,brand,price\n", "no rows")])
def test_an_empty_or_header_only_file_loads_nothing_and_says_so(
    store: Store, tmp_path: Path, content: str, note: str
) -> None:
    folder = write_source(tmp_path, "shop", **{"products.csv": content})

    report, rejects = load(store, tmp_path, folder)

    assert rejects == []
    assert report.files[0].notes == [note]
    assert counts(store) == ({}, {})


def test_jsonl_and_parquet_sources_load_like_csv(store: Store, tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    folder = write_source(tmp_path, "webshop", **{
        "customers.jsonl": '{"source_id": "u1", "given_name": "Hanako", "family_name": "Yamada", '
                           '"email": "HANAKO@EXAMPLE.JP", "email_opt_in": true}\n'
                           '{"source_id": 2, "name": "Numeric Id"}\n'
                           'not json\n',
        "channels.csv": CHANNELS,
    })
    pq.write_table(pa.table({
        "interaction_id": ["o1", "o2"], "customer_id": ["u1", "2"], "type": ["purchase", "web_visit"],
        "at": [dt.datetime(2026, 1, 1, 12, tzinfo=dt.UTC), dt.datetime(2026, 1, 2, 12, tzinfo=dt.UTC)],
        "channel_id": ["web", None], "amount": [9.5, None],
    }), folder / "interactions.parquet")

    report, rejects = load(store, tmp_path, folder)

    assert [(r["line"], r["field"]) for r in rejects] == [(3, "-")]
    assert report.total("created") == 2 + 2 + 2
    identity = store.get_node("Identity", "webshop:u1")
    assert identity is not None
    assert (identity["name"], identity["email_norm"], identity["email_opt_in"]) == (
        "Hanako Yamada", "hanako@example.jp", True)
    order = store.get_node("Interaction", "webshop:o1")
    assert order is not None and order["at"] == dt.datetime(2026, 1, 1, 12, tzinfo=dt.UTC)
    assert store.get_relationship("VIA", "webshop:o1", "web") == {}
    assert store.get_relationship("PERFORMED", "webshop:2", "webshop:o2") == {}


def test_mapping_renames_columns_and_sets_trust_and_time_zone(store: Store, tmp_path: Path) -> None:
    folder = write_source(tmp_path, "pos", **{
        "mapping.toml": '[source]\nname = "pos-tokyo"\ntrust = 80\ntimezone = "Asia/Tokyo"\ncountry = "JP"\n'
                        '[columns.customers]\nsource_id = "KokyakuNo"\nphone = "Tel"\n'
                        '[columns.interactions]\ncustomer_id = "KokyakuNo"\nat = "Jikoku"\n',
        "customers.csv": "KokyakuNo,Tel\nK1,090-1111-2222\n",
        "interactions.csv": "interaction_id,KokyakuNo,type,Jikoku\nt1,K1,purchase,2026-04-01 09:00:00\n",
    })

    _, rejects = load(store, tmp_path, folder)

    assert rejects == []
    identity = store.get_node("Identity", "pos-tokyo:K1")
    assert identity is not None and (identity["trust"], identity["phone_norm"]) == (80, "+819011112222")
    purchase = store.get_node("Interaction", "pos-tokyo:t1")
    assert purchase is not None and purchase["at"] == dt.datetime(2026, 4, 1, 0, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(("files", "message"), [
    ({"customers.csv": "name,email\nAnn,a@b.c\n"}, "line 1, field 'source_id': required column is missing"),
    ({"mapping.toml": "[source\n", "channels.csv": CHANNELS}, "not valid TOML"),
    ({"mapping.toml": "[source]\ntrust = 500\n", "channels.csv": CHANNELS}, "field 'source.trust'"),
    ({"mapping.toml": "[columns.customers]\nnickname = \"Nick\"\n", "channels.csv": CHANNELS},
     "field 'columns.customers.nickname': not a canonical field"),
    ({"customers.csv": CUSTOMERS, "customers.jsonl": "{}\n"}, "several customers files"),
    ({"notes.txt": "hello"}, "no products, channels, reps, customers, interactions file"),
])
def test_a_fatal_problem_names_the_file_and_writes_nothing(
    store: Store, tmp_path: Path, files: dict[str, str], message: str
) -> None:
    good = write_source(tmp_path, "good", **{"channels.csv": CHANNELS})
    bad = write_source(tmp_path, "bad", **files)

    with pytest.raises(SourceFileError) as caught:
        load(store, tmp_path, good, bad)

    assert str(tmp_path / "bad") in str(caught.value)
    assert message in str(caught.value)
    assert counts(store) == ({}, {})


EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def test_the_shipped_example_uses_every_field_and_loads_cleanly(store: Store, tmp_path: Path) -> None:
    from custgraph.loaders.contract import ENTITIES
    from custgraph.loaders.mapping import read_mapping
    from custgraph.loaders.readers import read_rows

    folder = EXAMPLES / "shop"
    mapping = read_mapping(folder)
    for entity in ENTITIES.values():
        source = read_rows(folder / f"{entity.name}.csv")
        rows = list(source.rows)
        for field in entity.fields:
            column = mapping.column(entity.name, field.name)
            assert any(row.values.get(column) for row in rows), f"{entity.name}.{field.name} is never filled"

    report, rejects = load(store, tmp_path, folder)

    assert rejects == [] and report.total("created") == 2 + 3 + 1 + 2 + 6
    ticket = store.get_node("Interaction", "shop:t-1")
    assert ticket is not None and ticket["at"] == dt.datetime(2026, 10, 3, 5, 0, tzinfo=dt.UTC)
