"""The embedded default store: one SQLite file, WAL mode, standard library only."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from datetime import datetime
from pathlib import Path

import orjson

from khabar.dates import UTC, isoformat_utc, parse_datetime
from khabar.errors import StoreError
from khabar.model import Article
from khabar.store.base import Stats, Store, UpsertResult
from khabar.store.migrations import load_migrations

_COLUMNS = (
    "id, url, outlet, title, text, published, published_raw, fetched, author, language, publisher_tags"
)


def _row_to_article(row: sqlite3.Row | tuple) -> Article:
    """Rebuild an article from a row of ``_COLUMNS``."""
    (id_, url, outlet, title, text, published, published_raw, fetched, author, language, tags) = row
    return Article(
        id=id_,
        url=url,
        outlet=outlet,
        title=title,
        text=text,
        published=parse_datetime(published),
        published_raw=published_raw,
        fetched=parse_datetime(fetched),
        author=author,
        language=language,
        publisher_tags=orjson.loads(tags),
    )


def _article_to_row(article: Article, now: str) -> tuple:
    """The values of one article for the upsert statement."""
    return (
        article.id,
        article.url,
        article.outlet,
        article.title,
        article.text,
        isoformat_utc(article.published),
        article.published_raw,
        isoformat_utc(article.fetched),
        article.author,
        article.language,
        orjson.dumps(article.publisher_tags).decode(),
        article.content_hash,
        now,
        now,
    )


_UPSERT = f"""
INSERT INTO articles ({_COLUMNS}, content_hash, first_seen, updated)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (id) DO UPDATE SET
    url = excluded.url, outlet = excluded.outlet, title = excluded.title, text = excluded.text,
    published = excluded.published, published_raw = excluded.published_raw, fetched = excluded.fetched,
    author = excluded.author, language = excluded.language, publisher_tags = excluded.publisher_tags,
    content_hash = excluded.content_hash, updated = excluded.updated
WHERE articles.content_hash != excluded.content_hash
"""


class SQLiteStore(Store):
    """A :class:`Store` in one SQLite file (WAL journal, NORMAL sync, migrations on open)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.url = f"sqlite:///{self.path}"
        if self.path.parent and not self.path.parent.exists():
            raise StoreError(f"cannot create the store {self.path}: folder {self.path.parent} does not exist")
        try:
            self.conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            self.conn.execute("PRAGMA journal_mode=WAL")
            self.conn.execute("PRAGMA synchronous=NORMAL")
            self.conn.execute("PRAGMA busy_timeout=10000")
            self.conn.execute("PRAGMA foreign_keys=ON")
            self._migrate()
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"cannot open the store {self.path}: {exc}. Is it a khabar SQLite file?") from exc

    def _migrate(self) -> None:
        """Apply the migrations this file has not seen, each in its own transaction."""
        self.conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT, applied TEXT)"
        )
        applied = self.schema_version()
        for migration in load_migrations("sqlite"):
            if migration.version <= applied:
                continue
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                if self.schema_version() >= migration.version:  # another process got there first
                    self.conn.execute("ROLLBACK")
                    continue
                for statement in migration.sql.split(";"):
                    if statement.strip():
                        self.conn.execute(statement)
                self.conn.execute(
                    "INSERT INTO schema_migrations VALUES (?, ?, ?)",
                    (migration.version, migration.name, isoformat_utc(datetime.now(UTC))),
                )
                self.conn.execute("COMMIT")
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise

    def schema_version(self) -> int:
        """The number of the last migration applied (0 for a new file)."""
        row = self.conn.execute("SELECT COALESCE(MAX(version), 0) FROM schema_migrations").fetchone()
        return int(row[0])

    def upsert_articles(self, articles: Sequence[Article]) -> UpsertResult:
        """Insert new articles and update changed ones, in one transaction."""
        result = UpsertResult()
        if not articles:
            return result
        latest: dict[str, Article] = {}
        for article in articles:  # within a batch the last version of an id wins
            latest[article.id] = article
        now = isoformat_utc(datetime.now(UTC))
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            known = self._known_hashes(list(latest))
            rows = []
            for article in latest.values():
                old = known.get(article.id)
                digest = article.content_hash
                if old is None:
                    result.stored += 1
                elif old != digest:
                    result.updated += 1
                else:
                    result.unchanged += 1
                    continue
                result.changed_ids.append(article.id)
                rows.append(_article_to_row(article, now))
            self.conn.executemany(_UPSERT, rows)
            self.conn.execute("COMMIT")
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        result.unchanged += len(articles) - len(latest)
        return result

    def _known_hashes(self, ids: list[str]) -> dict[str, str]:
        """Content hashes of the ids already stored."""
        found: dict[str, str] = {}
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            found.update(self.conn.execute(f"SELECT id, content_hash FROM articles WHERE id IN ({marks})", chunk))
        return found

    def get_article(self, article_id: str) -> Article | None:
        """One article by id, or None."""
        row = self.conn.execute(f"SELECT {_COLUMNS} FROM articles WHERE id = ?", (article_id,)).fetchone()
        return _row_to_article(row) if row else None

    def iter_articles(self, batch_size: int = 1000) -> Iterator[Article]:
        """Every stored article, in id order, read in pages (keyset pagination)."""
        last = ""
        while True:
            rows = self.conn.execute(
                f"SELECT {_COLUMNS} FROM articles WHERE id > ? ORDER BY id LIMIT ?", (last, batch_size)
            ).fetchall()
            if not rows:
                return
            for row in rows:
                yield _row_to_article(row)
            last = rows[-1][0]

    def count(self) -> int:
        """How many articles are stored."""
        return int(self.conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0])

    def stats(self) -> Stats:
        """Counts in total, by outlet (most first) and by UTC day of publication."""
        by_outlet = dict(
            self.conn.execute("SELECT outlet, COUNT(*) AS n FROM articles GROUP BY outlet ORDER BY n DESC, outlet")
        )
        by_day = dict(
            self.conn.execute(
                "SELECT COALESCE(substr(published, 1, 10), 'unknown') AS day, COUNT(*) FROM articles "
                "GROUP BY day ORDER BY day"
            )
        )
        return Stats(articles=sum(by_outlet.values()), by_outlet=by_outlet, by_day=by_day)

    def close(self) -> None:
        """Close the connection (the WAL is checkpointed by SQLite)."""
        self.conn.close()
