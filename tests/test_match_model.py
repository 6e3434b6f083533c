"""The learned match model: trained from the store's records, kept with it, shown, retrained,
and what its comparisons and guards do to pairs a hand-tuned engine got wrong."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import os
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest
from splink.internals.comparison_level_creator import ComparisonLevelCreator
from splink.internals.dialects import SplinkDialect

from custgraph import queries
from custgraph.graph import Store
from custgraph.graph.embedded import EmbeddedStore
from custgraph.loaders import load_sources
from custgraph.resolution import features, match_model, records
from custgraph.resolution import model as model_spec
from custgraph.resolution.records import match_record
from custgraph.samples.generate import SOURCES, generate
from custgraph.services import ResolveConfig, explain, resolve

CONFIG = ResolveConfig()


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("model-data")
    generate(root, customers=300, seed=11)
    return root


def _load(store: Store, folders: list[Path], clean: bool = True) -> None:
    report = load_sources(store, folders, Path(tempfile.mkdtemp()) / "rejects.jsonl")
    assert report.total("rejected") == 0 or not clean


def _source(root: Path, name: str, header: str, rows: list[str]) -> Path:
    folder = root / name
    folder.mkdir()
    (folder / "mapping.toml").write_text(f'[source]\nname = "{name}"\ntrust = 50\n', encoding="utf-8")
    (folder / "customers.csv").write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return folder


def _customer_of(store: Store) -> dict[str, str]:
    return {f"{r['source']}:{r['source_id']}": r["customer_id"] for r in store.run(queries.get("customer_identities"))}


def test_the_model_is_learned_from_the_store_and_makes_sense_for_people(store: Store, generated: Path) -> None:
    _load(store, [generated / source for source in SOURCES])
    report = resolve(store, CONFIG)
    assert records._name_forms.cache_info().currsize == 0  # the read's name forms are not kept past it
    model = match_model(store)
    assert report.trained and model is not None and report.model_id == model.model_id
    assert model.records == report.records and 0 < model.prior < 0.01
    assert list(model.levels) == ["name", "birth_date", "email", "phone", "address", "country", "loyalty_id"]
    for name, levels in model.levels.items():
        counted = [level for level in levels if not level.null]
        assert all(level.m is not None and level.u is not None for level in counted), name
        # agreeing on the value is evidence for; strong for all but the country
        assert (counted[0].weight or 0) > (1 if name == "country" else 5), (name, counted[0])
        differ = counted[-1].weight or 0
        # evidence against, but never a veto: people move and change phones
        assert -7.0 < differ < 0, (name, counted[-1])
    name = {level.label: level.weight for level in model.levels["name"]}
    assert name["same"] > name["one typo"] > name["somewhat similar (two fifths or less differ)"]
    again = resolve(store, CONFIG)
    assert not again.trained and again.model_id == model.model_id and again.dirty == 0


@pytest.fixture
def embedded(tmp_path: Path) -> Iterator[Store]:
    """The engine's own behaviour does not depend on the backend (the stored model does, and
    the tests above and below run on both): these run on the embedded store only."""
    with EmbeddedStore(tmp_path / "store") as store:
        yield store


def test_the_model_is_trained_again_when_asked_or_when_the_store_has_grown(embedded: Store, generated: Path) -> None:
    store = embedded
    _load(store, [generated / "crm"], clean=False)  # its touchpoints name products other sources bring
    first = resolve(store, CONFIG)
    trained_on = match_model(store)
    assert first.trained and trained_on is not None
    _load(store, [generated / source for source in SOURCES[1:]])  # more than doubles the records
    grown = resolve(store, CONFIG)
    assert grown.trained and grown.model_id != trained_on.model_id
    assert grown.dirty == grown.records  # a new model scores every record again
    model = match_model(store)
    assert model is not None and model.records == grown.records
    forced = resolve(store, CONFIG, train=True)
    # Training is deterministic (seeded sampling): the same records give the same model, so
    # nothing needs scoring again.
    assert forced.trained and forced.model_id == grown.model_id and forced.dirty == 0
    assert resolve(store, ResolveConfig(retrain_growth=10.0)).trained is False


def test_a_model_kept_by_an_older_version_is_trained_again_not_misread(embedded: Store, generated: Path) -> None:
    """A store resolved by an earlier custgraph keeps a model whose levels are not today's: its
    numbers must not be read as today's levels (that put an m on a null level), and it is retrained."""
    store = embedded
    _load(store, [generated / source for source in SOURCES])
    resolve(store, CONFIG)
    current = match_model(store)
    assert current is not None and current.fits()
    older = json.loads(current.to_json())
    older["levels"][0][1].pop(2)  # "name": one level fewer, as an older version defined it
    store.upsert_nodes("MatchModel", [{"model_id": "identity", "model": json.dumps(older)}])
    stale = match_model(store)
    assert stale is not None and not stale.fits()
    customers = _customer_of(store)
    a = min(customers)
    b = min(record for record, customer in customers.items() if customer != customers[a])
    explained = explain(store, CONFIG, a, b)
    assert explained.comparison is None and any("no match model fits" in line for line in explained.lines())
    again = resolve(store, CONFIG)
    assert again.trained and again.model_id == current.model_id and again.dirty == 0


