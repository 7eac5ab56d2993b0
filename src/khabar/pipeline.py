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
import multiprocessing
import os
import sys
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field

from khabar.errors import RecordError
from khabar.ingest.dumps import Problem, Record, read_dump, record_to_article
from khabar.model import Article
from khabar.store import Store

log = logging.getLogger(__name__)

BATCH_SIZE = 1000  # articles per store transaction
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
        }


def _normalize_chunk(chunk: list[Record | Problem]) -> list[Article | Problem]:
    """Turn a chunk of raw records into normalized articles, or the problem with each."""
    done: list[Article | Problem] = []
    for item in chunk:
        if isinstance(item, Problem):
            done.append(item)
            continue
        try:
            done.append(record_to_article(item.data))
        except RecordError as exc:
            done.append(Problem(item.where, str(exc), was_read=True))
    return done


def _chunks(items: Iterable[Record | Problem], size: int) -> Iterator[list[Record | Problem]]:
    """Group items into lists of ``size``."""
    chunk: list[Record | Problem] = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _normalized(items: Iterable[Record | Problem], workers: int) -> Iterator[list[Article | Problem]]:
    """Normalized chunks in input order; with ``workers`` > 1, normalized in other processes.

    At most ``2 × workers`` chunks are in flight, so memory stays bounded
    whatever the size of the input.
    """
    if workers <= 1:
        for chunk in _chunks(items, CHUNK_SIZE):
            yield _normalize_chunk(chunk)
        return
    context = multiprocessing.get_context("forkserver" if sys.platform != "win32" else "spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        pending: deque[Future[list[Article | Problem]]] = deque()
        for chunk in _chunks(items, CHUNK_SIZE):
            pending.append(pool.submit(_normalize_chunk, chunk))
            if len(pending) >= 2 * workers:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


def default_workers() -> int:
    """Processes to normalize with: ``KHABAR_WORKERS``, else the number of CPUs (1 on a single core)."""
    configured = os.environ.get("KHABAR_WORKERS")
    if configured:
        return max(1, int(configured))
    return max(1, min(os.cpu_count() or 1, 4))


def ingest_records(
    store: Store,
    items: Iterable[Record | Problem],
    *,
    stages: Sequence[Stage] = (),
    batch_size: int = BATCH_SIZE,
    workers: int = 1,
    on_batch: Callable[[IngestReport], None] | None = None,
) -> IngestReport:
    """Run raw records through the pipeline into ``store`` and report what happened.

    Normalization may run in ``workers`` processes; storing, enriching and
    linking run here, one batch (one transaction) at a time, in input order.
    """
    report = IngestReport()
    batch: list[Article] = []

    def flush() -> None:
        result = store.upsert_articles(batch)
        report.stored += result.stored
        report.updated += result.updated
        report.unchanged += result.unchanged
        for stage in stages:
            stage(store, result.changed_ids)
        batch.clear()
        if on_batch:
            on_batch(report)

    for chunk in _normalized(items, workers):
        for item in chunk:
            if isinstance(item, Problem):
                report.read += item.was_read
                report.skip(item)
                continue
            report.read += 1
            batch.append(item)
            if len(batch) >= batch_size:
                flush()
    if batch:
        flush()
    elif on_batch:
        on_batch(report)
    return report


def ingest_paths(
    store: Store,
    paths: Iterable[str],
    *,
    stages: Sequence[Stage] = (),
    batch_size: int = BATCH_SIZE,
    workers: int = 1,
    on_batch: Callable[[IngestReport], None] | None = None,
) -> IngestReport:
    """Ingest dump files (JSON Lines, JSON, CSV; gzip or not) into ``store``."""

    def records() -> Iterable[Record | Problem]:
        for path in paths:
            log.info("reading %s", path)
            yield from read_dump(path)

    return ingest_records(
        store, records(), stages=stages, batch_size=batch_size, workers=workers, on_batch=on_batch
    )
