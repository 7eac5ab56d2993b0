"""What the SQL backends share: every store operation written once, in SQL that SQLite and PostgreSQL both run.

Statements use ``?`` placeholders; a backend runs them through :meth:`SQLStore._x` and
:meth:`SQLStore._xmany`, which adapt them. Backends add the connection, transactions,
migrations and full-text search, which differ.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from datetime import datetime, timedelta
from operator import itemgetter

import orjson

from khabar.dates import UTC, isoformat_utc, parse_datetime
from khabar.errors import StoreError
from khabar.link.duplicates import SIGNATURE_SCHEME, Member, bands, fingerprint
from khabar.link.similarity import POSTED_TERMS, RELEVANCE_HORIZON_DAYS, epoch_day, heaviest
from khabar.model import Article, Entity, Tag
from khabar.parallel import chunked
from khabar.search import SearchFilters, analyzer_stamp
from khabar.stats import CounterStats
from khabar.store.migrations import load_migrations
from khabar.store.base import KeptRelated, SourceState, Stats, Store, StoryActivity, UpsertResult

log = logging.getLogger(__name__)

# Articles re-indexed per statement when the search index is rebuilt.
REINDEX_BATCH = 1000
# (band, bucket, article) rows asked per candidate query: 9,000 parameters, under SQLite's 32,766.
CANDIDATE_BANDS_PER_QUERY = 3000

_COLUMNS = (
    "id, url, outlet, title, text, published, published_raw, fetched, author, language, publisher_tags"
)
_COLUMNS_A = ", ".join(f"a.{c.strip()}" for c in _COLUMNS.split(","))


def _stored_time(value: str | None) -> datetime | None:
    """A time as the store writes it (ISO 8601 UTC with Z), read without the general parser."""
    return datetime.fromisoformat(value) if value else None


def filter_clauses(filters: SearchFilters) -> tuple[list[str], list]:
    """The WHERE clauses (``?`` placeholders, articles as ``a``) and parameters of search filters."""
    where: list[str] = []
    params: list = []
    if filters.outlet:
        where.append("a.outlet = ?")
        params.append(filters.outlet)
    if filters.since:
        where.append("a.published >= ?")
        params.append(isoformat_utc(filters.since))
    if filters.until:
        where.append("a.published < ?")
        params.append(isoformat_utc(filters.until))
    if filters.tag_key:
        where.append("a.id IN (SELECT article_id FROM article_tags WHERE key = ?)")
        params.append(filters.tag_key)
    return where, params


def _row_to_article(row: Sequence) -> Article:
    """Rebuild an article from a row of ``_COLUMNS``."""
    (id_, url, outlet, title, text, published, published_raw, fetched, author, language, tags) = row
    return Article(
        id=id_,
        url=url,
        outlet=outlet,
        title=title,
        text=text,
        published=_stored_time(published),
        published_raw=published_raw,
        fetched=_stored_time(fetched),
        author=author,
        language=language,
        publisher_tags=orjson.loads(tags),
    )


def _article_to_row(article: Article, now: str, digest: str) -> tuple:
    """The values of one article for the upsert statement (``digest``: its content hash, already computed)."""
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
        digest,
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
_ROW_COLUMNS = tuple(c.strip() for c in _COLUMNS.split(",")) + ("content_hash", "first_seen", "updated")


def conflict_clause(table: str, add: str | None, replace: Sequence[str]) -> str:
    """What a merge does with a row whose key is already in ``table`` (see :meth:`SQLStore._merge_rows`)."""
    if add:
        return f"DO UPDATE SET {add} = {table}.{add} + excluded.{add}"
    if replace:
        return "DO UPDATE SET " + ", ".join(f"{c} = excluded.{c}" for c in replace)
    return "DO NOTHING"


def in_key_order(rows: Iterable[Sequence], columns: Sequence[str], keys: Sequence[str]) -> list[Sequence]:
    """Rows to merge or insert, sorted by their key: B-tree pages are touched once, and concurrent writers
    lock alike. Keys do not repeat, so one key column orders the rows alone, and sorting on it is faster
    than comparing whole rows (the dump's 354,288 term statistics, shuffled: 0.45 → 0.28 s)."""
    return sorted(rows, key=itemgetter(columns.index(keys[0]))) if len(keys) == 1 else sorted(rows)


BAND_COLUMNS = ("band", "bucket", "article_id")  # the key of lsh_bands, and all its columns


def band_rows(bands: Mapping[str, Sequence[tuple[int, int]]]) -> list[tuple[int, int, str]]:
    """The ``lsh_bands`` rows (band, bucket, article id) of articles' (band, bucket) pairs."""
    return [(band, bucket, article_id) for article_id, pairs in bands.items() for band, bucket in pairs]


def bands_of(fingerprints: Mapping[str, tuple[bytes, list[tuple[int, int]]]]) -> dict[str, list[tuple[int, int]]]:
    """Article id → its (band, bucket) pairs, from :meth:`SQLStore.put_fingerprints`' argument."""
    return {article_id: pairs for article_id, (_, pairs) in fingerprints.items()}


def _merged_spans(days: Sequence[float], reach: float) -> list[tuple[float, float]]:
    """The spans within ``reach`` of sorted days, overlapping ones merged (a batch gives one or a few)."""
    spans: list[tuple[float, float]] = []
    for day in days:
        if spans and day - reach <= spans[-1][1]:
            spans[-1] = (spans[-1][0], day + reach)
        else:
            spans.append((day - reach, day + reach))
    return spans


class SQLStore(Store):
    """The shared SQL of the SQLite and PostgreSQL stores."""

    _depth = 0  # how deep in nested transaction() blocks this store is

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One transaction; nested uses join the outer one (and its commit or rollback)."""
        if self._depth:
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
            return
        self._depth = 1
        try:
            with self._outer_transaction():
                yield
        finally:
            self._depth = 0

    def _outer_transaction(self) -> AbstractContextManager:
        """The backend's own BEGIN … COMMIT, rolled back on error."""
        raise NotImplementedError

    def _x(self, sql: str, params: Sequence = ()):  # noqa: ANN202 - a DB-API cursor
        """Execute one statement (``?`` placeholders); return its cursor."""
        raise NotImplementedError

    def _xmany(self, sql: str, rows: Iterable[Sequence]) -> int:
        """Execute one statement for many parameter rows; return how many rows it changed."""
        raise NotImplementedError

    def _insert_rows(self, table: str, columns: Sequence[str], rows: Sequence[Sequence]) -> None:
        """Insert many new rows into a table (PostgreSQL copies them in, which is several times faster)."""
        marks = ", ".join("?" * len(columns))
        self._xmany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)

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
        """Insert rows whose ``keys`` may already be in ``table``: those are left alone, or, with ``add``,
        have that column's value added (a counter), or with ``replace`` those columns' values replaced.
        Rows must not repeat a key. Returns how many rows were inserted or changed. ``mostly_new`` says
        that the rows are seldom there already (a backend may then try inserting them plainly first)."""
        return self._xmany(
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))}) "
            f"ON CONFLICT ({', '.join(keys)}) {conflict_clause(table, add, replace)}",
            in_key_order(rows, columns, keys),
        )

    def _lock_articles(self, ids: Sequence[str]) -> None:
        """Lock these articles' rows until the transaction ends (where writers can interleave)."""

    def _unindex(self, ids: Sequence[str]) -> None:
        """Remove these stored articles' search entries before their rows change (inside the caller's
        transaction)."""
        self._in("DELETE FROM search_index WHERE article_id IN ({marks})", list(ids))

    def _clear_search(self) -> None:
        """Empty the search index (inside the caller's transaction)."""
        self._x("DELETE FROM search_index")

    def _lock_stamp(self, table: str, column: str) -> None:
        """Keep other writers from remaking what ``table.column`` stamps at the same time (SQLite's write
        transaction already does)."""

    def _stamp(self, table: str, column: str) -> str:
        """The stamp kept in the one-row table ``table``."""
        return str(self._x(f"SELECT {column} FROM {table}").fetchone()[0])

    def _remake_if_stale(self, table: str, column: str, wanted: str, remake: Callable[[], int]) -> int:
        """Run ``remake`` (which returns how many articles it redid) and record ``wanted`` in
        ``table.column``, unless that stamp is already ``wanted``; return the count (0 when current).

        For what the store derives from its articles under a version of khabar's code (the search
        index, the near-duplicate signatures): one process remakes it, in one transaction, and the
        others, waiting for the lock, then find it current.
        """
        if self._stamp(table, column) == wanted:
            return 0
        with self.transaction():
            self._lock_stamp(table, column)
            if self._stamp(table, column) == wanted:  # another process did it while this one waited
                return 0
            done = remake()
            self._x(f"UPDATE {table} SET {column} = ?", (wanted,))
        return done

    def _refuse_newer_schema(self, applied: int) -> None:
        """Raise :class:`StoreError` when a newer khabar has migrated this store past the migrations this
        code knows: its statements would meet tables they were not written for."""
        known = max(migration.version for migration in load_migrations(self.dialect))
        if applied > known:
            raise StoreError(
                f"the store was migrated by a newer khabar (schema {applied}; this version knows up to {known}); "
                "upgrade khabar to use it"
            )

    def search_analyzer(self) -> str:
        """The analyzer stamp (:func:`khabar.search.analyzer_stamp`) the search index was built under."""
        return self._stamp("search_meta", "analyzer")

    def ensure_search_analyzer(self) -> int:
        """Rebuild the search index if it was built under another analyzer than this code's; return how
        many articles were re-indexed (0 when it was current). Runs when a store is opened."""

        def rebuild() -> int:
            self._clear_search()
            done = 0
            for batch in chunked(self.iter_articles(), REINDEX_BATCH):
                self._write_search(batch)
                done += len(batch)
            return done

        done = self._remake_if_stale("search_meta", "analyzer", analyzer_stamp(self.keeps_word_pairs), rebuild)
        if done:
            self.merge_pending_search_entries()
            log.info("rebuilt the search index of %d articles: the text analyzer changed", done)
        return done

    def signature_scheme(self) -> str:
        """The scheme (:data:`khabar.link.duplicates.SIGNATURE_SCHEME`) the stored signatures were made under."""
        return self._stamp("signature_meta", "scheme")

    def ensure_signature_scheme(self) -> int:
        """Make every near-duplicate signature and its bands again if they were made under another scheme
        than this code's; return how many were made (0 when current). Runs when a store is opened.

        Duplicate groups found before are kept; new articles are compared with the remade signatures.
        """

        def remake() -> int:
            self._x("DELETE FROM lsh_bands")
            self._x("DELETE FROM fingerprints")
            done = 0
            for batch in chunked(self.iter_articles(), REINDEX_BATCH):
                signatures = {a.id: signature for a in batch if (signature := fingerprint(a.text)) is not None}
                self.put_fingerprints({i: (signature, bands(signature)) for i, signature in signatures.items()})
                done += len(signatures)
            return done

        done = self._remake_if_stale("signature_meta", "scheme", SIGNATURE_SCHEME, remake)
        if done:
            log.info("made %d near-duplicate signatures again: their scheme changed", done)
        return done

    def upsert_articles(self, articles: Sequence[Article], *, search: bool = True) -> UpsertResult:
        """Insert new articles and update changed ones, with their tags and (unless ``search`` is
        false) their search index entries, in one transaction."""
        result = UpsertResult()
        if not articles:
            return result
        latest: dict[str, Article] = {}
        for article in articles:  # within a batch the last version of an id wins
            latest[article.id] = article
        now = isoformat_utc(datetime.now(UTC))
        with self.transaction():
            self._lock_articles(list(latest))
            known = self._known_hashes(list(latest))
            new_rows, updated_rows, updated = [], [], []
            for article in sorted(latest.values(), key=lambda a: a.id):  # one lock order for every writer
                old = known.get(article.id)
                digest = article.content_hash
                if old is None:
                    result.stored += 1
                    result.new_ids.append(article.id)
                    new_rows.append(_article_to_row(article, now, digest))
                elif old != digest:
                    result.updated += 1
                    updated.append(article.id)
                    updated_rows.append(_article_to_row(article, now, digest))
                else:
                    result.unchanged += 1
                    continue
                result.changed_ids.append(article.id)
            if updated:  # even when not indexing now: an entry left behind would no longer match its row
                self._unindex(updated)  # while the rows still hold what was indexed
                self._xmany(_UPSERT, updated_rows)
            # New articles go in as new, counted, so that one stored by another writer since the lookup above
            # (PostgreSQL locks no row that does not exist yet; this insert then waited for it) is noticed.
            if self._merge_rows("articles", _ROW_COLUMNS, ("id",), new_rows, mostly_new=True) < len(new_rows):
                # Each is then taken as stored, as if it had been known (its entry and its tags are replaced).
                raced = [row[0] for row in new_rows]
                self._lock_articles(raced)
                self._unindex(raced)
                self._xmany(_UPSERT, new_rows)
                updated += raced
            changed = set(result.changed_ids)
            self._write_tags(
                {a.id: a.tags for a in latest.values() if a.id in changed and a.tags is not None}, replacing=updated
            )
            if search:
                self._write_search([a for a in latest.values() if a.id in changed])
        result.unchanged += len(articles) - len(latest)
        return result

    def _write_tags(self, tags: dict[str, list[Tag]], replacing: Sequence[str] | None = None) -> None:
        """Replace the tags of these articles and recount their display forms (inside the caller's transaction).

        ``replacing`` names the articles that may have tags already (by default all of them): a new
        article has none, and looking for them took PostgreSQL about 1 s of an ingest of the dump.
        """
        if not tags:
            return
        uses: Counter[tuple[str, str]] = Counter()
        ids = [i for i in (tags if replacing is None else replacing) if i in tags]
        for key, display in self._in("SELECT key, display FROM article_tags WHERE article_id IN ({marks})", ids):
            uses[(key, display)] -= 1
        self._in("DELETE FROM article_tags WHERE article_id IN ({marks})", ids)
        rows = [(i, rank, t.key, t.display, t.score) for i, ts in tags.items() for rank, t in enumerate(ts)]
        self._insert_rows("article_tags", ("article_id", "rank", "key", "display", "score"), rows)
        for _, _, key, display, _ in rows:
            uses[(key, display)] += 1
        self._merge_rows(
            "tag_forms", ("key", "display", "uses"), ("key", "display"),
            [(key, display, n) for (key, display), n in uses.items() if n], add="uses",
        )

    def set_tags(self, tags: dict[str, list[Tag]]) -> None:
        """Replace the tags of stored articles, in one transaction (ids not stored are passed over)."""
        with self.transaction():
            self._lock_articles(list(tags))
            stored = set(self._known_hashes(list(tags)))
            self._write_tags({i: ts for i, ts in tags.items() if i in stored})
            published = self._in("SELECT id, published FROM articles WHERE id IN ({marks})", list(stored))
            self._forget_related({i: epoch_day(parse_datetime(p)) for i, p in published})  # tags weigh in relevance

    def get_tags(self, article_id: str) -> list[Tag]:
        """An article's tags, best first, each shown in its key's most used display form."""
        rows = self._x(
            "SELECT t.key, (SELECT f.display FROM tag_forms f WHERE f.key = t.key "
            "ORDER BY f.uses DESC, length(f.display), f.display LIMIT 1), t.score "
            "FROM article_tags t WHERE t.article_id = ? ORDER BY t.rank",
            (article_id,),
        )
        return [Tag(display=display, key=key, score=score) for key, display, score in rows]

    def tag_display(self, key: str) -> str | None:
        """The most used display form of a tag key, or None when no article has it."""
        row = self._x(
            "SELECT display FROM tag_forms WHERE key = ? AND uses > 0 ORDER BY uses DESC, length(display), display LIMIT 1",
            (key,),
        ).fetchone()
        return row[0] if row else None

    def tag_key_of(self, display: str) -> str | None:
        """The key of the tag shown as ``display`` (its most used key), or None."""
        row = self._x(
            "SELECT key FROM tag_forms WHERE display = ? AND uses > 0 ORDER BY uses DESC, key LIMIT 1", (display,)
        ).fetchone()
        return row[0] if row else None

    def articles_with_tag(self, key: str, limit: int = 50, offset: int = 0) -> list[Article]:
        """Articles tagged with a key, newest first."""
        return self._articles_with_key("article_tags", key, limit, offset)

    def _articles_with_key(self, table: str, key: str, limit: int, offset: int) -> list[Article]:
        """Articles with a row of ``key`` in ``table`` (their tags, their names), newest first."""
        rows = self._x(
            f"SELECT {_COLUMNS_A} FROM articles a JOIN {table} k ON k.article_id = a.id "
            "WHERE k.key = ? ORDER BY a.published DESC, a.id LIMIT ? OFFSET ?",
            (key, limit, offset),
        ).fetchall()
        return [_row_to_article(row) for row in rows]

    def count_tag(self, key: str) -> int:
        """How many articles carry a tag key."""
        return int(self._x("SELECT COUNT(*) FROM article_tags WHERE key = ?", (key,)).fetchone()[0])

    # -- named entities -------------------------------------------------------------

    def set_entities(self, entities: Mapping[str, Sequence[Entity]], model: str) -> None:
        """Replace the named entities of stored articles as read by ``model``, and record the read, in
        one transaction (ids not stored are passed over)."""
        with self.transaction():
            self._lock_articles(list(entities))
            hashes = self._known_hashes(list(entities))
            ids = list(hashes)
            self._in("DELETE FROM article_entities WHERE article_id IN ({marks})", ids)
            self._in("DELETE FROM entity_reads WHERE article_id IN ({marks})", ids)
            rows = [(i, e.key, e.name, e.kind, e.mentions) for i in ids for e in entities[i]]
            self._insert_rows("article_entities", ("article_id", "key", "name", "kind", "mentions"), rows)
            self._insert_rows("entity_reads", ("article_id", "model", "content_hash"), [(i, model, hashes[i]) for i in ids])

    def get_entities(self, article_id: str) -> list[Entity]:
        """An article's named entities, most mentioned first."""
        rows = self._x(
            "SELECT name, kind, mentions, key FROM article_entities WHERE article_id = ? ORDER BY mentions DESC, key",
            (article_id,),
        )
        return [Entity(name=name, kind=kind, mentions=mentions, key=key) for name, kind, mentions, key in rows]

    def entities_of(self, ids: Sequence[str]) -> dict[str, list[Entity]]:
        """The named entities of each of these articles (an empty list for one without), most mentioned first."""
        found: dict[str, list[Entity]] = {i: [] for i in ids}
        rows = self._in("SELECT article_id, name, kind, mentions, key FROM article_entities WHERE article_id IN ({marks})", list(ids))
        for article_id, name, kind, mentions, key in sorted(rows, key=lambda r: (r[0], -r[3], r[4])):
            found[article_id].append(Entity(name=name, kind=kind, mentions=mentions, key=key))
        return found

    def ids_to_read_for_entities(self, model: str, after: str = "", limit: int = 1000) -> list[str]:
        """Ids (in order, after ``after``) of articles that ``model`` has not read in their present text."""
        rows = self._x(
            "SELECT a.id FROM articles a LEFT JOIN entity_reads r ON r.article_id = a.id "
            "WHERE a.id > ? AND (r.article_id IS NULL OR r.model <> ? OR r.content_hash <> a.content_hash) "
            "ORDER BY a.id LIMIT ?",
            (after, model, limit),
        )
        return [row[0] for row in rows]

    def entity_name(self, key: str) -> tuple[str, str] | None:
        """The name most written for an entity key and its most given type, or None when no article names it."""
        name = self._x(
            "SELECT name FROM article_entities WHERE key = ? GROUP BY name ORDER BY SUM(mentions) DESC, name LIMIT 1",
            (key,),
        ).fetchone()
        if not name:
            return None
        kind = self._x(
            "SELECT kind FROM article_entities WHERE key = ? GROUP BY kind ORDER BY COUNT(*) DESC, kind LIMIT 1", (key,)
        ).fetchone()
        return name[0], kind[0]

    def articles_with_entity(self, key: str, limit: int = 50, offset: int = 0) -> list[Article]:
        """Articles that name an entity (by key), newest first."""
        return self._articles_with_key("article_entities", key, limit, offset)

    def count_entity(self, key: str) -> int:
        """How many articles name an entity (by key)."""
        return int(self._x("SELECT COUNT(*) FROM article_entities WHERE key = ?", (key,)).fetchone()[0])

    def add_term_stats(self, counts: Mapping[str, int], documents: int) -> None:
        """Add document frequencies (``counts``) of ``documents`` more documents, in one transaction."""
        if not documents:
            return
        with self.transaction():
            self._merge_rows("term_stats", ("key", "df"), ("key",), counts.items(), add="df")
            self._x("UPDATE corpus_stats SET value = value + ? WHERE name = 'documents'", (documents,))

    def corpus_documents(self) -> int:
        """How many documents the corpus statistics count."""
        return int(self._x("SELECT value FROM corpus_stats WHERE name = 'documents'").fetchone()[0])

    def tagger_stamp(self) -> str:
        """The stamp of the tagger that made the stored tags ('' before stamps were recorded)."""
        return self._stamp("tagger_meta", "stamp")

    def set_tagger_stamp(self, stamp: str) -> None:
        """Record that the stored tags were all made by the tagger with this stamp."""
        with self.transaction():
            self._x("UPDATE tagger_meta SET stamp = ?", (stamp,))

    def stored_ids(self, ids: Sequence[str]) -> set[str]:
        """Which of these ids are stored."""
        return set(self._known_hashes(list(ids)))

    def reset_term_stats(self) -> None:
        """Forget the corpus statistics (before rebuilding them)."""
        with self.transaction():
            self._x("DELETE FROM term_stats")
            self._x("UPDATE corpus_stats SET value = 0 WHERE name = 'documents'")

    def load_term_stats(self) -> CounterStats:
        """The corpus statistics, read into memory."""
        documents = self.corpus_documents()
        # fetchall() makes every row in one call: iterating psycopg's cursor made them one at a time, at
        # twice the CPU (0.26 against 0.14 s for the dump's 354,000 keys; each worker reads them often).
        return CounterStats(documents, Counter(dict(self._x("SELECT key, df FROM term_stats").fetchall())))

    # -- near-duplicates ---------------------------------------------------------

    def _in(self, sql: str, ids: Sequence[str]) -> list[tuple]:
        """Run ``sql`` (with one ``{marks}`` placeholder list) over ids in chunks of 500; return its rows."""
        rows: list[tuple] = []
        for start in range(0, len(ids), 500):
            chunk = list(ids[start : start + 500])
            cursor = self._x(sql.format(marks=",".join("?" * len(chunk))), chunk)
            if cursor.description is not None:  # a statement that returns rows
                rows.extend(cursor)
        return rows

    def signatures(self, ids: Sequence[str]) -> dict[str, bytes]:
        """The stored MinHash signature of each of these articles that has one."""
        return {i: bytes(s) for i, s in self._in("SELECT article_id, signature FROM fingerprints WHERE article_id IN ({marks})", list(ids))}

    def put_fingerprints(
        self,
        fingerprints: Mapping[str, tuple[bytes, list[tuple[int, int]]]],
        replaced: Mapping[str, Sequence[tuple[int, int]]] | None = None,
    ) -> None:
        """Store (replace) signatures and LSH bands of articles, deleting the ``replaced`` bands by their key
        (the band table has no index by article: it would double its size and its writes)."""
        with self.transaction():
            self._put_signatures(fingerprints, replaced)
            self._merge_rows("lsh_bands", BAND_COLUMNS, BAND_COLUMNS, band_rows(bands_of(fingerprints)))

    def _put_signatures(
        self,
        fingerprints: Mapping[str, tuple[bytes, list[tuple[int, int]]]],
        replaced: Mapping[str, Sequence[tuple[int, int]]] | None,
    ) -> None:
        """:meth:`put_fingerprints` but for the new bands: the signatures stored, the ``replaced`` bands deleted."""
        self._xmany(
            "DELETE FROM lsh_bands WHERE band = ? AND bucket = ? AND article_id = ?",
            band_rows(replaced or {}),
        )
        self._merge_rows(
            "fingerprints", ("article_id", "signature"), ("article_id",),
            [(i, sig) for i, (sig, _) in fingerprints.items()], replace=("signature",), mostly_new=not replaced,
        )

    def put_fingerprints_and_find_candidates(
        self,
        fingerprints: Mapping[str, tuple[bytes, list[tuple[int, int]]]],
        replaced: Mapping[str, Sequence[tuple[int, int]]] | None = None,
    ) -> dict[str, list[tuple[str, bytes, datetime | None]]]:
        """:meth:`put_fingerprints`, then :meth:`fingerprint_candidates` of the same bands, in one transaction."""
        with self.transaction():
            self.put_fingerprints(fingerprints, replaced)
            return self.fingerprint_candidates(bands_of(fingerprints))

    def fingerprint_candidates(
        self, bands: Mapping[str, Sequence[tuple[int, int]]]
    ) -> dict[str, list[tuple[str, bytes, datetime | None]]]:
        """For each article id, the other articles sharing one of its LSH bands, with their signatures and
        publication times: a few queries for a whole batch, not one per article."""
        return self._candidates_of(bands, self._band_sharers(band_rows(bands)))

    def _candidates_of(
        self, asking: Iterable[str], sharers: Iterable[tuple[str, str]]
    ) -> dict[str, list[tuple[str, bytes, datetime | None]]]:
        """:meth:`fingerprint_candidates` from the (asking article, other article) pairs that share a band."""
        shared: dict[str, set[str]] = {article_id: set() for article_id in asking}
        for article_id, other in sharers:
            shared[article_id].add(other)
        others = sorted(set().union(*shared.values())) if shared else []
        found = {
            i: (sig, parse_datetime(p))
            for i, sig, p in self._in(
                "SELECT f.article_id, f.signature, a.published FROM fingerprints f JOIN articles a ON a.id = f.article_id "
                "WHERE f.article_id IN ({marks})",
                others,
            )
        }
        return {
            article_id: [(other, found[other][0], found[other][1]) for other in sorted(ids) if other in found]
            for article_id, ids in shared.items()
        }

    def _band_sharers(self, wanted: Sequence[tuple[int, int, str]]) -> list[tuple[str, str]]:
        """(asking article, other article) pairs sharing a (band, bucket), for (band, bucket, asking id) rows."""
        pairs: list[tuple[str, str]] = []
        for start in range(0, len(wanted), CANDIDATE_BANDS_PER_QUERY):
            chunk = wanted[start : start + CANDIDATE_BANDS_PER_QUERY]
            pairs.extend(self._x(
                f"WITH q (band, bucket, article_id) AS (VALUES {', '.join(['(?, ?, ?)'] * len(chunk))}) "
                "SELECT DISTINCT q.article_id, b.article_id FROM q JOIN lsh_bands b ON b.band = q.band "
                "AND b.bucket = q.bucket WHERE b.article_id != q.article_id",
                [v for row in chunk for v in row],
            ))
        return pairs

    def duplicate_groups(self, ids: Iterable[str]) -> dict[str, str]:
        """The duplicate group (canonical id) of each of these ids that is in one."""
        return dict(self._in("SELECT article_id, group_id FROM duplicate_groups WHERE article_id IN ({marks})", list(ids)))

    def group_members(self, group_ids: Iterable[str]) -> set[str]:
        """Every member of these duplicate groups."""
        rows = self._in("SELECT article_id FROM duplicate_groups WHERE group_id IN ({marks})", list(group_ids))
        return {row[0] for row in rows}

    def members_info(self, ids: Iterable[str]) -> list[Member]:
        """Publication time and text length of articles, for choosing a group's canonical one."""
        rows = self._in("SELECT id, published, length(text) FROM articles WHERE id IN ({marks})", list(ids))
        return [Member(i, parse_datetime(p), n) for i, p, n in rows]

    def set_duplicate_groups(self, assignment: Mapping[str, str]) -> None:
        """Put articles in duplicate groups (article id → canonical id)."""
        with self.transaction():
            self._merge_rows(
                "duplicate_groups", ("article_id", "group_id"), ("article_id",), assignment.items(), replace=("group_id",)
            )

    def duplicates_of(self, article_id: str) -> list[Article]:
        """The article's duplicate group, canonical first (empty when it has no duplicate)."""
        row = self._x("SELECT group_id FROM duplicate_groups WHERE article_id = ?", (article_id,)).fetchone()
        if not row:
            return []
        rows = self._x(
            f"SELECT {_COLUMNS_A} FROM articles a JOIN duplicate_groups d ON d.article_id = a.id "
            "WHERE d.group_id = ? ORDER BY a.id = d.group_id DESC, a.published, a.id",
            (row[0],),
        ).fetchall()
        return [_row_to_article(r) for r in rows]

    # -- term vectors (related articles) -----------------------------------------

    def put_term_vectors(
        self, vectors: Mapping[str, Mapping[str, float]], published: Mapping[str, datetime | None]
    ) -> None:
        """Store (replace) articles' term vectors and the postings of their heaviest terms in the inverted
        index (``POSTED_TERMS``, each posting with its article's publication day); forget the kept related
        lists these articles may now join. An article's old postings go by its old vector's terms, all of
        them (a store from before ``POSTED_TERMS`` posted every term)."""
        with self.transaction():
            old = self.term_vectors(list(vectors))
            self._xmany(
                "DELETE FROM article_terms WHERE term = ? AND article_id = ?",
                [(term, i) for i, vector in old.items() for term in vector],
            )
            self._merge_rows(
                "article_vectors", ("article_id", "vector"), ("article_id",),
                [(i, orjson.dumps(vector).decode()) for i, vector in vectors.items()], replace=("vector",),
                mostly_new=not any(old.values()),  # an article without a stored vector has an empty one here
            )
            days = {i: epoch_day(published.get(i)) for i in vectors}
            # In term order, so that B-tree inserts touch each page once. Sorting on the term alone is
            # enough for that, and is three times faster than comparing whole rows (1.2 million of them
            # over the dump): an article's id only orders rows within a term, on the same few pages.
            self._insert_rows(
                "article_terms",
                ("term", "article_id", "weight", "published_day"),
                sorted(
                    (
                        (term, i, w, days[i])
                        for i, vector in vectors.items()
                        for term, w in heaviest(vector, POSTED_TERMS).items()
                    ),
                    key=itemgetter(0),
                ),
            )
            self._forget_related(days)

    def term_vectors(self, ids: Sequence[str]) -> dict[str, dict[str, float]]:
        """Stored term vectors of these articles (empty for an article without one)."""
        vectors: dict[str, dict[str, float]] = {i: {} for i in ids}
        for article_id, vector in self._in(
            "SELECT article_id, vector FROM article_vectors WHERE article_id IN ({marks})", list(ids)
        ):
            vectors[article_id] = orjson.loads(vector)
        return vectors

    def nearest_by_terms(
        self, vector: Mapping[str, float], limit: int, exclude: str, window: tuple[float, float] | None = None
    ) -> list[tuple[str, float]]:
        """Articles with the largest dot product with a term vector (an inverted-index search); with a
        ``window`` of epoch days, only those published inside it or undated."""
        if not vector:
            return []
        values = ",".join("(?, ?)" for _ in vector)
        params = [v for item in vector.items() for v in item]
        within, window_params = "", []
        if window is not None:
            within = " AND (t.published_day BETWEEN ? AND ? OR t.published_day IS NULL)"
            window_params = list(window)
        return list(
            self._x(
                f"WITH q(term, w) AS (VALUES {values}) "
                "SELECT t.article_id, SUM(t.weight * q.w) AS dot FROM q JOIN article_terms t ON t.term = q.term "
                f"WHERE t.article_id != ?{within} GROUP BY t.article_id ORDER BY dot DESC LIMIT ?",
                [*params, exclude, *window_params, limit],
            )
        )

    # -- kept related lists ---------------------------------------------------------

    def link_generation(self) -> int:
        """A number that grows whenever kept related lists are forgotten (read it before computing one)."""
        return int(self._x("SELECT generation FROM link_generation").fetchone()[0])

    def kept_related(self, article_id: str) -> KeptRelated | None:
        """The related lists kept for an article, if they are still current."""
        row = self._x("SELECT k, lists FROM related_lists WHERE article_id = ?", (article_id,)).fetchone()
        if row is None:
            return None
        lists = orjson.loads(row[1])
        read_also = tuple(lists["read_also"]) if lists["read_also"] else None
        return KeptRelated(int(row[0]), read_also, [tuple(pair) for pair in lists["similar"]], lists.get("version", 0))

    def forget_kept_related(self) -> None:
        """Forget every kept related list (they are computed again when asked for)."""
        with self.transaction():
            self._x("UPDATE link_generation SET generation = generation + 1")
            self._x("DELETE FROM related_lists")

    def keep_related(self, article_id: str, published: datetime | None, kept: KeptRelated, generation: int) -> bool:
        """Keep an article's related lists unless lists were forgotten since ``generation`` was read or
        the store is busy writing (the lists are a saving, not worth a wait)."""
        lists = orjson.dumps({"version": kept.version, "read_also": kept.read_also, "similar": kept.similar}).decode()

        def write() -> bool:
            # The generation row is read under a share lock (on PostgreSQL), so a concurrent
            # _forget_related, which bumps it first, either commits before this reads it or makes it wait.
            current = self._x(f"SELECT generation FROM link_generation{self._share_lock}").fetchone()[0]
            if int(current) != generation:
                return False
            self._x(
                "INSERT INTO related_lists (article_id, published_day, k, lists) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (article_id) DO UPDATE SET published_day = excluded.published_day, "
                "k = excluded.k, lists = excluded.lists",
                (article_id, epoch_day(published), kept.k, lists),
            )
            return True

        return self._write_without_waiting(write)

    _share_lock = ""  # PostgreSQL's " FOR SHARE"; SQLite's writers are serialized anyway

    def _write_without_waiting(self, write: Callable[[], bool]) -> bool:
        """Run ``write`` in a transaction and return what it says, or False at once (without waiting) when
        another writer holds the lock it needs."""
        raise NotImplementedError

    def _forget_related(self, days: Mapping[str, float | None]) -> None:
        """Forget the kept lists of these articles and of every article within the relevance horizon of
        one of them (undated ones included): only those lists can change when they change."""
        if not days:
            return
        self._x("UPDATE link_generation SET generation = generation + 1")
        self._in("DELETE FROM related_lists WHERE article_id IN ({marks})", list(days))
        if any(day is None for day in days.values()):  # an undated article may join any list
            self._x("DELETE FROM related_lists")
            return
        self._x("DELETE FROM related_lists WHERE published_day IS NULL")
        for low, high in _merged_spans(sorted(days.values()), RELEVANCE_HORIZON_DAYS):
            self._x("DELETE FROM related_lists WHERE published_day BETWEEN ? AND ?", (low, high))

    def articles_by_ids(self, ids: Sequence[str], text_chars: int | None = None) -> dict[str, Article]:
        """Stored articles by id, without tags; with only the first ``text_chars`` characters of text when given."""
        columns = _COLUMNS if text_chars is None else _COLUMNS.replace("text,", f"substr(text, 1, {int(text_chars)}),")
        rows = self._in(f"SELECT {columns} FROM articles WHERE id IN ({{marks}})", list(ids))
        return {row[0]: _row_to_article(row) for row in rows}

    def tags_of(self, ids: Sequence[str]) -> dict[str, set[str]]:
        """Tag keys of these articles."""
        keys: dict[str, set[str]] = {i: set() for i in ids}
        for article_id, key in self._in("SELECT article_id, key FROM article_tags WHERE article_id IN ({marks})", list(ids)):
            keys[article_id].add(key)
        return keys

    # -- stories ------------------------------------------------------------------

    def stories_of(self, ids: Sequence[str]) -> dict[str, str]:
        """The story of each of these articles that has one."""
        return dict(self._in("SELECT article_id, story_id FROM story_members WHERE article_id IN ({marks})", list(ids)))

    def assign_stories(self, assignment: Mapping[str, str]) -> None:
        """Put articles in stories (article id → story id); an article already placed keeps its story."""
        with self.transaction():
            self._merge_rows(
                "story_members", ("article_id", "story_id"), ("article_id",), assignment.items(), mostly_new=True
            )

    def recent_story_vectors(
        self, days: float, since: datetime | None = None
    ) -> list[tuple[str, datetime | None, str, dict[str, float]]]:
        """Articles placed in stories and published after ``since`` minus ``days`` (default: within
        ``days`` of the newest placed article), with their term vectors."""
        if since is None:
            newest = self._x(
                "SELECT MAX(a.published) FROM articles a JOIN story_members m ON m.article_id = a.id"
            ).fetchone()[0]
            if newest is None:
                return []
            since = parse_datetime(newest)
        since = isoformat_utc(since - timedelta(days=days))  # type: ignore[operator,assignment]
        rows = self._x(
            "SELECT a.id, a.published, m.story_id FROM articles a JOIN story_members m ON m.article_id = a.id "
            "WHERE a.published >= ? ORDER BY a.published",
            (since,),
        ).fetchall()
        vectors = self.term_vectors([r[0] for r in rows])
        return [(i, parse_datetime(p), story, vectors[i]) for i, p, story in rows]

    def story_articles(self, story_id: str) -> list[Article]:
        """A story's articles, oldest first."""
        rows = self._x(
            f"SELECT {_COLUMNS_A} FROM articles a JOIN story_members m ON m.article_id = a.id "
            "WHERE m.story_id = ? ORDER BY a.published, a.id",
            (story_id,),
        ).fetchall()
        return [_row_to_article(r) for r in rows]

    def active_stories(self, since: datetime) -> list[StoryActivity]:
        """Every story with an article published at or after ``since``, with counts over all its articles."""
        rows = self._x(
            "SELECT m.story_id, a.outlet, COUNT(*), MAX(a.published) "
            "FROM story_members m JOIN articles a ON a.id = m.article_id "
            "WHERE m.story_id IN (SELECT m2.story_id FROM articles a2 JOIN story_members m2 ON m2.article_id = a2.id "
            "WHERE a2.published >= ?) GROUP BY m.story_id, a.outlet ORDER BY m.story_id, a.outlet",
            (isoformat_utc(since),),
        ).fetchall()
        stories: dict[str, StoryActivity] = {}
        for story_id, outlet, n, published in rows:
            activity = stories.setdefault(story_id, StoryActivity(story_id, 0, [], None))
            activity.articles += n
            activity.outlets.append(outlet)
            moment = _stored_time(published)
            if moment and (activity.last_published is None or moment > activity.last_published):
                activity.last_published = moment
        return list(stories.values())

    # -- fetching state -------------------------------------------------------------

    def source_states(self) -> dict[str, SourceState]:
        """Every outlet's fetching state, by name."""
        rows = self._x(
            "SELECT name, last_poll, last_success, last_error, last_error_at, items_seen, articles, interval, next_poll "
            "FROM source_state"
        ).fetchall()
        return {
            r[0]: SourceState(r[0], _stored_time(r[1]), _stored_time(r[2]), r[3], _stored_time(r[4]), r[5], r[6], r[7],
                              _stored_time(r[8]))  # fmt: skip
            for r in rows
        }

    def save_source_state(self, state: SourceState) -> None:
        """Store (replace) an outlet's fetching state."""
        with self.transaction():
            self._x(
                "INSERT INTO source_state VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (name) DO UPDATE SET "
                "last_poll = excluded.last_poll, last_success = excluded.last_success, last_error = excluded.last_error, "
                "last_error_at = excluded.last_error_at, items_seen = excluded.items_seen, articles = excluded.articles, "
                "interval = excluded.interval, next_poll = excluded.next_poll",
                (state.name, isoformat_utc(state.last_poll), isoformat_utc(state.last_success), state.last_error,
                 isoformat_utc(state.last_error_at), state.items_seen, state.articles, state.interval,
                 isoformat_utc(state.next_poll)),
            )  # fmt: skip

    def http_validators(self, url: str) -> tuple[str | None, str | None]:
        """The ETag and Last-Modified last seen for a URL (None, None when unknown)."""
        row = self._x("SELECT etag, last_modified FROM http_cache WHERE url = ?", (url,)).fetchone()
        return (row[0], row[1]) if row else (None, None)

    def save_http_validators(self, url: str, etag: str | None, last_modified: str | None) -> None:
        """Remember a URL's validators for the next conditional GET."""
        with self.transaction():
            if etag or last_modified:
                self._x("INSERT INTO http_cache VALUES (?, ?, ?) ON CONFLICT (url) DO UPDATE SET "
                    "etag = excluded.etag, last_modified = excluded.last_modified", (url, etag, last_modified))
            else:
                self._x("DELETE FROM http_cache WHERE url = ?", (url,))

    def feed_item_fingerprints(self, urls: Sequence[str]) -> dict[str, str]:
        """The fingerprint recorded for each of these item URLs that was handled before."""
        return dict(self._in("SELECT url, fingerprint FROM feed_items WHERE url IN ({marks})", list(urls)))

    def record_feed_items(self, items: Sequence[tuple[str, str, str, str | None]]) -> None:
        """Record handled items as (url, source, fingerprint, article id or None)."""
        now = isoformat_utc(datetime.now(UTC))
        with self.transaction():
            self._xmany(
                "INSERT INTO feed_items (url, source, fingerprint, article_id, first_seen, last_seen) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (url) DO UPDATE SET fingerprint = excluded.fingerprint, "
                "article_id = COALESCE(excluded.article_id, feed_items.article_id), last_seen = excluded.last_seen",
                [(url, source, fp, article_id, now, now) for url, source, fp, article_id in items],
            )

    # -- reading ------------------------------------------------------------------

    def latest_articles(self, limit: int, offset: int = 0, outlet: str | None = None) -> list[Article]:
        """Articles newest first (of one outlet when given), one page."""
        where, params = ("WHERE outlet = ? ", [outlet]) if outlet else ("", [])
        rows = self._x(
            f"SELECT {_COLUMNS} FROM articles {where}ORDER BY published DESC, id LIMIT ? OFFSET ?",
            [*params, limit, offset],
        ).fetchall()
        return [_row_to_article(r) for r in rows]

    def count_outlet(self, outlet: str) -> int:
        """How many articles an outlet has."""
        return int(self._x("SELECT COUNT(*) FROM articles WHERE outlet = ?", (outlet,)).fetchone()[0])

    def newest_published(self) -> datetime | None:
        """The publication time of the newest article (None for an empty store)."""
        return parse_datetime(self._x("SELECT MAX(published) FROM articles").fetchone()[0])

    def _known_hashes(self, ids: list[str]) -> dict[str, str]:
        """Content hashes of the ids already stored."""
        return dict(self._in("SELECT id, content_hash FROM articles WHERE id IN ({marks})", ids))

    def get_article(self, article_id: str) -> Article | None:
        """One article by id, or None."""
        row = self._x(f"SELECT {_COLUMNS} FROM articles WHERE id = ?", (article_id,)).fetchone()
        if not row:
            return None
        article = _row_to_article(row)
        article.tags = self.get_tags(article_id)
        return article

    def iter_articles(self, batch_size: int = 1000) -> Iterator[Article]:
        """Every stored article, in id order, read in pages (keyset pagination)."""
        last = ""
        while True:
            rows = self._x(
                f"SELECT {_COLUMNS} FROM articles WHERE id > ? ORDER BY id LIMIT ?", (last, batch_size)
            ).fetchall()
            if not rows:
                return
            for row in rows:
                yield _row_to_article(row)
            last = rows[-1][0]

    def count(self) -> int:
        """How many articles are stored."""
        return int(self._x("SELECT COUNT(*) FROM articles").fetchone()[0])

    def stats(self) -> Stats:
        """Counts in total, by outlet (most first) and by UTC day of publication."""
        by_outlet = dict(
            self._x("SELECT outlet, COUNT(*) AS n FROM articles GROUP BY outlet ORDER BY n DESC, outlet")
        )
        by_day = dict(
            self._x(
                "SELECT COALESCE(substr(published, 1, 10), 'unknown') AS day, COUNT(*) FROM articles "
                "GROUP BY day ORDER BY day"
            )
        )
        return Stats(articles=sum(by_outlet.values()), by_outlet=by_outlet, by_day=by_day)
