"""Write and schema statements of the Neo4j backend, built from the graph model.

These are the store's internals, not named queries (those live in ``queries/``).
Labels, types and property keys are spliced in from the model's allow-list only
(``node_kind`` / ``relationship_kind`` refuse anything else); every value
travels as a parameter. Each statement is built once per kind and cached.
"""

from __future__ import annotations

from functools import cache
from typing import LiteralString

from ..model import NODE_KINDS, NodeKind, RelationshipKind, node_kind, relationship_kind

__all__ = [
    "check_endpoints",
    "constraint_statements",
    "create_relationships",
    "create_star",
    "delete_nodes",
    "delete_stale",
    "existing_keys",
    "get_node",
    "get_relationship",
    "index_statements",
    "upsert_nodes",
    "upsert_relationships",
]

# Rows unchanged by a write are skipped (no write locks, no transaction log);
# the outcome rule matches graph.rows.outcome so both backends count alike.
#
# Dates and datetimes travel as ISO text in row.temporal ([{k, t, v}]) and are
# converted by the server: the driver's own temporal encoding costs ~100 us per
# value in Python, ~50 times what the text costs, and dominated load time.
_TEMPORAL = (
    "CASE t.t WHEN 'datetime' THEN datetime(t.v) WHEN 'localdatetime' THEN localdatetime(t.v) ELSE date(t.v) END"
)
_OUTCOME = f"""
CASE WHEN old IS NULL THEN 'created'
     WHEN all(k IN keys(row.props) WHERE old[k] = row.props[k] OR (old[k] IS NULL AND row.props[k] IS NULL))
      AND all(t IN row.temporal WHERE old[t.k] = {_TEMPORAL})
     THEN 'unchanged'
     ELSE 'updated' END"""
_SET_TEMPORAL = f"FOREACH (t IN {{source}}.temporal | SET {{var}}[t.k] = {_TEMPORAL})"

# A touchpoint carries the label Unlinked from its creation until a journey links it (HAD), and
# again when a rebuild unlinks it from a customer it left: live events' rebuilds (GROW_JOURNEYS)
# find a customer's new touchpoints among the few so marked, where they read every touchpoint of
# its records (0.69 s against 0.25 s for the 600 busiest customers after 5 minutes of
# bench/events.py's load). A mark left on a linked one costs a look, not a wrong journey.
_ON_CREATE = {"Interaction": " ON CREATE SET n:Unlinked"}


def _literal(text: str) -> LiteralString:
    """Mark text built only from the model's allow-listed names as query text.

    (mypy treats ``LiteralString`` as ``str``; the name documents the promise.)
    """
    return text


def constraint_statements() -> list[LiteralString]:
    return [
        _literal(
            f"CREATE CONSTRAINT custgraph_{kind.label}_key IF NOT EXISTS "
            f"FOR (n:{kind.label}) REQUIRE n.{kind.key} IS UNIQUE"
        )
        for kind in NODE_KINDS.values()
    ]


def index_statements() -> list[LiteralString]:
    return [
        _literal(
            f"CREATE INDEX custgraph_{kind.label}_{prop} IF NOT EXISTS FOR (n:{kind.label}) ON (n.{prop})"
        )
        for kind in NODE_KINDS.values()
        for prop in kind.indexed
    ] + [
        _literal(
            f"CREATE TEXT INDEX custgraph_{kind.label}_{prop}_text IF NOT EXISTS FOR (n:{kind.label}) ON (n.{prop})"
        )
        for kind in NODE_KINDS.values()
        for prop in kind.text_indexed
    ]


@cache
def upsert_nodes(label: str) -> LiteralString:
    kind: NodeKind = node_kind(label)
    return _literal(f"""
UNWIND $rows AS row
OPTIONAL MATCH (old:{kind.label} {{{kind.key}: row.key}})
WITH row, {_OUTCOME} AS outcome
WHERE outcome <> 'unchanged'
MERGE (n:{kind.label} {{{kind.key}: row.key}}){_ON_CREATE.get(kind.label, "")}
SET n += row.props
{_SET_TEMPORAL.format(var="n", source="row")}
RETURN outcome, count(*) AS rows, CASE outcome WHEN 'created' THEN collect(row.key) ELSE [] END AS created""")


