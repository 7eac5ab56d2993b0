"""The SQLite store: migrations, upserts, reading back, stats."""

import random
import sqlite3
import threading
import time

import psycopg
from datetime import datetime, timezone

import pytest
from conftest import scalar

from khabar.errors import ConfigError, StoreError
from khabar.model import Article, Tag
from khabar.search import SearchFilters, parse_query
from khabar.store import open_store
from khabar.store.postgres import close_pool
from khabar.store.migrations import load_migrations


def _article(n: int, text: str = "نص الخبر", outlet: str = "alriyadh") -> Article:
    return Article.create(
        outlet=outlet,
        title=f"عنوان {n}",
        text=f"{text} {n}",
        url=f"http://example.com/{n}",
        published=datetime(2015, 7, 20 + n % 3, 12, tzinfo=timezone.utc),
        publisher_tags=["العراق"],
    )


def test_new_store_is_migrated_to_the_latest_version(store):
    assert store.schema_version() == len(load_migrations(store.dialect)) >= 1
    if store.dialect == "sqlite":
        assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_a_store_migrated_by_a_newer_khabar_is_refused_with_what_to_do(db_url):
    """A store past the migrations this code knows would meet tables its statements were not written
    for: opening it says so, and leaves the store as it was."""
    with open_store(db_url) as store:
        latest = store.schema_version()
        store._x("INSERT INTO schema_migrations VALUES (?, ?, ?)", (latest + 1, "9999_future.sql", "2030-01-01T00:00:00Z"))
    with pytest.raises(StoreError, match=rf"newer khabar \(schema {latest + 1}; this version knows up to {latest}\); upgrade"):
        open_store(db_url)
    assert scalar(db_url, "SELECT MAX(version) FROM schema_migrations") == latest + 1


def test_new_sqlite_file_gets_large_pages_and_an_old_one_keeps_its_own(tmp_path):
    from khabar.store.sqlite import PAGE_SIZE

    with open_store(str(tmp_path / "new.db")) as s:
        assert s.conn.execute("PRAGMA page_size").fetchone()[0] == PAGE_SIZE != 4096
    old = tmp_path / "old.db"
    conn = sqlite3.connect(old)  # a file made with SQLite's default 4 KB pages, as stores were before
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("CREATE TABLE t (x)")
    conn.close()
    with open_store(str(old)) as s:
        assert s.conn.execute("PRAGMA page_size").fetchone()[0] == 4096
        s.upsert_articles([_article(1)])
        assert s.count() == 1


def test_reopening_applies_nothing_twice(db_url):
    with open_store(db_url) as s:
        s.upsert_articles([_article(1)])
    with open_store(db_url if "://" in db_url else f"sqlite:///{db_url}") as s:
        assert s.count() == 1
        rows = s.conn.execute("SELECT COUNT(*) FROM schema_migrations").fetchone()[0]
        assert rows == s.schema_version()


def test_upsert_counts_new_changed_and_unchanged(store):
    first = store.upsert_articles([_article(i) for i in range(5)])
    assert (first.stored, first.updated, first.unchanged) == (5, 0, 0)
    again = store.upsert_articles([_article(i) for i in range(5)])
    assert (again.stored, again.updated, again.unchanged) == (0, 0, 5)
    changed = store.upsert_articles([_article(0, text="نص معدل"), _article(9)])
    assert (changed.stored, changed.updated, changed.unchanged) == (1, 1, 0)
    assert store.count() == 6
    assert store.get_article(_article(0).id).text == "نص معدل 0"


def test_two_writers_storing_one_new_article_at_once_keep_one_copy(db_url):
    """Two processes store the same new article at once (two fetchers on overlapping outlets). The second
    looked it up before the first committed; its insert then waits, and must notice the first's copy:
    one row, one search entry, its tags counted once; the other new article of its batch is stored too."""
    from khabar.model import Tag

    first, second = _article(1), _article(1, text="نص آخر")  # one id (the URL), two versions
    first.tags = [Tag(display="العراق", key="عراق", score=1.0)]
    second.tags = [Tag(display="العراق", key="عراق", score=1.0), Tag(display="بغداد", key="بغداد", score=0.5)]
    with open_store(db_url) as a, open_store(db_url) as b:
        later = threading.Thread(target=b.upsert_articles, args=([second, _article(2)],))
        with a.transaction():
            a.upsert_articles([first])
            later.start()
            time.sleep(0.5)  # the second writer is now inside its transaction, waiting for the first
        later.join(timeout=30)
        assert not later.is_alive()
        assert a.count() == 2
        assert a.get_article(first.id).text == second.text  # the last writer's version
        assert a.get_article(_article(2).id).text == _article(2).text
        assert [t.display for t in a.get_tags(first.id)] == ["العراق", "بغداد"]
        assert (a.count_tag("عراق"), a.count_tag("بغداد")) == (1, 1)
        assert a.tag_display("عراق") == "العراق"
        uses = a.conn.execute("SELECT key, uses FROM tag_forms WHERE uses != 0 ORDER BY key").fetchall()
        assert sorted(tuple(row) for row in uses) == [("بغداد", 1), ("عراق", 1)]
        assert a.conn.execute("SELECT COUNT(*) FROM search_index").fetchone()[0] == 2


