"""Outlets to follow: a TOML sources file, or khabar's default list.

A file has an optional ``[defaults]`` table and ``[[outlet]]`` tables; see
``default_sources.toml`` for every option.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, replace
from datetime import timezone
from importlib import resources
from pathlib import Path
from urllib.parse import urlsplit

from khabar.dates import parse_offset
from khabar.errors import ConfigError

DEFAULT_SOURCES = "default_sources.toml"
OPTIONS = {"name", "home", "feeds", "min_interval", "max_interval", "timezone", "local", "fetch_pages"}


@dataclass(frozen=True)
class Source:
    """One outlet: its feeds and how to poll them."""

    name: str
    feeds: tuple[str, ...]
    home: str | None = None
    min_interval: float = 300.0  # seconds
    max_interval: float = 3600.0
    timezone: timezone = timezone.utc  # for naive times in its feeds and pages
    local: bool = False  # may be on a private or loopback address
    fetch_pages: bool = True


@dataclass(frozen=True)
class SourceList:
    """The outlets of a sources file, and where it came from."""

    sources: tuple[Source, ...]
    origin: str = field(default="")


def _source(table: dict, defaults: dict, where: str) -> Source:
    """One ``[[outlet]]`` table, checked."""
    merged = defaults | table
    unknown = set(merged) - OPTIONS
    if unknown:
        raise ConfigError(f"{where}: unknown option(s) {sorted(unknown)}; known: {sorted(OPTIONS)}")
    name = str(merged.get("name", "")).strip()
    if not name:
        raise ConfigError(f"{where}: an outlet needs a name")
    feeds = merged.get("feeds") or []
    if isinstance(feeds, str):
        feeds = [feeds]
    if not feeds:
        raise ConfigError(f"{where} ({name}): list at least one feed URL under feeds")
    for url in feeds:
        if urlsplit(url).scheme not in ("http", "https"):
            raise ConfigError(f"{where} ({name}): feed {url!r} is not an http(s) URL")
    low, high = float(merged.get("min_interval", 300)), float(merged.get("max_interval", 3600))
    if not 0 < low <= high:
        raise ConfigError(f"{where} ({name}): need 0 < min_interval <= max_interval, got {low} and {high}")
    return Source(
        name=name,
        feeds=tuple(feeds),
        home=merged.get("home"),
        min_interval=low,
        max_interval=high,
        timezone=parse_offset(str(merged.get("timezone", "UTC"))),
        local=bool(merged.get("local", False)),
        fetch_pages=bool(merged.get("fetch_pages", True)),
    )


def parse_sources(text: str, origin: str = "<text>") -> SourceList:
    """Sources from TOML text; :class:`ConfigError` says what is wrong and where."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{origin}: not valid TOML: {exc}") from exc
    defaults = data.get("defaults", {})
    outlets = data.get("outlet", [])
    if not outlets:
        raise ConfigError(f"{origin}: no [[outlet]] tables")
    sources = tuple(_source(t, defaults, f"{origin}, outlet {n + 1}") for n, t in enumerate(outlets))
    names = [s.name for s in sources]
    if len(set(names)) != len(names):
        raise ConfigError(f"{origin}: outlet names repeat: {sorted({n for n in names if names.count(n) > 1})}")
    return SourceList(sources, origin)


def load_sources(path: str | Path | None = None) -> SourceList:
    """The sources file at ``path`` (or ``KHABAR_SOURCES``), else khabar's default outlets."""
    path = path or os.environ.get("KHABAR_SOURCES")
    if path:
        path = Path(path)
        if not path.exists():
            raise ConfigError(f"sources file {path} does not exist")
        return parse_sources(path.read_text(encoding="utf-8"), str(path))
    text = resources.files("khabar.ingest").joinpath(DEFAULT_SOURCES).read_text(encoding="utf-8")
    return parse_sources(text, "khabar default outlets")


def single_feed(url: str, allow_private: bool = False, name: str | None = None) -> Source:
    """A one-off source for ``khabar fetch --feed URL``: named after the feed's host."""
    if urlsplit(url).scheme not in ("http", "https"):
        raise ConfigError(f"{url!r} is not an http(s) URL")
    return Source(name=name or urlsplit(url).hostname or url, feeds=(url,), local=allow_private)


def with_local(source: Source) -> Source:
    """The source allowed to fetch from private addresses."""
    return replace(source, local=True)