def _endpoints(kind: RelationshipKind, match: str) -> str:
    """``a`` and ``b``: the start and end nodes of each row, found by their keys."""
    start, end = node_kind(kind.start), node_kind(kind.end)
    return (f"{match} (a:{start.label} {{{start.key}: row.start}})\n"
            f"{match} (b:{end.label} {{{end.key}: row.end}})")


@cache
def check_endpoints(rel_type: str) -> LiteralString:
    kind: RelationshipKind = relationship_kind(rel_type)
    return _literal(f"""
UNWIND $rows AS row
{_endpoints(kind, "OPTIONAL MATCH")}
WITH row, a IS NULL AS no_start, b IS NULL AS no_end
WHERE no_start OR no_end
RETURN row.start AS start, row.end AS end, no_start, no_end""")


@cache
def upsert_relationships(rel_type: str) -> LiteralString:
    """Rows whose endpoints are missing come back as outcome 'missing' (the caller rolls back)."""
    kind: RelationshipKind = relationship_kind(rel_type)
    return _literal(f"""
UNWIND $rows AS row
{_endpoints(kind, "OPTIONAL MATCH")}
OPTIONAL MATCH (a)-[old:{kind.type}]->(b)
WITH a, b, row, CASE WHEN a IS NULL OR b IS NULL THEN 'missing' ELSE {_OUTCOME} END AS outcome
CALL (a, b, row, outcome) {{
  WITH * WHERE outcome IN ['created', 'updated']
  MERGE (a)-[r:{kind.type}]->(b)
  SET r += row.props
  {_SET_TEMPORAL.format(var="r", source="row")}
}}
RETURN outcome, count(*) AS rows,
       collect(CASE WHEN a IS NULL THEN row.start END)[..5] AS no_start,
       collect(CASE WHEN b IS NULL THEN row.end END)[..5] AS no_end""")


@cache
def create_relationships(rel_type: str) -> LiteralString:
    """For rows with an endpoint created in the same transaction: no old link can exist,
    so CREATE skips MERGE's search. Returns how many rows found both endpoints."""
    kind: RelationshipKind = relationship_kind(rel_type)
    return _literal(f"""
UNWIND $rows AS row
{_endpoints(kind, "MATCH")}
CREATE (a)-[r:{kind.type}]->(b)
SET r += row.props
{_SET_TEMPORAL.format(var="r", source="row")}
RETURN count(*) AS rows""")


@cache
def create_star(label: str, links: tuple[tuple[str, bool, bool], ...]) -> LiteralString:
    """Nodes known to be new, each with its links, in one statement.

    ``links`` names each attached relationship type, whether the node is its
    start, and whether its links are bare (no properties). Row ``l{i}`` holds that
    type's links: the other node's keys when bare, else ``{o: key, props, temporal}``.
    One statement binds the node once for all its links, where separate
    statements would look it up again per type (the loader's common case: an
    interaction with its identity, channel, rep and products). Returns how many
    links of each type found their other node, so the caller can detect missing ones.
    """
    kind = node_kind(label)
    lines = [
        "UNWIND $rows AS row",
        f"MERGE (n:{kind.label} {{{kind.key}: row.key}}){_ON_CREATE.get(kind.label, '')}",
        "SET n += row.props",
        _SET_TEMPORAL.format(var="n", source="row"),
        "WITH n, row",
    ]
    for index, (rel_type, node_is_start, bare) in enumerate(links):
        link_kind = relationship_kind(rel_type)
        other = node_kind(link_kind.end if node_is_start else link_kind.start)
        pattern = f"(n)-[r:{link_kind.type}]->(o)" if node_is_start else f"(o)-[r:{link_kind.type}]->(n)"
        if bare:
            body = f"UNWIND row.l{index} AS key MATCH (o:{other.label} {{{other.key}: key}}) CREATE {pattern}"
        else:
            body = (f"UNWIND row.l{index} AS link MATCH (o:{other.label} {{{other.key}: link.o}}) "
                    f"CREATE {pattern} SET r += link.props {_SET_TEMPORAL.format(var='r', source='link')}")
        lines.append(f"CALL (n, row) {{ {body} RETURN count(*) AS c{index} }}")
    sums = "".join(f", sum(c{index}) AS c{index}" for index in range(len(links)))
    lines.append(f"RETURN count(*) AS nodes{sums}")
    return _literal("\n".join(lines))


@cache
def get_node(label: str) -> LiteralString:
    kind = node_kind(label)
    return _literal(f"MATCH (n:{kind.label} {{{kind.key}: $key}}) RETURN properties(n) AS props")


