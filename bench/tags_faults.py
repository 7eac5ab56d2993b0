"""Faults a reader would see in a store's tags, counted article by article.

The seed page's tags repeat ("ملفات ملفات ملفات"), and tags can go wrong in other ways a reader
notices. This counts, over every article of a store (the tags it serves), those whose tags:

- show one display twice, or two displays equal but for spaces (عبد الرحمن، عبدالرحمن);
- hold two overlapping windows of one run of words (the end of one is the start of the other, two
  words or more: "ولي العهد يهنئ سلطان" and "العهد يهنئ سلطان عمان");
- hold a title or form of address alone (الوزير، اللاعب، معالي), or start with a form of address;
- hold a name cut short after a particle (محمد بن، سلمان بن عبدالعزيز آل), or the particle alone;
- hold a word of a longer tag as a tag of its own (حزب الله | حزب | الله), which is a fault when the
  text uses that word only inside the longer one;
- hold a phrase of the headline that the text never uses ("رونالدو يهدي وكيل", a piece of a sentence
  more often than a subject), compared on match keys (spelling folded, words whole), the headline
  repeated whole in the text left out of it.

The word lists here are the benchmark's own, written from the display forms, not the tagger's.
Run from the project root:

    python bench/tags_faults.py --db khabar.db [--examples 3]
"""

from __future__ import annotations

import argparse
from collections import Counter, defaultdict
from collections.abc import Callable

from khabar.store import open_store
from khabar.text import match_key

TITLES = set(
    "الرئيس رئيس الوزير وزير الأمير أمير الملك الشيخ الدكتور المهندس السيد السيدة اللاعب المدرب النائب "
    "السفير المتحدث العميد اللواء العقيد الفريق المستشار القاضي الإمام".split()
)
ADDRESS = set("معالي سمو جلالة فخامة سعادة الأستاذ الاستاذ".split())
PARTICLES = set("بن بنت ابن ابنة أبو ابو آل عبد".split())


def _overlapping_windows(displays: list[str]) -> bool:
    """Two displays where the end of one (two words or more) is the start of the other."""
    words = [d.split() for d in displays]
    for a in words:
        for b in words:
            if a is not b and any(a[-n:] == b[:n] for n in range(2, min(len(a), len(b)))):
                return True
    return False


def _word_of_another(displays: list[str]) -> bool:
    """A one-word tag that is also a word of a longer tag (حزب الله | حزب). Not always a fault: a word the
    text also uses on its own may be a tag of its own."""
    keys = [match_key(d) for d in displays]
    words = {word for key in keys if " " in key for word in key.split()}
    return any(" " not in key and key in words for key in keys)


FAULTS: dict[str, Callable[[list[str]], bool]] = {
    "one display twice": lambda d: len(set(d)) < len(d),
    "equal but for spaces": lambda d: len({x.replace(" ", "") for x in d}) < len(d),
    "overlapping windows of one run of words": _overlapping_windows,
    "a title or form of address alone": lambda d: any(x in TITLES or x in ADDRESS for x in d),
    "starting with a form of address": lambda d: any(x.split()[0] in ADDRESS and " " in x for x in d),
    "a name cut after a particle, or one alone": lambda d: any(x.split()[-1] in PARTICLES for x in d),
    "a word of a longer tag as a tag of its own": _word_of_another,
}


def _headline_only(displays: list[str], title: str, text: str) -> bool:
    """A tag of two words or more found in the headline and not in the text (on match keys, words whole).
    The headline repeated whole in the text (a first line, a footer with the story's link) is left out
    of the text."""
    title_key = f" {match_key(title)} "
    text_key = f" {match_key(text)} ".replace(title_key, " ") if title_key.strip() else f" {match_key(text)} "
    phrases = (f" {match_key(d)} " for d in displays if " " in d)
    return any(p in title_key and p not in text_key for p in phrases)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", required=True, help="a store built by khabar ingest (SQLite path or PostgreSQL URL)")
    parser.add_argument("--examples", type=int, default=3)
    args = parser.parse_args()
    shown: dict[str, list[str]] = defaultdict(list)
    headline_only: dict[str, list[str]] = {}
    with open_store(args.db) as store:
        for article in store.iter_articles():
            shown[article.id] = [tag.display for tag in store.get_tags(article.id)]
            if _headline_only(shown[article.id], article.title, article.text):
                headline_only[article.id] = shown[article.id]
    print(f"{len(shown):,} articles, {sum(map(len, shown.values())):,} tags; articles whose tags show:")
    for name, fault in FAULTS.items():
        hit = {i: d for i, d in shown.items() if d and fault(d)}
        print(f"  {name:42s} {len(hit):>7,}")
        for article_id, displays in list(hit.items())[: args.examples]:
            print(f"      {article_id}: {' | '.join(displays)}")
    print(f"  {'a phrase of the headline the text never uses':42s} {len(headline_only):>7,}")
    for article_id, displays in list(headline_only.items())[: args.examples]:
        print(f"      {article_id}: {' | '.join(displays)}")
    common = Counter(d for displays in shown.values() for d in displays).most_common(8)
    print("most common tags: " + ", ".join(f"{d} {n:,}" for d, n in common))


if __name__ == "__main__":
    main()
