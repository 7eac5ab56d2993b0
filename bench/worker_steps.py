"""What each step the ingest's workers run costs, per article, on real articles.

The workers turn raw records into enriched articles (``khabar.pipeline._prepare_chunk``): they make
an article of a record, read its title and text (clauses, words, stems), make its search fields, its
keyword tags (the phrase counts, then the rest of tagging), its near-duplicate fingerprint and its
term vector. This times each step alone, in one process, on ``--articles`` records of the SaudiNewsNet
dump after the first ``--skip`` (which give the corpus statistics the tagger and the vectors read, as a
store would have them), best of ``--repeat`` passes, with the cycle collector off (the ingest's workers
collect seldom; see ``khabar.parallel.GC_THRESHOLD``). Run from the project root:

    python bench/worker_steps.py [--dump PATH] [--skip 10000] [--articles 3000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import gc
import itertools
import time
from collections.abc import Callable
from pathlib import Path

from khabar.enrich import enrich_article
from khabar.enrich.tags import batch_stats, count_phrases, document_of
from khabar.ingest.dumps import read_dump, record_to_article
from khabar.link.duplicates import fingerprint_of_words
from khabar.link.similarity import weigh_terms
from khabar.search import index_fields
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

    usable = (r for r in read_dump(args.dump) if hasattr(r, "data") and (r.data.get("content") or "").strip())
    before = list(itertools.islice(usable, args.skip))
    records = list(itertools.islice(usable, args.articles))
    # The tagger's statistics over the records before, as an ingest would have stored them.
    stats = batch_stats((a.title, a.text) for a in map(record_to_article, (r.data for r in before)))
    print(f"statistics from {len(before):,} articles ({len(stats.counts):,} keys); timing {len(records):,}")

    best: dict[str, float] = {}

    def step(name: str, fn: Callable, inputs: list) -> list:  # noqa: ANN001
        start = time.perf_counter()
        out = [fn(x) for x in inputs]
        per_article = (time.perf_counter() - start) / len(inputs) * 1000
        best[name] = min(best.get(name, per_article), per_article)
        return out

    gc.disable()
    for _ in range(args.repeat):
        articles = step("record_to_article", lambda r: record_to_article(r.data), records)
        reads = step("read_text", lambda a: (read_text(a.title), read_text(a.text)), articles)
        terms = step("terms", lambda pair: (pair[0].terms(), pair[1].terms()), reads)
        step("index_fields", lambda x: index_fields(x[0], *x[1]), list(zip(articles, terms)))
        documents = step("document_of", lambda pair: document_of(*pair), reads)
        step("  count_phrases (part of tags)", count_phrases, documents)
        step("tags", lambda x: enrich_article(x[0], stats, 10, x[1]), list(zip(articles, documents)))
        step("fingerprint", lambda pair: fingerprint_of_words(pair[1].word_hashes()), reads)
        step("weigh_terms", lambda t: weigh_terms(t[0], t[1], stats), terms)
    gc.enable()
    for name, ms in best.items():
        print(f"{name:32s} {ms:6.3f} ms/article")
    print(f"{'all steps':32s} {sum(v for k, v in best.items() if not k.startswith(' ')):6.3f} ms/article")


if __name__ == "__main__":
    main()