@cache
def get_nodes(label: str) -> LiteralString:
    kind = node_kind(label)
    return _literal(f"UNWIND $keys AS key MATCH (n:{kind.label} {{{kind.key}: key}}) "
                    "RETURN key, properties(n) AS props")


@cache
def get_relationship(rel_type: str) -> LiteralString:
    kind = relationship_kind(rel_type)
    start, end = node_kind(kind.start), node_kind(kind.end)
    return _literal(
        f"MATCH (:{start.label} {{{start.key}: $start}})-[r:{kind.type}]->(:{end.label} {{{end.key}: $end}}) "
        "RETURN properties(r) AS props"
    )


@cache
def delete_stale(rel_type: str, from_start: bool) -> LiteralString:
    """Delete ``rel_type`` links of each anchor (``g.anchor``) to nodes not in ``g.keep``.

    The other end carries no label: the type implies it, and with a label the
    planner may start from a label scan of it when its statistics are stale
    (right after a load), which cost 1,000 times more than the anchor's index.
    """
    kind = relationship_kind(rel_type)
    start, end = node_kind(kind.start), node_kind(kind.end)
    anchor, other_kind = (start, end) if from_start else (end, start)
    pattern = f"(anchor)-[r:{kind.type}]->(other)" if from_start else f"(other)-[r:{kind.type}]->(anchor)"
    return _literal(f"""
UNWIND $groups AS g
MATCH (anchor:{anchor.label} {{{anchor.key}: g.anchor}})
MATCH {pattern}
WHERE NOT other.{other_kind.key} IN g.keep
DELETE r
RETURN count(*) AS deleted""")


@cache
def set_properties(label: str) -> LiteralString:
    kind: NodeKind = node_kind(label)
    return _literal(f"""
UNWIND $rows AS row
MATCH (n:{kind.label} {{{kind.key}: row.key}})
SET n += row.props
{_SET_TEMPORAL.format(var="n", source="row")}
RETURN count(n) AS found""")


@cache
def delete_nodes(label: str) -> LiteralString:
    kind = node_kind(label)
    return _literal(f"UNWIND $keys AS key MATCH (n:{kind.label} {{{kind.key}: key}}) DETACH DELETE n "
                    "RETURN count(*) AS deleted")


# Everything, relationships first: deleting a dense node (a channel with 200,000 VIA
# links) with DETACH DELETE puts all its links in one transaction's state.
WIPE: tuple[LiteralString, ...] = (
    "MATCH ()-[r]->() CALL (r) { DELETE r } IN TRANSACTIONS OF 20000 ROWS",
    "MATCH (n) CALL (n) { DELETE n } IN TRANSACTIONS OF 20000 ROWS",
)

