"""A records pass over the records live events changed: it reads those and what they can move.

Why: the events settler resolves every few seconds while only the records its events wrote have
changed, and a whole run reads every record of the store (about 1 s at 4,400 records embedded
and 4 s on Neo4j, growing with the store). This run reads the changed records, scores them
against every record as the last whole run compared them (``memo.KeptBasis``), and reads from
the store only the records the pairs found can move (``neighbourhood``). What it clusters and
writes (properties, customers, links) is read fresh, so another writer's records are never
overwritten with what the kept basis holds.

What waits for a basis read anew (``memo.Refresh``: begun beside the runs when the kept basis is
older than ``memo.KEPT_BASIS_S``; a whole run when the model changed): records other writers
changed or added since the basis was made are compared as the basis holds them (or not at all),
and term frequencies and placeholders are not counted again. The new basis finds the records
this touches by their digests, and the run that takes it resolves them again, so the store ends
as a whole run leaves it.
"""

from __future__ import annotations

from typing import Any

from custgraph.graph import Store
from custgraph.queries import get as named_query

from .compared import Compared, Join, ordered_pair, scoring_context, stored_links
from .config import ResolveConfig
from .engines import open_engine
from .memo import RecordMemo
from .neighbourhood import neighbourhood
from .records import MatchRecord, comparable
from .scoring import Scored, rule_candidates, rule_pairs, score_pairs
from .stored_model import load_model
from .survivorship import GOLDEN

__all__ = ["compare_changed"]


def compare_changed(store: Store, config: ResolveConfig, memo: RecordMemo, changed: set[str]) -> Compared | None:
    """Compare the ``changed`` records that are dirty against the kept basis, and read what the
    pairs found can move; ``None`` when the memo holds no basis fit for it (a whole run is due)."""
    kept = memo.basis
    model = load_model(store)
    if kept is None or not kept.fits(model):
        return None
    model_id = model.model_id if model else ""
    rows = {str(row["identity_id"]): row
            for row in store.run(named_query("identity_neighbourhood"), {"ids": sorted(changed)})}
    raw = {identity: memo.record(identity, row["props"]) for identity, row in rows.items()}
    records = {identity: memo.blanked(record, kept.placeholders) for identity, record in raw.items()}
    kept.replace(list(records.values()), changed - rows.keys())
    digests = {identity: memo.digest(identity, rows[identity]["props"],
                                     scoring_context(model_id, kept.bands, raw[identity], records[identity]))
               for identity in rows}
    dirty = {identity for identity, row in rows.items()
             if row["customer_id"] is None or row["props"].get("resolved") != digests[identity]}

    to_score = {identity for identity in dirty if comparable(records[identity])}
    scored = [] if kept.model is None or not to_score else score_pairs(
        open_engine(config.engine), kept.model, kept.table, kept.frequencies, to_score, config.review_threshold)
    mine = [records[identity] for identity in sorted(dirty)]
    ruled = rule_pairs(rule_candidates(kept.records.values(), mine), config.rules, dirty) if mine else {}
    joins = _joins(store, rows, records, dirty, scored, ruled)
    partners = {identity for found in scored for identity in (found.a, found.b)} | {
        i for p in ruled if joins.keys().isdisjoint(p) for i in p}

    moving = dirty - joins.keys()
    found = neighbourhood(store, sorted(moving | partners), {identity: rows[identity] for identity in moving})
    reached = {row["customer_id"] for row in found.values()}
    for identity in [identity for identity, join in joins.items() if join.customer in reached]:
        found[identity] = rows[identity]  # its customer is re-clustered anyway: it is, with it
        del joins[identity]
    dirty -= joins.keys()
    gone = partners - found.keys()  # erased since the basis was made
    scored = [one for one in scored if one.a in found and one.b in found]
    ruled = {two: rule for two, rule in ruled.items() if two[0] in found and two[1] in found}
    props: dict[str, dict[str, Any]] = {identity: row["props"] for identity, row in found.items()}
    for identity in found.keys() - records.keys():
        records[identity] = memo.blanked(memo.record(identity, props[identity]), kept.placeholders)
    kept.replace([records[identity] for identity in found.keys() - rows.keys()], gone)
    stored = stored_links()
    for row in found.values():
        for link in row["links"]:
            stored[link["type"]][ordered_pair(str(link["a"]), str(link["b"]))] = link["props"]
    return Compared(props, {identity: row["customer_id"] for identity, row in found.items()}, stored, records,
                    digests, dirty, scored, ruled, False, False, model_id, kept.placeholders.describe()[:20], joins)


def _joins(store: Store, rows: dict[str, dict[str, Any]], records: dict[str, MatchRecord], dirty: set[str],
           scored: list[Scored], ruled: dict[tuple[str, str], tuple[str, tuple[str, ...]]]) -> dict[str, Join]:
    """The dirty records that join a customer as it is: a bare visitor's record (nothing compared,
    nothing golden) whose one tie is a rule's link to a record that did not change and is resolved,
    and that has no customer, that customer already, or a customer of its own alone. Such a record
    can neither split nor merge a customer, nor change its golden attributes, so its customer is
    not read and re-clustered. Why: a visitor who signs in is most of what live events resolve,
    and re-clustering the customer read all its records (about 70 in bench/events.py after six
    minutes, mostly earlier visitors'), which made a records pass grow with the load's history."""
    in_scored = {identity for one in scored for identity in (one.a, one.b)}
    pairs_of: dict[str, list[tuple[str, str]]] = {}
    for pair in ruled:
        for identity in pair:
            pairs_of.setdefault(identity, []).append(pair)
    tied: dict[str, tuple[str, str]] = {}
    for identity in sorted(dirty):
        row, pairs = rows[identity], pairs_of.get(identity, [])
        if comparable(records[identity]) or identity in in_scored or len(pairs) != 1:
            continue
        props = row["props"]
        if any(props.get(name) not in (None, "") for name in GOLDEN) or any(name.startswith("consent_")
                                                                           for name in props):
            continue
        other = pairs[0][1] if pairs[0][0] == identity else pairs[0][0]
        if other in dirty or any(link["type"] != "SAME_AS" or {str(link["a"]), str(link["b"])} != set(pairs[0])
                                 for link in row["links"]):
            continue
        tied[identity] = pairs[0]
    others = sorted({identity for pair in tied.values() for identity in pair} - tied.keys())
    customer_of = {str(row["identity_id"]): str(row["customer_id"])
                   for row in store.run(named_query("identity_customers"), {"ids": others})} if others else {}
    joins: dict[str, Join] = {}
    for identity, pair in tied.items():
        customer = customer_of.get(pair[1] if pair[0] == identity else pair[0])
        now = None if rows[identity]["customer_id"] is None else str(rows[identity]["customer_id"])
        if customer is None or (now is not None and now != customer and rows[identity]["members"]):
            continue
        rule, evidence = ruled[pair]
        joins[identity] = Join(customer, pair, rule, tuple(evidence), None if now == customer else now,
                               now == customer)
    return joins
