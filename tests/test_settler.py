"""The live-events settler's turns: what each kind of pass takes of what waits.

The settling process is replaced by one that records what each pass was asked to settle: what
is tested is the server's choice of work, on a real embedded store; ``test_events.py`` runs the
real process end to end on both backends.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from custgraph.api.events import Settler
from custgraph.graph.embedded import EmbeddedStore
from custgraph.services import EventsTaken, SettledPass


class RecordingProcess:
    """Stands in for ``SettleProcess``: each pass is noted as (records, performers), and whether it
    was asked to keep. A record's customer is named ``customer:`` and the record."""

    def __init__(self) -> None:
        self.passes: list[tuple[set[str], set[str]]] = []
        self.keeps: list[bool] = []

    def start(self) -> None:
        pass

    def settle(self, records: set[str], performers: set[str], everything: bool, settled: bool,
               keep: bool = True) -> SettledPass:
        self.passes.append((set(records), set(performers)))
        self.keeps.append(keep)
        changed = {f"customer:{record}" for record in records}
        return SettledPass(len(performers), frozenset() if keep else frozenset(changed))

    def close(self) -> None:
        pass


async def _settle(settler: Settler, process: RecordingProcess, passes: int, hold_turn: bool = False,
                  later: EventsTaken | None = None) -> None:
    """Run the settler until ``passes`` passes in all ran, and a moment more (a pass that should not
    run would run then). ``hold_turn``: both loops queue behind the turn first, records first.
    ``later``: taken once the first pass ran."""
    if hold_turn:
        await settler._turn.acquire()
    running = asyncio.create_task(settler.run())
    if hold_turn:
        for _ in range(50):  # both loops reach the turn and wait for it
            await asyncio.sleep(0.01)
        settler._turn.release()
    for _ in range(200):
        if later is not None and process.passes:
            settler.add(later)
            later = None
        if len(process.passes) >= passes:
            break
        await asyncio.sleep(0.01)
    await asyncio.sleep(0.1)
    running.cancel()
    await settler.wait_for_pass()


def test_a_records_pass_also_rebuilds_the_journeys_that_wait(tmp_path: Path) -> None:
    """An event of a known customer waits for the next pass of either kind, not for a records pass
    and a journeys pass after it; the journeys pass after a records pass only keeps what it changed."""
    process = RecordingProcess()
    with EmbeddedStore(tmp_path / "store") as store:
        settler = Settler(store, process, pause_s=0.01)  # type: ignore[arg-type]
        settler.add(EventsTaken([], records={"web:visitor-1"}, performers={"web:visitor-1", "web:known-2"}))
        asyncio.run(_settle(settler, process, passes=2, hold_turn=True))
    assert process.passes == [({"web:visitor-1"}, {"web:visitor-1", "web:known-2"}), (set(), set())]
    assert process.keeps == [False, True]


def test_a_journeys_pass_leaves_records_to_the_records_pass(tmp_path: Path) -> None:
    process = RecordingProcess()
    with EmbeddedStore(tmp_path / "store") as store:
        settler = Settler(store, process, pause_s=0.01)  # type: ignore[arg-type]
        settler.add(EventsTaken([], performers={"web:known-2"}))
        asyncio.run(_settle(settler, process, passes=3, later=EventsTaken([], records={"web:visitor-3"})))
    # The records pass leaves the customers it changed to a journeys pass to keep.
    assert process.passes == [(set(), {"web:known-2"}), ({"web:visitor-3"}, set()), (set(), set())]
    assert process.keeps == [True, False, True]
    assert not settler.keep_due
