"""Enrichment: what khabar learns about each article (keyword tags; entities later).

:func:`enrich_article` is the step the pipeline runs on every article, in the
worker processes: it cleans the publisher's tags and computes khabar's own,
with a snapshot of the store's corpus statistics (refreshed every few
seconds, so an ingest learns as it goes). :func:`retag` recomputes the
statistics and every article's tags once the corpus has moved.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import dataclass
from functools import partial

from khabar.cluster import require_shared_store
from khabar.enrich.tags import DEFAULT_K, Document, analyse, clean_publisher_tags, tagger_stamp
from khabar.model import Article
from khabar.parallel import chunked, worker_pool
from khabar.stats import CounterStats
from khabar.store import Store, open_store

STATS_MIN_AGE_SECONDS = 5.0  # a snapshot is kept at least this long…
STATS_GROWTH = 1.5  # …and reloaded once the corpus has grown by this factor
_snapshots: dict[tuple[str, int], tuple[float, CounterStats]] = {}
# Each thread's own stores: a local worker process has one thread, but a Dask worker may run tasks in
# several (khabar.cluster), and a store's connection is not to be shared between threads.
_local = threading.local()


def worker_store(url: str) -> Store:
    """This thread's own connection to a store (workers read statistics through it), opened once."""
    stores: dict[str, Store] = _local.__dict__.setdefault("stores", {})
    if url not in stores:
        stores[url] = open_store(url)
    return stores[url]


@dataclass(frozen=True)
class EnrichSettings:
    """What the enrich step needs in a worker: where the statistics are, and how many tags."""

    store_url: str | None
    k: int = DEFAULT_K
    generation: int = 0  # a new number forces a fresh statistics snapshot


def stats_snapshot(settings: EnrichSettings) -> CounterStats | None:
    """The store's corpus statistics as this process last read them.

    Read again when the corpus has grown by ``STATS_GROWTH`` since (checked
    at most every ``STATS_MIN_AGE_SECONDS``): an ingest learns as it goes
    without reading the whole table for every chunk.
    """
    if settings.store_url is None:
        return None
    cache_key = (settings.store_url, settings.generation)
    cached = _snapshots.get(cache_key)
    now = time.monotonic()
    if cached and now - cached[0] < STATS_MIN_AGE_SECONDS:
        return cached[1]
    store = worker_store(settings.store_url)
    if cached and store.corpus_documents() < max(cached[1].documents * STATS_GROWTH, 1):
        _snapshots[cache_key] = (now, cached[1])
        return cached[1]
    stats = store.load_term_stats()
    _snapshots.clear()
    _snapshots[cache_key] = (now, stats)
    return stats


def enrich_article(
    article: Article, stats: CounterStats | None, k: int = DEFAULT_K, document: Document | None = None
) -> frozenset[str]:
    """Clean the article's publisher tags, set its keyword tags, and return its statistics keys.

    ``document`` is the article already read (:func:`khabar.enrich.tags.document_of`), when the caller has it.
    """
    article.publisher_tags = clean_publisher_tags(article.publisher_tags, article.outlet)
    analysis = analyse(article.title, article.text, stats, k, article.publisher_tags, document=document)
    article.tags = analysis.tags
    return analysis.keys


# What to tell a user whose store holds tags of an earlier tagger (see tags_are_current).
OLDER_TAGS_ADVICE = "the stored tags were made by an earlier version of khabar's tagger: run `khabar retag` to remake them"


def tags_are_current(store: Store) -> bool:
    """Whether the store's tags were all made by this code's tagger (true of a store with none tagged)."""
    return store.tagger_stamp() == tagger_stamp() or store.corpus_documents() == 0


def _keys_of_chunk(chunk: list[Article]) -> tuple[Counter[str], int]:
    """Document frequencies of the statistics keys of a chunk of articles, and its size (no tags computed)."""
    counts: Counter[str] = Counter()
    for article in chunk:
        counts.update(analyse(article.title, article.text, None, 0).keys)
    return counts, len(chunk)


def _tags_of_chunk(chunk: list[Article], settings: EnrichSettings) -> list[tuple[str, list]]:
    """Tags of each article with the current statistics snapshot."""
    stats = stats_snapshot(settings)
    out = []
    for article in chunk:
        enrich_article(article, stats, settings.k)
        out.append((article.id, article.tags or []))
    return out


@dataclass
class RetagReport:
    """What a retag did."""

    documents: int = 0
    keys: int = 0
    tagged: int = 0


def retag(store: Store, workers: int = 1, chunk_size: int = 200, scheduler: str | None = None) -> RetagReport:
    """Rebuild the corpus statistics from every stored article, then recompute every article's tags.

    Articles are read and tagged in ``workers`` processes, or with ``scheduler`` (a Dask scheduler's
    address) on that cluster's workers (:mod:`khabar.cluster`); the statistics and tags are written here.
    """
    if scheduler:
        require_shared_store(store.dialect)
    report = RetagReport()
    with worker_pool(workers, scheduler) as pool:  # one pool (one cluster connection) for both passes
        store.reset_term_stats()
        pending: Counter[str] = Counter()
        documents = 0
        for counts, size in pool.map(_keys_of_chunk, chunked(store.iter_articles(), chunk_size)):
            pending.update(counts)
            documents += size
            report.documents += size
            if len(pending) > 200_000:  # write in large steps: one upsert per key, not per document
                store.add_term_stats(pending, documents)
                pending, documents = Counter(), 0
        store.add_term_stats(pending, documents)
        stats = store.load_term_stats()
        report.keys = len(stats.counts)
        settings = EnrichSettings(store.url, generation=int(time.time() * 1000))
        work = partial(_tags_of_chunk, settings=settings)
        for tagged in pool.map(work, chunked(store.iter_articles(), chunk_size)):
            store.set_tags(dict(tagged))
            report.tagged += len(tagged)
    store.set_tagger_stamp(tagger_stamp())
    return report

