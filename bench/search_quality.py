"""Search quality: find the other outlets' versions of a story from one outlet's headline.

From SaudiNewsNet, stories published by several outlets are mined as silver
groups (bodies opening with the same 200 characters after normalization,
from at least two outlets). For a seeded sample of their articles, the
headline is the query and the group's *other* articles are the relevant
results (the query article itself is left out). Reported: recall@10 and MRR,
for khabar's search (the library call ``khabar.search.search``: normalized,
stemmed full-text search with a title boost and recency, all words first for
short queries, over a store ingested with tags and corpus statistics as
``khabar ingest`` does; linking is left off, since near-duplicate collapsing
would fold the very versions sought into one result) and for the baseline a user would get,
plain SQLite FTS5 over the raw text (unicode61 tokenizer, BM25), each on the
original headlines and on headlines rewritten with spelling variants (hamza
forms, ى/ي, ة/ه, Persian letters, diacritics). Then, for one-word queries of nouns that start with و or ف,
bare and with the article (``FORMS``), how many documents each matches, khabar and plain FTS5; and for
one-word queries drawn from headlines, how many of the top ten are near-empty articles.

    python bench/search_quality.py [--dump PATH] [--queries N]
"""

from __future__ import annotations

import argparse
import random
import re
import sqlite3
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path


from khabar.ingest.dumps import Record, read_dump, record_to_article
from khabar.pipeline import ingest_records
from khabar.search import POOL, SearchFilters, parse_query, search
from khabar.store import open_store
from khabar.text import is_stopword, match_key, tokenize

ROOT = Path(__file__).resolve().parent.parent
NEAR_EMPTY = 100  # characters of body below which an article is near-empty (near_empty_in_top_ten)
DUMP = ROOT.parent / "shared" / "data" / "saudinewsnet" / "saudinewsnet.jsonl.gz"
VARIANTS = [("أ", "ا"), ("إ", "ا"), ("ى", "ي"), ("ة", "ه"), ("ي", "ی"), ("ك", "ک")]
# Nouns whose first letter, و or ف, Snowball may take for a conjunction: each bare and with the article.
FORMS = ["وزير", "الوزير", "وزارة", "الوزارة", "فريق", "الفريق", "فيروس", "الفيروس", "فندق", "الفندق", "فيلم", "الفيلم"]


def rewrite(text: str, rng: random.Random) -> str:
    """A headline as a careless or foreign keyboard writes it: variant letters and a few diacritics."""
    for a, b in VARIANTS:
        text = text.replace(a, b)
    return "".join(ch + ("\u064e" if ch.isalpha() and rng.random() < 0.15 else "") for ch in text)


def evaluate(ranked: list[list[str]], relevant: list[set[str]]) -> tuple[float, float]:
    """Mean recall@10 and MRR over queries."""
    recall = sum(len(set(r[:10]) & rel) / len(rel) for r, rel in zip(ranked, relevant)) / len(ranked)
    mrr = sum(next((1 / (n + 1) for n, i in enumerate(r) if i in rel), 0.0) for r, rel in zip(ranked, relevant)) / len(ranked)
    return recall, mrr


