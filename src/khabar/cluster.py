"""Batch work past one machine: the pipeline's CPU-bound steps on the workers of a Dask cluster.

On one machine, ``khabar ingest`` and ``khabar retag`` prepare articles (normalize, read, tag, sign,
weigh) in local worker processes (:func:`khabar.parallel.worker_pool`). Given ``--scheduler
tcp://host:8786``, they hand the same chunks, to the same functions, to the workers of a Dask
distributed cluster instead (Dask, BSD-3-Clause: an existing engine, made for this, with its own
scheduling, retries and dashboard, where a home-made one would have none of them). The process that runs
the command still stores and links every batch, in order: one writer keeps duplicate groups and story
ids the same as a local run gives, and the store's transactions make a run that dies midway safe to
run again.

The workers read the corpus statistics from the store and ask which articles it holds, so the store
must be one they reach: PostgreSQL (:func:`require_shared_store`). Every worker must run the same
khabar as the caller (the same tagger, search analyzer and signature scheme), or its articles would be
tagged and signed differently from the rest: :func:`dask_pool` checks that before any work is sent.
docs/cluster.md says how to start a cluster.
"""

from __future__ import annotations

import os
import platform
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache, partial
from importlib.metadata import PackageNotFoundError, version
from typing import TypeVar

from khabar.errors import ConfigError
from khabar.parallel import WorkerPool, seldom_collections

In = TypeVar("In")
Out = TypeVar("Out")

CONNECT_SECONDS = 10  # to reach the scheduler
WORKERS_SECONDS = 30  # for a first worker to join a scheduler that has none yet

_HOW_TO_START = (
    "start a scheduler with `dask scheduler` and workers with `dask worker tcp://HOST:8786 --nthreads 1` "
    "(docs/cluster.md), or leave out --scheduler to work on this machine"
)


def worker_identity() -> dict[str, str]:
    """What must be the same in every process that prepares articles for one store: khabar's version,
    its tagger, search analyzer and near-duplicate signature scheme, and Python's minor version (the
    prepared articles travel pickled)."""
    from khabar.enrich.tags import tagger_stamp
    from khabar.link.duplicates import SIGNATURE_SCHEME
    from khabar.search import analyzer_stamp

    try:
        khabar_version = version("khabar")
    except PackageNotFoundError:  # run from a source tree that is not installed
        khabar_version = "unknown"
    return {
        "khabar": khabar_version,
        "tagger": tagger_stamp(),
        "search analyzer": analyzer_stamp(True),
        "signature scheme": SIGNATURE_SCHEME,
        "python": ".".join(platform.python_version_tuple()[:2]),
    }


def differences(mine: dict[str, str], workers: dict[str, dict[str, str]]) -> list[str]:
    """Each way a worker (address → its :func:`worker_identity`) differs from ``mine``, as a sentence."""
    return [
        f"worker {address} has {name} {theirs.get(name)!r} where this process has {value!r}"
        for address, theirs in sorted(workers.items())
        for name, value in mine.items()
        if theirs.get(name) != value
    ]


def collecting_seldom(fn: Callable[[In], Out], item: In) -> Out:
    """``fn(item)`` with the cycle collector running seldom, as it runs in local workers
    (:data:`khabar.parallel.GC_THRESHOLD`), and the worker's own setting back after the task.

    A Dask worker collects at CPython's default (every 700 allocations) and times each collection: over
    the dump, the Dask side of an ingest took 52.7–53.8 s of CPU before, 45.2–50.8 s with this, where
    local workers take 39–43 (docs/benchmarks.md). The setting is the task's only, not the worker's: a
    cluster may run others' work too.
    """
    with seldom_collections():
        return fn(item)


def refuse_other_khabar(problems: list[str]) -> None:
    """Raise the :class:`ConfigError` for workers whose :func:`differences` are ``problems`` (none: return)."""
    if problems:
        raise ConfigError(
            "every worker must run the same khabar as this process: "
            + "; ".join(problems)
            + ". Install this version on every worker, then restart them"
        )


@cache
def _identity_here() -> dict[str, str]:
    """This worker's own :func:`worker_identity`, computed at its first task."""
    return worker_identity()


def checked_task(expected: dict[str, str], fn: Callable[[In], Out], item: In) -> Out:
    """``fn(item)`` (:func:`collecting_seldom`) on a worker that runs the khabar the caller runs
    (``expected``, the caller's :func:`worker_identity`), else a :class:`ConfigError` saying what differs.

    :func:`dask_pool` checks the workers there when it connects; this covers the ones that join later.
    """
    refuse_other_khabar(differences(expected, {f"{platform.node()} (process {os.getpid()})": _identity_here()}))
    return collecting_seldom(fn, item)


def require_shared_store(dialect: str) -> None:
    """Refuse a store the cluster's workers could not reach (anything but PostgreSQL)."""
    if dialect != "postgres":
        raise ConfigError(
            "a Dask cluster's workers read the corpus statistics from the store, so it must be one they can "
            "reach: use --db postgresql://... with --scheduler (a SQLite file belongs to one machine)"
        )


@contextmanager
def dask_pool(address: str) -> Iterator[WorkerPool]:
    """A :class:`~khabar.parallel.WorkerPool` over the workers of the Dask scheduler at ``address``.

    Waits up to ``WORKERS_SECONDS`` for a first worker, and checks that every worker runs this khabar
    (:func:`worker_identity`), and every task again on the worker that runs it (:func:`checked_task`:
    a worker may join later). Its slots are the workers' threads: CPU-bound Python holds the GIL, so
    a worker with one thread per process (``--nthreads 1``) gets the most of each core.
    """
    try:
        from distributed import Client
    except ImportError:
        raise ConfigError(
            "--scheduler needs Dask's `distributed` package: pip install 'khabar[cluster]'"
        ) from None
    try:
        client = Client(address, timeout=CONNECT_SECONDS, set_as_default=False)
    except (OSError, ValueError) as exc:
        message = str(exc)  # the failed client stays out of the traceback (from None), so nothing lingers
        raise ConfigError(f"could not reach the Dask scheduler at {address!r}: {message}; {_HOW_TO_START}") from None
    try:
        try:
            client.wait_for_workers(1, timeout=WORKERS_SECONDS)
        except TimeoutError:
            raise ConfigError(
                f"the Dask scheduler at {address!r} has no workers after {WORKERS_SECONDS} s; {_HOW_TO_START}"
            ) from None
        mine = worker_identity()
        refuse_other_khabar(differences(mine, client.run(worker_identity)))
        slots = sum(client.nthreads().values())
        yield WorkerPool(partial(client.get_executor(pure=False).submit, checked_task, mine), slots)
    finally:
        client.close()