# Derived relationships of customers (``$ids``) from their identities' interactions, two ways to
# the same links (graph/embedded/derived.py computes them in Python):
# - cleared, then built (CLEAR_DERIVED + BUILD_DERIVED): for a resolve's thousands of customers,
#   whose links are mostly new;
# - brought in line (ALIGN_DERIVED): links that hold are neither deleted nor written again, for
#   the few hundred customers a live-events pass rebuilds, whose journeys gained a touchpoint.
#   Every HAD first (an interaction that left the customer loses its NEXT links, and its new
#   customer, in the same call, links it again), then NEXT along each journey.
#   Measured on 5,211 customers: with every link new, building takes 1.2 s (after a clear that
#   finds nothing) and aligning 1.6-1.8 s (MERGE where CREATE would do); with nothing changed,
#   aligning takes 0.8 s and clearing and building 2.0-2.3 s.
# Each (and GROW_JOURNEYS, BOUGHT_AGAIN below) starts from a seek of the customer's index, and
# names no label past it but the Unlinked mark (the types imply them: Interaction.at is indexed,
# and a touchpoint's time is compared), so that a planner with stale statistics, right after a
# load, has nothing else to start from. In a first resolve at 10,000 records it scanned the
# whole index for each customer under USING INDEX, and with USING INDEX SEEK joined each
# customer's purchases to a scan of Interaction.type: 11.1 s and 12.0 s for the derived
# relationships of 4,781 customers.
_CUSTOMER = "UNWIND $ids AS id MATCH (c:Customer {customer_id: id}) USING INDEX SEEK c:Customer(customer_id) "
CLEAR_DERIVED: tuple[LiteralString, ...] = (
    _CUSTOMER + "MATCH (c)-[:HAD]->()-[n:NEXT]->() DELETE n",
    _CUSTOMER + "CALL (c) { MATCH (c)-[r:HAD|BOUGHT]->() DELETE r } CALL (c) { MATCH (c)<-[r:SERVES]-() DELETE r }",
)
BUILD_DERIVED: tuple[LiteralString, ...] = (
    _CUSTOMER + "MATCH (c)<-[:RESOLVES_TO]-(:Identity)-[:PERFORMED]->(x) CREATE (c)-[:HAD]->(x) "
    "WITH x WHERE x:Unlinked REMOVE x:Unlinked",
    _CUSTOMER + "MATCH (c)-[:HAD]->(x) "
    "WITH c, x ORDER BY x.at, x.interaction_id WITH c, collect(x) AS xs "
    "UNWIND range(0, size(xs) - 2) AS k WITH xs[k] AS a, xs[k + 1] AS b CREATE (a)-[:NEXT]->(b)",
    _CUSTOMER + "MATCH (c)-[:HAD]->(x)-[:ABOUT]->(p) WHERE x.type = 'purchase' "
    "WITH c, x, p, COUNT { (x)-[:ABOUT]->() } AS n "
    "WITH c, p, count(x) AS times, sum(coalesce(x.amount, 0.0) / n) AS amount, min(x.at) AS first_at, "
    "max(x.at) AS last_at "
    "CREATE (c)-[:BOUGHT {times: times, amount: round(amount, 2), first_at: first_at, last_at: last_at}]->(p)",
    _CUSTOMER + "MATCH (c)-[:HAD]->(x)-[:HANDLED_BY]->(r) WITH c, r, count(x) AS times "
    "CREATE (r)-[:SERVES {times: times}]->(c)",
)

ALIGN_DERIVED: tuple[LiteralString, ...] = (
    _CUSTOMER + "CALL (c) { MATCH (c)-[h:HAD]->(x) "
    "WHERE NOT EXISTS { (c)<-[:RESOLVES_TO]-(:Identity)-[:PERFORMED]->(x) } "
    "CALL (x) { MATCH (x)-[n:NEXT]-() DELETE n } SET x:Unlinked DELETE h } "
    "CALL (c) { MATCH (c)<-[:RESOLVES_TO]-(:Identity)-[:PERFORMED]->(x) MERGE (c)-[:HAD]->(x) "
    "WITH x WHERE x:Unlinked REMOVE x:Unlinked }",
    _CUSTOMER + "MATCH (c)-[:HAD]->(x) "
    "WITH c, x ORDER BY x.at, x.interaction_id WITH c, collect(x) AS xs "
    "UNWIND range(0, size(xs) - 1) AS k WITH xs[k] AS a, CASE WHEN k < size(xs) - 1 THEN xs[k + 1] END AS b "
    "CALL (a, b) { MATCH (a)-[n:NEXT]->(other) WHERE b IS NULL OR other <> b DELETE n } "
    "WITH a, b WHERE b IS NOT NULL MERGE (a)-[:NEXT]->(b)",
    _CUSTOMER + "CALL (c) { MATCH (c)-[:HAD]->(x)-[:ABOUT]->(p) WHERE x.type = 'purchase' "
    "WITH c, x, p, COUNT { (x)-[:ABOUT]->() } AS n "
    "WITH c, p, count(x) AS times, sum(coalesce(x.amount, 0.0) / n) AS amount, min(x.at) AS first_at, "
    "max(x.at) AS last_at "
    "MERGE (c)-[b:BOUGHT]->(p) "
    "WITH p, b, {times: times, amount: round(amount, 2), first_at: first_at, last_at: last_at} AS now "
    "FOREACH (_ IN CASE WHEN properties(b) <> now THEN [1] ELSE [] END | SET b = now) "
    "RETURN collect(p) AS bought } "
    "CALL (c, bought) { MATCH (c)-[b:BOUGHT]->(p) WHERE NOT p IN bought DELETE b }",
    _CUSTOMER + "CALL (c) { MATCH (c)-[:HAD]->(x)-[:HANDLED_BY]->(r) WITH c, r, count(x) AS times "
    "MERGE (r)-[s:SERVES]->(c) "
    "FOREACH (_ IN CASE WHEN properties(s) <> {times: times} THEN [1] ELSE [] END | SET s = {times: times}) "
    "RETURN collect(r) AS reps } "
    "CALL (c, reps) { MATCH (c)<-[s:SERVES]-(r) WHERE NOT r IN reps DELETE s }",
)

