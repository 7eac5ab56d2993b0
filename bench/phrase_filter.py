"""How much of the work of a quoted phrase the word-pair filter saves (PostgreSQL's search index).

A phrase's stems leave out its stopwords, so «أكبر من قيمته» asks the index only for قيمة. The
PostgreSQL index keeps, for each article, a Bloom filter of its texts' consecutive word pairs
(``khabar.search.word_pairs``), and keeps only the documents whose filter has all of the phrase's pairs.
This measures, on the articles of a store (either backend: the filters are computed here, from the
stored texts), for phrases of two and three consecutive words of other articles' texts in a seeded
sample: how many documents that lack the phrase pass the filter (and are read for nothing), and that
no document that has it is dropped.

    python bench/phrase_filter.py --db PATH_OR_URL [--articles 3000] [--phrases 400]
"""

from __future__ import annotations

import argparse
import random

from khabar.search import WORD_PAIR_BITS, has_phrase, phrase_pairs, word_pairs
from khabar.store import open_store
from khabar.text import match_key
from khabar.text.reading import read_text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", required=True)
    parser.add_argument("--articles", type=int, default=3000)
    parser.add_argument("--phrases", type=int, default=400)
    args = parser.parse_args()
    rng = random.Random(23)
    with open_store(args.db) as store:
        ids = sorted(a.id for a in store.iter_articles())
        articles = list(store.articles_by_ids(rng.sample(ids, args.articles)).values())
    articles.sort(key=lambda a: a.id)
    filters = [word_pairs(read_text(a.title).word_hashes(), read_text(a.text).word_hashes()) for a in articles]
    filters = [int.from_bytes(f, "big") for f in filters]  # one number: a filter has a pair's bits when f & w == w
    bits_set = sorted(f.bit_count() for f in filters)
    print(f"{len(articles):,} articles; bits set per filter: median {bits_set[len(bits_set) // 2]:,}, "
          f"90th percentile {bits_set[int(len(bits_set) * 0.9)]:,} of {WORD_PAIR_BITS:,}")
    for length in (2, 3):
        phrases = []
        while len(phrases) < args.phrases:
            words = match_key(rng.choice(articles).text).split()
            if len(words) > length:
                start = rng.randrange(len(words) - length)
                phrases.append(" ".join(words[start : start + length]))
        have = passed = lacking = dropped_wrongly = 0
        for phrase in phrases:
            wanted = int.from_bytes(phrase_pairs(phrase), "big")
            for article, pairs in zip(articles, filters):
                kept = pairs & wanted == wanted
                if has_phrase(article.title, phrase) or has_phrase(article.text, phrase):
                    have += 1
                    dropped_wrongly += not kept
                else:
                    lacking += 1
                    passed += kept
        print(f"{length} words, {len(phrases)} phrases × {len(articles):,} articles: {have:,} have the phrase "
              f"({dropped_wrongly} of them dropped); of the {lacking:,} that lack it, {passed:,} pass the filter "
              f"({passed / lacking:.2%})")


if __name__ == "__main__":
    main()
