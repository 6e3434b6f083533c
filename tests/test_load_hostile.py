"""Files a careless exporter writes: no value crashes a load, no bad line swallows good rows
silently, a header that cannot be trusted stops the file before anything is written.

Each case was found by probing the loader (issue: hardening) and crashed it, lost rows at exit 0,
or loaded a value outside the input contract.
"""

from __future__ import annotations

import csv
import io
import json
import string
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_load import INTERACTIONS, counts, full_source, load, write_source

from custgraph import queries
from custgraph.commands.query_text import write_rows
from custgraph.csv_output import spreadsheet_safe
from custgraph.errors import SourceFileError
from custgraph.graph import Store
from custgraph.loaders import load_sources

HEADER = "source_id,name,email,birth_date,country\n"


@pytest.mark.parametrize(("content", "message"), [
    (HEADER.replace("email", "name"), "column 'name' is named twice in the header (columns 2 and 3)"),
    (HEADER.replace(",email", ","), "column 3 of the header has no name"),
    ("\n" + HEADER + "C1,Ann,a@b.c,,\n", "line 1 is blank: the header must be the first line"),
    (HEADER.replace("\n", "\r") + "C1,Ann,a@b.c,,\rC2,Bo,b@b.c,,\r", "CR alone"),
], ids=["duplicate column", "blank column name", "blank first line", "CR-only line ends"])
def test_a_header_that_cannot_be_trusted_is_fatal_and_names_the_cause(
        store: Store, tmp_path: Path, content: str, message: str) -> None:
    good = write_source(tmp_path, "good", **{"customers.csv": HEADER + "G1,Gail,g@b.c,,\n"})
    bad = write_source(tmp_path, "bad", **{"customers.csv": content + "C9,Cy,c@b.c,,\n"})
    with pytest.raises(SourceFileError) as caught:
        load(store, tmp_path, good, bad)
    assert str(tmp_path / "bad" / "customers.csv") in str(caught.value) and message in str(caught.value)
    assert counts(store) == ({}, {})  # checked before anything was written


def test_an_unterminated_quote_costs_its_line_and_the_rows_after_it_load(store: Store, tmp_path: Path) -> None:
    """One 500,000-row file lost 300,182 rows at exit 0 before: the quote took them as one field."""
    rows = [f"C{n},Person {n},p{n}@example.org,1980-01-01,SE" for n in range(3000)]
    rows[10] = 'BAD,"Unterminated,x@example.org,1980-01-01,SE'
    rows[2000] = 'ALSO,"half, quoted" tail,y@example.org,,'  # a quote closed too early: that line alone
    folder = write_source(tmp_path, "crm", **{"customers.csv": HEADER + "\n".join(rows) + "\n"})
    report, rejects = load(store, tmp_path, folder)
    assert [(r["line"], r["action"]) for r in rejects] == [(12, "row rejected"), (2002, "row rejected")], rejects
    assert "quote" in str(rejects[0]["reason"])
    assert (report.total("rows"), report.total("created"), report.total("rejected")) == (3000, 2998, 2)
    assert store.get_node("Identity", "crm:C11") is not None  # the line after the open quote


def test_a_multi_line_quoted_field_still_loads_as_one_value(store: Store, tmp_path: Path) -> None:
    text = INTERACTIONS + 'i9,C1,support_ticket,2026-10-05T08:00:00Z,,,,,,,"Line one\nline, two"\n'
    _, rejects = load(store, tmp_path, full_source(tmp_path, **{"interactions.csv": text}))
    assert rejects == []
    ticket = store.get_node("Interaction", "crm:i9")
    assert ticket is not None and ticket["text"] == "Line one\nline, two"


def test_jsonl_numbers_past_any_range_are_dropped_fields_not_crashes(store: Store, tmp_path: Path) -> None:
    base = {"interaction_id": "j1", "customer_id": "C1", "type": "purchase", "at": "2026-10-05T08:00:00Z"}
    lines = [json.dumps({**base, "interaction_id": f"j{n}", field: value})
             for n, (field, value) in enumerate([("amount", 1e309), ("sentiment", 1e309), ("quantity", 1e309),
                                                 ("amount", 10**400), ("quantity", -(10**400)),
                                                 ("sentiment", 5)])]
    lines = [line.replace("Infinity", "1e309") for line in lines]  # as an exporter writes it
    lines.append(json.dumps({**base, "interaction_id": "j9", "at": 10**400}))  # a required field: row rejected
    folder = full_source(tmp_path, **{"interactions.csv": INTERACTIONS.splitlines()[0] + "\n"})
    (folder / "interactions.csv").unlink()
    (folder / "interactions.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    report, rejects = load(store, tmp_path, folder)
    assert [(r["line"], r["field"], r["action"]) for r in rejects] == [
        (1, "amount", "field dropped"), (2, "sentiment", "field dropped"), (3, "quantity", "field dropped"),
        (4, "amount", "field dropped"), (5, "quantity", "field dropped"), (6, "sentiment", "field dropped"),
        (7, "at", "row rejected")], rejects
    interactions = report.files[-1]
    assert (interactions.entity, interactions.created, interactions.rejected, interactions.dropped) == (
        "interactions", 6, 1, 6)
    assert "-1 (negative) to 1" in str(rejects[5]["reason"])


_CELL = st.text(alphabet=st.sampled_from([*string.printable[:-2], '"', ",", "\n", "\r", "é", "山", "\ufeff", "=",
                                          "\x00"]), max_size=12)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.lists(_CELL, min_size=1, max_size=7), min_size=1, max_size=25), st.booleans())
def test_any_csv_loads_or_rejects_line_by_line_and_never_crashes(store: Store, tmp_path: Path,
                                                                  cells: list[list[str]], quoted: bool) -> None:
    """Whatever the cells hold, written as proper CSV or joined raw (stray quotes, line breaks),
    the load ends, the report adds up, and the store holds exactly the rows it says it loaded.
    Each example is a source of its own, so the examples share the test's store."""
    root = Path(tempfile.mkdtemp(dir=tmp_path))
    source = f"fuzz{root.name[-8:].lower().replace('_', '')}"
    body = io.StringIO()
    writer = csv.writer(body, lineterminator="\n")
    for number, row in enumerate(cells):  # a unique key first, the hypothesis' values after it
        if quoted:
            writer.writerow([f"K{number}", *row])
        else:
            body.write(",".join([f"K{number}", *row]) + "\n")
    folder = write_source(root, source, **{"customers.csv": HEADER + body.getvalue()})
    report = load_sources(store, [folder], root / "rejects.jsonl")
    file = report.files[0]
    loaded = [row for row in store.run(queries.get("customer_identities")) if row["source"] == source]
    assert file.created + file.rejected <= file.rows
    assert len(loaded) == file.created


def test_csv_outputs_neutralise_formulas_but_keep_numbers_and_phones() -> None:
    assert spreadsheet_safe("=cmd|'/c calc'!A0") == "'=cmd|'/c calc'!A0"
    assert spreadsheet_safe("@SUM(A1)") == "'@SUM(A1)"
    assert spreadsheet_safe("+1+1") == "'+1+1"
    for kept in ("+819012345678", "-12.5", "1e3", "Ann", ""):
        assert spreadsheet_safe(kept) == kept
    out = io.StringIO()
    write_rows([{"name": "=HYPERLINK(\"x\")", "phone": "+46701234567"}], "csv", out)
    assert out.getvalue() == "name,phone\n\"'=HYPERLINK(\"\"x\"\")\",+46701234567\n"

