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


BACKENDS = ["sqlite", "postgres"]


@pytest.fixture(scope="session")
def postgres_cluster():
    """A throwaway PostgreSQL server for the session (see tests/support/postgres.py)."""
    from support.postgres import Cluster

    cluster = Cluster().start()
    yield cluster
    cluster.stop()


@pytest.fixture(params=BACKENDS)
def db_url(request, tmp_path):
    """A fresh, empty store's URL on each backend: a SQLite file, or a new PostgreSQL database."""
    if request.param == "sqlite":
        yield str(tmp_path / "khabar.db")
        return
    cluster = request.getfixturevalue("postgres_cluster")
    url = cluster.database()
    yield url
    cluster.drop(url)


@pytest.fixture
def store(db_url):
    """A fresh store on each backend."""
    with open_store(db_url) as s:
        yield s


def scalar(db_url: str, sql: str):
    """One value from the store at ``db_url``, asked over a connection of its own (SQLite or PostgreSQL),
    outside khabar's store classes."""
    if "://" in db_url:
        import psycopg

        with psycopg.connect(db_url, connect_timeout=2) as conn:
            return conn.execute(sql).fetchone()[0]
    import sqlite3

    with sqlite3.connect(db_url, timeout=1) as conn:
        return conn.execute(sql).fetchone()[0]


def write_jsonl(path: Path, records: list[dict], compress: bool = False) -> Path:
    """Write records as JSON Lines, gzip-compressed when asked."""
    data = b"".join(orjson.dumps(r) + b"\n" for r in records)
    path.write_bytes(gzip.compress(data) if compress else data)
    return path


# Articles whose every field tries to run script; the web tests show it stays inert.
HOSTILE_RECORDS = [
    {
        "url": "http://hostile.example/1",
        "outlet": "<b onmouseover=alert(1)>outlet</b>",
        "title": '<script>alert("title")</script> وزارة الصحة تعلن <img src=x onerror=alert(2)> إصابات كورونا',
        "text": (
            'أعلنت وزارة الصحة السعودية تسجيل إصابات جديدة بفيروس كورونا في الرياض. <script>window.pwned=1</script>\n'
            '<a href="javascript:alert(3)">اضغط هنا</a> وقالت الوزارة إن فيروس كورونا ما زال تحت السيطرة في الرياض.\n'
            '<iframe src="javascript:alert(4)"></iframe><svg onload=alert(5)> وزارة الصحة تتابع حالات كورونا.'
        ),
        "published": "2015-07-21T10:00:00Z",
        "tags": ['<script>alert("tag")</script>', "كورونا <img src=x onerror=alert(6)>"],
    },
    {
        "url": "javascript:alert(7)",
        "outlet": "hostile",
        # U+001A (SUB), as 92 SaudiNewsNet articles hold it: XML cannot carry it, the feeds must still parse
        "title": "فيروس كورونا\x1a\x1aفي الرياض <a href=javascript:alert(8)>رابط</a>",
        "text": "وزارة الصحة تعلن إصابات كورونا جديدة في الرياض وجدة. <style>body{display:none}</style>",
        "published": "2015-07-21T11:00:00Z",
    },
]


@pytest.fixture(scope="session")
def two_days_sample() -> list[dict]:
    """Up to 60 raw SaudiNewsNet records per outlet from two days, so stories span outlets."""
    taken: dict[str, int] = {}
    records = []
    with gzip.open(_require(SAUDINEWSNET)) as handle:
        for line in handle:
            record = orjson.loads(line)
            if record.get("date_extracted", "")[:10] in ("2015-07-21", "2015-07-22") and taken.get(record["source"], 0) < 60:
                taken[record["source"]] = taken.get(record["source"], 0) + 1
                records.append(record)
    return records


@pytest.fixture(scope="session", params=BACKENDS)
def web_store(request, tmp_path_factory, two_days_sample) -> str:
    """A store (URL) built through the whole pipeline from real articles of many outlets plus the hostile
    ones, on each backend."""
    from khabar.pipeline import ingest_paths

    folder = tmp_path_factory.mktemp("web")
    dump = write_jsonl(folder / "dump.jsonl", two_days_sample + HOSTILE_RECORDS)
    if request.param == "sqlite":
        url = str(folder / "web.db")
    else:
        url = request.getfixturevalue("postgres_cluster").database()
    with open_store(url) as s:
        report = ingest_paths(s, [str(dump)])
        assert report.stored + report.skipped_total == report.read and report.stored > 600, report
    return url


@pytest.fixture(scope="session")
def outlet_records() -> dict[str, list[dict]]:
    """The first 12 SaudiNewsNet articles with text of each of its 14 outlets."""
    by_outlet: dict[str, list[dict]] = {}
    with gzip.open(_require(SAUDINEWSNET)) as handle:
        for line in handle:
            record = orjson.loads(line)
            kept = by_outlet.setdefault(record["source"], [])
            if len(kept) < 12 and record["content"].strip():
                kept.append(record)
    assert len(by_outlet) == 14
    return by_outlet