def test_values_many_unrelated_records_share_carry_no_evidence(
        embedded: Store, generated: Path, tmp_path: Path) -> None:
    store = embedded
    """test@example.com, 0000000000 and 1900-01-01 on 30 different people link none of them."""
    _load(store, [generated / source for source in SOURCES])
    rows = [f"P{n},{given} {family},test@example.com,0000000000,1900-01-01,,,JP"
            for n, (given, family) in enumerate(zip(
                ["Aoi", "Ren", "Mio", "Sora", "Yui", "Kai", "Rin", "Haru", "Nao", "Emi"] * 3,
                [f"Family{n:02d}" for n in range(30)], strict=True))]
    placeholder = _source(tmp_path, "kiosk", "source_id,name,email,phone,birth_date,street,city,country", rows)
    _load(store, [placeholder])
    report = resolve(store, CONFIG)
    customers = _customer_of(store)
    kiosk = [customers[f"kiosk:P{n}"] for n in range(30)]
    assert len(set(kiosk)) == 30
    assert any("test@example.com" in line for line in report.placeholders), report.placeholders
    assert any("1900-01-01" in line for line in report.placeholders), report.placeholders
    shown = explain(store, CONFIG, "kiosk:P0", "kiosk:P1")
    assert not shown.together and shown.rule is None
    assert shown.comparison is not None and not [line for line in shown.comparison.evidence
                                                 if line.startswith(("email", "phone", "birth_date"))]


def test_explain_prints_the_waterfall_and_kanji_against_latin_is_no_evidence(
        embedded: Store, generated: Path, tmp_path: Path) -> None:
    store = embedded
    _load(store, [generated / source for source in SOURCES])
    pair = _source(tmp_path, "desk", "source_id,name,phone,country",
                   ["K1,永野 和平,+819012345678,JP", "L1,Kazuhei Nagano,+819012345678,JP",
                    "R1,Rebecca Fenwell,,GB", "R2,Rebecca Fenwell,,GB"])
    _load(store, [pair])
    resolve(store, CONFIG)
    from custgraph.services import unmerge

    unmerge(store, CONFIG, "desk:K1", "desk:L1", by="qa", reason="to see the comparison")
    shown = explain(store, CONFIG, "desk:K1", "desk:L1")
    assert shown.comparison is not None and shown.blocked
    lines = shown.comparison.evidence
    assert lines[0].startswith("prior (-")
    assert not [line for line in lines if line.startswith("name")], lines  # no dictionary: no evidence
    assert [line for line in lines if line.startswith("phone: same (+")], lines
    text = "\n".join(shown.lines())
    assert "match probability" in text and "a decision keeps them apart" in text
    rare = explain(store, CONFIG, "desk:R1", "desk:R2")
    assert rare.together  # a rare full name in one country: the words' shares make it rare
    assert any("name: same (+" in line for step in rare.path for line in step["evidence"])


def test_cli_model_show(store_env: dict[str, str], generated: Path, tmp_path: Path) -> None:
    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "custgraph", *args], capture_output=True, text=True,
                              env={**os.environ, **store_env}, cwd=tmp_path, timeout=300)

    assert cli("init").returncode == 0
    none = cli("model", "show")
    assert none.returncode == 1 and "custgraph resolve" in none.stderr
    assert cli("load", "--quiet", *(str(generated / s) for s in SOURCES)).returncode == 0
    done = cli("resolve")
    assert done.returncode == 0 and "trained" in done.stderr, done.stderr
    shown = cli("model", "show")
    assert shown.returncode == 0, shown.stderr
    assert "prior:" in shown.stdout and "\naddress\n" in shown.stdout
    assert "same street, number and postcode or city" in shown.stdout
    as_json = json.loads(cli("model", "show", "--json").stdout)
    assert [name for name, _ in as_json["levels"]][:2] == ["name", "birth_date"]
    retrained = cli("resolve", "--train", "--json")
    report = json.loads(retrained.stdout)
    assert report["trained"] and report["model_id"] == as_json["model_id"] and report["dirty"] == 0


