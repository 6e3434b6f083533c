"""The embedded store's SQLite file: its tables, its settings, and the upgrade of older files.

Why this layout (schema 3): every process reads the file itself instead of
copying the graph into memory, so a relationship must be cheap to follow both
ways and cheap to keep. Nodes get an integer id; a relationship is three small
integers (type, start id, end id) plus its properties, found from its start by
the primary key and from its end by ``relationships_by_end``. Labels and types
are stored as small integer codes (``names``). Each Interaction's facts row also
names the customer that ``HAD`` it, indexed with its time
(``interaction_facts_by_customer``): live events find where a customer's
touchpoints are cut or inserted from that index, in steps of what they read, not
of the thousands of touchpoints a customer has (schema 3). Schema 1 kept text
keys in every relationship and no end index, schema 2 had no ``customer``
column; both are upgraded in place, in one transaction.

Tables::

    meta            name → value (schema_version, erasure key fingerprint...)
    names           code → label or relationship type
    nodes           id, label code, key and props as canonical JSON (``values.to_json``)
    relationships   type code, start id, end id, props (NULL when empty)
    interaction_facts  an Interaction's id, the columns the analytics read (``facts.py``) and the
                    node id of the customer that ``HAD`` it (kept with that link by the store)
    identity_search    an Identity's id and its searchable fields (``search_terms.py``)
    search_terms    term → Identity node id, for search_customers (``search_terms.py``)
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

from custgraph.errors import StoreError

from ..model import NODE_KINDS, RELATIONSHIP_KINDS
from ..values import from_json
from .facts import FACT_COLUMNS, fact_row
from .search_terms import SEARCH_COLUMNS, identity_terms, search_row

__all__ = ["SCHEMA_VERSION", "WRITE_SEARCH_ROW", "Names", "connect", "current_names", "prepare_schema"]

SCHEMA_VERSION = "3"
BUSY_TIMEOUT_MS = 60_000  # a writer's transaction is one batch: seconds at most
# SQLite's page cache per connection (KiB): the default 2 MiB rereads the upper levels of the
# indexes from the OS for every lookup of a large store; 64 MiB took cross_sell_paths at 100,000
# persons from 4.3 to 3.2 ms p50 (and stays well inside serve's memory target).
CACHE_KIB = 65_536

WRITE_SEARCH_ROW = (f"INSERT OR REPLACE INTO identity_search (id, {', '.join(SEARCH_COLUMNS)}) "
                    f"VALUES ({', '.join('?' * (len(SEARCH_COLUMNS) + 1))})")
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS names (code INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
CREATE TABLE IF NOT EXISTS nodes (
    id INTEGER PRIMARY KEY, label INTEGER NOT NULL, key TEXT NOT NULL, props TEXT NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS nodes_by_key ON nodes (label, key);
CREATE TABLE IF NOT EXISTS relationships (
    type INTEGER NOT NULL, start_id INTEGER NOT NULL, end_id INTEGER NOT NULL, props TEXT,
    PRIMARY KEY (type, start_id, end_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS relationships_by_end ON relationships (type, end_id, start_id);
CREATE TABLE IF NOT EXISTS interaction_facts (
    id INTEGER PRIMARY KEY, t INTEGER, at TEXT, type, score, score_kind, amount, sentiment, customer INTEGER
);
CREATE INDEX IF NOT EXISTS interaction_facts_by_customer ON interaction_facts (customer, t)
    WHERE customer IS NOT NULL;
CREATE TABLE IF NOT EXISTS identity_search (
    id INTEGER PRIMARY KEY, email_norm TEXT, phone_norm TEXT, name_norm TEXT, name_kana_norm TEXT
);
CREATE TABLE IF NOT EXISTS search_terms (
    term TEXT NOT NULL, node_id INTEGER NOT NULL, PRIMARY KEY (term, node_id)
) WITHOUT ROWID;
"""


def connect(database: Path) -> sqlite3.Connection:
    """A connection in autocommit mode (transactions are begun explicitly), durable and
    overwriting what it deletes."""
    db = sqlite3.connect(database, isolation_level=None, check_same_thread=False)
    db.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    db.execute(f"PRAGMA cache_size=-{CACHE_KIB}")
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    # Deleted rows are overwritten with zeros, not left in free pages: an erased person must
    # leave the file (SQLite's own default keeps them, and builds differ).
    db.execute("PRAGMA secure_delete=ON")
    return db


