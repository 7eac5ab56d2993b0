"""Search latency on a store of the SaudiNewsNet dump (either backend: --db takes a path or a URL).

Queries: a seeded sample of headlines (long, many terms), of one- and
two-word queries taken from them, and of three consecutive words of them
in quotes (exact phrases). Each query is the full library call,
``khabar.search.search`` (parse, full-text search over the pool (FTS5 BM25, or ts_rank on PostgreSQL), recency, duplicate
collapse, snippets for one page of 10).

    python bench/search_latency.py --db PATH [--queries N]
"""

from __future__ import annotations

import argparse
import random
import time

from khabar.search import search
from khabar.store import open_store
from khabar.text import is_stopword, tokenize


def percentile(values: list[float], share: float) -> float:
    """The value below which ``share`` of the sorted values fall."""
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * share))]


def _phrase(title: str, rng: random.Random) -> str:
    """Three consecutive words of a headline, in quotes (an exact-phrase query)."""
    tokens = tokenize(title)
    start = rng.randrange(len(tokens) - 2)
    return '"' + " ".join(tokens[start : start + 3]) + '"'


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", required=True)
    parser.add_argument("--queries", type=int, default=300)
    args = parser.parse_args()
    rng = random.Random(11)
    with open_store(args.db) as store:
        titles = [a.title for a in store.iter_articles() if a.title]
        sample = rng.sample(titles, args.queries)
        words = [[w for w in tokenize(t) if not is_stopword(w) and len(w) > 2] for t in sample]
        kinds = {
            "headline": sample,
            "one word": [rng.choice(w) for w in words if w],
            "two words": [" ".join(rng.sample(w, 2)) for w in words if len(w) >= 2],
            "phrase": [_phrase(t, rng) for t in sample if len(tokenize(t)) >= 3],
        }
        for queries in kinds.values():  # warm the page cache
            for q in queries[:10]:
                search(store, q)
        print(f"{store.count():,} articles")
        for kind, queries in kinds.items():
            times = []
            for q in queries:
                started = time.perf_counter()
                search(store, q)
                times.append((time.perf_counter() - started) * 1000)
            print(f"{kind:<10} {len(times)} queries: p50 {percentile(times, 0.5):.1f} ms, p99 {percentile(times, 0.99):.1f} ms "
                  "(target p50 < 20 ms, p99 < 100 ms)")


if __name__ == "__main__":
    main()