def near_empty_in_top_ten(store, raw: sqlite3.Connection, records: list[dict], ids: list[str], queries: int = 300) -> None:  # noqa: ANN001
    """Print how many of the top ten of one-word queries are near-empty articles (a body under
    ``NEAR_EMPTY`` characters: some outlets' records hold a headline and a name), khabar against plain
    FTS5, beside their share of the dump. The words are drawn from headlines (seeded) the way
    ``bench/search_latency.py`` draws its one-word queries."""
    rng = random.Random(11)
    length = {ids[n]: len(r["content"]) for n, r in enumerate(records)}
    words = [[w for w in tokenize(r["title"]) if not is_stopword(w) and len(w) > 2] for r in rng.sample(records, queries)]
    asked = [rng.choice(w) for w in words if w]
    found = {
        "khabar search": [[h.article.id for h in search(store, w).hits] for w in asked],
        "plain FTS5 (raw text)": [
            [i for (i,) in raw.execute("SELECT id FROM docs WHERE docs MATCH ? ORDER BY bm25(docs, 3.0, 1.0) LIMIT 10", (f'"{w}"',))]
            for w in asked
        ],
    }
    share = sum(n < NEAR_EMPTY for n in length.values()) / len(length)
    print(f"\none-word queries from headlines ({len(asked)}): results in the top 10 with a body under {NEAR_EMPTY} "
          f"characters ({share:.1%} of the dump's articles)")
    for name, ranked in found.items():
        shown = [length[i] for hits in ranked for i in hits]
        print(f"{name:<34}{sum(n < NEAR_EMPTY for n in shown) / max(len(shown), 1):>10.1%}   median body {statistics.median(shown):,.0f} characters")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dump", type=Path, default=DUMP, help="SaudiNewsNet records, or any dump in their layout (default: ../shared/data/saudinewsnet)")
    parser.add_argument("--queries", type=int, default=500)
    parser.add_argument("--backend", choices=["sqlite", "postgres"], default="sqlite",
                        help="where khabar's index lives; postgres starts a throwaway cluster (tests/support/postgres.py)")
    args = parser.parse_args()
    cluster = None
    if args.backend == "postgres":
        sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
        from support.postgres import Cluster

        cluster = Cluster().start()
    rng = random.Random(2015)
    records = [item.data for item in read_dump(args.dump) if isinstance(item, Record) and (item.data.get("content") or "").strip()]
    ids = [record_to_article(r).id for r in records]
    groups = defaultdict(list)
    for n, r in enumerate(records):
        key = match_key(r["content"])[:200]
        if len(key) >= 150:
            groups[key].append(n)
    silver = [g for g in groups.values() if len({records[n]["source"] for n in g}) > 1]
    queries = [(n, set(ids[m] for m in g if m != n)) for g in silver for n in g]
    queries = rng.sample(queries, min(args.queries, len(queries)))

    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(cluster.database() if cluster else str(Path(tmp) / "search.db"))
        print(f"khabar's backend: {store.dialect}")
        ingest_records(store, [Record(r, str(n)) for n, r in enumerate(records)], workers=2, link=False)
        raw = sqlite3.connect(":memory:")
        raw.execute("CREATE VIRTUAL TABLE docs USING fts5(id UNINDEXED, title, body)")
        raw.executemany("INSERT INTO docs VALUES (?, ?, ?)", [(ids[n], r["title"], r["content"]) for n, r in enumerate(records)])

        def khabar_ranked(text: str, exclude: str) -> list[str]:
            return [h.article.id for h in search(store, text, limit=11).hits if h.article.id != exclude][:10]

        def baseline_ranked(text: str, exclude: str) -> list[str]:
            words = [w for w in re.findall(r"\w+", text) if len(w) > 1]
            if not words:
                return []
            match = " OR ".join(f'"{w}"' for w in words)
            rows = raw.execute("SELECT id FROM docs WHERE docs MATCH ? ORDER BY bm25(docs, 3.0, 1.0) LIMIT 11", (match,))
            return [i for (i,) in rows if i != exclude][:10]

        relevant = [rel for _, rel in queries]
        print(f"{len(silver):,} silver stories; {len(queries)} headline queries (pool {POOL})")
        print(f"{'system':<34}{'recall@10':>10}{'MRR':>8}{'   ms/query':>12}")
        for label, transform in (("", lambda t: t), (" + spelling variants", lambda t: rewrite(t, rng))):
            texts = [transform(records[n]["title"]) for n, _ in queries]
            for name, fn in (("khabar search", khabar_ranked), ("plain FTS5 (raw text)", baseline_ranked)):
                started = time.perf_counter()
                ranked = [fn(t, ids[n]) for t, (n, _) in zip(texts, queries)]
                per_query = (time.perf_counter() - started) / len(texts) * 1000
                recall, mrr = evaluate(ranked, relevant)
                print(f"{name + label:<34}{recall:>10.3f}{mrr:>8.3f}{per_query:>12.1f}")
        print("\none-word queries: documents matched (every match, not only the ranked pool)")
        print(f"{'query':<12}{'khabar':>10}{'plain FTS5':>12}")
        for word in FORMS:
            matched = len(store.search(parse_query(word), SearchFilters(), 10**6))
            plain = raw.execute("SELECT count(*) FROM docs WHERE docs MATCH ?", (f'"{word}"',)).fetchone()[0]
            print(f"{word:<12}{matched:>10,}{plain:>12,}")
        near_empty_in_top_ten(store, raw, records, ids)
        store.close()
    if cluster:
        cluster.stop()


if __name__ == "__main__":
    main()
