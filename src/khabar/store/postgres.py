"""The shared store: PostgreSQL through psycopg 3, for several processes on one database.

Every operation but these is :class:`~khabar.store.sql.SQLStore`'s shared SQL:

- **Connections** come from one pool per database URL and process
  (psycopg_pool); a store holds one connection while it is open, so the web
  server's per-thread stores share the pool.
- **Transactions** are explicit; nested uses join the outer one.
- **Migrations** (``migrations/postgres``) run under an advisory lock, so
  processes starting together apply each once.
- **Writers interleave** (two fetchers, the web server, a re-tag job): the
  rows of the articles a transaction rewrites are locked first, in id order,
  so tag counts stay exact and transactions do not deadlock; inserts of one
  new article by two processes meet at its primary key and the upsert keeps
  one.
- **Search** is PostgreSQL full-text search over the same pre-normalized,
  stemmed text as FTS5 on SQLite (see ``0002_search.sql``), ranked by
  ``ts_rank`` with title stems weighted three times body stems.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from datetime import datetime
from functools import lru_cache

import psycopg
from psycopg_pool import ConnectionPool

from khabar.dates import UTC, isoformat_utc, parse_datetime
from khabar.errors import StoreError
from khabar.model import Article
from khabar.search import (
    TITLE_WEIGHT,
    WORD_PAIR_BITS,
    Query,
    SearchFilters,
    candidate_groups,
    index_fields,
    phrase_pairs,
)
from khabar.store.migrations import load_migrations
from khabar.store.sql import (
    BAND_COLUMNS,
    SQLStore,
    band_rows,
    bands_of,
    conflict_clause,
    filter_clauses,
    in_key_order,
)

log = logging.getLogger(__name__)

POOL_SIZE = int(os.environ.get("KHABAR_PG_POOL", "32"))  # connections per database and process, at most
MIGRATION_LOCK = 0x6B68_6162  # "khab": the advisory lock migrations take
# ts_rank weights, in PostgreSQL's order {D, C, B, A}: body stems (B) and title stems (A), 1 : TITLE_WEIGHT.
RANK_WEIGHTS = [0.0, 0.0, round(1 / TITLE_WEIGHT, 4), 1.0]
# The stems of an article's title and of its body that its search document holds at most (UTF-8 bytes). A
# tsvector holds at most 1 MiB of lexemes and positions, and to_tsvector fails beyond it, which failed the
# whole batch of a dump with one huge text in it. Space-separated stems of n bytes make at most 3 n bytes of
# a tsvector (a one-byte word and its space: the byte, an alignment byte, a count of positions and one
# position of two bytes each), so 290,000 bytes always fit: about 150,000 Arabic letters of stems, where the
# longest text of the dump is 60 KB.
MAX_INDEXED_TITLE_BYTES = 20_000
MAX_INDEXED_BODY_BYTES = 270_000

_pools: dict[str, ConnectionPool] = {}
_pools_lock = threading.Lock()


@lru_cache(maxsize=512)
def _pg(sql: str) -> str:
    """The shared SQL's ``?`` placeholders as psycopg's ``%s``."""
    return sql.replace("%", "%%").replace("?", "%s")


def _configure(conn: psycopg.Connection) -> None:
    """Set up a new pooled connection: no JIT compilation of its statements.

    PostgreSQL compiles a statement whose estimated cost is high (``jit_above_cost``); the near-duplicate
    band lookup of a batch crossed that line and spent 0.45 of its 1.90 s compiling over an ingest of the
    dump (``pg_stat_statements``; docs/benchmarks.md), while khabar's statements are index lookups and
    merges that compiled code does not speed up.
    """
    conn.execute("SET jit = off")


def _pool(url: str) -> ConnectionPool:
    """This process's connection pool for a database URL (opened on first use)."""
    with _pools_lock:
        pool = _pools.get(url)
        if pool is None or pool.closed:
            pool = ConnectionPool(
                url, min_size=1, max_size=POOL_SIZE, kwargs={"autocommit": True}, configure=_configure, open=False
            )
            pool.open(wait=True, timeout=10)
            _pools[url] = pool
        return pool


