"""API keys and roles: who may see personal contact data, and who may change the store.

Roles, in increasing power: ``reader`` (contact data masked), ``analyst`` (all
read fields), ``admin`` (mutations too). Apart from them, ``collector``: a key that
may send live events (``POST /v1/events``, which admins may use too) and nothing else,
for a website or a system to hold. Keys come from ``CUSTGRAPH_API_KEYS``
(``name:role:key`` entries separated by commas) and/or the file named by
``CUSTGRAPH_API_KEYS_FILE`` (one ``name role key`` per line, ``#`` comments).
A request sends its key as ``Authorization: Bearer KEY`` or ``X-API-Key: KEY``.
Without any key configured, the API serves only loopback clients (see
``custgraph serve``) and treats them as ``analyst``.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from custgraph.errors import ConfigError

__all__ = ["COLLECTOR", "ROLES", "Caller", "KeyRing", "presented_key"]

ROLES = ("reader", "analyst", "admin")
COLLECTOR = "collector"


@dataclass(frozen=True)
class Caller:
    name: str
    role: str

    def may(self, role: str) -> bool:
        """Whether the caller has ``role`` or a stronger one; a collector has none of them."""
        return self.role in ROLES and ROLES.index(self.role) >= ROLES.index(role)

    @property
    def sends_events(self) -> bool:
        return self.role in (COLLECTOR, "admin")


@dataclass(frozen=True)
class KeyRing:
    callers: tuple[tuple[str, Caller], ...] = ()  # (key, caller)

    @property
    def empty(self) -> bool:
        return not self.callers

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> KeyRing:
        entries: list[tuple[str, str, str, str]] = []  # (where, name, role, key)
        for n, item in enumerate(filter(None, (part.strip() for part in env.get("CUSTGRAPH_API_KEYS", "").split(",")))):
            name, role, key = [*item.split(":", 2), "", ""][:3]
            entries.append((f"CUSTGRAPH_API_KEYS entry {n + 1}", name, role, key))
        path = env.get("CUSTGRAPH_API_KEYS_FILE")
        if path:
            try:
                lines = Path(path).read_text(encoding="utf-8").splitlines()
            except OSError as error:
                raise ConfigError(path, f"cannot read the API key file: {error.strerror}") from None
            for number, line in enumerate(lines, start=1):
                if line.strip() and not line.lstrip().startswith("#"):
                    name, role, key = [*line.split(), "", ""][:3]
                    entries.append((f"{path}:{number}", name, role, key))
        callers = []
        first_seen: dict[str, str] = {}
        for where, name, role, key in entries:
            if role not in (*ROLES, COLLECTOR):
                raise ConfigError(where, f"role must be one of {', '.join((*ROLES, COLLECTOR))}, not {role!r}")
            if len(key) < 16:
                raise ConfigError(where, "an API key needs at least 16 characters")
            if key in first_seen:  # which role would win is a guess nobody should have to make
                raise ConfigError(where, f"this API key is also given in {first_seen[key]}; give each key once")
            first_seen[key] = where
            callers.append((key, Caller(name or role, role)))
        return cls(tuple(callers))

    def caller(self, key: str | None) -> Caller | None:
        """The caller a key belongs to (compared in constant time), or ``None``."""
        if self.empty:
            return Caller("local", "analyst")
        found = None
        for known, caller in self.callers:
            if key is not None and hmac.compare_digest(known.encode(), key.encode()):
                found = caller
        return found


def presented_key(authorization: str | None, x_api_key: str | None) -> str | None:
    """The key a request presents: ``Authorization: Bearer KEY``, else ``X-API-Key``."""
    if authorization and authorization.lower().startswith("bearer "):
        return authorization[7:].strip()
    return x_api_key
