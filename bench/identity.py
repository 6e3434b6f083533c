"""Identity-resolution benchmark: quality against the truth and speed, on both backends, next
to a plain Splink model on the same records in the same run.

    python bench/identity.py [--data generated,census] [--records 10000,100000]
                             [--backends embedded,neo4j] [--no-baseline] [--record]

Two data sets, each with its truth:

- ``generated``: ``custgraph generate`` (seed 42, its default noise: typos, nicknames, old
  e-mails, moved addresses, kana/kanji/romaji, in-source duplicates);
- ``census``: ``bench/census_noise.py``, a noise model written apart from the engine and
  never used to choose anything in it (another name stock, households, whole-value
  substitutions, transposed digits, missing fields).

For each size and backend: load, then time a full ``resolve`` from scratch (training the
model, scoring, clustering, golden customers, derived relationships, scores), each in a
fresh process so that its peak memory is its own. Quality is pairwise precision / recall /
F1. The baseline (``bench/plain_splink.py``) trains, predicts and clusters the same Identity
records; "matching" compares like with like: our training + scoring + clustering against
its training + prediction + clustering, each with the making of its input table. The digests
a resolve keeps to find changed records next time are their own phase, outside matching (part
of "compare" in results recorded before that phase existed). A third run
(``bench/splink_floor.py``) is Splink alone with our comparisons: trained as ``resolve``
trains, then Splink's own predict and clustering, none of our work around them; its time
against the plain model's is what the comparisons cost by themselves. Neo4j comes from
CUSTGRAPH_TEST_NEO4J_URI / _USER / _PASSWORD. ``--record`` appends the results to bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import csv
import multiprocessing
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path
from queue import Empty
from typing import Any

from census_noise import write_census
from neo4j_target import target
from plain_splink import plain_splink
from provenance import heading
from splink_floor import splink_floor

from custgraph import queries
from custgraph.graph import Store
from custgraph.graph.embedded import EmbeddedStore
from custgraph.loaders import load_sources
from custgraph.resolution.quality import Quality, pairwise_quality
from custgraph.samples.generate import SOURCES, generate
from custgraph.services import ResolveConfig, resolve

RESULTS = Path(__file__).with_name("RESULTS.md")
RECORDS_PER_PERSON = {"generated": 2.18, "census": 2.14}  # what each noise model gives on average


def truth(root: Path) -> dict[str, str]:
    with open(root / "truth.csv", encoding="utf-8") as handle:
        return {f"{row['source']}:{row['source_id']}": row["person_id"] for row in csv.DictReader(handle)}


def folders(root: Path) -> list[Path]:
    return [root / source for source in SOURCES] if (root / "crm").exists() else [root / "census"]


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _quality(q: Quality) -> str:
    return f"precision **{q.precision:.4f}**, recall **{q.recall:.4f}**, F1 **{q.f1:.4f}**"


def _ours(backend: str, root: Path, out: Any) -> None:
    """In a child process: load, resolve from scratch, report. The embedded store is deleted after
    (3.7 GB at a million records: runs kept filling the temporary directory)."""
    scratch = root / "scratch"
    scratch.mkdir(exist_ok=True)

    def run(store: Store) -> None:
        report = load_sources(store, folders(root), scratch / "rejects.jsonl")
        assert report.total("rejected") == 0, report
        loaded = _peak_mib()
        started = time.perf_counter()
        result = resolve(store, ResolveConfig(), full=True)
        seconds = time.perf_counter() - started
        predicted = {f"{r['source']}:{r['source_id']}": r["customer_id"]
                     for r in store.run(queries.get("customer_identities"))}
        rows = [row["props"] for row in store.run(queries.get("identity_records"))]
        out.put({"seconds": seconds, "phases": result.seconds, "quality": pairwise_quality(predicted, truth(root)),
                 "peak": _peak_mib(), "loaded_peak": loaded, "rows": rows, "held": result.held})

    if backend == "embedded":
        with EmbeddedStore(scratch / "store") as store:
            run(store)
        shutil.rmtree(scratch / "store")
    else:
        neo4j = target()
        assert neo4j is not None
        with neo4j.store() as store:
            store.wipe()
            store.init()
            run(store)


def _baseline(rows: list[dict[str, Any]], root: Path, out: Any) -> None:
    run = plain_splink(rows)
    out.put({"seconds": run.seconds, "quality": pairwise_quality(run.assignment, truth(root)), "peak": _peak_mib()})


def _floor(rows: list[dict[str, Any]], root: Path, out: Any) -> None:
    run = splink_floor(rows)
    out.put({"seconds": run.seconds, "pairs": run.pairs, "quality": pairwise_quality(run.assignment, truth(root)),
             "peak": _peak_mib()})


def _child(target_function: Any, *args: Any) -> dict[str, Any]:
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    process = context.Process(target=target_function, args=(*args, queue))
    process.start()
    while True:  # a child that dies before answering would leave queue.get waiting for ever
        try:
            found: dict[str, Any] = queue.get(timeout=5)
            break
        except Empty:
            if not process.is_alive():
                raise RuntimeError(f"{target_function.__name__} ended with exit code {process.exitcode}, "
                                   "without a result (its traceback is above)") from None
    process.join()
    return found


def measure(data: str, size: int, backends: list[str], baseline: bool, interactions: float) -> list[str]:
    """The result lines of one data set and size; its generated records are deleted after."""
    root = Path(tempfile.mkdtemp(prefix=f"custgraph-identity-{data}-"))
    try:
        return _measure(root, data, size, backends, baseline, interactions)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _measure(root: Path, data: str, size: int, backends: list[str], baseline: bool, interactions: float) -> list[str]:
    people = round(size / RECORDS_PER_PERSON[data])
    if data == "generated":
        generate(root, people, seed=42, interactions_per_customer=interactions)
    else:
        write_census(root, people, seed=7)
    lines: list[str] = []
    rows: list[dict[str, Any]] = []
    ours: dict[str, float] = {}  # backend → matching seconds
    for backend in backends:
        found = _child(_ours, backend, root)
        rows = found["rows"]
        phases = found["phases"]
        ours_matching = ours[backend] = sum(phases.get(name, 0.0) for name in ("train", "compare", "cluster"))
        # The dashboard's summary and the predictions end every resolve but are not identity
        # resolution or scores (the "whole resolve"): shown beside the resolve time, not in it.
        summary = phases.pop("summary", 0.0)
        predictions = phases.pop("predictions", 0.0)
        listed = ", ".join(f"{name} {value:.1f}" for name, value in phases.items())
        lines.append(f"- {data}, {backend}, {found['quality'].records:,} records: {_quality(found['quality'])}; "
                     f"resolve {found['seconds'] - summary - predictions:.1f} s ({listed}), then the dashboard's "
                     f"summary {summary:.1f} s and the predictions {predictions:.1f} s; "
                     f"matching {ours_matching:.1f} s; "
                     f"{found['held']:,} links held by the caps; peak {found['peak']:,.0f} MiB "
                     f"({found['loaded_peak']:,.0f} after loading)")
        print(lines[-1], flush=True)
    if baseline and rows:
        plain = _child(_baseline, rows, root)
        matching = sum(plain["seconds"].values())
        listed = ", ".join(f"{name} {value:.1f}" for name, value in plain["seconds"].items())
        lines.append(f"- {data}, plain Splink (DuckDB) on the same records: {_quality(plain['quality'])}; "
                     f"matching {matching:.1f} s ({listed}); peak {plain['peak']:,.0f} MiB; ours / plain "
                     f"matching time {', '.join(f'{name} {value / matching:.2f}' for name, value in ours.items())}")
        print(lines[-1], flush=True)
        floor = _child(_floor, rows, root)
        alone = sum(value for name, value in floor["seconds"].items() if name != "features")
        listed = ", ".join(f"{name} {value:.1f}" for name, value in floor["seconds"].items())
        lines.append(f"- {data}, Splink alone with our comparisons (trained as resolve trains; Splink's predict "
                     f"and clustering, none of our rules or guards): {_quality(floor['quality'])}; matching "
                     f"{alone:.1f} s ({listed}; the features not counted); {floor['pairs']:,} pairs at the review "
                     f"threshold; peak {floor['peak']:,.0f} MiB; floor / plain matching time {alone / matching:.2f}")
        print(lines[-1], flush=True)
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default="generated,census")
    parser.add_argument("--records", default="10000,100000", help="source-record counts, comma-separated")
    parser.add_argument("--backends", default="embedded,neo4j")
    parser.add_argument("--interactions-per-customer", type=float, default=10.0, help="generated data only")
    parser.add_argument("--no-baseline", action="store_true", help="skip the plain Splink run")
    parser.add_argument("--record", action="store_true", help="append the results to bench/RESULTS.md")
    args = parser.parse_args()
    backends = args.backends.split(",")
    if "neo4j" in backends and target() is None:
        return 2
    lines: list[str] = []
    for size in (int(s) for s in args.records.split(",")):
        for data in args.data.split(","):
            lines += measure(data, size, backends, not args.no_baseline, args.interactions_per_customer)
    if args.record:
        # The command line goes in: interactions per person set the derived relationships, the summary
        # and the peak, so two runs are comparable only with the same arguments.
        command = " ".join(["python", "bench/identity.py", *sys.argv[1:]])
        header = (heading("Identity resolution") + f"`{command}`; "
                  f"{args.interactions_per_customer:g} interactions per generated person; "
                  "default `ResolveConfig` (learned model); generated seed 42, "
                  "census seed 7; each resolve from scratch in a fresh process; targets: generated precision >= "
                  "0.99 and F1 >= 0.975 at 100k and 300k; census F1 within 0.005 of plain Splink or better; "
                  "matching within 1.5x of plain Splink at 1M; resolve <= 60 s at 100k, <= 300 s at 1M "
                  "(embedded).\n\n")
        with open(RESULTS, "a", encoding="utf-8") as results:
            results.write(header + "\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
