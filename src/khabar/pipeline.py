"""The one path every article takes: normalize → store → enrich → link.

Dumps, feeds and pages all hand their records to :func:`ingest_records`.
Normalization happens when a record becomes an :class:`~khabar.model.Article`
(:func:`khabar.ingest.dumps.record_to_article`); the store writes each batch
in one transaction, so a process killed mid-ingest leaves whole batches only,
and running again completes the job (writes are idempotent upserts). Enrich
and link stages run on the ids each batch stored or changed.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from functools import partial

from khabar.allocator import freed_memory_kept
from khabar.cluster import require_shared_store
from khabar.enrich import EnrichSettings, enrich_article, stats_snapshot, worker_store
from khabar.enrich.tags import document_of, tagger_stamp
from khabar.errors import RecordError
from khabar.ingest.dumps import Problem, Record, read_dump, record_to_article
from khabar.link import Linker
from khabar.link.duplicates import fingerprint_of_words
from khabar.link.similarity import weigh_terms
from khabar.model import Article
from khabar.parallel import chunked, seldom_collections, worker_pool
from khabar.search import index_fields, word_pairs
from khabar.store import Store
from khabar.text.reading import read_text

log = logging.getLogger(__name__)

BATCH_SIZE = 1000  # articles in the first store transaction (at least; a batch ends with a chunk)
# Each later batch is twice the one before, up to this. A batch's postings, LSH bands and statistics land
# all over their B-trees, so once those are large a commit rewrites most of their pages whatever the
# batch size: larger batches write each page for more articles (bench/ingest.py on 100k records:
# 384–393 → 443–451 records/s; docs/benchmarks.md). The first ones stay small so that the workers
# soon tag with statistics from the store.
MAX_BATCH_SIZE = 5000
# Once every record has been handed to the workers, batches are cut at this size: the workers are
# finishing the last chunks, and a main process that stored the whole remainder at the end did it alone,
# with the other core idle (about 4 s at the end of the 31k dump; docs/benchmarks.md). At the end the main
# process is behind the workers, and a batch costs it more per article the smaller it is: 2,000 ended
# the dump 0.5 s sooner than 1,000 (six runs each, alternating), 3,000 no sooner than 2,000.
TAIL_BATCH_SIZE = 2000
CHUNK_SIZE = 250  # records per unit of normalization work
MAX_PROBLEMS_KEPT = 200

# A stage after storing: it gets the store and the ids a batch stored or changed.
Stage = Callable[[Store, Sequence[str]], None]


@dataclass
class IngestReport:
    """What an ingest did: records read, articles stored, updated, unchanged, and what was skipped why."""

    read: int = 0
    stored: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    problems: list[Problem] = field(default_factory=list)
    duplicate_pairs: int = 0

    @property
    def skipped_total(self) -> int:
        """Records and file parts that could not be used."""
        return sum(self.skipped.values())

    def skip(self, problem: Problem) -> None:
        """Count and log one skipped record."""
        reason = problem.reason.split(":", 1)[0]
        self.skipped[reason] += 1
        if len(self.problems) < MAX_PROBLEMS_KEPT:
            self.problems.append(problem)
        log.info("skipped %s: %s", problem.where, problem.reason)

    def to_dict(self) -> dict:
        """The JSON shape of the ingest summary."""
        return {
            "read": self.read,
            "stored": self.stored,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "skipped": self.skipped_total,
            "skipped_by_reason": dict(self.skipped),
            "duplicate_pairs": self.duplicate_pairs,
        }


@dataclass
class PreparedChunk:
    """Articles normalized and enriched (or the problems instead), with the corpus statistics the new ones add."""

    items: list[Article | Problem]
    term_counts: Counter[str]
    new_documents: int


def _prepare_chunk(
    chunk: list[Record | Problem], settings: EnrichSettings | None, link: bool, search: bool, pairs: bool = False
) -> PreparedChunk:
    """Normalize and enrich a chunk of raw records (in a worker process when there are several).

    Statistics keys are counted here, for the articles the store does not
    hold yet, so that only one small table of counts per chunk travels back.
    ``pairs`` adds each text's word pairs to its search fields, for a store
    that keeps them (:attr:`khabar.store.Store.keeps_word_pairs`).
    """
    stats = stats_snapshot(settings) if settings else None
    done: list[Article | Problem] = []
    articles: list[Article] = []
    for item in chunk:
        if isinstance(item, Problem):
            done.append(item)
            continue
        try:
            article = record_to_article(item.data)
        except RecordError as exc:
            done.append(Problem(item.where, str(exc), was_read=True))
            continue
        done.append(article)
        articles.append(article)
    # Each step runs over the whole chunk before the next one starts. Article by article, the steps took
    # 15% more CPU for the same work (1.10 against 0.96 ms an article, scratch timings alternating on
    # 3,000 records of the dump; docs/benchmarks.md): each step's code and tables are evicted from the
    # processor's caches by the others between one article and the next.
    # Each text is read once, when a later step needs it: its clauses feed the tags, its terms
    # search and linking, its words' hashes near-duplicates.
    if search or link or settings:
        reads = [(read_text(article.title), read_text(article.text)) for article in articles]
    if search or link:
        terms = [(title.terms(), text.terms()) for title, text in reads]
        text_hashes = [text.word_hashes() for _, text in reads]
    if search:
        for article, (title, _), (title_terms, text_terms), hashes in zip(articles, reads, terms, text_hashes):
            both = word_pairs(title.word_hashes(), hashes) if pairs else None  # for a store that keeps them
            article.search_fields = index_fields(article, title_terms, text_terms, both)
    keys: dict[str, frozenset[str]] = {}
    if settings:
        for article, (title, text) in zip(articles, reads):
            keys[article.id] = enrich_article(article, stats, settings.k, document_of(title, text))
    if link:
        for article, (title_terms, text_terms), hashes in zip(articles, terms, text_hashes):
            article.fingerprint = fingerprint_of_words(hashes)
            article.vector = weigh_terms(title_terms, text_terms, stats)
    counts: Counter[str] = Counter()
    new = 0
    if settings and keys:
        stored = worker_store(settings.store_url).stored_ids(list(keys)) if settings.store_url else set()
        for article_id, article_keys in keys.items():
            if article_id not in stored:
                counts.update(article_keys)
                new += 1
    return PreparedChunk(done, counts, new)


def add_counts(total: dict[str, int], more: Mapping[str, int]) -> None:
    """Add ``more``'s counts to ``total``, key by key.

    What ``Counter.update`` does, written out: that one is Python in the standard library, so it stayed
    interpreted where this module is compiled (setup.py), and merging the workers' counts took about
    0.9 s of the main process over the dump (under cProfile).
    """
    get = total.get
    for key, count in more.items():
        total[key] = get(key, 0) + count


def ingest_records(
    store: Store,
    items: Iterable[Record | Problem],
    *,
    stages: Sequence[Stage] = (),
    batch_size: int = BATCH_SIZE,
    workers: int = 1,
    enrich: bool = True,
    link: bool = True,
    search: bool = True,
    on_batch: Callable[[IngestReport], None] | None = None,
    max_batch_size: int = MAX_BATCH_SIZE,
    scheduler: str | None = None,
) -> IngestReport:
    """Run raw records through the pipeline into ``store`` and report what happened.

    Normalizing and enriching (tags, with a snapshot of the store's corpus
    statistics) may run in ``workers`` processes, or with ``scheduler`` (a Dask
    scheduler's address) on that cluster's workers (:mod:`khabar.cluster`); storing (an article and its
    tags in one transaction), counting statistics and linking run here, one
    batch at a time, in input order. ``enrich=False`` skips tags and
    statistics, ``link=False`` skips linking (near-duplicates, related-article
    vectors, stories), ``search=False`` skips the search index (the benchmark
    uses these to measure each stage; every command keeps them all on).
    Batches start at ``batch_size`` articles and double up to ``max_batch_size``; once every record is
    with the workers, they are cut at ``TAIL_BATCH_SIZE`` (see there).
    """
    if scheduler:
        require_shared_store(store.dialect)
    report = IngestReport()
    if enrich and store.corpus_documents() == 0:  # no article tagged yet: every tag will be this code's
        store.set_tagger_stamp(tagger_stamp())
    batch_size = min(batch_size, max_batch_size)
    batch: list[Article] = []
    term_counts: Counter[str] = Counter()
    new_documents = 0
    linker = Linker(store) if link else None

    def flush() -> None:
        # One transaction for the whole batch: an article is never stored without its statistics and
        # links. With one per step, a process killed between them left articles that a rerun finds
        # unchanged, and so never counts or links. One commit also writes each page once.
        nonlocal term_counts, new_documents, batch_size
        with store.transaction():
            result = store.upsert_articles(batch, search=search)
            if new_documents:
                store.add_term_stats(term_counts, new_documents)
            if linker:
                changed = set(result.changed_ids)
                pairs = linker.link([a for a in batch if a.id in changed])
            for stage in stages:
                stage(store, result.changed_ids)
        report.stored += result.stored
        report.updated += result.updated
        report.unchanged += result.unchanged
        if linker:
            report.duplicate_pairs += pairs
        term_counts, new_documents = Counter(), 0
        batch.clear()
        batch_size = min(2 * batch_size, max_batch_size)
        if on_batch:
            on_batch(report)

    settings = EnrichSettings(store.url) if enrich else None
    work = partial(_prepare_chunk, settings=settings, link=link, search=search, pairs=search and store.keeps_word_pairs)
    all_handed_out = False

    def chunks() -> Iterator[list[Record | Problem]]:
        nonlocal all_handed_out
        yield from chunked(items, CHUNK_SIZE)
        all_handed_out = True

    # Fewer cycle collections while the batches pass (see GC_THRESHOLD), and on PostgreSQL freed memory
    # reused rather than faulted in again (khabar.allocator). On SQLite it made the main process's peak
    # 140-170 MB larger for 1% of the ingest's time (docs/benchmarks.md), so SQLite goes without.
    keep_memory = freed_memory_kept() if store.dialect == "postgres" else nullcontext()
    with seldom_collections(), keep_memory:
        with worker_pool(workers, scheduler) as pool:
            # While a batch is stored, the workers prepare the next one: enough chunks in flight to fill it.
            ahead = 4 * pool.slots + max_batch_size // CHUNK_SIZE
            for prepared in pool.map(work, chunks(), ahead):
                add_counts(term_counts, prepared.term_counts)
                new_documents += prepared.new_documents
                for item in prepared.items:
                    if isinstance(item, Problem):
                        report.read += item.was_read
                        report.skip(item)
                        continue
                    report.read += 1
                    batch.append(item)
                # A chunk's statistics come as one count, so a batch ends only where a chunk does: the counts it
                # commits are those of its own articles (cut inside a chunk, a kill between the two batches left
                # counts without their articles, and the rerun counted them again).
                if len(batch) >= (min(batch_size, TAIL_BATCH_SIZE) if all_handed_out else batch_size):
                    flush()
        # The last batch is stored once the workers are gone (their pool shut down).
        if batch or new_documents:
            flush()
        elif on_batch:
            on_batch(report)
    if search and report.stored + report.updated:
        store.merge_pending_search_entries()
    return report


def ingest_paths(
    store: Store,
    paths: Iterable[str],
    *,
    stages: Sequence[Stage] = (),
    batch_size: int = BATCH_SIZE,
    workers: int = 1,
    enrich: bool = True,
    link: bool = True,
    search: bool = True,
    on_batch: Callable[[IngestReport], None] | None = None,
    max_batch_size: int = MAX_BATCH_SIZE,
    scheduler: str | None = None,
) -> IngestReport:
    """Ingest dump files (JSON Lines, JSON, CSV; gzip or not) into ``store`` (see :func:`ingest_records`)."""

    def records() -> Iterable[Record | Problem]:
        for path in paths:
            log.info("reading %s", path)
            yield from read_dump(path)

    return ingest_records(
        store, records(), stages=stages, batch_size=batch_size, workers=workers, enrich=enrich, link=link,
        search=search, on_batch=on_batch, max_batch_size=max_batch_size, scheduler=scheduler,
    )
