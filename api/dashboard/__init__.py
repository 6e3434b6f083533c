"""The customer-journey dashboard, served by the API's process at ``/``: server-rendered pages
over the query catalogue and the use cases, with the API's keys and roles."""

from __future__ import annotations

from starlette.routing import BaseRoute, Route

from custgraph.services import ResolveConfig

from ..auth import KeyRing
from .session import COOKIE as SESSION_COOKIE
from .views import Views

__all__ = ["SESSION_COOKIE", "dashboard_routes"]


def dashboard_routes(keys: KeyRing, resolve_config: ResolveConfig, erasure_key_file: str) -> list[BaseRoute]:
    views = Views(keys, resolve_config, erasure_key_file)
    return [
        Route("/", views.page(views.overview)),
        Route("/customers", views.page(views.customers)),
        Route("/customers/{customer_id}", views.page(views.customer)),
        Route("/journeys", views.page(views.journeys)),
        Route("/touchpoints", views.page(views.touchpoints)),
        Route("/attribution", views.page(views.attribution)),
        Route("/retention", views.page(views.retention)),
        Route("/segments", views.page(views.segments)),
        Route("/review", views.page(views.review)),
        Route("/decisions", views.page(views.decide, role="admin"), methods=["POST"]),
        Route("/erasures", views.page(views.erasure, role="admin"), methods=["POST"]),
        Route("/signin", views.signin, methods=["GET", "POST"]),
        Route("/signout", views.signout, methods=["POST"]),
        Route("/language/{code}", views.language),
    ]
