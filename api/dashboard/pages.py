"""Rendering a dashboard page: the template, the reader's language and role, and the headers
every page carries.

Pages are rendered on the server (Jinja2) and use no script of their own: charts are SVG drawn
here, forms are plain GET forms whose fields become the page's shareable URL, and posts are plain
forms too. So the dashboard needs no build step, works with scripts blocked, and every control
is a link, a button or a form field that a keyboard and a screen reader already know.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse

from ..auth import Caller
from ..masking import contact, record_id
from .i18n import COOKIE as LANGUAGE_COOKIE
from .i18n import LANGUAGES, Language, language_of
from .session import form_token

__all__ = ["CSP", "NAV", "render"]

# No script runs on dashboard pages and nothing loads from another origin: the browser enforces it.
CSP = ("default-src 'self'; script-src 'none'; style-src 'self'; img-src 'self' data:; "
       "form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
NAV = (("overview", "/"), ("customers", "/customers"), ("journeys", "/journeys"), ("touchpoints", "/touchpoints"),
       ("attribution", "/attribution"), ("retention", "/retention"), ("segments", "/segments"), ("review", "/review"))

_templates = Environment(loader=PackageLoader("custgraph.api.dashboard", "templates"),
                         autoescape=select_autoescape(default=True),
                         trim_blocks=True, lstrip_blocks=True)


def _query_string(values: Mapping[str, Any]) -> str:
    """A URL query from a page's filters: lists repeat their key; empty values are left out."""
    pairs: list[tuple[str, str]] = []
    for name, value in values.items():
        for item in value if isinstance(value, list | tuple) else [value]:
            if item not in (None, ""):
                pairs.append((name, str(item)))
    return urlencode(pairs)


def render(request: Request, caller: Caller | None, template: str, status: int = 200,
           **values: Any) -> HTMLResponse:
    language = Language(language_of(request.cookies.get(LANGUAGE_COOKIE),
                                    request.headers.get("accept-language", "")))
    key: bytes = request.app.state.pseudonym_key

    def masked(kind: str, value: str | None) -> str | None:
        return value if caller is None else contact(caller, kind, value)

    def record(identity_id: str | None) -> str | None:
        return identity_id if caller is None else record_id(caller, key, identity_id)

    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    html = _templates.get_template(template).render(
        t=language, lang=language.code, languages=LANGUAGES, caller=caller, nav=NAV, path=request.url.path,
        here=here, csrf=form_token(request), masked=masked, record=record, query_string=_query_string,
        signed_in=bool(request.cookies.get("custgraph_key")), **values)
    return HTMLResponse(html, status_code=status, headers={
        "Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin",
        "Cache-Control": "no-store", "Content-Language": language.code})
