"""Clusters from links: union-find that respects human decisions and resists chaining.

Links are taken strongest first (deterministic rules, then by score). Two
clusters never merge across a ``NOT_SAME_AS`` decision, and two clusters that
both hold ``guard_size`` records or more merge on probabilistic evidence only
when at least ``guard_links`` links join them, so one weak link cannot glue two
customers together. The result depends only on the links of each connected
component, which is what lets an incremental run equal a full one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from .config import ResolveConfig

__all__ = ["Link", "clusters"]


@dataclass(frozen=True, slots=True)
class Link:
    a: str  # identity ids, a < b
    b: str
    rule: str
    score: float
    evidence: tuple[str, ...]

    @property
    def deterministic(self) -> bool:
        return self.rule != "probabilistic"


def clusters(
    members: Iterable[str], links: Iterable[Link], apart: Iterable[tuple[str, str]], config: ResolveConfig
) -> list[list[str]]:
    """Each cluster's identity ids, sorted; clusters sorted by their first id."""
    groups: dict[str, list[str]] = {m: [m] for m in members}  # root → its members
    root: dict[str, str] = {m: m for m in groups}
    forbidden: dict[str, set[str]] = {}  # root → identities its cluster must not join
    for a, b in apart:
        if a in root and b in root:
            forbidden.setdefault(a, set()).add(b)
            forbidden.setdefault(b, set()).add(a)
    ordered = sorted(links, key=lambda link: (not link.deterministic, -link.score, link.a, link.b))
    cross: dict[tuple[str, str], int] = {}  # (root, root) → probabilistic links seen between them
    for link in ordered:
        ra, rb = root[link.a], root[link.b]
        if ra == rb:
            continue
        if (ra in forbidden and not forbidden[ra].isdisjoint(groups[rb])) or (
                rb in forbidden and not forbidden[rb].isdisjoint(groups[ra])):
            continue
        if not link.deterministic and len(groups[ra]) >= config.guard_size <= len(groups[rb]):
            pair = (ra, rb) if ra < rb else (rb, ra)
            cross[pair] = cross.get(pair, 0) + 1
            if cross[pair] < config.guard_links:
                continue
        if (len(groups[ra]), rb) < (len(groups[rb]), ra):
            ra, rb = rb, ra  # the larger cluster absorbs the smaller
        for member in groups[rb]:
            root[member] = ra
        groups[ra] += groups.pop(rb)
        if rb in forbidden:
            forbidden.setdefault(ra, set()).update(forbidden.pop(rb))
    return sorted((sorted(group) for group in groups.values()), key=lambda group: group[0])
