"""The embedded default store: one SQLite file, WAL mode, FTS5 search, standard library only."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from khabar.dates import UTC, isoformat_utc, parse_datetime
from khabar.errors import StoreError
from khabar.model import Article
from khabar.search import TITLE_WEIGHT, Query, SearchFilters, index_fields
from khabar.store.migrations import load_migrations
from khabar.store.sql import SQLStore, filter_clauses

BUSY_TIMEOUT_MS = 10_000  # how long a writer waits for another's lock before failing
MMAP_BYTES = 1 << 30  # address space only; the OS pages in what is read
# Page cache per connection (SQLite's default is 2 MB). A batch of 1,000 articles dirties pages all over
# the term, band and statistics indexes; with 2 MB they spill and are read back before the commit.
# Reads go through the memory map, so only writers fill it (bench/ingest.py: 390 → 443 records/s).
CACHE_KIB = 64 * 1024
# New files get 16 KB pages instead of SQLite's 4 KB. Each batch's postings, LSH bands and tags land all
# over their B-trees, so a commit writes most of their pages; with larger pages there are fewer of them
# to split, rewrite and checksum (the main process's CPU over the dump 29.6 → 27.1 s, lookups level;
# docs/benchmarks.md). A file that exists keeps its page size: SQLite changes it only on a VACUUM
# outside WAL mode, which `khabar` never runs on its own.
PAGE_SIZE = 16 * 1024


def _statements(script: str) -> list[str]:
    """Split a SQL script into whole statements (a trigger's body holds semicolons of its own)."""
    statements, current = [], ""
    for line in script.splitlines(keepends=True):
        current += line
        if sqlite3.complete_statement(current):
            if current.strip():
                statements.append(current.strip())
            current = ""
    if current.strip() and not all(l.strip().startswith("--") for l in current.strip().splitlines()):
        statements.append(current.strip())
    return statements


class SQLiteStore(SQLStore):
    """A :class:`~khabar.store.Store` in one SQLite file (WAL journal, NORMAL sync, migrations on open)."""

    dialect = "sqlite"

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.url = f"sqlite:///{self.path}"
        self._depth = 0
        if self.path.parent and not self.path.parent.exists():
            raise StoreError(f"cannot create the store {self.path}: folder {self.path.parent} does not exist")
        try:
            self.conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            self.conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            self.conn.execute(f"PRAGMA page_size={PAGE_SIZE}")  # before WAL mode: it takes only on a new file
            self._enter_wal_mode()
            self.conn.execute("PRAGMA synchronous=NORMAL")
            # Reads through a memory map skip a system call per page: related articles read
            # scattered term vectors, and the web server reads them on every article page.
            self.conn.execute(f"PRAGMA mmap_size={MMAP_BYTES}")
            self.conn.execute("PRAGMA foreign_keys=ON")
            self.conn.execute(f"PRAGMA cache_size=-{CACHE_KIB}")
            self._migrate()
            self.ensure_search_analyzer()
            self.ensure_signature_scheme()
        except sqlite3.DatabaseError as exc:
            self._close_quietly()
            raise StoreError(f"cannot open the store {self.path}: {exc}. Is it a khabar SQLite file?") from exc
        except StoreError as exc:
            self._close_quietly()
            raise StoreError(f"cannot open the store {self.path}: {exc}") from exc

    def _enter_wal_mode(self) -> None:
        """Put the file in WAL mode, waiting while another connection holds the lock that takes.

        SQLite's busy timeout does not cover this switch: a thread or process opening a new store
        while another (a web server's, a fetcher's) was switching it failed at once with "database is
        locked". So the switch is tried again, for as long as the busy timeout.
        """
        deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
        while True:
            try:
                self.conn.execute("PRAGMA journal_mode=WAL")
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() > deadline:
                    raise
                time.sleep(0.01)

    def _close_quietly(self) -> None:
        """Close the connection of a store that could not be opened, if it got one."""
        conn = getattr(self, "conn", None)
        if conn is not None:
            conn.close()

    @contextmanager
    def _outer_transaction(self) -> Iterator[None]:
        """BEGIN IMMEDIATE … COMMIT (ROLLBACK on error): writers queue for the lock, readers never wait."""
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    def _write_without_waiting(self, write: Callable[[], bool]) -> bool:
        """Run ``write`` in a transaction, or return False at once when another connection is writing."""
        if self._depth:  # already inside this connection's transaction, so holding the lock
            return write()
        self.conn.execute("PRAGMA busy_timeout=0")
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError:  # "database is locked": someone else is writing
            return False
        finally:
            self.conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        self._depth = 1
        try:
            done = write()
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        finally:
            self._depth = 0
        try:
            self.conn.execute("COMMIT")
        except sqlite3.OperationalError:  # busy at commit: give the saving up rather than the request
            self.conn.execute("ROLLBACK")
            return False
        return done

    def _migrate(self) -> None:
        """Apply the migrations this file has not seen, each in its own transaction."""
        self.conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT, applied TEXT)"
        )
        applied = self.schema_version()
        self._refuse_newer_schema(applied)
        for migration in load_migrations("sqlite"):
            if migration.version <= applied:
                continue
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                if self.schema_version() >= migration.version:  # another process got there first
                    self.conn.execute("ROLLBACK")
                    continue
                for statement in _statements(migration.sql):
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

    def _x(self, sql: str, params: Sequence = ()) -> sqlite3.Cursor:
        """Execute one statement."""
        return self.conn.execute(sql, params)

    def _xmany(self, sql: str, rows: Iterable[Sequence]) -> int:
        """Execute one statement for many parameter rows; return how many rows it changed."""
        return self.conn.executemany(sql, rows).rowcount

    def _write_search(self, articles: Sequence[Article]) -> None:
        """Index these articles for search (inside the caller's transaction; an updated article's old entry
        is already gone, see :meth:`_unindex`)."""
        if not articles:
            return
        rowids = dict(self._in("SELECT id, rowid FROM articles WHERE id IN ({marks})", [a.id for a in articles]))
        self.conn.executemany(
            "INSERT INTO search_index (rowid, title, body) VALUES (?, ?, ?)",
            [(rowids[a.id], *(a.search_fields or index_fields(a))[:2]) for a in articles],
        )

    def _unindex(self, ids: Sequence[str]) -> None:
        """Remove these stored articles' search entries, if they have one, before their rows change.

        The index is contentless (it keeps no copy of the text), so an entry is removed by naming the
        words it holds: those of the stored row, analyzed by the code that indexed them (the store keeps
        the analyzer's stamp and rebuilds the index when it changes: :meth:`ensure_search_analyzer`).
        """
        rows = self._in(
            "SELECT a.rowid, a.id, a.outlet, a.title, a.text FROM articles a "
            "JOIN search_index_docsize d ON d.id = a.rowid WHERE a.id IN ({marks})",
            list(ids),
        )
        self.conn.executemany(
            "INSERT INTO search_index (search_index, rowid, title, body) VALUES ('delete', ?, ?, ?)",
            [(rowid, *index_fields(Article(id=i, outlet=o, title=t, text=x))[:2]) for rowid, i, o, t, x in rows],
        )

    def _clear_search(self) -> None:
        """Empty the search index (inside the caller's transaction)."""
        self.conn.execute("INSERT INTO search_index (search_index) VALUES ('delete-all')")

    def search(
        self, query: Query, filters: SearchFilters, limit: int
    ) -> list[tuple[str, float, str | None, datetime | None]]:
        """Up to ``limit`` matches, best BM25 first: (id, BM25 relevance ≥ 0, duplicate group, published).

        Without filters, the index ranks its matches alone and only the best ``limit`` are joined with
        their articles: a whole headline matches thousands, and joining each before ranking took 40%
        longer (docs/benchmarks.md). Filters need the article of every match.
        """
        where, params = filter_clauses(filters)
        score = f"bm25(search_index, {TITLE_WEIGHT}, 1.0)"
        if where:
            matches = (
                f"SELECT search_index.rowid, {score} AS score FROM search_index "
                f"JOIN articles a ON a.rowid = search_index.rowid "
                f"WHERE search_index MATCH ? AND {' AND '.join(where)} ORDER BY score LIMIT ?"
            )
        else:
            matches = f"SELECT rowid, {score} AS score FROM search_index WHERE search_index MATCH ? ORDER BY score LIMIT ?"
        rows = self.conn.execute(
            f"SELECT a.id, -m.score, d.group_id, a.published FROM ({matches}) m "
            "JOIN articles a ON a.rowid = m.rowid LEFT JOIN duplicate_groups d ON d.article_id = a.id "
            "ORDER BY m.score",
            [query.fts(), *params, limit],
        ).fetchall()
        return [(i, float(r), g, parse_datetime(p)) for i, r, g, p in rows]

    def close(self) -> None:
        """Close the connection (the WAL is checkpointed by SQLite)."""
        self.conn.close()
