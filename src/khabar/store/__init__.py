"""Storage: one interface (:class:`Store`), one backend per URL scheme.

``open_store(url)`` takes what ``--db`` / ``KHABAR_DB`` say: a SQLite path or
``sqlite:///path`` (the default is ``./khabar.db``), or a PostgreSQL URL
(``postgresql://user:password@host:port/database``).
"""

from __future__ import annotations

import os

from khabar.errors import ConfigError
from khabar.store.base import KeptRelated, SourceState, Stats, Store, StoryActivity, UpsertResult

DEFAULT_DB = "khabar.db"

__all__ = ["open_store", "resolve_db_url", "Store", "KeptRelated", "SourceState", "Stats", "StoryActivity", "UpsertResult", "DEFAULT_DB"]


def resolve_db_url(url: str | None = None) -> str:
    """The store URL to use: the argument, else ``KHABAR_DB``, else ``./khabar.db``."""
    return url or os.environ.get("KHABAR_DB") or DEFAULT_DB


def open_store(url: str | None = None) -> Store:
    """Open (and migrate) the store a URL names."""
    url = resolve_db_url(url)
    if url.startswith("sqlite:///"):
        path = url[len("sqlite:///") :]
    elif url.startswith("sqlite://"):
        raise ConfigError(f"{url!r}: write a SQLite URL with three slashes, sqlite:///path/to/khabar.db")
    elif url.startswith(("postgresql://", "postgres://")):
        from khabar.store.postgres import PostgresStore

        return PostgresStore(url)
    elif "://" in url:
        scheme = url.split("://", 1)[0]
        raise ConfigError(
            f"{url!r}: khabar has no {scheme!r} backend; use a SQLite path, sqlite:///path or postgresql://..."
        )
    else:
        path = url
    from khabar.store.sqlite import SQLiteStore

    return SQLiteStore(path)
