"""Ordered, bounded parallel map over chunks, for the CPU-bound steps of the pipeline."""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
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


def ordered_map(fn: Callable[[In], Out], items: Iterable[In], workers: int) -> Iterator[Out]:
    """``map(fn, items)`` in input order; with ``workers`` > 1, in that many processes.

    At most ``2 × workers`` items are in flight, so memory stays bounded
    whatever the size of the input. ``fn`` must be a module-level function.
    """
    if workers <= 1:
        yield from map(fn, items)
        return
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["khabar._preload"])  # workers start with khabar loaded and warmed
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        pending: deque[Future[Out]] = deque()
        for item in items:
            pending.append(pool.submit(fn, item))
            if len(pending) >= 4 * workers:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
