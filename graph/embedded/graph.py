"""The embedded graph as the named queries see it: read straight from the SQLite file.

Why no copy in memory: every process (``serve``, a ``load`` next to it, a
one-off ``query``) opens the store in milliseconds and sees each committed
batch at once, and ``serve`` stays small. A node is ``(label, key)`` to the
queries; inside, nodes have integer ids, and a relationship is followed from
its start by the primary key and from its end by ``relationships_by_end``
(see ``database.py``). Per-customer queries follow a few dozen links; the
whole-graph analytics read a label or a type in one pass (``nodes``,
``links``, ``journeys``) or join in SQLite first (``select``), on integer ids
and the typed columns of ``interaction_facts``, so that few JSON texts are
decoded.

Callers hold a read transaction (``EmbeddedStore.run``) so that every read of
one answer sees the same committed state.
"""

from __future__ import annotations

import itertools
import sqlite3
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..model import NODE_KINDS, RELATIONSHIP_KINDS, relationship_kind
from ..values import from_json, to_json
from .database import Names
from .facts import when
from .search_terms import candidates

__all__ = ["EmbeddedGraph", "JourneyGrowth", "NodeId", "decoded", "key_of"]

NodeId = tuple[str, str | int]
Props = dict[str, Any]
_CHUNK = 500  # keys per IN (...) list, under SQLite's parameter limit


def decoded(props: str | None) -> Props:
    return {} if props is None else from_json(props)


def key_of(text: str) -> str | int:
    """A node key as stored (canonical JSON) back to itself."""
    return from_json(text)  # type: ignore[no-any-return]


def _customer(row: tuple[Any, ...]) -> int:
    return int(row[0])


def _time(row: tuple[Any, ...]) -> Any:
    return row[1]


@dataclass(frozen=True)
class JourneyGrowth:
    """Per customer id: how many interactions its identities performed and how many it ``HAD``; the
    performed ones it has no ``HAD`` link to yet (``new``, only customers with some); and, of the
    customers with new ones, the touchpoints at their latest time without a ``NEXT`` link out
    (``tails``: the last touchpoint, one where the links hold; none where the latest has a ``NEXT``
    link, as when a reload moved it earlier)."""

    performed: dict[int, int]
    had: dict[int, int]
    new: dict[int, list[int]]
    tails: dict[int, list[int]]


