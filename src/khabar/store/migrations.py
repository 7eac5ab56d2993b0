"""Versioned schema migrations: numbered SQL files applied in order, once each."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


@dataclass(frozen=True)
class Migration:
    """One schema step: its number, file name and SQL."""

    version: int
    name: str
    sql: str


@cache  # read once a process: every store that opens asks (the web server opens one a thread)
def load_migrations(dialect: str) -> tuple[Migration, ...]:
    """The migrations shipped for a dialect (``sqlite``), in version order."""
    folder = resources.files("khabar.store") / "migrations" / dialect
    found = []
    for entry in folder.iterdir():
        match = _NAME.match(entry.name)
        if match:
            found.append(Migration(int(match.group(1)), entry.name, entry.read_text(encoding="utf-8")))
    found.sort(key=lambda m: m.version)
    versions = [m.version for m in found]
    if versions != list(range(1, len(found) + 1)):
        raise RuntimeError(f"migrations for {dialect} are not numbered 1..n: {versions}")
    return tuple(found)