def _server_has_lz4(url: str) -> bool:
    with psycopg.connect(url) as conn:
        try:
            conn.execute("SET default_toast_compression = 'lz4'")
        except psycopg.Error:  # a server built without lz4
            return False
    return True


def test_postgresql_compresses_long_texts_with_lz4(postgres_cluster):
    url = postgres_cluster.database()
    long_text = "نص الخبر الطويل " * 2000  # far past the 2 KB at which PostgreSQL compresses a value
    lz4 = _server_has_lz4(url)  # without it the migration keeps PostgreSQL's default, pglz
    with open_store(url) as store:
        store.upsert_articles([_article(1, text=long_text)])
        methods = store.conn.execute(
            "SELECT attname, attcompression FROM pg_attribute WHERE attrelid IN ('articles'::regclass, "
            "'search_index'::regclass) AND attname IN ('text', 'document')"
        ).fetchall()
        assert dict(methods) == ({"text": "l", "document": "l"} if lz4 else {"text": "", "document": ""})
        stored = store.conn.execute("SELECT pg_column_compression(text) FROM articles").fetchone()[0]
        assert stored == ("lz4" if lz4 else "pglz")
        assert store.get_article(_article(1).id).text == _article(1, text=long_text).text
    postgres_cluster.drop(url)


def _documents_out_of_their_rows(store) -> int:
    """How many values of search_index PostgreSQL keeps in its TOAST table (chunks of one or more)."""
    toast = store.conn.execute("SELECT reltoastrelid::regclass::text FROM pg_class WHERE oid = 'search_index'::regclass")
    return store.conn.execute(f"SELECT COUNT(DISTINCT chunk_id) FROM {toast.fetchone()[0]}").fetchone()[0]


def test_postgresql_keeps_search_documents_in_their_rows(postgres_cluster):
    """A search document of a few KB stays in its row (ranking reads it whole), also one stored before."""
    url = postgres_cluster.database()
    rng = random.Random(5)
    letters = "ابتثجحخدذرزسشصضطظعغفقكلمنهوي"
    words = ["".join(rng.choice(letters) for _ in range(7)) for _ in range(300)]  # few repeats: lz4 keeps ~4 KB
    with open_store(url) as store:
        store.upsert_articles([_article(1, text=" ".join(words))])
        size = store.conn.execute("SELECT pg_column_size(document) FROM search_index").fetchone()[0]
        assert 2_100 < size < 8_000  # past the 2 KB at which PostgreSQL would move it out by default
        assert _documents_out_of_their_rows(store) == 0
        # as a store written before the migration had it: the document in TOAST
        with store.transaction():
            store.conn.execute("ALTER TABLE search_index RESET (toast_tuple_target)")
            store.conn.execute("UPDATE search_index SET document = document || ''::tsvector")
            store.conn.execute(  # that migration and every later one (written to run again unharmed)
                "DELETE FROM schema_migrations WHERE version >= "
                "(SELECT version FROM schema_migrations WHERE name LIKE '%search_documents_in_the_row%')"
            )
        assert _documents_out_of_their_rows(store) == 1
    close_pool(url)
    with open_store(url) as store:  # the migration runs again and rewrites the table
        assert _documents_out_of_their_rows(store) == 0
        assert [hit[0] for hit in store.search(parse_query(words[7]), SearchFilters(), 10)] == [_article(1).id]
    postgres_cluster.drop(url)


