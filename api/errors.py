"""Which GraphQL errors a client may read, and how errors are logged.

The error classes themselves live in the one error tree (``custgraph/errors.py``); this module
decides what of them reaches the client and the log: a client's own mistakes are told and
logged as one line without their values (they may be personal data); anything else is ours,
masked for the client and logged with its traceback.
"""

from __future__ import annotations

import logging
import re

import strawberry
from graphql import GraphQLError
from strawberry.types import ExecutionContext

from custgraph.errors import CustgraphError

__all__ = ["ErrorLoggingSchema", "told"]

log = logging.getLogger("custgraph.api")


def told(error: GraphQLError) -> bool:
    """Errors the client may read: its own mistakes (validation, limits, bad arguments or
    variable values, unknown ids) and ours that say what to fix; anything else is an internal
    error, masked. A bad variable value is the client's too: graphql-core wraps its cause (the
    scalar parser's TypeError or ValueError) in an error that says "Variable '$name' ...", where
    the same value given as a literal is a plain validation error."""
    original = error.original_error
    if original is None or isinstance(original, CustgraphError | GraphQLError):
        return True
    return not error.path and error.message.startswith("Variable '$")


_VALUE = re.compile(r"\bvalue\b.*", re.DOTALL)  # graphql-core says "... value <the value>..."


class ErrorLoggingSchema(strawberry.Schema):
    """Logs a client's mistake as one line, its values left out (they may be personal data);
    only errors of ours get a traceback."""

    def process_errors(self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None) -> None:
        operation = (execution_context.operation_name if execution_context else None) or "anonymous"
        for error in errors:
            if told(error):
                log.info("GraphQL client error in %s: %s", operation, _VALUE.sub("value …", error.message)[:300])
            else:
                super().process_errors([error], execution_context)
