"""Precision and recall of identity resolution at each link threshold: is there a threshold
that gives both precision >= 0.99 and F1 >= 0.975 (issue 15's quality target)?

    python bench/identity_thresholds.py [--data generated,census] [--records 100000,300000]
                                        [--thresholds 0.6,0.7,0.8,0.9,0.95,0.98,0.99] [--record]

Each data set is generated and loaded once into an embedded store (as ``bench/identity.py``
does), resolved from scratch at the default threshold (which trains the match model), then
resolved in full again at every other threshold with the model it trained. Only the link
threshold moves; the deterministic rules link whatever the threshold is. Quality is pairwise
precision / recall / F1 against the truth. ``--record`` appends the table to bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

from census_noise import write_census
from identity import RECORDS_PER_PERSON, RESULTS, folders, truth
from provenance import heading

from custgraph import queries
from custgraph.graph.embedded import EmbeddedStore
from custgraph.loaders import load_sources
from custgraph.resolution.quality import Quality, pairwise_quality
from custgraph.samples.generate import generate
from custgraph.services import ResolveConfig, resolve

DEFAULT = ResolveConfig()


def _quality(store: EmbeddedStore, root: Path, threshold: float) -> Quality:
    config = replace(DEFAULT, link_threshold=threshold, review_threshold=min(DEFAULT.review_threshold, threshold))
    resolve(store, config, full=True)
    predicted = {f"{r['source']}:{r['source_id']}": r["customer_id"]
                 for r in store.run(queries.get("customer_identities"))}
    return pairwise_quality(predicted, truth(root))


def sweep(data: str, size: int, thresholds: list[float]) -> list[str]:
    """One table row per threshold, the default's first (it trains the model the others use)."""
    root = Path(tempfile.mkdtemp(prefix=f"custgraph-thresholds-{data}-"))
    try:
        people = round(size / RECORDS_PER_PERSON[data])
        if data == "generated":
            generate(root, people, seed=42, interactions_per_customer=2)
        else:
            write_census(root, people, seed=7)
        rows: list[str] = []
        with EmbeddedStore(root / "store") as store:
            report = load_sources(store, folders(root), root / "rejects.jsonl")
            assert report.total("rejected") == 0, report
            order = [DEFAULT.link_threshold] + [t for t in thresholds if t != DEFAULT.link_threshold]
            for threshold in order:
                q = _quality(store, root, threshold)
                meets = "yes" if q.precision >= 0.99 and q.f1 >= 0.975 else "no"
                rows.append(f"| {data} | {q.records:,} | {threshold:.2f} | {q.precision:.4f} | {q.recall:.4f} "
                            f"| {q.f1:.4f} | {meets} |")
                print(rows[-1], flush=True)
        return rows
    finally:
        shutil.rmtree(root, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="generated,census")
    parser.add_argument("--records", default="100000,300000", help="source-record counts, comma-separated")
    parser.add_argument("--thresholds", default="0.6,0.7,0.8,0.9,0.95,0.98,0.99")
    parser.add_argument("--record", action="store_true", help="append the table to bench/RESULTS.md")
    args = parser.parse_args()
    thresholds = sorted(float(t) for t in args.thresholds.split(","))
    if not all(0 < t <= 1 for t in thresholds):
        parser.error("--thresholds: each must be in (0, 1]")
    header = ["| data | records | link threshold | precision | recall | F1 | P >= 0.99 and F1 >= 0.975 |",
              "|---|---|---|---|---|---|---|"]
    print("\n".join(header), flush=True)
    rows = [row for data in args.data.split(",") for size in (int(n) for n in args.records.split(","))
            for row in sweep(data, size, thresholds)]
    if args.record:
        with open(RESULTS, "a", encoding="utf-8") as handle:
            handle.write(heading("Identity resolution by link threshold")
                         + f"`python bench/identity_thresholds.py --data {args.data} --records {args.records} "
                         f"--thresholds {args.thresholds}`; embedded store; generated seed 42 (2 interactions "
                         "per person), census seed 7; the model trained by the first (default) resolve and "
                         "reused; each row a full resolve.\n\n" + "\n".join(header + rows) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
