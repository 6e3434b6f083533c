"""What resolve derives from each record, kept between the runs of one long-lived process.

Why: the events settler resolves every few seconds, each time over every record of the store
(scores and digests depend on all of them) while only the few hundred its events wrote have
changed. Deriving a record (its comparable form, its digest) is most of a run's Python time;
kept here, a run derives again only what changed. A whole run blanks placeholders for every
record at once (``features.blanked``); a run over changed records blanks them here, one by one.

Safe with other writers: an entry is used only when the record's properties (and, for the
blanked form and the digest, the placeholders and the scoring context) equal those it was made
from, so a record that a load, a decision or another process changed is derived afresh.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from .features import Placeholders, feature_table, without_placeholders
from .model import MatchModel
from .records import MatchRecord, fingerprint, match_record

__all__ = ["KeptBasis", "RecordMemo", "Refresh"]

# A kept basis serves runs over changed records for this long, and at least this many times as
# long as the read that made it took: records that other writers changed are then compared
# afresh, and term frequencies and placeholders counted again, in a basis read anew beside the
# runs (``Refresh``).
KEPT_BASIS_S = 60.0
KEPT_BASIS_RUNS = 20


@dataclass
class KeptBasis:
    """What a whole run compared every record with (``resolve.Basis``), kept so that a run over
    the few records live events changed scores them against every record without reading the
    store again. It takes each such run's records in (``replace``); what other writers did since
    waits for the next whole run (``fresh``)."""

    records: dict[str, MatchRecord]  # as compared: placeholders blanked
    table: pa.Table  # their feature table
    placeholders: Placeholders
    model: MatchModel | None
    frequencies: dict[str, pa.Table]
    bands: dict[str, dict[str | None, float]]  # column → value → its term-frequency band
    made_at: float  # time.monotonic() when the whole run read the store
    whole_s: float  # how long that run took

    def fits(self, model: MatchModel | None) -> bool:
        """Made with the store's current model: scores against it mean what a whole run's would."""
        model_id = model.model_id if model else ""
        kept_id = self.model.model_id if self.model else ""
        return model_id == kept_id

    def aged(self) -> bool:
        """Served its time: a basis read anew is due (``Refresh``)."""
        return time.monotonic() - self.made_at >= max(KEPT_BASIS_S, KEPT_BASIS_RUNS * self.whole_s)

    def replace(self, records: list[MatchRecord], gone: set[str]) -> None:
        """Take these records as they are now, and drop the ``gone`` ones (not in the store)."""
        out = gone | {record.identity_id for record in records}
        if not out:
            return
        for identity in gone:
            self.records.pop(identity, None)
        self.records.update((record.identity_id, record) for record in records)
        mask = pc.is_in(self.table["unique_id"], value_set=pa.array(sorted(out), pa.string()))
        self.table = pa.concat_tables([self.table.filter(pc.invert(mask)), feature_table(records)])


@dataclass
class Refresh:
    """A basis being read anew on a thread of its own while runs over changed records go on with
    the aged one. Why: reading it is most of a whole run (at 100,000 records, 5 of its 7 s embedded
    and 12 of 19 s on Neo4j), and a whole run in the events settler held back every event behind
    it that long. ``made`` gives the basis, the records it read and those its new context (term
    frequencies, placeholders) leaves dirty; ``changed``: the records runs changed meanwhile (the
    basis holds them as they were)."""

    made: Future[tuple[KeptBasis, set[str], set[str]]]
    changed: set[str] = field(default_factory=set)

    @classmethod
    def begun(cls, read: Callable[[], tuple[KeptBasis, set[str], set[str]]]) -> Refresh:
        made: Future[tuple[KeptBasis, set[str], set[str]]] = Future()

        def run() -> None:
            try:
                made.set_result(read())
            except BaseException as error:  # given to the run that takes it
                made.set_exception(error)

        threading.Thread(target=run, name="custgraph-basis", daemon=True).start()
        return cls(made)


class RecordMemo:
    """Per record id: the properties last seen, the comparable record, the blanked record and the
    digest made from them. One per process that resolves again and again (``api.events.Settler``)."""

    def __init__(self) -> None:
        self._records: dict[str, tuple[dict[str, Any], MatchRecord]] = {}
        self._blanked: dict[str, tuple[MatchRecord, MatchRecord]] = {}
        self._digests: dict[str, tuple[dict[str, Any], tuple[Any, ...], str]] = {}
        self._placeholders: Placeholders | None = None
        self.basis: KeptBasis | None = None  # the last whole run's, for runs over changed records
        self.refresh: Refresh | None = None  # a basis being read anew (``resolve._basis_taken``)

    def record(self, identity: str, props: dict[str, Any]) -> MatchRecord:
        kept = self._records.get(identity)
        if kept is not None and kept[0] == props:
            return kept[1]
        made = match_record(props)
        self._records[identity] = (props, made)
        return made

    def blanked(self, raw: MatchRecord, placeholders: Placeholders) -> MatchRecord:
        if placeholders != self._placeholders:  # once per run: new placeholders blank anew
            self._blanked.clear()
            self._placeholders = placeholders
        kept = self._blanked.get(raw.identity_id)
        if kept is not None and kept[0] is raw:
            return kept[1]
        made = without_placeholders(raw, placeholders)
        self._blanked[raw.identity_id] = (raw, made)
        return made

    def digest(self, identity: str, props: dict[str, Any], context: tuple[Any, ...]) -> str:
        kept = self._digests.get(identity)
        if kept is not None and kept[1] == context and kept[0] == props:
            return kept[2]
        made = fingerprint(props, context)
        self._digests[identity] = (props, context, made)
        return made

    def keep_only(self, identities: set[str]) -> None:
        """Forget records that are gone (erased, or from another store's run)."""
        for table in (self._records, self._blanked, self._digests):
            # list() copies at once: a basis read anew (``Refresh``) may be adding to the table.
            for identity in [i for i in list(table) if i not in identities]:
                del table[identity]
