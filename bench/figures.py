"""The figures a benchmark reports, computed one way: quantiles of timings, and a table appended to
bench/RESULTS.md."""

from __future__ import annotations

from pathlib import Path

__all__ = ["RESULTS", "quantile", "record"]

RESULTS = Path(__file__).with_name("RESULTS.md")


def quantile(values: list[float], share: float) -> float:
    """The value at ``share`` of the sorted values (nearest rank); NaN without values."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))] if ordered else float("nan")


def record(lines: list[str]) -> None:
    """Append a run's heading and table to bench/RESULTS.md."""
    with RESULTS.open("a", encoding="utf-8") as results:
        results.write("\n" + "\n".join(lines) + "\n")
