"""Cursor pages for every list that grows: ``Connection[T]`` (edges and page info), the cursors
themselves, and the check on ``first``.

Why offset cursors: every paged list is in a fixed order (a query's ``ORDER BY``), so the
position is enough, and the format (``offset:N``, URL-safe base64) is the one ``customers``
has always handed out. A cursor is opaque to clients: only this module reads it.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

import strawberry

from custgraph.errors import ApiError

__all__ = ["MAX_PAGE", "Connection", "Edge", "PageInfo", "connection", "page_of", "page_size", "start_of"]

MAX_PAGE = 100  # items one page holds at most
T = TypeVar("T")
R = TypeVar("R")


@strawberry.type
class PageInfo:
    has_next_page: bool
    end_cursor: str | None


@strawberry.type
class Edge(Generic[T]):
    cursor: str
    node: T


@strawberry.type
class Connection(Generic[T]):
    edges: list[Edge[T]]
    page_info: PageInfo


def page_size(first: int, cap: int = MAX_PAGE) -> int:
    """``first`` when it is a page size this API serves; a client error otherwise."""
    if not 0 < first <= cap:
        raise ApiError(f"first must be between 1 and {cap}")
    return first


def _cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"offset:{offset}".encode()).decode()


def start_of(after: str | None) -> int:
    """The offset of the first item after ``after`` (0 without a cursor)."""
    if after is None:
        return 0
    try:
        kind, value = base64.urlsafe_b64decode(after.encode()).decode().split(":", 1)
        if kind != "offset" or int(value) < 0:
            raise ValueError
        return int(value) + 1
    except (ValueError, UnicodeDecodeError):
        raise ApiError("after is not a cursor this API gave out") from None


def connection(rows: Sequence[R], start: int, first: int, node: Callable[[R], T]) -> Connection[T]:
    """The page of ``first`` items from ``start``, out of ``rows`` that begin at offset ``start``
    (``rows[first]``, when there, says a next page exists: fetch ``first + 1``)."""
    edges = [Edge(cursor=_cursor(start + n), node=node(row)) for n, row in enumerate(rows[:first])]
    return Connection(edges=edges, page_info=PageInfo(has_next_page=len(rows) > first,
                                                      end_cursor=edges[-1].cursor if edges else None))


def page_of(rows: Sequence[R], first: int, after: str | None, node: Callable[[R], T]) -> Connection[T]:
    """A page of a list fetched whole (a customer's records, products, reps, links)."""
    start = start_of(after)
    return connection(rows[start: start + page_size(first) + 1], start, first, node)