def test_postgresql_text_compares_byte_by_byte_in_every_table(postgres_cluster):
    """Whatever the database's default collation: SQLite's order, and no strcoll in the B-trees."""
    url = postgres_cluster.database()
    with open_store(url) as store:
        columns = store.conn.execute(
            "SELECT c.table_name, c.column_name, c.collation_name FROM information_schema.columns c "
            "JOIN information_schema.tables t USING (table_schema, table_name) "
            "WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE' AND c.data_type = 'text'"
        ).fetchall()
        assert len(columns) > 40
        assert [(t, c) for t, c, collation in columns if collation != "C"] == []
        store.upsert_articles([_article(1), _article(2)])
        assert store.conn.execute("SELECT 'ب' < 'ا' COLLATE \"C\", 'Z' < 'a' COLLATE \"C\"").fetchone() == (False, True)
        assert [a.id for a in store.iter_articles(batch_size=1)] == sorted([_article(1).id, _article(2).id])
    postgres_cluster.drop(url)


def test_postgresql_connections_compile_no_statement(postgres_cluster):
    """Every pooled connection, the first and those opened while it is in use, has JIT compilation off."""
    url = postgres_cluster.database()
    with open_store(url) as store, open_store(url) as other:
        assert store.conn is not other.conn
        for conn in (store.conn, other.conn):
            assert conn.execute("SHOW jit").fetchone()[0] == "off"
            # the server's default is on: the setting is the connection's own
            assert conn.execute("SELECT reset_val FROM pg_settings WHERE name = 'jit'").fetchone()[0] == "on"
    postgres_cluster.drop(url)


def test_postgresql_counter_updates_stay_on_their_page(postgres_cluster):
    """Adding to counted terms rewrites their rows beside the old versions (heap-only), no index touched."""
    url = postgres_cluster.database()
    with open_store(url) as store:
        keys = [f"term{n:05d}" for n in range(3000)]  # fills some 20 pages of term_stats
        store.add_term_stats(dict.fromkeys(keys, 1), documents=1)
        again = keys[::5]  # a later batch sees a fifth of the terms again
        with store.transaction():
            store.add_term_stats(dict.fromkeys(again, 1), documents=1)
            updated, heap_only = store.conn.execute(
                "SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_xact_user_tables WHERE relname = 'term_stats'"
            ).fetchone()
        assert updated == len(again)
        assert heap_only == len(again)  # on full pages (fill factor 100) most went to other pages
        assert store.load_term_stats().counts[again[1]] == 2
    postgres_cluster.drop(url)


def test_statistics_added_twice_in_one_transaction_count_once_each(store):
    """On PostgreSQL the rows of a merge pass through a staging table, emptied after each use: a second
    merge in the same transaction must not bring the first one's rows again."""
    with store.transaction():
        store.add_term_stats({"عراق": 1, "بغداد": 1}, documents=1)
        store.add_term_stats({"عراق": 1}, documents=1)
    stats = store.load_term_stats()
    assert (stats.documents, stats.counts["عراق"], stats.counts["بغداد"]) == (2, 2, 1)


def test_copied_values_come_back_exactly(store):
    """PostgreSQL takes a batch's rows by COPY, in its binary format: what COPY's text format has to escape
    (backslashes, a \\N that reads as NULL, line breaks, tabs), floats to their last bit and every byte
    value of a signature come back as they went in, through each table a batch copies into. SQLite, which
    inserts them, the same."""
    awkward = "سطر \\N وخط\\ مائل\nسطر\tثان\r"
    article = _article(7, text=awkward)
    assert "\\N" in article.text and "\n" in article.text  # what display normalization keeps of it
    store.upsert_articles([article])
    assert store.get_article(article.id).text == article.text
    store.add_term_stats({awkward: 3}, documents=3)
    assert store.load_term_stats().counts[awkward] == 3
    tag = Tag(display=awkward, key=awkward, score=0.1 + 0.2)
    store.set_tags({article.id: [tag]})
    assert store.get_tags(article.id) == [tag]
    assert store.tag_display(awkward) == awkward
    signature = bytes(range(256)) + bytes(range(128))  # 96 values of 4 bytes, every byte value
    store.put_fingerprints({article.id: (signature, [(0, 2**62 + 1), (1, 7)])})
    assert store.signatures([article.id]) == {article.id: signature}
    assert store.fingerprint_candidates({"other": [(0, 2**62 + 1)]})["other"][0][:2] == (article.id, signature)
    weight = 0.1 + 0.2  # 0.30000000000000004
    store.put_term_vectors({article.id: {awkward: weight}}, {article.id: article.published})
    assert store.term_vectors([article.id]) == {article.id: {awkward: weight}}
    assert store.nearest_by_terms({awkward: 1.0}, limit=5, exclude="other") == [(article.id, weight)]