def _cut(stems: str, limit: int) -> str:
    """The space-separated ``stems`` cut to at most ``limit`` UTF-8 bytes, at a space."""
    if len(stems) * 4 <= limit:  # a character is at most four bytes: the common case needs no encoding
        return stems
    encoded = stems.encode()
    if len(encoded) <= limit:
        return stems
    kept = encoded[: limit + 1].decode(errors="ignore")  # a character cut in two is dropped
    return kept.rsplit(" ", 1)[0] if " " in kept else encoded[:limit].decode(errors="ignore")


def _bits(data: bytes) -> str:
    """Bytes as a PostgreSQL ``bit`` string (hexadecimal, first bit highest)."""
    return "x" + data.hex()


def _lexeme(stem: str) -> str:
    """A stem as a quoted tsquery lexeme."""
    return "'" + stem.replace("\\", "\\\\").replace("'", "''") + "'"


def every_word(words: list[tuple[str, ...]]) -> str:
    """A tsquery for documents with every word (one of its alternative stems each)."""
    return " & ".join("(" + " | ".join(_lexeme(s) for s in word) + ")" for word in words)


def match_query(query: Query, frequencies: Mapping[str, int] | None = None, documents: int = 0) -> str:
    """The tsquery that selects candidates: every word (one of its alternatives each) when the query
    asks for all its words, else :func:`khabar.search.candidate_groups` of its words (given their stems'
    document frequencies, the rarer words')."""
    if query.all_words and query.words:
        return every_word(query.words)
    # With a phrase, the phrase selects too: more stems would only widen what it must recheck.
    words = [*query.words, *(word for phrase in query.phrase_words for word in phrase)]
    groups = candidate_groups(words, frequencies, documents, fill_pool=not query.phrase_words)
    return " | ".join("(" + every_word(list(group)) + ")" for group in groups)


