"""What a GraphQL request over HTTP must look like, checked before strawberry sees it.

Why here and not in strawberry: its HTTP layer raises for many malformed requests
(a body that is not JSON, a JSON array, a string where an object belongs...) and
some fail deeper as a 500 (variables nested 5,000 deep, an integer of 5,000
digits, bytes that are not UTF-8). Each case gets a 4xx here with a GraphQL-style
error that says what to fix, and the body is read with a size limit.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from graphql import GraphQLSyntaxError, OperationDefinitionNode, parse
from starlette.requests import Request

from custgraph.errors import BadRequestError

from .limits import MAX_TOKENS

__all__ = ["MAX_BODY_BYTES", "check_request", "parse_json", "read_body"]

MAX_BODY_BYTES = 256 * 1024  # a GraphQL document with variables; MAX_FIELDS bounds what it may ask
_JSON_TYPES = ("application/json", "application/graphql-response+json")


async def read_body(request: Request, limit: int = MAX_BODY_BYTES) -> bytes:
    """The body, refused (413) past ``limit`` bytes before it is all read."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise BadRequestError(413, f"the request body is larger than {limit:,} bytes")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BadRequestError(413, f"the request body is larger than {limit:,} bytes")
        chunks.append(chunk)
    body = b"".join(chunks)
    request._body = body  # starlette's own cache: strawberry reads the body through it
    return body


def parse_json(text: str | bytes, what: str) -> Any:
    try:
        return json.loads(text)
    except RecursionError:
        raise BadRequestError(400, f"{what} is nested too deeply") from None
    except UnicodeDecodeError:
        raise BadRequestError(400, f"{what} is not UTF-8 text") from None
    except ValueError as error:  # JSONDecodeError, and integers past Python's digit limit
        raise BadRequestError(400, f"{what} is not valid JSON ({str(error).split(':')[0]})") from None


def _check_fields(data: Any) -> None:
    if isinstance(data, list):
        raise BadRequestError(400, "batched requests are not supported: send one operation per request")
    if not isinstance(data, dict):
        raise BadRequestError(400, 'the body must be a JSON object: {"query": "...", "variables": {...}}')
    if not isinstance(data.get("query"), str) or not data["query"].strip():
        raise BadRequestError(400, '"query" must be a GraphQL document as a string')
    if not isinstance(data.get("variables"), dict | None):
        raise BadRequestError(400, '"variables" must be a JSON object (or null)')
    if not isinstance(data.get("operationName"), str | None):
        raise BadRequestError(400, '"operationName" must be a string (or null)')
    if data.get("operationName") is None and _operations(data["query"]) > 1:
        raise BadRequestError(400, "the document has several operations: name the one to run in operationName")
    if not isinstance(data.get("extensions"), dict | None):
        raise BadRequestError(400, '"extensions" must be a JSON object (or null)')


@lru_cache(maxsize=256)
def _operations(query: str) -> int:
    """How many operations the document defines (a document that does not parse counts as
    one: strawberry's own parse reports it)."""
    try:
        document = parse(query, max_tokens=MAX_TOKENS)
    except GraphQLSyntaxError:
        return 1
    return sum(isinstance(definition, OperationDefinitionNode) for definition in document.definitions)


async def check_request(request: Request) -> None:
    """Raise ``BadRequestError`` unless the request is one well-formed GraphQL operation."""
    if request.method == "GET":
        params = request.query_params
        if "query" not in params:
            raise BadRequestError(400, "send the operation as ?query=... (or POST it as JSON)")
        variables = params.get("variables")
        data: dict[str, Any] = {"query": params["query"], "operationName": params.get("operationName")}
        if variables is not None:
            data["variables"] = parse_json(variables, "the variables parameter")
        _check_fields(data)
        return
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type not in _JSON_TYPES:
        shown = f"Content-Type {content_type!r}" if content_type else "no Content-Type"
        raise BadRequestError(415, f"send the operation as JSON with Content-Type: application/json ({shown} given)")
    _check_fields(parse_json(await read_body(request), "the request body"))
