"""Freed memory kept for reuse while an ingest runs (glibc's malloc).

An ingest's main process allocates and frees large blocks all the time: the rows of each batch,
numpy arrays of the story window, psycopg's buffers. glibc gives a block above its threshold
(128 KiB, growing to 32 MiB as it learns) a mapping of its own, unmapped when freed, and returns
the free top of its heap to the system; the next block of that size is then faulted in again,
page by page, each page zeroed by the kernel. Over an ingest of the 31k dump on PostgreSQL that
was 164,000 page faults and 1.0–1.15 s of system time in the main process; keeping freed memory
made it 94,000 and 0.47–0.52 s, the process's peak unchanged (on SQLite the peak grew by 140–170 MB,
so the pipeline keeps memory on PostgreSQL only; docs/benchmarks.md). Outside glibc (musl, macOS)
nothing changes.

Python's own small-object arenas are not malloc's, and are not affected.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache

# mallopt parameters (malloc.h) and glibc's defaults for them.
M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
DEFAULT_THRESHOLD = 128 * 1024  # both parameters' defaults
# While kept: blocks up to this size come from the heap (a fresh mapping only beyond it)…
KEPT_MMAP_THRESHOLD = 256 * 2**20
# …and the heap's free top goes back to the system only beyond this.
KEPT_TRIM_THRESHOLD = 2**30

_depth = 0
_lock = threading.Lock()


@lru_cache(maxsize=1)
def _glibc() -> ctypes.CDLL | None:
    """The C library when it is glibc (it has ``mallopt`` and ``malloc_trim``), else None."""
    name = ctypes.util.find_library("c")
    if not name:
        return None
    try:
        libc = ctypes.CDLL(name)
        libc.gnu_get_libc_version  # noqa: B018 - present in glibc only
        libc.mallopt, libc.malloc_trim  # noqa: B018
    except (OSError, AttributeError):
        return None
    return libc


@contextmanager
def freed_memory_kept() -> Iterator[None]:
    """Inside the block, memory this process frees stays with it for reuse instead of going back to
    the system; after it, glibc's default thresholds return (fixed at their starting values: glibc
    no longer adjusts the mapping threshold by itself once it has been set) and the free memory
    goes back. Blocks may nest; the outermost one restores."""
    global _depth
    libc = _glibc()
    if libc is None:
        yield
        return
    with _lock:
        _depth += 1
        if _depth == 1:
            libc.mallopt(M_MMAP_THRESHOLD, KEPT_MMAP_THRESHOLD)
            libc.mallopt(M_TRIM_THRESHOLD, KEPT_TRIM_THRESHOLD)
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0:
                libc.mallopt(M_TRIM_THRESHOLD, DEFAULT_THRESHOLD)
                libc.mallopt(M_MMAP_THRESHOLD, DEFAULT_THRESHOLD)
                libc.malloc_trim(0)
