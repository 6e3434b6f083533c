"""The HTTP API: GraphQL over the query catalogue (strawberry on Starlette, served by uvicorn)."""

from .app import create_app, from_environment

__all__ = ["create_app", "from_environment"]
