"""How an erased record is remembered: by a SHA-256 of its identity id, and nothing else.

Why remember it at all: the source systems may still hold the person, and the
next load of their exports would bring them back. A load skips the rows whose
identity id hashes to an ``Erased`` node. Only the hash is kept (no name,
contact, address or field of the record), and the prefix keeps it from
matching a plain hash of the same id made anywhere else.
"""

from __future__ import annotations

import hashlib

__all__ = ["erased_key"]


def erased_key(identity_id: str) -> str:
    return hashlib.sha256(f"custgraph-erased:{identity_id}".encode()).hexdigest()
