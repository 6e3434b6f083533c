"""The collector's pauses (``graph/collector.py``): what a paused block makes inside a resolve is
settled when the block ends, and nothing is frozen for anyone else."""

from __future__ import annotations

import gc

from custgraph.graph.collector import collector_paused, settled_objects


def test_a_paused_block_settles_what_it_made_only_inside_settled_objects() -> None:
    assert gc.get_freeze_count() == 0
    with collector_paused():
        kept = [[] for _ in range(1_000)]
    assert gc.isenabled() and gc.get_freeze_count() == 0  # no resolve around it: nothing frozen
    with settled_objects():
        with collector_paused():
            made = [[] for _ in range(1_000)]
        assert gc.isenabled()
        assert gc.get_freeze_count() >= len(made) + len(kept)
        settled = gc.get_freeze_count()
        with collector_paused(settle=False):  # garbage made before waits for a collection
            later = [[] for _ in range(1_000)]
        assert len(later) and gc.get_freeze_count() == settled
    assert gc.get_freeze_count() == 0  # handed back at the end


def test_a_paused_block_freezes_nothing_in_a_process_that_froze_first() -> None:
    gc.freeze()  # a server that froze its start-up objects itself
    try:
        frozen = gc.get_freeze_count()
        with settled_objects(), collector_paused():
            made = [[] for _ in range(1_000)]
        assert len(made) and gc.get_freeze_count() == frozen
    finally:
        gc.unfreeze()
