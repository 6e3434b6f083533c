"""Retention cohorts and lifecycle states on both backends, against a table worked out by hand."""

from __future__ import annotations

from pathlib import Path

from custgraph import queries
from custgraph.graph import Store
from custgraph.loaders import load_sources
from custgraph.services import ResolveConfig, resolve

# A buys in January, February and April; B in January only; C in March and April (2026, UTC:
# C's March purchase is 1 March 08:00 in Tokyo, 28 February 23:00 UTC, so C's cohort is February).
PURCHASES = {"A": ["2026-01-05T10:00:00Z", "2026-02-10T10:00:00Z", "2026-04-02T10:00:00Z"],
             "B": ["2026-01-20T10:00:00Z"],
             "C": ["2026-03-01T08:00:00+09:00", "2026-04-15T10:00:00Z"]}


def _loaded(store: Store, root: Path) -> Store:
    folder = root / "shop"
    folder.mkdir(parents=True)
    (folder / "customers.csv").write_text("source_id,name,email\n" + "".join(
        f"{p},Person {p},{p.lower()}@example.org\n" for p in PURCHASES))
    rows = [f"{p}{n},{p},purchase,{at}" for p, times in PURCHASES.items() for n, at in enumerate(times)]
    rows.append("V1,B,web_visit,2026-03-03T10:00:00Z")  # a touchpoint, not a purchase
    (folder / "interactions.csv").write_text("interaction_id,customer_id,type,at\n" + "\n".join(rows) + "\n")
    report = load_sources(store, [folder], root / "rejects.jsonl")
    assert report.total("rejected") == 0
    resolve(store, ResolveConfig())
    return store


def test_cohorts_and_lifecycle_match_the_table_worked_by_hand(store: Store, tmp_path: Path) -> None:
    _loaded(store, tmp_path)
    cohorts = [(r["cohort"], r["months_since"], r["customers"], r["cohort_size"], r["rate"])
               for r in store.run(queries.get("retention_cohorts"))]
    assert cohorts == [("2026-01", 0, 2, 2, 1.0), ("2026-01", 1, 1, 2, 0.5), ("2026-01", 3, 1, 2, 0.5),
                       ("2026-02", 0, 1, 1, 1.0), ("2026-02", 2, 1, 1, 1.0)]
    states = [(r["month"], r["new"], r["returning"], r["resurrecting"], r["dormant"], r["active"])
              for r in store.run(queries.get("lifecycle"))]
    assert states == [("2026-01", 2, 0, 0, 0, 2),  # A and B new
                      ("2026-02", 1, 1, 0, 1, 2),  # C new (UTC), A returning, B dormant
                      ("2026-03", 0, 0, 0, 2, 0),  # A and C dormant
                      ("2026-04", 0, 0, 2, 0, 2)]  # A and C back
    # Any touchpoint counts with start "touch": B's March visit makes B resurrect in March.
    touch = {r["month"]: (r["resurrecting"], r["dormant"]) for r in
             store.run(queries.get("lifecycle"), {"start": "touch"})}
    assert touch["2026-03"] == (1, 2) and touch["2026-04"] == (2, 1)
