"""One error hierarchy, so callers catch ``CustgraphError`` and show one clear line.

Each subclass carries the thing the user has to fix (the store URI, the label,
the field, the row). Messages never include property values: they may hold
personal data.
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = [
    "ApiError",
    "BadRequestError",
    "ConfigError",
    "CustgraphError",
    "ErasureScopeError",
    "InvalidRowError",
    "MissingEndpointError",
    "QueryParameterError",
    "RowRejectedError",
    "SchemaNotInitialisedError",
    "SourceFileError",
    "StoreAuthError",
    "StoreError",
    "StoreLockedError",
    "StoreUnavailableError",
    "UnknownCustomerError",
    "UnknownIdentityError",
    "UnknownLabelError",
    "UnknownQueryError",
]


class CustgraphError(Exception):
    """Base of every error custgraph raises on purpose."""


class ConfigError(CustgraphError):
    """A setting is missing or malformed; ``name`` is the flag or variable."""

    def __init__(self, name: str, reason: str) -> None:
        self.name = name
        super().__init__(f"{name}: {reason}")


class StoreError(CustgraphError):
    """Something is wrong with the store at ``target`` (URI or path)."""

    def __init__(self, target: str, reason: str) -> None:
        self.target = target
        super().__init__(f"{target}: {reason}")


class StoreUnavailableError(StoreError):
    """The store cannot be reached (server down, wrong port, network)."""


class StoreAuthError(StoreError):
    """The store rejected the credentials."""


class SchemaNotInitialisedError(StoreError):
    """The store lacks custgraph's constraints; ``custgraph init`` creates them."""


class StoreLockedError(StoreError):
    """Another process has been writing to the embedded store for longer than this one would wait."""


class UnknownLabelError(CustgraphError):
    """A label or relationship type outside the graph model's allow-list."""

    def __init__(self, kind: str, name: str) -> None:
        self.kind = kind
        self.name = name
        super().__init__(f"unknown {kind} {name!r}")


class InvalidRowError(CustgraphError):
    """A row cannot be stored: ``where`` locates it, ``field`` names the culprit."""

    def __init__(self, where: str, field: str, reason: str) -> None:
        self.where = where
        self.field = field
        self.reason = reason
        super().__init__(f"{where}, field {field!r}: {reason}")


class SourceFileError(CustgraphError):
    """A source file (or its mapping) cannot be loaded at all; names file, line and field."""

    def __init__(self, path: str, line: int | None, field: str, reason: str) -> None:
        self.path = path
        self.line = line
        self.field = field
        self.reason = reason
        where = f"{path}, line {line}" if line is not None else path
        super().__init__(f"{where}, field {field!r}: {reason}" if field else f"{where}: {reason}")


class MissingEndpointError(CustgraphError):
    """A relationship row points at a node that does not exist; nothing was written."""

    def __init__(self, rel_type: str, missing: Sequence[tuple[str, object]], total: int) -> None:
        self.rel_type = rel_type
        self.missing = list(missing)
        self.total = total
        shown = ", ".join(f"{label} {key!r}" for label, key in missing[:5])
        more = f" and {total - len(missing[:5])} more" if total > len(missing[:5]) else ""
        super().__init__(
            f"{rel_type}: {total} relationship(s) point at missing nodes ({shown}{more}); nothing was written"
        )


class ErasureScopeError(CustgraphError):
    """Whose records an erasure takes cannot be settled: an unknown or unresolved record named,
    or a person spread over too many customers to be one person."""


class UnknownQueryError(CustgraphError):
    """No named query of that name in the catalogue."""


class QueryParameterError(CustgraphError):
    """A named query was given missing, unknown or ill-typed parameters."""


class UnknownCustomerError(CustgraphError):
    """No golden customer of that id."""

    def __init__(self, customer_id: str) -> None:
        self.customer_id = customer_id
        super().__init__(f"no customer {customer_id!r} in the store")


class UnknownIdentityError(CustgraphError):
    """No identity record of that id."""

    def __init__(self, identity_id: str) -> None:
        self.identity_id = identity_id
        super().__init__(f"no identity {identity_id!r} (identity ids are source:source_id, e.g. crm:C-0000001)")


class RowRejectedError(CustgraphError):
    """A loaded row cannot be stored: ``field`` is the source's column name. The loader writes it
    to the rejects file with the row's line and goes on."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


class ApiError(CustgraphError):
    """A client-side problem with a GraphQL request, told to the client as is."""


class BadRequestError(CustgraphError):
    """An HTTP request that is not one well-formed GraphQL operation; ``status`` is its 4xx."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
