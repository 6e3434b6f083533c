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
    """What the cardinality caps count, per record. ``counted``: whether it counts toward
    ``max_identities``. A bare visitor's record holds nothing to compare and joins only the record
    it signed in as, so it cannot glue two people together; counted, a customer who signed in from
    a fiftieth device had that visit held for review."""

    birth_date: str | None = None
    email_domain: str | None = None
    counted: bool = True


@dataclass(frozen=True, slots=True)
class Held:
    link: Link
    reason: str


@dataclass
class Clustering:
    groups: list[list[str]]  # each cluster's identity ids, sorted; clusters sorted by their first id
    held: list[Held] = field(default_factory=list)  # links the caps kept from linking


@dataclass(slots=True)
class _Cluster:
    members: list[str]
    counted: int  # members that count toward max_identities
    birth_dates: set[str]
    domains: set[str]


def _over_cap(a: _Cluster, b: _Cluster, config: ResolveConfig) -> str | None:
    if (len(a.birth_dates) + len(b.birth_dates) <= config.max_birth_dates
            and len(a.domains) + len(b.domains) <= config.max_email_domains
            and a.counted + b.counted <= config.max_identities):
        return None  # the unions below cannot exceed the caps: most merges, at a set less each
    if a.counted + b.counted > config.max_identities:
        return f"would make a customer of {a.counted + b.counted} records (max_identities " \
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
    """Cluster ``members`` over ``links``, never across ``apart``; ``traits`` feed the caps.

    A record's cluster is made when a link first reaches it: at a million records, making one
    for every record up front took 6.6 s, and records no link reaches stay alone anyway."""
    known = traits or {}
    members = list(members)
    groups: dict[str, _Cluster] = {}  # root → its cluster, for the records links reached
    root: dict[str, str] = {}  # record → its root, for the records another cluster absorbed

    def cluster(record: str) -> _Cluster:
        trait = known.get(record)
        birth_date, domain = (trait.birth_date, trait.email_domain) if trait is not None else (None, None)
        made = groups[record] = _Cluster([record], trait is None or trait.counted,
                                         {birth_date} if birth_date is not None else set(),
                                         {domain} if domain is not None else set())
        return made

    forbidden: dict[str, set[str]] = {}  # root → identities its cluster must not join
    apart = list(apart)
    inside = set(members) if apart else set()
    for a, b in apart:
        if a in inside and b in inside:
            forbidden.setdefault(a, set()).add(b)
            forbidden.setdefault(b, set()).add(a)
    ordered = sorted(links, key=lambda link: (not link.deterministic, -link.score, link.a, link.b))
    cross: dict[tuple[str, str], int] = {}  # (root, root) → probabilistic links seen between them
    held: list[Held] = []
    for link in ordered:
        ra, rb = root.get(link.a, link.a), root.get(link.b, link.b)
        if ra == rb:
            continue
        ca, cb = groups.get(ra) or cluster(ra), groups.get(rb) or cluster(rb)
        if (ra in forbidden and not forbidden[ra].isdisjoint(cb.members)) or (
                rb in forbidden and not forbidden[rb].isdisjoint(ca.members)):
            continue
        if not link.deterministic and len(ca.members) >= config.guard_size <= len(cb.members):
            pair = (ra, rb) if ra < rb else (rb, ra)
            cross[pair] = cross.get(pair, 0) + 1
            if cross[pair] < config.guard_links:
                continue
        if link.rule != "confirmed" and (reason := _over_cap(ca, cb, config)):
            held.append(Held(link, reason))
            continue
        if (len(ca.members), rb) < (len(cb.members), ra):
            ra, rb, ca, cb = rb, ra, cb, ca  # the larger cluster absorbs the smaller
        del groups[rb]
        for member in cb.members:
            root[member] = ra
        ca.members += cb.members
        ca.counted += cb.counted
        ca.birth_dates |= cb.birth_dates
        ca.domains |= cb.domains
        if rb in forbidden:
            forbidden.setdefault(ra, set()).update(forbidden.pop(rb))
    found = [sorted(group.members) for group in groups.values()]
    found += [[m] for m in members if m not in groups and m not in root]
    found.sort(key=lambda group: group[0])
    return Clustering(found, held)