def test_a_record_returned_unblanked_is_what_blanking_it_gives(monkeypatch: pytest.MonkeyPatch) -> None:
    """``without_placeholders`` skips the copy when a quick check finds nothing to blank; the
    check restates the blanking rule, so both must give the same record, field by field."""
    record = match_record({"identity_id": "crm:1", "source": "crm", "source_id": "1", "name": "Murphy, Mary",
                           "email": "mary@example.org", "phone": "+1 206 803 3326", "street": "51 Elm Street",
                           "city": "Chicago", "postal_code": "60618", "country": "US"})
    fields = ("email", "phone", "loyalty_id", "street", "street_name", "city", "postal_code", "region")
    variants = [record, replace(record, names=("n/a",)), replace(record, names=(), kanji=(), family=frozenset()),
                replace(record, birth_date=dt.date(1900, 1, 1)),
                *(replace(record, **{field: junk}) for field in fields for junk in ("n/a", "-", "+1 206 803 3326"))]
    placeholders = features.Placeholders({"phone": {"+1 206 803 3326": 9}, "birth_date": {"1900-01-01": 9}})
    quick = [features.without_placeholders(variant, placeholders) for variant in variants]
    monkeypatch.setattr(features, "_nothing_to_blank", lambda record, placeholders: False)
    whole = [features.without_placeholders(variant, placeholders) for variant in variants]
    assert quick == whole
    assert sum(after is not before for after, before in zip(quick, variants, strict=True)) >= len(fields) * 2


def test_a_records_digest_is_the_one_earlier_versions_stored() -> None:
    """A record whose digest differs from the stored one is resolved again: a digest that changed
    with the code alone would resolve every record of a store again after an upgrade."""
    props = {"identity_id": "crm:1", "source": "crm", "name": 'Tanaka "Yuki" 名寄せ\\', "email": "y@example.jp",
             "birth_date": dt.date(1980, 3, 2), "street": "1-2-3\tMarunouchi", "known_as": "Yu"}
    context = (0.0012, 3, None)
    values = [str(props.get(name)) for name in records.DIGESTED] + [str(item) for item in context]
    earlier = hashlib.sha256(json.dumps([*values, "known_as=Yu"], ensure_ascii=False).encode()).hexdigest()[:16]
    assert records.fingerprint(props, context) == earlier


def test_term_frequencies_are_each_values_share_rounded_up_to_a_power_of_two() -> None:
    """Arrow counts and bands the values; the same rule in plain Python gives the same bands,
    value for value, nulls not counted and names by their words' shares."""
    table = pa.table({column: pa.array(values, pa.string()) for column, values in {
        "name": ["mary murphy", "mary murphy", "john murphy", "田中 太郎", None, "ann", "mary murphy", "ann"],
        "email_stem": ["mary", "mary", None, "tanaka", None, "ann", "mary", "ann"],
        "street": ["elm st", None, None, None, None, None, None, "oak rd"],
        "city": ["chicago", "chicago", "chicago", "東京", None, "chicago", "chicago", "boston"],
        "postal_code": [None] * 8}.items()})
    base = 4  # the store had 4 records when the model was trained: a share can pass 1, or be a power of two

    def band(share: float) -> float:
        return float(2 ** math.ceil(math.log2(share)))

    def expected(column: str) -> dict[str, float]:
        held = Counter(value for value in table[column].to_pylist() if value is not None)
        if column != "name":
            return {value: band(count / base) for value, count in held.items()}
        words = Counter(word for name, count in held.items() for word in set(name.split()) for _ in range(count))
        return {name: band(max(math.prod(words[word] / base for word in set(name.split())),
                               count / base if count > features.PERSON_RECORDS else 0.0, 1 / base ** 2))
                for name, count in held.items()}

    found = features.term_frequencies(table, base)
    assert set(found) == set(features.TF_COLUMNS)
    for column, shares in found.items():
        values = shares[column].to_pylist()
        assert values == sorted(values)
        assert dict(zip(values, shares[f"tf_{column}"].to_pylist(), strict=True)) == expected(column)
    # boston (1 of 4: 0.25 as it is), chicago (5 of 4: 1.25 up to 2), 東京 (after the Latin ones)
    assert found["city"].to_pylist() == [{"city": "boston", "tf_city": 0.25}, {"city": "chicago", "tf_city": 2.0},
                                         {"city": "東京", "tf_city": 0.25}]


