"""Freed memory kept for reuse during an ingest (glibc's malloc thresholds)."""

from __future__ import annotations

import resource

import numpy as np
import pytest

from khabar import allocator
from khabar.allocator import freed_memory_kept

# The thresholds are glibc's; CI and every Linux distribution khabar is built for have it.
pytestmark = pytest.mark.skipif(allocator._glibc() is None, reason="not glibc: freed_memory_kept changes nothing")

BLOCK = 64 * 2**20 // 8  # float64s in 64 MiB: beyond the largest size glibc learns to keep by itself


def _faults_of_churn(rounds: int = 10) -> int:
    """Page faults taken while a 64 MiB array is made, written and freed ``rounds`` times."""
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(rounds):
        block = np.ones(BLOCK)
        del block
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before


@pytest.fixture(scope="module")
def given_back() -> int:
    """The churn's page faults with glibc's defaults: each block a fresh mapping."""
    return _faults_of_churn()


def test_freed_blocks_are_reused_inside_and_given_back_after(given_back):
    with freed_memory_kept():
        _faults_of_churn(1)  # the first block is faulted in once
        kept = _faults_of_churn()
    # Each fresh 64 MiB block faults in hundreds of pages at least (4 KiB ones, or 2 MiB where huge
    # pages back it); a reused one nearly none.
    assert kept * 10 < given_back
    assert _faults_of_churn() * 2 > given_back  # the defaults are back


def test_blocks_nest_and_the_outermost_restores(given_back):
    with freed_memory_kept():
        with freed_memory_kept():
            pass
        assert allocator._depth == 1
        _faults_of_churn(1)
        assert _faults_of_churn() * 10 < given_back  # still kept after the inner block ended
    assert allocator._depth == 0
    assert _faults_of_churn() * 2 > given_back


def test_the_defaults_come_back_after_an_error(given_back):
    with pytest.raises(RuntimeError):
        with freed_memory_kept():
            raise RuntimeError("a batch failed")
    assert allocator._depth == 0
    assert _faults_of_churn() * 2 > given_back


def test_an_ingest_keeps_freed_memory_on_postgresql_only(db_url, saudinewsnet_sample):
    """On PostgreSQL each batch is stored with freed memory kept; on SQLite, where that made the main
    process's peak 140–170 MB larger, with glibc's defaults."""
    from khabar.ingest.dumps import Record
    from khabar.pipeline import ingest_records
    from khabar.store import open_store

    seen: list[int] = []
    records = [Record(raw, f"sample:{n}") for n, raw in enumerate(saudinewsnet_sample[:30])]
    with open_store(db_url) as store:
        report = ingest_records(store, records, stages=[lambda _store, _ids: seen.append(allocator._depth)])
        expected = 1 if store.dialect == "postgres" else 0
    assert report.stored > 0 and seen and set(seen) == {expected}
    assert allocator._depth == 0
