"""Ordered, bounded parallel map over chunks, for the CPU-bound steps of the pipeline."""

from __future__ import annotations

import gc
import multiprocessing
import os
import select
import signal
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TypeVar

In = TypeVar("In")
Out = TypeVar("Out")


def default_workers() -> int:
    """Processes for CPU-bound work: ``KHABAR_WORKERS``, else the CPUs (at most 4)."""
    configured = os.environ.get("KHABAR_WORKERS")
    if configured:
        return max(1, int(configured))
    return max(1, min(os.cpu_count() or 1, 4))


def chunked(items: Iterable[In], size: int) -> Iterator[list[In]]:
    """Group items into lists of ``size`` (the last may be shorter)."""
    chunk: list[In] = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


# How much lower the workers' CPU priority is than their owner's. The owner consumes the results one at
# a time (the pipeline stores each batch there), so it is the serial stage: at equal priority it got
# two thirds of a core while three processes shared two, fell behind, and stored the last batches
# alone while a core sat idle. Lower-priority workers take what the owner leaves: a full ingest of the
# 31k dump went from 463–499 to 548–553 records/s (bench/ingest.py; docs/benchmarks.md).
WORKER_NICENESS = 10
# An ingest makes short-lived lists and tuples by the million (each article's words, clauses, phrase
# candidates, rows), and CPython's cycle collector ran every 700 net allocations, now and then walking
# every object alive: the words' cache, the story window, every module loaded. These objects are freed
# by reference counting (nothing here builds cycles to be collected), so while it ingests a process
# collects every 400,000 instead (:func:`seldom_collections`), and a worker freezes what it starts with
# (never walked again). Over the 31k dump the collector's time went from 2.3 to 0.2 s in each worker at
# 20,000, and from 1.35 to 0.55-0.63 s in the main process, where the full collections every hundred
# young ones still walked every batch's articles and the story window; at 400,000 there are 35 young
# collections in an ingest of the dump and no full one: 0.02 s (docs/benchmarks.md).
GC_THRESHOLD = 400_000


def _end_with(owner: int) -> None:
    """In a worker: start a thread that ends this process when ``owner`` (the process that made the
    pool) is gone.

    A pool is shut down by its owner; an owner killed with SIGKILL cannot, and its workers would wait
    for work forever, holding their store connections open. The forkserver that forked the worker
    is ended too (it serves that owner only). Linux tells of the owner's end through a pidfd; elsewhere
    the thread looks once a second.
    """

    def watch() -> None:
        try:
            handle = os.pidfd_open(owner)
        except ProcessLookupError:
            handle = None  # already gone
        except (AttributeError, OSError):  # no pidfd here: look once a second
            while _alive(owner):
                time.sleep(1)
            handle = None
        if handle is not None:
            select.select([handle], [], [])  # readable once the owner has ended
        forkserver = os.getppid()
        if forkserver not in (1, owner):
            os.kill(forkserver, signal.SIGTERM)
        os._exit(1)

    threading.Thread(target=watch, name="khabar-owner-watch", daemon=True).start()


def _start_worker(owner: int) -> None:
    """In a worker, first thing: yield the CPU to ``owner`` when they compete (see
    :data:`WORKER_NICENESS`), end when it is gone (:func:`_end_with`), and collect garbage seldom
    (:data:`GC_THRESHOLD`), never walking the modules it started with."""
    os.nice(WORKER_NICENESS)
    _end_with(owner)
    gc.freeze()
    gc.set_threshold(GC_THRESHOLD, *gc.get_threshold()[1:])


@contextmanager
def seldom_collections(threshold: int = GC_THRESHOLD) -> Iterator[None]:
    """Run the cycle collector's youngest generation every ``threshold`` net allocations instead of
    CPython's 700 inside the block (see :data:`GC_THRESHOLD`); the old setting comes back after."""
    old = gc.get_threshold()
    gc.set_threshold(threshold, *old[1:])
    try:
        yield
    finally:
        gc.set_threshold(*old)


def _alive(pid: int) -> bool:
    """Whether a process is still running."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # running, as another user
        return True
    return True


@dataclass(frozen=True)
class WorkerPool:
    """Where the CPU-bound steps run: in this process, in local worker processes, or on the workers of a
    Dask cluster (:mod:`khabar.cluster`). ``slots`` is how many items it works on at once; ``submit`` is
    an executor's (None: in this process)."""

    submit: Callable[..., Future] | None
    slots: int

    def map(self, fn: Callable[[In], Out], items: Iterable[In], ahead: int | None = None) -> Iterator[Out]:
        """``map(fn, items)`` in input order, at most ``ahead`` items (default ``4 × slots``) in flight.

        A consumer that stops for a while between items (to store a batch) asks for more, so that the
        workers keep busy meanwhile; memory stays bounded whatever the size of the input.
        """
        if self.submit is None:
            yield from map(fn, items)
            return
        pending: deque[Future[Out]] = deque()
        for item in items:
            pending.append(self.submit(fn, item))
            if len(pending) >= (ahead or 4 * self.slots):
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


@contextmanager
def worker_pool(workers: int, scheduler: str | None = None) -> Iterator[WorkerPool]:
    """A :class:`WorkerPool` of ``workers`` local processes (this process alone when 1), or, with
    ``scheduler`` (a Dask scheduler's address, ``tcp://host:8786``), of that cluster's workers.

    Local workers end by themselves if this process is killed (see :func:`_end_with`), and run at a
    lower CPU priority than this process (:data:`WORKER_NICENESS`).
    """
    if scheduler:
        from khabar.cluster import dask_pool  # distributed is imported only when a cluster is asked for

        with dask_pool(scheduler) as pool:
            yield pool
        return
    if workers <= 1:
        yield WorkerPool(None, 1)
        return
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["khabar._preload"])  # workers start with khabar loaded and warmed
    with ProcessPoolExecutor(
        max_workers=workers, mp_context=context, initializer=_start_worker, initargs=(os.getpid(),)
    ) as executor:
        yield WorkerPool(executor.submit, workers)