# Journeys that gained touchpoints and lost none (rebuild_derived with links_hold;
# graph/embedded/derived.py's appended_changes does the same): each live-events customer with
# touchpoints it has no HAD link to yet gets them linked in, if nothing left (as many performed as
# it had and gained) and its chain has one end (the HAD end without a NEXT link out):
# - grown, when every new one is later than that end: added after it;
# - inserted, when one is not (a visitor signing in brings pages from before the customer's last
#   purchase): the touchpoints from the earliest new one on, and the one before them, are linked
#   again with the new ones, in time order; what comes before stays as it is.
# SERVES counts on. It returns every customer with something to do: those linked in (``grows``),
# with how many touchpoints they had and the products their new purchases name (whose BOUGHT is
# counted again, BOUGHT_AGAIN), and the others, for ALIGN_DERIVED; with how many of their
# touchpoints sort before the first they gained when they lost none (``JourneyEdit.unchanged``).
# What they gained is looked for among the touchpoints marked Unlinked (above), and among those of
# the records that joined them (a record is taken to have joined when one of its unmarked
# touchpoints, the first found, is not linked to the customer): not among every touchpoint of
# every record. One missed (in a store written before the mark) leaves the counts unequal, and the
# customer is aligned.
# Why: aligning reads, sorts and links again a whole journey, so each pass took as long as the
# journeys of its customers were (bench/RESULTS.md): after 300 s of live events, records passes
# spent 10-17 s aligning the journeys that signed-in visitors' pages went into.
GROW_JOURNEYS: LiteralString = (
    _CUSTOMER + "CALL (c) { CALL (c) { MATCH (c)<-[:RESOLVES_TO]-(:Identity)-[:PERFORMED]->(x:Unlinked) "
    "WHERE NOT EXISTS { (c)-[:HAD]->(x) } RETURN x UNION MATCH (c)<-[:RESOLVES_TO]-(i:Identity) "
    "WITH c, i, COLLECT { MATCH (i)-[:PERFORMED]->(y) WHERE NOT y:Unlinked RETURN y LIMIT 1 }[0] AS y "
    "WHERE y IS NOT NULL AND NOT EXISTS { (c)-[:HAD]->(y) } "
    "MATCH (i)-[:PERFORMED]->(x) WHERE NOT EXISTS { (c)-[:HAD]->(x) } RETURN x } "
    "WITH x ORDER BY x.at, x.interaction_id RETURN collect(x) AS new } "
    "WITH c, new, COUNT { (c)<-[:RESOLVES_TO]-(:Identity)-[:PERFORMED]->() } AS performed, "
    "COUNT { (c)-[:HAD]->() } AS had "
    "WHERE size(new) > 0 OR performed <> had "
    "WITH c, new, had, [(c)-[:HAD]->(t) WHERE NOT EXISTS { (t)-[:NEXT]->() } | t] AS tails, performed "
    "WITH c, new, had, tails, coalesce(performed = had + size(new), false) AS none_lost "
    "WITH c, new, had, tails, none_lost, coalesce(none_lost "
    "AND size(tails) = CASE WHEN had = 0 THEN 0 ELSE 1 END "
    "AND (had = 0 OR tails[0].at < new[0].at OR (tails[0].at = new[0].at "
    "AND tails[0].interaction_id < new[0].interaction_id)), false) AS grows "
    "WITH c, new, had, tails, none_lost, grows, "
    "coalesce(NOT grows AND none_lost AND size(new) > 0 AND had > 0 AND size(tails) = 1, false) AS inserts "
    "WITH c, new, had, tails, none_lost, grows, inserts, CASE WHEN inserts THEN COLLECT { "
    "MATCH (c)-[:HAD]->(t) WHERE t.at > new[0].at "
    "OR (t.at = new[0].at AND t.interaction_id > new[0].interaction_id) "
    "WITH t ORDER BY t.at, t.interaction_id RETURN t } ELSE [] END AS later "
    "WITH c, new, had, tails, none_lost, grows, inserts, later, later[0] AS first "
    "WITH c, new, had, tails, none_lost, grows, inserts, later, "
    "CASE WHEN inserts THEN [(b)-[:NEXT]->(first) | b] ELSE [] END AS before "
    "CALL (before, later) { UNWIND before + later AS a MATCH (a)-[n:NEXT]->() DELETE n } "
    "CALL (c, new, grows, inserts) { WITH * WHERE grows OR inserts UNWIND new AS x CREATE (c)-[:HAD]->(x) "
    "REMOVE x:Unlinked } "
    "WITH c, new, had, tails, none_lost, grows, inserts, later, CASE WHEN grows THEN tails + new "
    "WHEN inserts THEN before + COLLECT { UNWIND later + new AS x WITH x ORDER BY x.at, x.interaction_id "
    "RETURN x } ELSE [] END AS chain "
    "CALL (chain) { UNWIND range(0, size(chain) - 2) AS k WITH chain[k] AS a, chain[k + 1] AS b "
    "CREATE (a)-[:NEXT]->(b) } "
    "CALL (c, new, grows, inserts) { WITH * WHERE grows OR inserts UNWIND new AS x "
    "MATCH (x)-[:HANDLED_BY]->(r) "
    "WITH c, r, count(x) AS times MERGE (r)-[s:SERVES]->(c) SET s.times = coalesce(s.times, 0) + times } "
    "RETURN c.customer_id AS customer_id, grows OR inserts AS grows, had, CASE WHEN grows OR inserts "
    "THEN COLLECT { UNWIND new AS x MATCH (x)-[:ABOUT]->(p) WHERE x.type = 'purchase' "
    "RETURN DISTINCT p.sku } ELSE [] END AS skus, "
    "CASE WHEN grows THEN had WHEN inserts THEN had - size(later) WHEN size(new) > 0 AND none_lost "
    "THEN COUNT { (c)-[:HAD]->(t) WHERE t.at < new[0].at "
    "OR (t.at = new[0].at AND t.interaction_id < new[0].interaction_id) } ELSE 0 END AS unchanged"
)
BOUGHT_AGAIN: LiteralString = (
    "UNWIND $pairs AS pair MATCH (c:Customer {customer_id: pair.customer_id}) "
    "USING INDEX SEEK c:Customer(customer_id) "
    "MATCH (p:Product {sku: pair.sku}) "
    "CALL (c, p) { MATCH (c)-[:HAD]->(x)-[:ABOUT]->(p) WHERE x.type = 'purchase' "
    "WITH x, COUNT { (x)-[:ABOUT]->() } AS n "
    "RETURN count(x) AS times, sum(coalesce(x.amount, 0.0) / n) AS amount, min(x.at) AS first_at, "
    "max(x.at) AS last_at } "
    "MERGE (c)-[b:BOUGHT]->(p) "
    "WITH b, {times: times, amount: round(amount, 2), first_at: first_at, last_at: last_at} AS now "
    "FOREACH (_ IN CASE WHEN properties(b) <> now THEN [1] ELSE [] END | SET b = now)"
)

