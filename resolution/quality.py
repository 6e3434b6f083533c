"""Pairwise precision and recall of a resolution against a ground truth (e.g. ``truth.csv``).

Pairwise: every pair of records put in one customer is a predicted match; it is
right when the truth puts them in one person. Counted from cluster sizes, not
by listing pairs, so a million records take a second.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

__all__ = ["Quality", "pairwise_quality"]


@dataclass(frozen=True)
class Quality:
    precision: float
    recall: float
    f1: float
    records: int
    customers: int  # predicted clusters
    persons: int  # true clusters
    false_pairs: int
    missed_pairs: int


def _pairs(n: int) -> int:
    return n * (n - 1) // 2


def pairwise_quality(predicted: Mapping[str, str], truth: Mapping[str, str]) -> Quality:
    """``predicted`` and ``truth`` map record ids to cluster ids; records missing from either are ignored."""
    common = [record for record in truth if record in predicted]
    cells = Counter((predicted[r], truth[r]) for r in common)
    together = sum(_pairs(n) for n in cells.values())
    predicted_pairs = sum(_pairs(n) for n in Counter(predicted[r] for r in common).values())
    true_pairs = sum(_pairs(n) for n in Counter(truth[r] for r in common).values())
    precision = together / predicted_pairs if predicted_pairs else 1.0
    recall = together / true_pairs if true_pairs else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return Quality(precision, recall, f1, len(common), len({predicted[r] for r in common}),
                   len({truth[r] for r in common}), predicted_pairs - together, true_pairs - together)