def test_blanking_a_whole_table_gives_what_blanking_each_record_gives() -> None:
    """``blanked`` lets Arrow pick the rows to look at and blanks only those; records and
    table must be what blanking every record one by one gives, row for row."""
    base = match_record({"identity_id": "crm:1", "source": "crm", "name_norm": "mary murphy", "family_name": "Murphy",
                         "email_norm": "mary@example.org", "phone": "+1 206 803 3326", "street": "51 Elm Street",
                         "city": "Chicago", "postal_code_norm": "60618", "region": "IL", "country": "US",
                         "loyalty_id": "L-77", "birth_date": dt.date(1980, 3, 2)})
    kanji = match_record({"identity_id": "pos:2", "source": "pos", "name_norm": "山田 太郎",
                          "name_kana_norm": "やまだ たろう", "city": "東京", "phone": "03-1234-5678", "country": "JP"})
    assert base.names and base.family and base.email and base.postal_code and kanji.names and kanji.kanji[0]
    fields = ("email", "phone", "loyalty_id", "street", "street_name", "city", "postal_code", "region")
    junk = ("n/a", "-", "", "＊＊", "+1 206 803 3326")  # "unknown", no word at all, a placeholder
    variants = [base, kanji, replace(base, names=("n/a",), kanji=(False,)), replace(base, names=("",), kanji=(False,)),
                replace(kanji, names=("？",), kanji=(False,)),
                replace(base, names=(), kanji=(), family=frozenset()), replace(base, names=(), kanji=()),
                replace(base, email=None), replace(base, street=None), replace(base, birth_date=dt.date(1900, 1, 1)),
                *(replace(base, **{field: value}) for field in fields for value in junk),
                *(replace(kanji, **{field: "東京"}) for field in fields)]
    raw = [replace(record, identity_id=f"x:{n}") for n, record in enumerate(variants)]
    placeholders = features.Placeholders({"phone": {"+1 206 803 3326": 9}, "birth_date": {"1900-01-01": 9},
                                          "city": {"東京": 5}})
    one_by_one = [features.without_placeholders(record, placeholders) for record in raw]
    records, table = features.blanked(raw, features.feature_table(raw), placeholders)
    assert records == one_by_one
    assert table.equals(features.feature_table(one_by_one))
    assert sum(after is not before for after, before in zip(records, raw, strict=True)) >= len(fields) * 4
    assert records[0] is raw[0] and table.num_rows == len(raw)


def _one_edit_away(value: str) -> Iterator[str]:
    """Every value one character off, added, dropped, or two adjacent characters swapped."""
    for i in range(len(value) + 1):
        yield value[:i] + "x" + value[i:]
        if i < len(value):
            yield value[:i] + "y" + value[i + 1:]
            yield value[:i] + value[i + 1:]
        if i < len(value) - 1:
            yield value[:i] + value[i + 1] + value[i] + value[i + 2:]


def test_the_cheap_tests_before_the_distances_never_change_a_level() -> None:
    """The levels that test lengths, prefixes and suffixes before an edit distance, and overlap
    before an array intersection (``model._one_edit``, ``_one_typo``, ``_edits``, ``_Overlap``),
    hold for exactly the pairs the distance alone holds for: every single edit at every place
    of values of 1 to 13 characters (latin and kanji), and pairs far apart."""
    values = ["0", "12", "1234", "12345678", "123456789", "0123456789ab", "1990-04-07", "山田太郎",
              "mary murphy", "mardale", "+447700900123"]
    pairs = [(value, other) for value in values for other in (*_one_edit_away(value), *values)]
    compared = pa.table({"c_l": [a for a, _ in pairs], "c_r": [b for _, b in pairs],
                         "f_l": [[a, "also"] if len(a) % 2 else [a] for a, _ in pairs],
                         "f_r": [[b, "other"] if len(b) % 3 else [b] for _, b in pairs]})
    duckdb_sql = SplinkDialect.from_string("duckdb")
    connection = duckdb.connect()
    connection.register("compared", compared)

    def same(level: ComparisonLevelCreator, plain: str) -> None:
        condition = level.create_sql(duckdb_sql)
        found = connection.sql(f"SELECT count(*) FILTER (WHERE ({condition}) IS DISTINCT FROM ({plain})), "
                               f"count(*) FILTER (WHERE {plain}) FROM compared").fetchall()[0]
        assert found[0] == 0 and found[1] > len(values), (condition, found)

    same(model_spec._one_edit("c"), "damerau_levenshtein(c_l, c_r) <= 1")
    same(model_spec._one_typo("c"), "levenshtein(c_l, c_r) <= 1")
    for tenths in (2, 4):
        same(model_spec._edits("c", tenths),
             f"levenshtein(c_l, c_r) * 10 <= greatest(length(c_l), length(c_r)) * {tenths}")
    same(model_spec._Overlap("f"), "array_length(list_intersect(f_l, f_r)) >= 1")
