"""Blocking benchmark: the pairs each of the match model's blocking rules sends to scoring, and
the true pairs that only it finds, on the identity benchmark's data sets.

    python bench/blocking.py [--data generated,census] [--records 100000,1000000] [--record]

Why: scoring is the part of matching that grows faster than the records. A rule pairs every two
records that share its value, so the pairs of a value grow with the square of its records: a
common name, an e-mail stem like ``mary.murphy``, a birth date, a street of a big city. This says,
per rule, how many pairs it brings (pairs another rule brings too are counted under both), how
many of them are one person by the truth, and how many true pairs no other rule finds: what a
rule costs against what dropping it would lose. The records are the store's own, made as
``resolve`` makes its feature table (placeholders blanked). Nothing here is used to choose the
rules: it shows what they cost on each data set.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
from census_noise import write_census
from identity import RECORDS_PER_PERSON, RESULTS, folders, truth
from provenance import heading
from splink_floor import resolve_features

from custgraph import queries
from custgraph.graph.embedded import EmbeddedStore
from custgraph.loaders import load_sources
from custgraph.resolution import ResolveConfig
from custgraph.resolution.model import blocking_rules
from custgraph.samples.generate import generate


def _features(root: Path) -> pa.Table:
    """The feature table ``resolve`` would score, with each record's person from the truth."""
    with EmbeddedStore(Path(tempfile.mkdtemp()) / "store") as store:
        load_sources(store, folders(root), Path(tempfile.mkdtemp()) / "rejects.jsonl")
        rows = store.run(queries.get("identity_records"))
    table = resolve_features([row["props"] for row in rows], ResolveConfig())
    person = truth(root)
    return table.append_column("person", pa.array([person[uid] for uid in table["unique_id"].to_pylist()]))


def _rule_pairs(sql: str, explode: list[str]) -> str:
    """A query for the pairs (a < b) that ``sql`` (Splink's ``l.`` / ``r.`` condition) blocks, with
    whether they are one person; array columns exploded as Splink's exploding rules do."""
    side = "records" if not explode else (
        "(SELECT * REPLACE (" + ", ".join(f'unnest("{c}") AS "{c}"' for c in explode) + ") FROM records)")
    return (f"SELECT DISTINCT l.unique_id AS a, r.unique_id AS b, l.person = r.person AS hit "
            f"FROM {side} l JOIN {side} r ON ({sql}) AND l.unique_id < r.unique_id")


def measure(data: str, size: int) -> list[str]:
    root = Path(tempfile.mkdtemp(prefix=f"custgraph-blocking-{data}-"))
    people = round(size / RECORDS_PER_PERSON[data])
    if data == "generated":
        generate(root, people, seed=42, interactions_per_customer=2)  # as the identity runs recorded
    else:
        write_census(root, people, seed=7)
    records = _features(root)
    db = duckdb.connect()
    db.register("features", records)
    db.execute("CREATE TABLE records AS SELECT * FROM features")
    parts: list[str] = []
    names: list[str] = []
    for creator in blocking_rules():
        rule: Any = creator.get_blocking_rule("duckdb")
        name = " + ".join(re.findall(r'l\."([^"]+)"', rule.blocking_rule_sql))
        names.append(name)
        query = _rule_pairs(rule.blocking_rule_sql, list(getattr(rule, "array_columns_to_explode", None) or []))
        parts.append(f"SELECT {len(names) - 1} AS rule, a, b, hit FROM ({query})")
    db.execute("CREATE TABLE pairs AS " + " UNION ALL ".join(parts))
    db.execute("CREATE TABLE found AS SELECT a, b, bool_or(hit) AS hit, list(rule) AS rules FROM pairs GROUP BY a, b")
    true_pairs = db.execute("SELECT coalesce(sum(n * (n - 1) / 2), 0) FROM (SELECT count(*) AS n FROM records "
                            "GROUP BY person)").fetchone()
    total, hits = db.execute("SELECT count(*), coalesce(sum(hit::INT), 0) FROM found").fetchone() or (0, 0)
    assert true_pairs is not None
    lines = [f"- {data}, {records.num_rows:,} records: {total:,} pairs blocked, {hits:,} of the "
             f"{int(true_pairs[0]):,} true pairs among them"]
    by_rule = {rule: (pairs, found) for rule, pairs, found in db.execute(
        "SELECT rule, count(*), coalesce(sum(hit::INT), 0) FROM pairs GROUP BY rule").fetchall()}
    only = dict(db.execute("SELECT rules[1], count(*) FROM found WHERE hit AND len(rules) = 1 "
                           "GROUP BY rules[1]").fetchall())
    lines += [f"  - `{name}`: {by_rule.get(index, (0, 0))[0]:,} pairs, {by_rule.get(index, (0, 0))[1]:,} true, "
              f"{only.get(index, 0):,} true that no other rule finds" for index, name in enumerate(names)]
    for line in lines:
        print(line, flush=True)
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default="generated,census")
    parser.add_argument("--records", default="100000", help="source-record counts, comma-separated")
    parser.add_argument("--record", action="store_true", help="append the results to bench/RESULTS.md")
    args = parser.parse_args()
    lines: list[str] = []
    for size in (int(s) for s in args.records.split(",")):
        for data in args.data.split(","):
            lines += measure(data, size)
    if args.record:
        with open(RESULTS, "a", encoding="utf-8") as results:
            results.write(heading("Blocking") + "the match model's blocking rules (`resolution/model.py`); "
                          "generated seed 42, census seed 7; pairs a < b, a pair two rules block counted "
                          "under both.\n\n" + "\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
