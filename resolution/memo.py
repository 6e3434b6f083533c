"""What resolve derives from each record, kept between the runs of one long-lived process.

Why: the events settler resolves every few seconds, each time over every record of the store
(scores and digests depend on all of them) while only the few hundred its events wrote have
changed. Deriving a record (its comparable form, placeholders blanked, its digest) is most of
a run's Python time; kept here, a run derives again only what changed.

Safe with other writers: an entry is used only when the record's properties (and, for the
blanked form and the digest, the placeholders and the scoring context) equal those it was made
from, so a record that a load, a decision or another process changed is derived afresh.
"""

from __future__ import annotations

from typing import Any

from .features import Placeholders, without_placeholders
from .records import MatchRecord, fingerprint, match_record

__all__ = ["RecordMemo"]


class RecordMemo:
    """Per record id: the properties last seen, the comparable record, the blanked record and the
    digest made from them. One per process that resolves again and again (``api.events.Settler``)."""

    def __init__(self) -> None:
        self._records: dict[str, tuple[dict[str, Any], MatchRecord]] = {}
        self._blanked: dict[str, tuple[MatchRecord, MatchRecord]] = {}
        self._digests: dict[str, tuple[dict[str, Any], tuple[Any, ...], str]] = {}
        self._placeholders: Placeholders | None = None

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
            for identity in [i for i in table if i not in identities]:
                del table[identity]
