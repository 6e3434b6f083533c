"""The HTTP API: GraphQL over the query catalogue (strawberry on Starlette, served by uvicorn)."""

from .app import API_WRITER_WAIT_S, create_app, from_environment
from .auth import KeyRing

__all__ = ["API_WRITER_WAIT_S", "KeyRing", "create_app", "from_environment"]
