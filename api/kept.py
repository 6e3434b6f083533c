"""The server's kept journeys, looked at in the background so that questions find them ready.

Why: the journeys a resolve keeps are read (about 1 s at 100,000 persons) and what the
analytics derive from them made (about 1.5 s) by whichever request first needs them; and with
live events flowing, each merge of what settled asks for the changed customers again. A loop
does that every ``every_s`` on a worker thread, so a question after a resolve or a merge finds
them made (``services.warm_kept``). Merges wait for questions: with none in the last ten minutes
the loop reads only what a new resolve keeps (``KeptJourneys.ahead``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from custgraph.errors import CustgraphError
from custgraph.graph import Store
from custgraph.services import KeptJourneys, warm_kept

__all__ = ["KeptWarmer"]

log = logging.getLogger("custgraph.api")


class KeptWarmer:
    def __init__(self, store: Store, kept: KeptJourneys, every_s: float) -> None:
        self.store = store
        self.kept = kept
        self.every_s = every_s
        self._pass: asyncio.Future[None] | None = None

    async def run(self) -> None:
        """Until cancelled."""
        while True:
            self._pass = asyncio.ensure_future(asyncio.to_thread(self._warm))
            try:
                await asyncio.shield(self._pass)
            except CustgraphError as error:
                log.warning("could not read the kept journeys: %s", error)
            except Exception:  # a question will derive it itself: keep looking
                log.exception("could not derive ahead from the kept journeys")
            await asyncio.sleep(self.every_s)

    def _warm(self) -> None:
        journeys = self.kept.ahead(self.store)
        if journeys is not None:
            warm_kept(journeys)

    async def wait_for_pass(self) -> None:
        """Let a pass that is running end before the store is closed (a thread cannot be cancelled)."""
        if self._pass is not None and not self._pass.done():
            with contextlib.suppress(Exception):
                await self._pass