def test_stored_ids_are_found_among_many_asked_at_once(store):
    """More ids than one statement's placeholders hold on SQLite (chunks of 500), one array on PostgreSQL."""
    stored = [_article(i) for i in range(3)]
    store.upsert_articles(stored)
    asked = [f"missing-{n}" for n in range(1200)] + [a.id for a in stored] + ["it's \\ \"odd\", {x}"]
    assert store.stored_ids(asked) == {a.id for a in stored}
    assert store.stored_ids([]) == set()


def test_round_trip_keeps_every_field(store):
    original = _article(3)
    store.upsert_articles([original])
    back = store.get_article(original.id)
    assert back.to_record() == original.to_record()
    assert store.get_article("nope") is None
    assert [a.id for a in store.iter_articles(batch_size=2)] == [original.id]


def test_iter_articles_pages_through_everything(store):
    store.upsert_articles([_article(i) for i in range(25)])
    ids = [a.id for a in store.iter_articles(batch_size=7)]
    assert len(ids) == 25 == len(set(ids)) and ids == sorted(ids)


def test_stats_by_outlet_and_day(store):
    store.upsert_articles([_article(i, outlet="a" if i < 4 else "b") for i in range(6)])
    stats = store.stats()
    assert stats.articles == 6
    assert stats.by_outlet == {"a": 4, "b": 2}
    assert sum(stats.by_day.values()) == 6 and set(stats.by_day) == {"2015-07-20", "2015-07-21", "2015-07-22"}


def test_a_failed_batch_leaves_nothing_behind(store, monkeypatch):
    store.upsert_articles([_article(1)])
    bad = _article(2)
    bad.title = None  # NOT NULL in the schema: the whole batch must roll back
    with pytest.raises((sqlite3.IntegrityError, psycopg.errors.IntegrityError)):
        store.upsert_articles([_article(3), bad])
    assert store.count() == 1


def test_bad_urls_and_files_give_clear_errors(tmp_path):
    with pytest.raises(ConfigError, match="three slashes"):
        open_store("sqlite://k.db")
    with pytest.raises(ConfigError, match="no 'mysql' backend"):
        open_store("mysql://localhost/k")
    with pytest.raises(StoreError, match="cannot connect") as refused:
        open_store("postgresql://khabar:secret@127.0.0.1:9/none?connect_timeout=1")
    assert "secret" not in str(refused.value), "no password in messages"
    with pytest.raises(StoreError, match="does not exist"):
        open_store(str(tmp_path / "missing" / "k.db"))
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StoreError, match="khabar SQLite file"):
        open_store(str(junk))


def test_khabar_db_environment_variable(tmp_path, monkeypatch):
    monkeypatch.setenv("KHABAR_DB", str(tmp_path / "env.db"))
    with open_store() as s:
        assert s.path == tmp_path / "env.db"


def test_a_new_sqlite_store_opened_by_many_at_once_opens_for_all(tmp_path):
    """Threads (a web server's, a fetcher's) that open a store file not yet made, at the same moment:
    each waits its turn for the journal mode and the migrations instead of failing as locked."""
    import threading

    for attempt in range(5):
        path = tmp_path / f"new{attempt}.db"
        barrier = threading.Barrier(12)
        failures: list[BaseException] = []

        def open_it() -> None:
            barrier.wait()
            try:
                with open_store(str(path)) as store:
                    store.count()
            except BaseException as exc:  # noqa: BLE001 - collected for the assertion
                failures.append(exc)

        threads = [threading.Thread(target=open_it) for _ in range(12)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert failures == []


def test_a_new_sqlite_store_opens_while_another_is_writing_it(tmp_path, saudinewsnet_sample):
    """One thread creates a store and ingests into it (as `khabar up` does) while another opens the same
    new file again and again (as its web server, or a watcher, does): every open succeeds."""
    import threading

    from khabar.ingest.dumps import Record
    from khabar.pipeline import ingest_records

    records = [Record(raw, f"sample:{n}") for n, raw in enumerate(saudinewsnet_sample[:60])]
    failures: list[BaseException] = []
    for attempt in range(8):
        path = str(tmp_path / f"busy{attempt}.db")
        barrier = threading.Barrier(2)

        def write() -> None:
            barrier.wait()
            try:
                with open_store(path) as store:
                    ingest_records(store, records)
            except BaseException as exc:  # noqa: BLE001 - collected for the assertion
                failures.append(exc)

        def read() -> None:
            barrier.wait()
            try:
                for _ in range(10):
                    with open_store(path) as store:
                        store.count()
            except BaseException as exc:  # noqa: BLE001 - collected for the assertion
                failures.append(exc)

        threads = [threading.Thread(target=write), threading.Thread(target=read)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert failures == []
