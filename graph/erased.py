"""How an erased record is remembered: by a keyed hash of its identity id, and nothing else.

Why remember it at all: the source systems may still hold the person, and the
next load of their exports would bring them back. A load skips the rows whose
identity id hashes to an ``Erased`` node.

Why keyed: identity ids are often sequential (``crm:C0000123``), so a plain hash
of one is found by trying them all (8 of 8 in 0.3 s). The tombstone is
HMAC-SHA256 under a secret kept outside the store (``CUSTGRAPH_ERASURE_KEY_FILE``,
default ``~/.config/custgraph/erasure.key``, made on the first erasure, mode 0600):
whoever holds a copy of the store alone cannot tell which ids were erased. The store
keeps one ``Erased`` node, ``erasure-key``, holding the key's fingerprint, so a load
with another key (or none) stops with an error instead of letting erased persons
back in. Tombstones made before keys existed (plain SHA-256) are still honoured.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from custgraph.errors import ConfigError

__all__ = ["KEY_NODE", "ErasureKey", "legacy_tombstone"]

KEY_NODE = "erasure-key"  # the Erased node that holds the fingerprint of the store's key
_CHECK = b"custgraph erasure key check"


def legacy_tombstone(identity_id: str) -> str:
    """The unkeyed tombstone of custgraph versions before erasure keys."""
    return hashlib.sha256(f"custgraph-erased:{identity_id}".encode()).hexdigest()


@dataclass(frozen=True)
class ErasureKey:
    secret: bytes
    path: str  # where it was read, for messages

    def tombstone(self, identity_id: str) -> str:
        return hmac.new(self.secret, identity_id.encode(), hashlib.sha256).hexdigest()

    @property
    def fingerprint(self) -> str:
        return hmac.new(self.secret, _CHECK, hashlib.sha256).hexdigest()

    @classmethod
    def read(cls, path: str, create: bool = False) -> ErasureKey | None:
        """The key in ``path``; ``None`` when there is none and ``create`` is false. A new key is
        32 random bytes, written as hex to a file only its owner may read."""
        file = Path(path).expanduser()
        try:
            text = file.read_text(encoding="ascii").strip()
        except FileNotFoundError:
            if not create:
                return None
            return cls._create(file)
        except (OSError, UnicodeDecodeError) as error:
            raise ConfigError("CUSTGRAPH_ERASURE_KEY_FILE", f"cannot read the erasure key {file}: {error}") from None
        try:
            secret = bytes.fromhex(text)
        except ValueError:
            secret = b""
        if len(secret) < 16:
            raise ConfigError("CUSTGRAPH_ERASURE_KEY_FILE", f"{file} does not hold an erasure key (hex, 32 bytes)")
        return cls(secret, str(file))

    @classmethod
    def _create(cls, file: Path) -> ErasureKey:
        secret = secrets.token_bytes(32)
        try:
            file.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            descriptor = os.open(file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process made it first: use theirs
            found = cls.read(str(file))
            assert found is not None
            return found
        except OSError as error:
            raise ConfigError("CUSTGRAPH_ERASURE_KEY_FILE",
                              f"cannot create the erasure key {file}: {error.strerror}") from None
        with os.fdopen(descriptor, "w", encoding="ascii") as handle:
            handle.write(secret.hex() + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        return cls(secret, str(file))
