"""Story clustering on SaudiNewsNet: pairwise precision and recall on silver groups.

Silver groups: articles whose bodies open with the same 200 characters after
match-level normalization, from at least two outlets (wire copy and its
republications: certainly one story each). Over the articles in those groups,
a pair counts as predicted when khabar put both in one story:

- recall: the share of same-silver-group pairs that share a story;
- precision: the share of story-sharing pairs (among those articles) that are
  in the same silver group. Two silver groups about one event may rightly
  share a story, so this precision is a lower bound.

Side by side: the baseline of one story per exact normalized title.

    python bench/stories_quality.py --db PATH [--dump PATH]   # a store built by `khabar ingest` of the dump
"""

from __future__ import annotations

import argparse
from collections import Counter, defaultdict
from itertools import combinations
from pathlib import Path


from khabar.ingest.dumps import Record, read_dump, record_to_article
from khabar.store import open_store
from khabar.text import match_key

ROOT = Path(__file__).resolve().parent.parent
DUMP = ROOT.parent / "shared" / "data" / "saudinewsnet" / "saudinewsnet.jsonl.gz"


def pairwise(groups_of: dict[str, str], silver_of: dict[str, str]) -> tuple[float, float]:
    """Pairwise precision and recall of a clustering against the silver groups, over the silver articles."""
    by_cluster = defaultdict(list)
    for article, cluster in groups_of.items():
        by_cluster[cluster].append(article)
    predicted = {tuple(sorted(p)) for members in by_cluster.values() for p in combinations(members, 2)}
    by_silver = defaultdict(list)
    for article, group in silver_of.items():
        by_silver[group].append(article)
    gold = {tuple(sorted(p)) for members in by_silver.values() for p in combinations(members, 2)}
    both = len(predicted & gold)
    return both / max(len(predicted), 1), both / max(len(gold), 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", required=True)
    parser.add_argument("--dump", type=Path, default=DUMP, help="the dump the store was built from: SaudiNewsNet records, or any dump in their layout (default: ../shared/data/saudinewsnet)")
    args = parser.parse_args()
    openings: dict[str, list[tuple[str, str]]] = defaultdict(list)
    titles: dict[str, str] = {}
    for record in [item.data for item in read_dump(args.dump) if isinstance(item, Record) and (item.data.get("content") or "").strip()]:
        article = record_to_article(record)
        key = match_key(record["content"])[:200]
        titles[article.id] = match_key(record["title"])
        if len(key) >= 150:
            openings[key].append((article.id, record["source"]))
    silver_of = {}
    for n, members in enumerate(openings.values()):
        if len({outlet for _, outlet in members}) > 1:
            silver_of.update({article_id: str(n) for article_id, _ in members})
    with open_store(args.db) as store:
        stories = store.stories_of(list(silver_of))
        silver_of = {a: g for a, g in silver_of.items() if a in stories}  # a store of part of the dump
        all_stories = Counter(dict(store.conn.execute("SELECT story_id, COUNT(*) FROM story_members GROUP BY story_id")))
        outlets_per_story = dict(store.conn.execute(
            "SELECT m.story_id, COUNT(DISTINCT a.outlet) FROM story_members m JOIN articles a ON a.id = m.article_id "
            "GROUP BY m.story_id"))
    print(f"silver groups: {len(set(silver_of.values())):,} with {len(silver_of):,} stored articles")
    precision, recall = pairwise({a: stories[a] for a in silver_of if a in stories}, silver_of)
    print(f"{'khabar stories':<28} pairwise precision {precision:.3f}  recall {recall:.3f}")
    precision, recall = pairwise({a: titles[a] for a in silver_of}, silver_of)
    print(f"{'same normalized title':<28} pairwise precision {precision:.3f}  recall {recall:.3f}")
    sizes = sorted(all_stories.values(), reverse=True)
    multi = sum(1 for n in outlets_per_story.values() if n > 1)
    print(f"{sum(sizes):,} articles in {len(sizes):,} stories; {multi:,} stories span 2+ outlets; "
          f"largest {sizes[:5]}")


if __name__ == "__main__":
    main()