class EmbeddedGraph:
    """Read access for the query implementations and for the store's own write planning."""

    def __init__(self, db: sqlite3.Connection, names: Names) -> None:
        self._db = db
        self._code = names.code
        self._censuses: dict[str, tuple[tuple[int, int], int, bool]] = {}  # label → (version, count, in order)
        self._kept: dict[str, tuple[tuple[int, int], Any]] = {}  # name → (version, value): ``per_version``
        self._own_writes = 0  # data_version counts other connections' commits only

    def changed(self) -> None:
        """This connection committed a write (the store says so after each)."""
        self._own_writes += 1

    def _version(self) -> tuple[int, int]:
        """Changes with every commit to the file, this connection's or another's."""
        return int(self._db.execute("PRAGMA data_version").fetchone()[0]), self._own_writes

    def per_version(self, name: str, compute: Callable[[], Any]) -> Any:
        """``compute()``, kept until the file changes: for a whole-graph aggregate that answers many
        requests between two writes."""
        version = self._version()
        kept = self._kept.get(name)
        if kept is None or kept[0] != version:
            kept = self._kept[name] = (version, compute())
        return kept[1]

    def census(self, label: str) -> tuple[int, bool]:
        """How many nodes of ``label``, and whether walking its key index visits keys in the order
        Python sorts them (true unless a key is not a string, or holds a space, ``!``, a quote or a
        character that JSON escapes). Counted once per committed change of the file."""
        version = self._version()
        cached = self._censuses.get(label)
        if cached is None or cached[0] != version:
            count, irregular = self._db.execute(
                "SELECT count(*), total(key NOT LIKE '\"%' OR instr(key, '\\') > 0 OR instr(key, ' ') > 0 "
                "OR instr(key, '!') > 0) FROM nodes WHERE label = ?", (self._code[label],)).fetchone()
            cached = self._censuses[label] = (version, int(count), not irregular)
        return cached[1], cached[2]

    def labels(self) -> list[str]:
        """Labels that have at least one node."""
        return sorted(label for label in NODE_KINDS if self._db.execute(
            "SELECT 1 FROM nodes WHERE label = ? LIMIT 1", (self._code[label],)).fetchone())

    def keys(self, label: str) -> list[str | int]:
        return [from_json(key) for (key,) in self._db.execute(
            "SELECT key FROM nodes WHERE label = ?", (self._code[label],))]

    def count(self, label: str) -> int:
        return int(self._db.execute("SELECT count(*) FROM nodes WHERE label = ?", (self._code[label],)).fetchone()[0])

    def node(self, label: str, key: str | int) -> Props | None:
        found = self._db.execute("SELECT props FROM nodes WHERE label = ? AND key = ?",
                                 (self._code[label], to_json(key))).fetchone()
        return None if found is None else decoded(found[0])

    def props(self, node_id: NodeId) -> Mapping[str, Any]:
        """A node's properties; empty for a missing node."""
        return self.node(*node_id) or {}

    def has_node(self, label: str, key: str | int) -> bool:
        return self.node_id(label, key) is not None

    def node_id(self, label: str, key: str | int) -> int | None:
        found = self._db.execute("SELECT id FROM nodes WHERE label = ? AND key = ?",
                                 (self._code[label], to_json(key))).fetchone()
        return None if found is None else int(found[0])

    def ids_by_key(self, label: str, keys: list[str | int]) -> dict[str | int, int]:
        """The id of each of ``keys`` that exists, in a few statements."""
        found: dict[str | int, int] = {}
        code = self._code[label]
        texts = list(dict.fromkeys(to_json(key) for key in keys))
        for start in range(0, len(texts), _CHUNK):
            chunk = texts[start:start + _CHUNK]
            found.update((from_json(key), node_id) for node_id, key in self._db.execute(
                f"SELECT id, key FROM nodes WHERE label = ? AND key IN ({','.join('?' * len(chunk))})",
                (code, *chunk)))
        return found

    def nodes_by_key(self, label: str, keys: list[str | int]) -> dict[str | int, tuple[int, Props]]:
        """Id and properties of each of ``keys`` that exists, in a few statements."""
        found: dict[str | int, tuple[int, Props]] = {}
        code = self._code[label]
        texts = list(dict.fromkeys(to_json(key) for key in keys))
        for start in range(0, len(texts), _CHUNK):
            chunk = texts[start:start + _CHUNK]
            for node_id, key, props in self._db.execute(
                    f"SELECT id, key, props FROM nodes WHERE label = ? AND key IN ({','.join('?' * len(chunk))})",
                    (code, *chunk)):
                found[from_json(key)] = (node_id, decoded(props))
        return found

    def relationship(self, rel_type: str, start: NodeId, end: NodeId) -> Props | None:
        found = self._db.execute(
            "SELECT r.props FROM relationships r, nodes s, nodes e "
            "WHERE s.label = ? AND s.key = ? AND e.label = ? AND e.key = ? "
            "AND r.type = ? AND r.start_id = s.id AND r.end_id = e.id",
            (self._code[start[0]], to_json(start[1]), self._code[end[0]], to_json(end[1]), self._code[rel_type]),
        ).fetchone()
        return None if found is None else decoded(found[0])

    def links_between(self, rel_type: str, pairs: list[tuple[int, int]]) -> dict[tuple[int, int], str | None]:
        """The stored properties (as stored: ``decoded`` them) of each of these (start id, end id) links
        that exists, in a few statements: how a batch finds what it writes over."""
        found: dict[tuple[int, int], str | None] = {}
        code = self._code[rel_type]
        # The pairs drive the join: ``(start_id, end_id) IN (VALUES ...)`` made SQLite scan every
        # link of the type (10 ms per chunk at 100,000 persons, against 0.6 ms this way).
        for start in range(0, len(pairs), _CHUNK // 2):
            chunk = pairs[start:start + _CHUNK // 2]
            found.update(((a, b), props) for a, b, props in self._db.execute(
                f"WITH wanted (a, b) AS (VALUES {','.join(['(?, ?)'] * len(chunk))}) "
                "SELECT r.start_id, r.end_id, r.props FROM wanted CROSS JOIN relationships r "
                "WHERE r.type = ? AND r.start_id = wanted.a AND r.end_id = wanted.b",
                (*(i for pair in chunk for i in pair), code)))
        return found

    def links_of(self, rel_type: str, node_ids: list[int], outgoing: bool) -> list[tuple[int, str | int]]:
        """(this node's id, the other end's key) of every ``rel_type`` link leaving (``outgoing``) or
        arriving at these nodes, in a few statements."""
        found: list[tuple[int, str | int]] = []
        mine, other, index = ("start_id", "end_id", "") if outgoing else (
            "end_id", "start_id", "INDEXED BY relationships_by_end")
        for start in range(0, len(node_ids), _CHUNK):
            chunk = node_ids[start:start + _CHUNK]
            found += [(node_id, from_json(key)) for node_id, key in self._db.execute(
                f"SELECT r.{mine}, n.key FROM relationships r {index}, nodes n WHERE r.type = ? "
                f"AND r.{mine} IN ({','.join('?' * len(chunk))}) AND n.id = r.{other}",
                (self._code[rel_type], *chunk))]
        return found

    def links_by_id(self, rel_type: str, node_ids: list[int], outgoing: bool) -> list[tuple[int, int, str | None]]:
        """(start id, end id, properties as stored) of every ``rel_type`` link leaving (``outgoing``) or
        arriving at these nodes: ``links`` for a few hundred nodes, a statement per chunk."""
        found: list[tuple[int, int, str | None]] = []
        mine, index = ("start_id", "") if outgoing else ("end_id", "INDEXED BY relationships_by_end")
        for start in range(0, len(node_ids), _CHUNK):
            chunk = node_ids[start:start + _CHUNK]
            found += self._db.execute(
                f"SELECT start_id, end_id, props FROM relationships {index} WHERE type = ? "
                f"AND {mine} IN ({','.join('?' * len(chunk))})", (self._code[rel_type], *chunk)).fetchall()
        return found

    def journey_growth(self, customer_ids: list[int]) -> JourneyGrowth:
        """What live events added to these customers' journeys, counted and found in SQLite over the
        links' indexes (a journey's length in Python would cost a pass what the journey holds, not
        what it gained): see ``JourneyGrowth``."""
        growth = JourneyGrowth({}, {}, {}, {})
        if not customer_ids:
            return growth
        code, customers = self._code, ",".join(f":c{n}" for n in range(len(customer_ids)))
        named = {"resolves": code["RESOLVES_TO"], "performed": code["PERFORMED"], "had": code["HAD"],
                 **{f"c{n}": customer for n, customer in enumerate(customer_ids)}}
        for customer, performed, had in self._db.execute(
                "SELECT c.id, (SELECT count(*) FROM relationships r INDEXED BY relationships_by_end, relationships p "
                "WHERE r.type = :resolves AND r.end_id = c.id AND p.type = :performed AND p.start_id = r.start_id), "
                "(SELECT count(*) FROM relationships h WHERE h.type = :had AND h.start_id = c.id) "
                f"FROM nodes c WHERE c.id IN ({customers})", named):
            growth.performed[customer], growth.had[customer] = performed, had
        # A touchpoint that a customer's records performed and that it has no HAD link to is newer than
        # every one it HAD (node ids only grow, and a rebuild links every touchpoint its records
        # performed then), or one of a record that joined it since (a visitor who signed in), whose
        # newest touchpoint below that line it does not HAD either. The first are found from each
        # record's newest touchpoints; the second by reading only such records' touchpoints. Checking
        # every touchpoint of every record took 42 % of a settling process's time after five minutes
        # of bench/events.py's load. A customer whose counts then disagree is rebuilt whole.
        line = "coalesce((SELECT max(h.end_id) FROM relationships h WHERE h.type = :had AND h.start_id = r.end_id), -1)"
        records = f"r.type = :resolves AND r.end_id IN ({customers})"
        for customer, x in self._db.execute(
                "SELECT r.end_id, p.end_id FROM relationships r INDEXED BY relationships_by_end CROSS JOIN "
                f"relationships p WHERE {records} AND p.type = :performed AND p.start_id = r.start_id "
                f"AND p.end_id > {line}", named):
            growth.new.setdefault(customer, []).append(x)
        for customer, x in self._db.execute(  # DISTINCT: the records are found first, then their touchpoints
                f"SELECT j.customer, p.end_id FROM (SELECT DISTINCT r.end_id AS customer, r.start_id AS record, "
                f"{line} AS line FROM relationships r INDEXED BY relationships_by_end WHERE {records} "
                "AND NOT EXISTS (SELECT 1 FROM relationships h WHERE h.type = :had "
                "AND h.start_id = r.end_id AND h.end_id = (SELECT max(q.end_id) FROM relationships q "
                f"WHERE q.type = :performed AND q.start_id = r.start_id AND q.end_id <= {line}))) j "
                "CROSS JOIN relationships p WHERE p.type = :performed AND p.start_id = j.record AND p.end_id <= j.line "
                "AND NOT EXISTS (SELECT 1 FROM relationships h WHERE h.type = :had AND h.start_id = j.customer "
                "AND h.end_id = p.end_id)", named):
            growth.new.setdefault(customer, []).append(x)
        grown = sorted(growth.new)
        for customer, x in self._db.execute(  # from the facts' index: the latest time, then its few
                f"SELECT c.id, f.id FROM nodes c, interaction_facts f WHERE c.id IN ({','.join('?' * len(grown))}) "
                "AND f.customer = c.id AND f.t = (SELECT max(g.t) FROM interaction_facts g WHERE g.customer = c.id) "
                "AND NOT EXISTS (SELECT 1 FROM relationships n WHERE n.type = ? AND n.start_id = f.id)",
                (*grown, code["NEXT"])):
            growth.tails.setdefault(customer, []).append(x)
        return growth

    def journey_from(self, customer_id: int, t: int) -> list[int]:
        """A customer's ``HAD`` interactions from the last time before ``t`` on (every one when none
        is before): where touchpoints gained from ``t`` on go (``appended_changes``). Read from the
        facts' index by customer and time: what is read is what is returned."""
        before = self._db.execute("SELECT max(t) FROM interaction_facts WHERE customer = ? AND t < ?",
                                  (customer_id, t)).fetchone()[0]
        return [x for x, in self._db.execute(
            "SELECT id FROM interaction_facts WHERE customer = ? AND t >= ?",
            (customer_id, -(2 ** 63) if before is None else before))]

    def journey_since(self, columns: Sequence[str], customer_id: int,
                      since: int) -> list[tuple[Any, ...]] | None:
        """A customer's journey after its first ``since`` touchpoints (as ``journeys`` gives one), or
        ``None`` when it has no more. Why: a customer of live events has thousands of touchpoints
        and gains a few; the facts' index by customer and time finds the time of the first one
        kept (stepping over the ``since`` before it in the index, not reading them), and only the
        touchpoints from that time on are read and put in order (keys of tied times included)."""
        first = self._db.execute("SELECT t FROM interaction_facts WHERE customer = ? ORDER BY t LIMIT 1 OFFSET ?",
                                 (customer_id, since)).fetchone()
        if first is None:
            return None
        (before,), = self._db.execute("SELECT count(*) FROM interaction_facts WHERE customer = ? AND t < ?",
                                      (customer_id, first[0]))
        chosen = ", ".join(f"f.{column}" for column in columns)
        rows = self._db.execute(f"SELECT f.customer, f.t, f.id, {chosen} FROM interaction_facts f "
                                "WHERE f.customer = ? AND f.t >= ?", (customer_id, first[0])).fetchall()
        at = columns.index("at") + 3 if "at" in columns else None
        return self._in_order(rows, at)[since - before:] or None

    def had_about(self, customer_ids: list[int], product_ids: list[int]) -> list[tuple[int, int]]:
        """(customer id, interaction id) of these customers' ``HAD`` interactions ``ABOUT`` any of these
        products: what a grown journey's ``BOUGHT`` is counted again from (``appended_changes``)."""
        return self.select(
            f"SELECT DISTINCT h.start_id, h.end_id FROM relationships h, relationships a WHERE h.type = ? "
            f"AND h.start_id IN ({','.join('?' * len(customer_ids))}) AND a.type = ? AND a.start_id = h.end_id "
            f"AND a.end_id IN ({','.join('?' * len(product_ids))})",
            (self._code["HAD"], *customer_ids, self._code["ABOUT"], *product_ids))

    def interaction_facts(self, node_ids: list[int] | None) -> dict[int, tuple[Any, Any, Any, Any]]:
        """id → (t, at, type, amount) of these interactions (``None``: of every one)."""
        statement = "SELECT id, t, at, type, amount FROM interaction_facts"
        if node_ids is None:
            return {x: (t, at, kind, amount) for x, t, at, kind, amount in self._db.execute(statement)}
        found: dict[int, tuple[Any, Any, Any, Any]] = {}
        for start in range(0, len(node_ids), _CHUNK):
            chunk = node_ids[start:start + _CHUNK]
            found.update((x, (t, at, kind, amount)) for x, t, at, kind, amount in self._db.execute(
                f"{statement} WHERE id IN ({','.join('?' * len(chunk))})", chunk))
        return found

    def out(self, node_id: NodeId, rel_type: str) -> Iterator[tuple[NodeId, Props]]:
        """The relationships of ``rel_type`` leaving ``node_id``: (end, relationship properties)."""
        return iter(self._neighbours(node_id, rel_type, outgoing=True, props_of="r"))

    def into(self, node_id: NodeId, rel_type: str) -> Iterator[tuple[NodeId, Props]]:
        """The relationships of ``rel_type`` arriving at ``node_id``: (start, relationship properties)."""
        return iter(self._neighbours(node_id, rel_type, outgoing=False, props_of="r"))

    def start_ids(self, node_id: NodeId, rel_type: str) -> list[int]:
        """Ids of the starts of ``rel_type`` arriving at ``node_id``: ``into`` without keys or properties,
        for walks that touch thousands of nodes and name a few (``ids`` names them)."""
        return [start for (start,) in self._db.execute(
            "SELECT r.start_id FROM nodes e, relationships r INDEXED BY relationships_by_end "
            "WHERE e.label = ? AND e.key = ? AND r.type = ? AND r.end_id = e.id",
            (self._code[node_id[0]], to_json(node_id[1]), self._code[rel_type]))]

    def out_nodes(self, node_id: NodeId, rel_type: str) -> list[tuple[NodeId, Props]]:
        """The ends of ``rel_type`` leaving ``node_id`` with their node properties, in one statement."""
        return self._neighbours(node_id, rel_type, outgoing=True, props_of="n")

    def into_nodes(self, node_id: NodeId, rel_type: str) -> list[tuple[NodeId, Props]]:
        """The starts of ``rel_type`` arriving at ``node_id`` with their node properties, in one statement."""
        return self._neighbours(node_id, rel_type, outgoing=False, props_of="n")

    def _neighbours(self, node_id: NodeId, rel_type: str, outgoing: bool, props_of: str) -> list[tuple[NodeId, Props]]:
        """One statement from the node to its neighbours by ``rel_type``, each with the properties of
        the relationship (``props_of="r"``) or of the neighbour (``"n"``)."""
        kind = relationship_kind(rel_type)
        mine, other, index, label = ("start_id", "end_id", "", kind.end) if outgoing else (
            "end_id", "start_id", "INDEXED BY relationships_by_end", kind.start)
        rows = self._db.execute(
            f"SELECT n.key, {props_of}.props FROM nodes m, relationships r {index}, nodes n "
            f"WHERE m.label = ? AND m.key = ? AND r.type = ? AND r.{mine} = m.id AND n.id = r.{other}",
            (self._code[node_id[0]], to_json(node_id[1]), self._code[rel_type])).fetchall()
        return [((label, from_json(key)), decoded(props)) for key, props in rows]

    def incident(self, label: str, node_ids: Mapping[int, str | int]) -> list[tuple[str, NodeId, NodeId]]:
        """Every relationship of these nodes of ``label`` (id → key), as (type, start, end): a few
        statements per relationship type, however many nodes."""
        links: list[tuple[str, NodeId, NodeId]] = []
        for rel_type, kind in RELATIONSHIP_KINDS.items():
            if kind.start == label:
                links += [(rel_type, (label, node_ids[mine]), (kind.end, other))
                          for mine, other in self.links_of(rel_type, list(node_ids), outgoing=True)]
            if kind.end == label:
                links += [(rel_type, (kind.start, other), (label, node_ids[mine]))
                          for mine, other in self.links_of(rel_type, list(node_ids), outgoing=False)]
        return list(dict.fromkeys(links))  # a link between two of them is found from both ends

    def relationship_counts(self) -> dict[str, int]:
        name = {code: rel_type for rel_type, code in self._code.items() if rel_type in RELATIONSHIP_KINDS}
        return {name[code]: count for code, count in self._db.execute(
            "SELECT type, count(*) FROM relationships GROUP BY type")}

    # Whole-graph reads, for the analytics: one pass per label or type, joined on ids by the caller.

    def code(self, name: str) -> int:
        """The stored code of a label or relationship type, for ``select``."""
        return self._code[name]

    def select(self, statement: str, params: Mapping[str, Any] | tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        """Rows of a read-only statement over the tables (``database.py``): how the whole-graph analytics
        join and filter in SQLite before Python sees a row. Keys come back as stored (``key_of``)."""
        return self._db.execute(statement, params).fetchall()

    def journeys(self, columns: Sequence[str], where: str = "", params: Mapping[str, Any] | None = None
                 ) -> Iterator[tuple[int, list[tuple[Any, ...]]]]:
        """(customer id, its interactions in journey order: ``at``, then key) for every customer with
        ``HAD`` links, each interaction as the tuple of ``columns`` of ``interaction_facts`` (``at`` as a
        datetime), without decoding a node. ``where`` (SQL over ``f``, the facts) keeps only the
        interactions a query looks at: a customer left with none is not given."""
        chosen = ", ".join(f"f.{column}" for column in columns)
        rows = self._db.execute(
            f"SELECT r.start_id, f.t, f.id, {chosen} FROM relationships r, interaction_facts f "
            f"WHERE r.type = :had AND f.id = r.end_id {f'AND ({where})' if where else ''} ORDER BY r.start_id",
            {**(params or {}), "had": self._code["HAD"]})
        at = columns.index("at") + 3 if "at" in columns else None
        for customer, steps in itertools.groupby(rows, key=_customer):
            yield customer, self._in_order(list(steps), at)

    def _in_order(self, rows: list[tuple[Any, ...]], at: int | None) -> list[tuple[Any, ...]]:
        rows = self.in_journey_order(rows)
        if at is None:
            return [row[3:] for row in rows]
        return [(*row[3:at], when(row[at]), *row[at + 1:]) for row in rows]

    def in_journey_order(self, rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
        """Interactions as rows whose [1] is ``interaction_facts.t`` and [2] the node id, in journey
        order: by time, and by key where two share a time (keys are read only then)."""
        rows.sort(key=_time)
        times = Counter(row[1] for row in rows)
        if len(times) < len(rows):
            tied = [row[2] for row in rows if times[row[1]] > 1]
            keys = {node_id: key_of(key) for node_id, key in self._db.execute(
                f"SELECT id, key FROM nodes WHERE id IN ({','.join(str(int(i)) for i in tied)})")}
            rows.sort(key=lambda row: (row[1], keys.get(row[2], "")))
        return rows

    def nodes(self, label: str) -> Iterator[tuple[int, str | int, Props]]:
        """Every node of ``label`` as (id, key, properties)."""
        for node_id, key, props in self._db.execute(
                "SELECT id, key, props FROM nodes WHERE label = ?", (self._code[label],)):
            yield node_id, from_json(key), decoded(props)

    def ids(self, label: str) -> dict[int, str | int]:
        """Id → key of every node of ``label``."""
        return {node_id: from_json(key) for node_id, key in self._db.execute(
            "SELECT id, key FROM nodes WHERE label = ?", (self._code[label],))}

    def links(self, rel_type: str) -> Iterator[tuple[int, int, str | None]]:
        """Every relationship of ``rel_type`` as (start id, end id, properties as stored: ``decoded``
        them when needed), in start-id order."""
        yield from self._db.execute(
            "SELECT start_id, end_id, props FROM relationships WHERE type = ?", (self._code[rel_type],))

    def search(self, text: str) -> list[tuple[str | int, str | int, Any, int]]:
        """Identities with a customer whose e-mail or phone is ``text`` (rank 0) or whose name or kana
        name holds it (rank 1), as (identity key, customer key, customer name, rank). The index
        names the candidates (``search_terms``); the rule is checked here, in SQL, so that
        thousands of matches of a common name cost no decoding."""
        ids = candidates(self._db, text)
        statement = (
            "SELECT i.key, c.key, json_extract(c.props, '$.name'), "
            "CASE WHEN s.email_norm = :t OR s.phone_norm = :t THEN 0 ELSE 1 END "
            "FROM identity_search s, nodes i, relationships r, nodes c "
            "WHERE (s.email_norm = :t OR s.phone_norm = :t OR instr(s.name_norm, :t) > 0 "
            "OR instr(s.name_kana_norm, :t) > 0) "
            "AND i.id = s.id AND r.type = :resolves AND r.start_id = s.id AND c.id = r.end_id")
        params = {"t": text, "resolves": self._code["RESOLVES_TO"]}
        if ids is None:
            rows = self._db.execute(statement, params).fetchall()
        else:
            wanted, rows = sorted(ids), []
            for start in range(0, len(wanted), _CHUNK):
                chunk = wanted[start:start + _CHUNK]
                rows += self._db.execute(
                    statement + f" AND s.id IN ({','.join(str(int(i)) for i in chunk)})", params).fetchall()
        return [(from_json(identity), from_json(customer), name, rank) for identity, customer, name, rank in rows]
