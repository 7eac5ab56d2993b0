"""Tags a reader would see twice: articles of a store whose tags show one display form twice.

The seed page's tags repeat ("ملفات ملفات ملفات"); khabar's tags have one key each, but two keys can
still show alike (a glued article or preposition the display drops). This counts, over every
article of a store, those whose tags show one display twice, and those whose displays are equal but
for spaces (يا عزام، ياعزام), with a few examples of each. Run from the project root:

    python bench/tags_repeats.py --db khabar.db [--examples 5]
"""

from __future__ import annotations

import argparse
from collections import Counter, defaultdict

from khabar.store import open_store


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", required=True, help="a store built by khabar ingest (SQLite path or PostgreSQL URL)")
    parser.add_argument("--examples", type=int, default=5)
    args = parser.parse_args()
    shown: dict[str, list[str]] = defaultdict(list)
    with open_store(args.db) as store:
        for article in store.iter_articles():
            shown[article.id] = [tag.display for tag in store.get_tags(article.id)]
    twice = {i: d for i, d in shown.items() if len(set(d)) < len(d)}
    spaced = {i: d for i, d in shown.items() if len({x.replace(" ", "") for x in d}) < len(d)}
    tags = sum(map(len, shown.values()))
    print(f"{len(shown):,} articles, {tags:,} tags")
    print(f"one display twice: {len(twice):,} articles")
    for article_id, displays in list(twice.items())[: args.examples]:
        print(f"  {article_id}: {' | '.join(d for d, n in Counter(displays).items() if n > 1)}")
    print(f"equal but for spaces: {len(spaced):,} articles")
    for article_id, displays in list(spaced.items())[: args.examples]:
        groups = defaultdict(list)
        for d in displays:
            groups[d.replace(" ", "")].append(d)
        print(f"  {article_id}: {' ; '.join(' | '.join(g) for g in groups.values() if len(g) > 1)}")


if __name__ == "__main__":
    main()
