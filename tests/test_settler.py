"""The live-events settler's turns: what each kind of pass takes of what waits.

The settling process is replaced by one that records what each pass was asked to settle: what
is tested is the server's choice of work, on a real embedded store; ``test_events.py`` runs the
real process end to end on both backends.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from custgraph.api.events import Settler
from custgraph.graph.embedded import EmbeddedStore
from custgraph.services import EventsTaken, SettledPass, events


class RecordingProcess:
    """Stands in for ``SettleProcess``: each pass is noted as (records, performers), and whether it
    was asked to keep. A record's customer is named ``customer:`` and the record."""

    def __init__(self) -> None:
        self.passes: list[tuple[set[str], set[str]]] = []
        self.keeps: list[bool] = []

    def start(self) -> None:
        pass

    def settle(self, records: set[str], performers: set[str], everything: bool, settled: bool,
               keep: bool = True, more: Callable[[], set[str]] | None = None) -> SettledPass:
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


class AskingProcess(RecordingProcess):
    """A records pass during which events come (``came``) and that asks for them twice, at once
    and ``wait_s`` later; the first pass may fail after that. Journeys passes do not ask here."""

    def __init__(self, settler_of: list[Settler], came: EventsTaken, wait_s: float, fail_first: bool = False) -> None:
        super().__init__()
        self.settler_of, self.came, self.wait_s, self.fail_first = settler_of, came, wait_s, fail_first
        self.asked: list[set[str]] = []

    def settle(self, records: set[str], performers: set[str], everything: bool, settled: bool,
               keep: bool = True, more: Callable[[], set[str]] | None = None) -> SettledPass:
        answer = super().settle(records, performers, everything, settled, keep, more)
        assert more is not None  # every pass may ask (a journeys pass between its keeping's reads)
        if records:
            self.settler_of[0].add(self.came)  # as if a request took them now, on the event loop
            self.asked.append(more())
            time.sleep(self.wait_s)
            self.asked.append(more())
            if self.fail_first:
                self.fail_first = False
                raise RuntimeError("the pass failed after taking them")
        return answer


def _asking(tmp_path: Path, wait_s: float, fail_first: bool = False) -> tuple[AskingProcess, Settler]:
    came = EventsTaken([], performers={"web:known-4", "web:known-5"})
    settler_of: list[Settler] = []
    process = AskingProcess(settler_of, came, wait_s, fail_first)
    with EmbeddedStore(tmp_path / "store") as store:
        settler = Settler(store, process, pause_s=0.01, meanwhile_s=0.2)  # type: ignore[arg-type]
        settler_of.append(settler)
        settler.add(EventsTaken([], records={"web:visitor-3"}))
        asyncio.run(_settle(settler, process, passes=3 if fail_first else 2))
    return process, settler


def test_a_records_pass_takes_the_performers_that_came_meanwhile_at_most_every_meanwhile_s(tmp_path: Path) -> None:
    process, _ = _asking(tmp_path, wait_s=0.3)
    # Asked at once, the pass gets none (it began less than meanwhile_s ago); later, all that came.
    assert process.asked == [set(), {"web:known-4", "web:known-5"}]
    # They are not the next pass's (it keeps what the records pass changed).
    assert process.passes[:2] == [({"web:visitor-3"}, set()), (set(), set())]


def test_what_a_failed_pass_took_meanwhile_waits_for_the_next(tmp_path: Path) -> None:
    process, settler = _asking(tmp_path, wait_s=0.3, fail_first=True)
    assert process.passes[0] == ({"web:visitor-3"}, set())
    # The failed pass's records and the performers it took come back, for the passes after it.
    later = process.passes[1:]
    assert {"web:visitor-3"} in [records for records, _ in later]
    assert {"web:known-4", "web:known-5"} <= set().union(*(performers for _, performers in later))
    assert not settler.performers and not settler.records


class Clock:
    """``time`` for ``services.events``: ``perf_counter`` is what the test sets."""

    def __init__(self) -> None:
        self.now = 0.0

    def perf_counter(self) -> float:
        return self.now


def test_rebuilding_what_came_meanwhile_keeps_to_its_share_of_a_pass(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    clock = Clock()
    monkeypatch.setattr(events, "time", clock)
    asked: list[float] = []

    def more() -> set[str]:  # each ask (and its rebuild) takes a second
        asked.append(clock.now)
        clock.now += 1.0
        return set()

    with EmbeddedStore(tmp_path / "store") as store:
        meanwhile = events._Meanwhile(store, more)
        for _ in range(40):  # a step every 0.25 s of a 10 s pass
            meanwhile((), ())
            clock.now += 0.25
    # Asked at the first step at which the seconds spent so far are within the share of the pass.
    share = events.MEANWHILE_SHARE
    assert asked[0] == 0.0 and len(asked) > 1
    for spent, at in enumerate(asked):
        assert spent <= share * at and (spent == 0 or spent > share * (at - 0.25))
    assert len(asked) - 1 <= share * clock.now  # the last ask may take its second past the share


def test_requests_wait_while_settling_lags_and_no_longer(tmp_path: Path) -> None:
    """``hold``: a request waits while the oldest performer no pass took has waited over
    ``max_lag_s``, at most that long again; once a pass takes them it goes on at once."""
    lag = 0.3

    async def scenario(settler: Settler) -> tuple[float, float, float, float]:
        idle = await settler.hold()  # nothing waits
        settler.add(EventsTaken([], performers={"web:known-1"}))
        fresh = await settler.hold()  # it waits, but not for long yet
        await asyncio.sleep(lag + 0.1)
        lagging = await settler.hold()  # no pass takes it: held the longest, then taken anyway
        holding = asyncio.create_task(settler.hold())
        await asyncio.sleep(0.05)
        taken = settler._take_performers()  # a pass takes them: the held request goes on
        assert taken == {"web:known-1"} and settler.lag() == 0.0
        return idle, fresh, lagging, await holding

    with EmbeddedStore(tmp_path / "store") as store:
        settler = Settler(store, RecordingProcess(), pause_s=0.01, meanwhile_s=0.0,  # type: ignore[arg-type]
                          max_lag_s=lag)
        idle, fresh, lagging, released = asyncio.run(scenario(settler))
    assert idle < lag / 2 and fresh < lag / 2
    assert lagging >= lag
    assert 0.04 <= released < lag
