"""Shared fixtures: where the shared data is, small real samples of it, and fresh stores."""

from __future__ import annotations

import gzip
import itertools
import os
from pathlib import Path

import orjson
import pytest

from khabar.store import open_store

ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = Path(os.environ.get("KHABAR_SHARED_DATA", ROOT.parent / "shared" / "data"))
SAUDINEWSNET = SHARED_DATA / "saudinewsnet" / "saudinewsnet.jsonl.gz"
SEED_PAGE = SHARED_DATA.parent / "seed" / "news-page.txt"


def _require(path: Path) -> Path:
    """Fail (never skip) when the shared data a test needs is missing."""
    if not path.exists():
        pytest.fail(f"shared data missing: {path}; put ../shared beside the project or set KHABAR_SHARED_DATA")
    return path


@pytest.fixture(scope="session")
def saudinewsnet_path() -> Path:
    """The full SaudiNewsNet dump (31,030 records)."""
    return _require(SAUDINEWSNET)


@pytest.fixture(scope="session")
def saudinewsnet_sample() -> list[dict]:
    """The first 600 raw SaudiNewsNet records, as dicts."""
    with gzip.open(_require(SAUDINEWSNET)) as handle:
        return [orjson.loads(line) for line in itertools.islice(handle, 600)]


@pytest.fixture(scope="session")
def seed_page() -> str:
    """The seed news page's text."""
    return _require(SEED_PAGE).read_text(encoding="utf-8")


@pytest.fixture
def store(tmp_path):
    """A fresh SQLite store in a temporary folder."""
    with open_store(str(tmp_path / "khabar.db")) as s:
        yield s


def write_jsonl(path: Path, records: list[dict], compress: bool = False) -> Path:
    """Write records as JSON Lines, gzip-compressed when asked."""
    data = b"".join(orjson.dumps(r) + b"\n" for r in records)
    path.write_bytes(gzip.compress(data) if compress else data)
    return path
