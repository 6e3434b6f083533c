"""Keeping Python's cyclic garbage collector off work that makes many objects and no cycles.

Why: each full collection walks every tracked object alive. Decoding a whole label's property
maps, making a comparable record of each Identity, or holding a resolve's records, links and
clusters from its read to its last write keeps hundreds of thousands of them alive; the
collector then walks them again every few thousand new ones and frees nothing (identity_records
at 46,000 persons: 3.7 s with it, 2.0 s without; at 100,000 records, full collections took
0.5-0.9 s each, about 8 s of a 70 s resolve).
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager

__all__ = ["collector_paused", "settled_objects"]


_settling = [False]  # inside ``settled_objects`` that froze first: what paused blocks make is settled too


@contextmanager
def collector_paused(settle: bool = True) -> Iterator[None]:
    """No collection inside the block: for a loop that only builds objects (none in a cycle).

    Inside ``settled_objects`` the block's objects are settled when it ends. Everything made while
    the collector was paused sits in its youngest generation, and the first allocations after would
    have it walk all of that, then again as it ages (in a whole resolve at 1,000,000 records: 3.5 s
    after the read, 0.5 s after the links, 0.3 s after the digests). ``settle=False`` where garbage
    in cycles made before the block still waits for a collection: settling would keep it to the
    end of the run."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            if settle and _settling[0]:
                gc.freeze()
            gc.enable()


@contextmanager
def settled_objects() -> Iterator[Callable[[], None]]:
    """Yield ``settle``: call it when what exists now will live to the end of the block
    (``gc.freeze``: collections skip those objects; refcounting still frees them, and a cycle
    among them waits for the end). Everything settled is handed back to the collector at the
    end. Does nothing when someone else (a server that froze its start-up objects) froze
    objects first: theirs to undo."""
    ours = gc.get_freeze_count() == 0
    outer = _settling[0]
    _settling[0] = outer or ours
    try:
        yield gc.freeze if ours else _nothing
    finally:
        _settling[0] = outer
        if ours:
            gc.unfreeze()


def _nothing() -> None:
    return None