# Product affinity (Store.rebuild_affinity); graph/embedded/derived.py computes the same.
REBUILD_AFFINITY: tuple[LiteralString, ...] = (
    "MATCH (:Product)-[r:ALSO_BOUGHT]->(:Product) DELETE r",
    "MATCH (p:Product) SET p.buyers = COUNT { (p)<-[:BOUGHT]-(:Customer) }",
    "MATCH (x:Product)<-[:BOUGHT]-(c:Customer)-[:BOUGHT]->(y:Product) WHERE x <> y "
    "WITH x, y, count(c) AS customers CREATE (x)-[:ALSO_BOUGHT {customers: customers}]->(y)",
)


@cache
def existing_keys_of(labels: tuple[str, ...]) -> LiteralString:
    """Which of ``$keys_<n>`` are keys of the n-th label's nodes: rows of (label number, key)."""
    parts = []
    for number, label in enumerate(labels):
        kind = node_kind(label)
        parts.append(f"UNWIND $keys_{number} AS key MATCH (:{kind.label} {{{kind.key}: key}}) "
                     f"RETURN {number} AS label, key")
    return _literal("CALL () { " + " UNION ALL ".join(parts) + " } RETURN label, key")


@cache
def existing_keys(label: str) -> LiteralString:
    kind = node_kind(label)
    return _literal(f"UNWIND $keys AS key MATCH (n:{kind.label} {{{kind.key}: key}}) RETURN key")
