"""The HTTP API: Starlette app served by uvicorn (GraphQL arrives with the query catalogue)."""

from .app import create_app

__all__ = ["create_app"]
