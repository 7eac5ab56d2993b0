"""What each step the ingest's workers run costs, per article, on real articles.

The workers turn raw records into enriched articles (``khabar.pipeline._prepare_chunk``): they make
an article of a record, read its title and text (clauses, words, stems), make its search fields, its
keyword tags (the phrase counts, then the rest of tagging), its near-duplicate fingerprint and its
term vector. This times each step alone (the workers too run each step over a whole chunk before the
next, see ``_prepare_chunk``), in one process, with the cycle collector off (the ingest's
workers collect seldom; see ``khabar.parallel.GC_THRESHOLD``), on ``--articles`` records spread evenly
over the SaudiNewsNet dump; ``--skip`` other records, spread the same way, give the corpus statistics
the tagger and the vectors read, as a store would have them. The dump runs outlet by outlet, and its
outlets' articles differ in length, so a run of consecutive records would not be typical.

Two figures a step: the first pass, as a worker meets new articles (words that the statistics'
records did not hold are looked up for the first time), and the best of ``--repeat`` passes (every
cache warm). Run from the project root:

    python bench/worker_steps.py [--dump PATH] [--skip 10000] [--articles 3000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import gc
import time
from collections.abc import Callable
from pathlib import Path

from khabar.enrich import enrich_article
from khabar.enrich.tags import batch_stats, count_phrases, document_of
from khabar.ingest.dumps import read_dump, record_to_article
from khabar.link.duplicates import fingerprint_of_words
from khabar.link.similarity import weigh_terms
from khabar.search import index_fields, word_pairs
from khabar.text.reading import read_text

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DUMP = ROOT.parent / "shared" / "data" / "saudinewsnet" / "saudinewsnet.jsonl.gz"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dump", type=Path, default=DEFAULT_DUMP)
    parser.add_argument("--skip", type=int, default=10_000, help="records that make the corpus statistics")
    parser.add_argument("--articles", type=int, default=3000, help="records timed")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    usable = [r for r in read_dump(args.dump) if hasattr(r, "data") and (r.data.get("content") or "").strip()]
    before = spread(usable[0::2], args.skip)
    records = spread(usable[1::2], args.articles)
    # The tagger's statistics over the records before, as an ingest would have stored them.
    stats = batch_stats((a.title, a.text) for a in map(record_to_article, (r.data for r in before)))
    print(f"statistics from {len(before):,} articles ({len(stats.counts):,} keys); timing {len(records):,}")

    first: dict[str, float] = {}
    best: dict[str, float] = {}

    def step(name: str, fn: Callable, inputs: list) -> list:  # noqa: ANN001
        start = time.perf_counter()
        out = [fn(x) for x in inputs]
        per_article = (time.perf_counter() - start) / len(inputs) * 1000
        first.setdefault(name, per_article)
        best[name] = min(best.get(name, per_article), per_article)
        return out

    gc.disable()
    for _ in range(args.repeat):
        articles = step("record_to_article", lambda r: record_to_article(r.data), records)
        reads = step("read_text", lambda a: (read_text(a.title), read_text(a.text)), articles)
        terms = step("terms", lambda pair: (pair[0].terms(), pair[1].terms()), reads)
        hashes = step("word_hashes", lambda pair: (pair[0].word_hashes(), pair[1].word_hashes()), reads)
        pairs = step("word_pairs", lambda pair: word_pairs(*pair), hashes)
        step("index_fields", lambda x: index_fields(x[0], *x[1], x[2]), list(zip(articles, terms, pairs)))
        documents = step("document_of", lambda pair: document_of(*pair), reads)
        step("  count_phrases (part of tags)", count_phrases, documents)
        step("tags", lambda x: enrich_article(x[0], stats, 10, x[1]), list(zip(articles, documents)))
        step("fingerprint", lambda pair: fingerprint_of_words(pair[1]), hashes)
        step("weigh_terms", lambda t: weigh_terms(t[0], t[1], stats), terms)
    gc.enable()
    print(f"{'ms an article':32s} {'first pass':>10s} {'best pass':>10s}")
    for name in best:
        print(f"{name:32s} {first[name]:10.3f} {best[name]:10.3f}")
    whole = [name for name in best if not name.startswith(" ")]
    print(f"{'all steps':32s} {sum(first[n] for n in whole):10.3f} {sum(best[n] for n in whole):10.3f}")


def spread(items: list, count: int) -> list:
    """``count`` items taken at even steps over the whole list (all of them when it is shorter)."""
    if count >= len(items):
        return items
    return [items[int(n * len(items) / count)] for n in range(count)]


if __name__ == "__main__":
    main()