class PostgresStore(SQLStore):
    """A :class:`~khabar.store.Store` in a PostgreSQL database (``postgresql://user@host:port/db``)."""

    dialect = "postgres"
    keeps_word_pairs = True

    def __init__(self, url: str) -> None:
        self.url = url
        self._depth = 0
        self._types: dict[str, dict[str, int]] = {}  # table → column → type oid (see _column_types)
        try:
            self._pool = _pool(url)
            self.conn = self._pool.getconn(timeout=30)
        except (psycopg.Error, Exception) as exc:  # the pool raises its own PoolTimeout
            raise StoreError(f"cannot connect to {_safe(url)}: {exc}. Is the server running and the URL right?") from exc
        try:
            self._migrate()
            self.ensure_search_analyzer()
            self.ensure_signature_scheme()
        except psycopg.Error as exc:
            self.close()
            raise StoreError(f"cannot migrate {_safe(url)}: {exc}") from exc
        except StoreError as exc:
            self.close()
            raise StoreError(f"cannot open {_safe(url)}: {exc}") from exc

    # -- the backend's own pieces ------------------------------------------------------

    def _x(self, sql: str, params: Sequence = ()) -> psycopg.Cursor:
        """Execute one statement."""
        return self.conn.execute(_pg(sql), params)

    def _in(self, sql: str, ids: Sequence[str]) -> list[tuple]:
        """:meth:`SQLStore._in` with the ids as one array (``= ANY(…)``), in one statement whose text is the
        same however many ids are asked. With a placeholder per id, each chunk was a new text that psycopg
        converted and the server parsed and planned again: 535 of them took 0.7 s of the main process in
        an ingest of the dump (docs/benchmarks.md)."""
        if not ids:
            return []
        cursor = self._x(sql.replace("IN ({marks})", "= ANY(?)"), (list(ids),))
        return cursor.fetchall() if cursor.description is not None else []

    def _xmany(self, sql: str, rows: Iterable[Sequence]) -> int:
        """Execute one statement for many parameter rows (psycopg pipelines them); return how many rows
        it changed."""
        rows = list(rows)
        if not rows:
            return 0
        with self.conn.cursor() as cursor:
            cursor.executemany(_pg(sql), rows)
            return cursor.rowcount

    def _insert_rows(self, table: str, columns: Sequence[str], rows: Sequence[Sequence]) -> None:
        """Insert many new rows with COPY (one stream, not a statement per row)."""
        if rows:
            self._copy_in(table, columns, rows)

    def _copy_in(self, table: str, columns: Sequence[str], rows: Iterable[Sequence]) -> None:
        """Copy rows into ``table`` in PostgreSQL's binary format, each value as its column's type says.

        Binary rather than text: psycopg then writes a value as it is (a string's bytes, a float's eight)
        where the text format spelled each number out and escaped each string; 1.24 million postings
        cost the client 1.25-1.36 s copied so against 1.92-2.02 s as text, the server the same
        (docs/benchmarks.md). A value of the wrong type for its column (a string for an integer) fails
        the copy, where text let the server parse it: the rows khabar copies hold Python values of their
        columns' types (times are TEXT columns, written as ISO strings).
        """
        types = self._column_types(table, columns)  # before the copy: it has the connection then
        with self.conn.cursor() as cursor, cursor.copy(
            f"COPY {table} ({', '.join(columns)}) FROM STDIN (FORMAT BINARY)"
        ) as copy:
            copy.set_types(types)
            for row in rows:
                copy.write_row(row)

    def _column_types(self, table: str, columns: Sequence[str]) -> list[int]:
        """The type (its oid) of each of these columns of ``table``; a table's types are asked of the server
        once per store (a staging table is this connection's own, with the types it was created with)."""
        if table not in self._types:
            self._types[table] = dict(
                self.conn.execute(
                    "SELECT attname, atttypid::int FROM pg_attribute WHERE attrelid = %s::regclass "
                    "AND attnum > 0 AND NOT attisdropped",
                    (table,),
                ).fetchall()
            )
        return [self._types[table][column] for column in columns]

    def _merge_rows(
        self,
        table: str,
        columns: Sequence[str],
        keys: Sequence[str],
        rows: Iterable[Sequence],
        add: str | None = None,
        replace: Sequence[str] = (),
        mostly_new: bool = False,
    ) -> int:
        """:meth:`SQLStore._merge_rows` through a staging table: the rows are copied in (one stream), then
        merged by one statement, in key order, instead of one upsert statement per row (which cost the
        client about 10 µs a row in psycopg, the copy 2).

        Rows ``mostly_new`` are first copied straight into ``table``, inside a savepoint: through the
        staging table each was written twice (an article's text compressed into the staging table's
        storage, then copied out again); the dump's 30,676 articles in 10 batches took the server
        1.03-1.15 s of CPU that way, 0.80-0.82 s copied straight in (docs/benchmarks.md). A row that is
        there after all (stored by another writer since it was looked for) fails that copy with a unique
        violation; the savepoint is rolled back and the rows are merged.
        """
        rows = list(rows)
        if not rows:
            return 0
        if mostly_new:
            try:
                with self.conn.transaction():  # a savepoint: the caller's transaction goes on if this fails
                    self._insert_rows(table, columns, in_key_order(rows, columns, keys))
                return len(rows)
            except psycopg.errors.UniqueViolation:
                pass
        with self._staged(table, columns, rows) as staging:
            return self._merge_from(staging, table, columns, keys, add, replace)

    def _merge_from(
        self, staging: str, table: str, columns: Sequence[str], keys: Sequence[str], add: str | None = None,
        replace: Sequence[str] = (),
    ) -> int:
        """Merge the rows of a staging table into ``table`` by one statement, in key order (see :meth:`_merge_rows`)."""
        listed = ", ".join(columns)
        return self.conn.execute(
            f"INSERT INTO {table} ({listed}) SELECT {listed} FROM {staging} ORDER BY {', '.join(keys)} "
            f"ON CONFLICT ({', '.join(keys)}) {conflict_clause(table, add, replace)}"
        ).rowcount

    @contextmanager
    def _staged(
        self, table: str, columns: Sequence[str], rows: Sequence[Sequence], shape: str | None = None,
        uncompressed: Sequence[str] = (),
    ) -> Iterator[str]:
        """Copy rows into this connection's staging table for ``table`` (with the columns of ``shape``, by
        default those of the table) and give its name, inside a transaction; empty it afterwards, so that
        the next use in the same transaction starts empty (a commit empties it too). A long value is
        compressed as its table's column says (a value copied on from the staging table stays as it was
        compressed there), or not at all in the ``uncompressed`` columns."""
        staging = f"staging_{table}"
        with self.transaction():
            self.conn.execute(
                f"CREATE TEMP TABLE IF NOT EXISTS {staging} ({shape or f'LIKE {table} INCLUDING COMPRESSION'}) "
                "ON COMMIT DELETE ROWS"
            )
            if uncompressed:
                storage = ", ".join(f"ALTER COLUMN {c} SET STORAGE EXTERNAL" for c in uncompressed)
                self.conn.execute(f"ALTER TABLE {staging} {storage}")
            self._copy_in(staging, columns, rows)
            yield staging
            # TRUNCATE rather than DELETE: a delete marks every row, which the commit's own truncation then
            # throws away (40 transactions of 3,000-65,000 rows: 0.6 s of the server's CPU against 0.2).
            self.conn.execute(f"TRUNCATE {staging}")

    def put_fingerprints_and_find_candidates(
        self,
        fingerprints: Mapping[str, tuple[bytes, list[tuple[int, int]]]],
        replaced: Mapping[str, Sequence[tuple[int, int]]] | None = None,
    ) -> dict[str, list[tuple[str, bytes, datetime | None]]]:
        """:meth:`SQLStore.put_fingerprints_and_find_candidates` with the bands copied to the server once:
        inserted into ``lsh_bands`` from the staging table, then looked up from it (copied for each step,
        they were 486,000 rows twice in an ingest of the dump; docs/benchmarks.md).

        A plain insert, where other rows are merged (``ON CONFLICT``): an article's band rows are those of
        its stored signature, and the ``replaced`` ones are deleted first, so none of these rows can be
        there already. Checking each for a conflict anyway cost the server 1.5 s for as many rows as the
        dump's (490,816, in 10 batches) where inserting took 0.9; in an ingest of the dump the statement
        went from 1.9 to 1.1 s (docs/benchmarks.md). Were a row there after all, the unique key would fail
        the batch, which is rolled back whole."""
        rows = band_rows(bands_of(fingerprints))
        with self.transaction():
            self._put_signatures(fingerprints, replaced)
            if not rows:
                return self._candidates_of(fingerprints, [])
            with self._staged("lsh_bands", BAND_COLUMNS, rows) as staging:
                listed = ", ".join(BAND_COLUMNS)
                self.conn.execute(f"INSERT INTO lsh_bands ({listed}) SELECT {listed} FROM {staging} ORDER BY {listed}")
                sharers = self._sharers_in(staging)
            return self._candidates_of(fingerprints, sharers)

    def _band_sharers(self, wanted: Sequence[tuple[int, int, str]]) -> list[tuple[str, str]]:
        """(asking article, other article) pairs sharing a (band, bucket), for (band, bucket, asking id) rows.

        The rows are copied into a staging table (sent as three arrays, they cost the client about 1 s of
        an ingest of the dump to encode, and the server to decode), then looked up (:meth:`_sharers_in`).
        """
        if not wanted:
            return []
        with self._staged("lsh_bands", BAND_COLUMNS, wanted) as staging:  # the band rows' one staging table
            return self._sharers_in(staging)

    def _sharers_in(self, staging: str) -> list[tuple[str, str]]:
        """:meth:`_band_sharers` of the (band, bucket, asking id) rows of a staging table: each looked up
        in the band index, by a nested loop over the staging rows.

        Left to itself, the planner hashes the whole band table (cheaper by its estimate than a few
        thousand index probes, but it grows with the store) or probes through a bitmap heap scan, a
        bitmap built and read for each of the batch's bands. A plain index scan does the same lookups
        in 90–95 ms for 80,000 bands, where the bitmap took 215–250 (docs/benchmarks.md); the other
        plans are turned off for this statement only (inside the staging table's transaction: were it
        to fail, the rollback would restore them too).
        """
        plans = ("enable_hashjoin", "enable_mergejoin", "enable_bitmapscan")
        self.conn.execute("SELECT " + ", ".join(f"set_config('{plan}', 'off', true)" for plan in plans))
        sharers = self.conn.execute(
            f"SELECT DISTINCT q.article_id, b.article_id FROM {staging} q JOIN lsh_bands b "
            "ON b.band = q.band AND b.bucket = q.bucket WHERE b.article_id != q.article_id"
        ).fetchall()
        self.conn.execute("; ".join(f"RESET {plan}" for plan in plans))
        return sharers

    def _lock_stamp(self, table: str, column: str) -> None:
        """Hold the stamp's row until the transaction ends, so one process remakes what it stamps."""
        self.conn.execute(f"SELECT {column} FROM {table} FOR UPDATE")

    def _outer_transaction(self) -> AbstractContextManager:
        """psycopg's transaction block (ROLLBACK on error)."""
        return self.conn.transaction()

    def _lock_articles(self, ids: Sequence[str]) -> None:
        """Lock the stored rows of these articles, in id order, until the transaction ends."""
        if ids:
            self.conn.execute("SELECT id FROM articles WHERE id = ANY(%s) ORDER BY id FOR UPDATE", (sorted(ids),))

    def _migrate(self) -> None:
        """Apply the migrations this database has not seen, under an advisory lock, each in a transaction."""
        with self.conn.transaction():
            self.conn.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
            self.conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT, applied TEXT)"
            )
            applied = self.schema_version()
            self._refuse_newer_schema(applied)
            for migration in load_migrations("postgres"):
                if migration.version <= applied:
                    continue
                with self.conn.transaction():
                    self.conn.execute(migration.sql)
                    self.conn.execute(
                        "INSERT INTO schema_migrations VALUES (%s, %s, %s)",
                        (migration.version, migration.name, isoformat_utc(datetime.now(UTC))),
                    )

    _share_lock = " FOR SHARE"
    BRIEF_LOCK_WAIT = "50ms"  # how long keeping related lists may wait for a lock before giving up

    def _write_without_waiting(self, write: Callable[[], bool]) -> bool:
        """Run ``write`` in a transaction, or return False when a lock it needs is held for long."""
        try:
            with self.transaction():
                self.conn.execute(f"SET LOCAL lock_timeout = '{self.BRIEF_LOCK_WAIT}'")
                return write()
        except psycopg.errors.LockNotAvailable:
            return False

    def schema_version(self) -> int:
        """The number of the last migration applied (0 for a new database)."""
        return int(self.conn.execute("SELECT COALESCE(MAX(version), 0) FROM schema_migrations").fetchone()[0])

    def _write_search(self, articles: Sequence[Article]) -> None:
        """Index these articles for search (inside the caller's transaction; an updated article's old entry
        is already gone, see :meth:`SQLStore._unindex`). A text whose stems pass ``MAX_INDEXED_BODY_BYTES``
        is indexed by its first ones."""
        if not articles:
            return
        fields = []
        for article in articles:
            title, body, pairs = article.search_fields or (None, None, None)
            if pairs is None:  # not read by the pipeline (a re-index), or read for a store without pairs
                title, body, pairs = index_fields(article, with_pairs=True)
            fields.append(
                (article.id, _cut(title, MAX_INDEXED_TITLE_BYTES), _cut(body, MAX_INDEXED_BODY_BYTES), pairs)
            )
        columns = ("article_id", "title", "body", "word_pairs")
        # The stems are read once there: not compressed. The pairs travel as bytes (psycopg copies no
        # bit strings) and become bits in hexadecimal, as _bits spells them.
        shape = "article_id TEXT, title TEXT, body TEXT, word_pairs BYTEA"
        with self._staged("search_index", columns, fields, shape, ("title", "body")) as staging:
            self.conn.execute(
                "INSERT INTO search_index (article_id, document, word_pairs) SELECT article_id, setweight(to_tsvector("
                "'simple', title), 'A') || setweight(to_tsvector('simple', body), 'B'), "
                f"('x' || encode(word_pairs, 'hex'))::bit({WORD_PAIR_BITS}) FROM {staging}"
            )

    def merge_pending_search_entries(self) -> None:
        """Merge the GIN index's pending list of search entries into the index.

        PostgreSQL writes a new entry's lexemes to a list beside the GIN index (``fastupdate``), merged into
        it when the list passes 4 MB or when autovacuum next runs, which after a last batch of a few hundred
        articles can be never: until then every query reads the whole list. After an ingest of the dump
        that list held 779 entries on 379 pages, and merging it took every kind of query's median 2–4 ms
        lower (docs/benchmarks.md). Only the index's owner may merge; another user's store is left as it is.
        """
        try:
            with self.transaction():
                self._x("SELECT gin_clean_pending_list('search_index_document'::regclass)")
        except psycopg.errors.InsufficientPrivilege as exc:
            log.info("search index pending list not merged: %s", exc)

    def search(
        self, query: Query, filters: SearchFilters, limit: int
    ) -> list[tuple[str, float, str | None, datetime | None]]:
        """Up to ``limit`` matches, best first: (id, relevance ≥ 0, duplicate group, published)."""
        where: list[str] = []
        params: list = []
        if query.stems:
            where.append("s.document @@ to_tsquery('simple', ?)")
            if query.all_words:
                params.append(match_query(query))
            else:  # the corpus statistics of the query's stems (kept at ingest) pick the rarer ones
                frequencies = dict(self._x("SELECT key, df FROM term_stats WHERE key = ANY(?)", (query.stems,)))
                params.append(match_query(query, frequencies, self.corpus_documents()))
        # Each phrase: its stems, and its word pairs in the entry's filter (the caller checks the exact
        # words). Asking for the stems in order (<->) would make the server read every document that has
        # them all to compare positions, before the filter could drop most of them cheaply.
        for words in query.phrase_words:
            where.append("s.document @@ to_tsquery('simple', ?)")
            params.append(every_word(words))
        has_pairs = f"(s.word_pairs IS NULL OR s.word_pairs & ?::bit({WORD_PAIR_BITS}) = ?::bit({WORD_PAIR_BITS}))"
        for phrase in query.phrases:
            if (pairs := phrase_pairs(phrase)) is not None:
                where.append(has_pairs)  # an entry written before pairs were kept has none: not dropped
                params += [_bits(pairs)] * 2
        if not where:
            return []
        filtered, filter_params = filter_clauses(filters)
        where, params = where + filtered, params + filter_params
        # No length normalization (the last argument, 0): ts_rank already lets each further occurrence of a
        # stem count less (the k-th by 1/k²), and dividing by the log of the document's length (1, as
        # before) ranked near-empty articles first, a title and a ten-letter body being "short": 12.0% of
        # the top ten of one-word queries had bodies under 100 characters (0.1% now), where 1.0% of the
        # dump's articles have them and SQLite's BM25 gave 2.3% (bench/search_quality.py, docs/benchmarks.md).
        rank = "ts_rank(?::float4[], s.document, to_tsquery('simple', ?), 0)"
        rank_params = [RANK_WEIGHTS, " | ".join(_lexeme(s) for s in query.stems)]
        # The best ``limit`` are picked from the search entries alone, and only they are joined to their
        # articles: joining every match first (thousands for a common stem) cost as much as ranking them.
        # The filters name the articles' columns: then the matches are joined to them before ranking.
        filtered_articles = "JOIN articles a ON a.id = s.article_id " if filtered else ""
        rows = self._x(
            "SELECT m.article_id, m.relevance, d.group_id, a.published FROM ("
            f"SELECT s.article_id, {rank} AS relevance FROM search_index s {filtered_articles}"
            f"WHERE {' AND '.join(where)} ORDER BY relevance DESC, s.article_id LIMIT ?) m "
            "JOIN articles a ON a.id = m.article_id LEFT JOIN duplicate_groups d ON d.article_id = a.id "
            "ORDER BY m.relevance DESC, m.article_id",
            [*rank_params, *params, limit],
        ).fetchall()
        return [(i, float(r), g, parse_datetime(p)) for i, r, g, p in rows]

    def close(self) -> None:
        """Give the connection back to the pool."""
        conn, self.conn = getattr(self, "conn", None), None
        if conn is not None:
            self._pool.putconn(conn)


def _safe(url: str) -> str:
    """A database URL without its password, for messages."""
    try:
        info = psycopg.conninfo.conninfo_to_dict(url)
    except psycopg.Error:
        return "the database"
    info.pop("password", None)
    return " ".join(f"{k}={v}" for k, v in info.items())


def close_pool(url: str) -> None:
    """Close this process's pool for a database URL (its connections end)."""
    with _pools_lock:
        pool = _pools.pop(url, None)
    if pool is not None:
        pool.close()
