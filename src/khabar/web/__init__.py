"""The reader's side: server-rendered right-to-left pages, a JSON API under ``/api/v1`` and Atom feeds.

``create_app(db_url)`` builds the FastAPI application; ``khabar serve`` runs it with uvicorn.
"""

from khabar.web.app import create_app

__all__ = ["create_app"]
