"""Who is looking at the dashboard: the API key they signed in with, kept in a cookie.

The cookie holds the key itself, so every API worker process knows the reader without shared
session state, and a key removed from the key ring signs its holder out at the next page. It is
HttpOnly (no script reads it) and SameSite=Strict (no other site's page sends it), and Secure
when the dashboard is served over HTTPS. Forms that change the store carry a token derived from
the key as well, checked with the request's Origin: a page elsewhere cannot post on the
reader's behalf even in a browser that ignores SameSite.
"""

from __future__ import annotations

import hashlib
import hmac

from starlette.requests import Request
from starlette.responses import Response

from ..auth import Caller, KeyRing

__all__ = ["COOKIE", "caller_of", "forget", "form_token", "remember", "same_origin"]

COOKIE = "custgraph_key"
MAX_AGE_S = 12 * 3600  # a working day; signing in again is one paste


def caller_of(request: Request, keys: KeyRing) -> Caller | None:
    """The signed-in caller; without keys configured (loopback only) everyone is the local analyst."""
    return keys.caller(request.cookies.get(COOKIE))


def remember(response: Response, request: Request, key: str) -> None:
    response.set_cookie(COOKIE, key, max_age=MAX_AGE_S, httponly=True, samesite="strict",
                        secure=request.url.scheme == "https", path="/")


def forget(response: Response) -> None:
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="strict")


def form_token(request: Request) -> str:
    """The token a form of this reader's pages carries: keyed by their key (empty without keys)."""
    key = request.cookies.get(COOKIE, "")
    return hmac.new(key.encode(), b"custgraph dashboard form", hashlib.sha256).hexdigest()[:32]


def same_origin(request: Request, token: str) -> bool:
    """A form post from one of our own pages: the right token, and no foreign Origin."""
    origin = request.headers.get("origin")
    if origin is not None and origin != f"{request.url.scheme}://{request.url.netloc}":
        return False
    return hmac.compare_digest(token, form_token(request))
