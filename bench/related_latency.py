"""Latency of "related articles" on a store of the SaudiNewsNet dump, and the index's size.

    python bench/related_latency.py --db PATH [--queries N]

The store is one built by ``khabar ingest`` of the 31,030-record dump. Each
query is the full ``khabar.link.related.related`` call, timed twice per
article: first when the article's lists are not kept (candidates from the
inverted index, scoring, one per duplicate group, diversity, read-also, and
keeping the result), then when they are (read back). The kept lists of the
sampled articles are forgotten first, so the first timing is a first view.
"""

from __future__ import annotations

import argparse
import resource
import random
import time

from khabar.link.related import compute_related, related
from khabar.store import open_store


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", required=True)
    parser.add_argument("--queries", type=int, default=500)
    args = parser.parse_args()
    with open_store(args.db) as store:
        ids = [a.id for a in store.iter_articles()]
        rows = store.conn.execute("SELECT COUNT(*) FROM article_terms").fetchone()[0]
        pages = store.conn.execute(
            "SELECT SUM(pgsize) FROM dbstat WHERE name IN ('article_terms', 'article_terms_term')"
        ).fetchone()[0]
        sample = random.Random(7).sample(ids, min(args.queries + 20, len(ids)))
        warm, sample = sample[:20], sample[20:]
        for article_id in warm:  # warm the page cache
            compute_related(store, store.get_article(article_id))
        store.conn.execute("DELETE FROM related_lists")
        timings: dict[str, list[float]] = {"first view (computed, then kept)": [], "kept lists read back": []}
        for kind, times in timings.items():
            for article_id in sample:
                started = time.perf_counter()
                related(store, article_id)
                times.append((time.perf_counter() - started) * 1000)
            times.sort()
    print(f"{len(ids):,} articles; term index {rows:,} rows, {pages / 2**20:.1f} MB on disk")
    for kind, times in timings.items():
        print(f"related(), {kind}: p50 {times[len(times) // 2]:.1f} ms, p99 {times[int(len(times) * 0.99) - 1]:.1f} ms "
              f"over {len(times)} queries (target p50 < 10 ms, p99 < 50 ms)")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS of this process: {rss:.0f} MB (the index is read from the store file through SQLite's page "
          "cache and a memory map; no copy of it is built in memory)")


if __name__ == "__main__":
    main()
