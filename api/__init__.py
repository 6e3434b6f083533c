"""The HTTP API: GraphQL over the query catalogue (strawberry on Starlette, served by uvicorn)."""

from .app import create_app, from_environment
from .auth import KeyRing

__all__ = ["KeyRing", "create_app", "from_environment"]