class Names:
    """Label and relationship-type codes, read once per process: the model fixes the names, so a
    code never changes once written."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.code: dict[str, int] = dict(db.execute("SELECT name, code FROM names").fetchall())
        self.name: dict[int, str] = {code: name for name, code in self.code.items()}


def current_names(db: sqlite3.Connection, where: str) -> Names | None:
    """The codes of a file that needs no preparing, else ``None``."""
    return Names(db) if _current(db, where) == SCHEMA_VERSION and _names_complete(db) else None


def prepare_schema(db: sqlite3.Connection, where: str, on_upgrade: Callable[[], None] | None = None) -> Names:
    """Create the tables, or upgrade a schema-1 or -2 file, in one write transaction; give the codes."""
    db.execute("BEGIN IMMEDIATE")
    try:
        version = _current(db, where)
        if version in ("1", "2") and on_upgrade is not None:
            on_upgrade()
        if version == "1":
            _upgrade_from_1(db)
        elif version == "2":
            _upgrade_from_2(db)
        else:
            _create_tables(db)
        db.execute("INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", (SCHEMA_VERSION,))
        db.executemany("INSERT OR IGNORE INTO names (name) VALUES (?)",
                       [(name,) for name in (*NODE_KINDS, *RELATIONSHIP_KINDS)])
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")
    if version == "1":
        db.execute("VACUUM")  # give back the pages of the schema-1 tables
    return Names(db)


def _create_tables(db: sqlite3.Connection) -> None:
    # One statement at a time: executescript would commit the caller's transaction first.
    for statement in _SCHEMA.split(";"):
        if statement.strip():
            db.execute(statement)


def _current(db: sqlite3.Connection, where: str) -> str | None:
    has_meta = db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'").fetchone()
    found = db.execute("SELECT value FROM meta WHERE name = 'schema_version'").fetchone() if has_meta else None
    if found is not None and found[0] not in ("1", "2", SCHEMA_VERSION):
        raise StoreError(where, f"schema version {found[0]}, this custgraph reads {SCHEMA_VERSION}")
    return None if found is None else str(found[0])


def _names_complete(db: sqlite3.Connection) -> bool:
    known = {name for (name,) in db.execute("SELECT name FROM names")}
    return known >= {*NODE_KINDS, *RELATIONSHIP_KINDS}


def _upgrade_from_1(db: sqlite3.Connection) -> None:
    """Schema 1 (text keys in every relationship, no end index) to 2, inside the caller's
    transaction: a crash half-way leaves the file as it was."""
    db.execute("ALTER TABLE nodes RENAME TO nodes_v1")
    db.execute("ALTER TABLE relationships RENAME TO relationships_v1")
    _create_tables(db)
    db.executemany("INSERT OR IGNORE INTO names (name) VALUES (?)",
                   [(name,) for name in (*NODE_KINDS, *RELATIONSHIP_KINDS)])
    db.execute("INSERT INTO nodes (label, key, props) SELECT names.code, n.key, n.props "
               "FROM nodes_v1 n JOIN names ON names.name = n.label ORDER BY n.label, n.key")
    for rel_type, kind in RELATIONSHIP_KINDS.items():
        db.execute(
            "INSERT INTO relationships (type, start_id, end_id, props) "
            "SELECT t.code, s.id, e.id, NULLIF(r.props, '{}') FROM relationships_v1 r "
            "JOIN names t ON t.name = r.type "
            "JOIN names sl ON sl.name = ? JOIN nodes s ON s.label = sl.code AND s.key = r.start_key "
            "JOIN names el ON el.name = ? JOIN nodes e ON e.label = el.code AND e.key = r.end_key "
            "WHERE r.type = ?", (kind.start, kind.end, rel_type))
    identity = db.execute("SELECT code FROM names WHERE name = 'Identity'").fetchone()[0]
    identities = [(node_id, from_json(props)) for node_id, props in
                  db.execute("SELECT id, props FROM nodes WHERE label = ?", (identity,)).fetchall()]
    db.executemany("INSERT OR IGNORE INTO search_terms (term, node_id) VALUES (?, ?)",
                   ((term, node_id) for node_id, props in identities for term in identity_terms(props)))
    db.executemany(WRITE_SEARCH_ROW, (search_row(node_id, props) for node_id, props in identities))
    interaction = db.execute("SELECT code FROM names WHERE name = 'Interaction'").fetchone()[0]
    db.executemany(f"INSERT INTO interaction_facts (id, {', '.join(FACT_COLUMNS)}) "
                   f"VALUES ({', '.join('?' * (len(FACT_COLUMNS) + 1))})",
                   (fact_row(node_id, from_json(props)) for node_id, props in
                    db.execute("SELECT id, props FROM nodes WHERE label = ?", (interaction,)).fetchall()))
    db.execute("DROP TABLE nodes_v1")
    db.execute("DROP TABLE relationships_v1")
    _fill_customers(db)


def _upgrade_from_2(db: sqlite3.Connection) -> None:
    """Schema 2 to 3, inside the caller's transaction: the facts' ``customer`` column and its index."""
    db.execute("ALTER TABLE interaction_facts ADD COLUMN customer INTEGER")
    _fill_customers(db)
    _create_tables(db)


def _fill_customers(db: sqlite3.Connection) -> None:
    """Each facts row's ``customer`` from its interaction's ``HAD`` link (the store keeps it from then on)."""
    had = db.execute("SELECT code FROM names WHERE name = 'HAD'").fetchone()
    if had is None:  # no HAD link can have been written
        return
    db.execute("UPDATE interaction_facts SET customer = (SELECT h.start_id FROM relationships h INDEXED BY "
               "relationships_by_end WHERE h.type = ? AND h.end_id = interaction_facts.id)", had)
