"""Clusters from links: union-find that respects human decisions and resists over-merging.

Links are taken strongest first (deterministic rules, then by score). Two
clusters never merge across a ``NOT_SAME_AS`` decision, and two clusters that
both hold ``guard_size`` records or more merge on probabilistic evidence only
when at least ``guard_links`` links join them, so one weak link cannot glue two
customers together (the chaining guard). A link that would give a customer more
identities, birth dates or e-mail domains than the caps allow is held for review
with the reason; only a person's confirmation goes past the caps. The result
depends only on the links of each connected component, which is what lets an
incremental run equal a full one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from .config import ResolveConfig

__all__ = ["Clustering", "Held", "Link", "Traits", "clusters"]


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


@dataclass(frozen=True, slots=True)
class Traits:
    """What the cardinality caps count, per record."""

    birth_date: str | None = None
    email_domain: str | None = None


@dataclass(frozen=True, slots=True)
class Held:
    link: Link
    reason: str


@dataclass
class Clustering:
    groups: list[list[str]]  # each cluster's identity ids, sorted; clusters sorted by their first id
    held: list[Held] = field(default_factory=list)  # links the caps kept from linking


@dataclass
class _Cluster:
    members: list[str]
    birth_dates: set[str]
    domains: set[str]


def _over_cap(a: _Cluster, b: _Cluster, config: ResolveConfig) -> str | None:
    if len(a.members) + len(b.members) > config.max_identities:
        return f"would make a customer of {len(a.members) + len(b.members)} records (max_identities " \
               f"{config.max_identities})"
    dates = a.birth_dates | b.birth_dates
    if len(dates) > config.max_birth_dates:
        return f"would give a customer {len(dates)} birth dates (max_birth_dates {config.max_birth_dates}): " \
               f"{', '.join(sorted(dates))}"
    domains = a.domains | b.domains
    if len(domains) > config.max_email_domains:
        return f"would give a customer {len(domains)} e-mail domains (max_email_domains " \
               f"{config.max_email_domains})"
    return None


def clusters(members: Iterable[str], links: Iterable[Link], apart: Iterable[tuple[str, str]],
             config: ResolveConfig, traits: Mapping[str, Traits] | None = None) -> Clustering:
    """Cluster ``members`` over ``links``, never across ``apart``; ``traits`` feed the caps."""
    known = traits or {}
    groups: dict[str, _Cluster] = {}
    for m in members:
        trait = known.get(m, Traits())
        groups[m] = _Cluster([m], {trait.birth_date} - {None}, {trait.email_domain} - {None})  # type: ignore[arg-type]
    root: dict[str, str] = {m: m for m in groups}
    forbidden: dict[str, set[str]] = {}  # root → identities its cluster must not join
    for a, b in apart:
        if a in root and b in root:
            forbidden.setdefault(a, set()).add(b)
            forbidden.setdefault(b, set()).add(a)
    ordered = sorted(links, key=lambda link: (not link.deterministic, -link.score, link.a, link.b))
    cross: dict[tuple[str, str], int] = {}  # (root, root) → probabilistic links seen between them
    held: list[Held] = []
    for link in ordered:
        ra, rb = root[link.a], root[link.b]
        if ra == rb:
            continue
        if (ra in forbidden and not forbidden[ra].isdisjoint(groups[rb].members)) or (
                rb in forbidden and not forbidden[rb].isdisjoint(groups[ra].members)):
            continue
        if not link.deterministic and len(groups[ra].members) >= config.guard_size <= len(groups[rb].members):
            pair = (ra, rb) if ra < rb else (rb, ra)
            cross[pair] = cross.get(pair, 0) + 1
            if cross[pair] < config.guard_links:
                continue
        if link.rule != "confirmed" and (reason := _over_cap(groups[ra], groups[rb], config)):
            held.append(Held(link, reason))
            continue
        if (len(groups[ra].members), rb) < (len(groups[rb].members), ra):
            ra, rb = rb, ra  # the larger cluster absorbs the smaller
        absorbed = groups.pop(rb)
        for member in absorbed.members:
            root[member] = ra
        kept = groups[ra]
        kept.members += absorbed.members
        kept.birth_dates |= absorbed.birth_dates
        kept.domains |= absorbed.domains
        if rb in forbidden:
            forbidden.setdefault(ra, set()).update(forbidden.pop(rb))
    return Clustering(sorted((sorted(group.members) for group in groups.values()), key=lambda group: group[0]),
                      held)
