"""Near-duplicate quality: silver pairs from SaudiNewsNet plus controlled edits of real articles.

Labeled pairs:
- silver positives: articles of *different* outlets whose bodies open with the
  same 200 characters (after match-level normalization) and whose lengths
  differ by less than 20%: wire copy republished;
- controlled edits: for a sample of real articles (seeded), a copy with a new
  headline and outlet and one edit: last paragraph dropped, 3% of words
  replaced, Persian letters and Eastern digits and diacritics sprinkled in, a
  boilerplate line added;
- hard negatives: pairs from the same day whose headlines share at least half
  their stems (the same topic) but whose bodies share under 30% of their word
  4-shingles (exact Jaccard).

Everything (the dump and the edited copies) is ingested through khabar's own
pipeline into a fresh store; a pair is predicted a duplicate when both land in
one duplicate group. Side by side: the baseline a user would write first, an
exact hash of the normalized body.

    python bench/duplicates_quality.py [--dump PATH] [--edits N]
"""

from __future__ import annotations

import argparse
import hashlib
import random
import sys
import tempfile
import time
from collections import defaultdict
from itertools import combinations
from pathlib import Path


from khabar.ingest.dumps import Record, read_dump, record_to_article
from khabar.link.duplicates import shingles
from khabar.pipeline import ingest_records
from khabar.store import open_store
from khabar.text import match_key, terms

ROOT = Path(__file__).resolve().parent.parent
DUMP = ROOT.parent / "shared" / "data" / "saudinewsnet" / "saudinewsnet.jsonl.gz"
PERSIAN = str.maketrans({"ي": "ی", "ك": "ک", "1": "۱", "2": "۲", "0": "٠"})


def edit(record: dict, kind: str, rng: random.Random) -> dict:
    """A copy of a record republished by another outlet with one kind of edit."""
    text = record["content"]
    if kind == "drop last paragraph":
        paragraphs = [p for p in text.split("\n") if p.strip()]
        text = "\n".join(paragraphs[:-1]) if len(paragraphs) > 3 else text[: int(len(text) * 0.9)]
    elif kind == "replace 3% of words":
        words = text.split(" ")
        for i in rng.sample(range(len(words)), max(1, len(words) * 3 // 100)):
            words[i] = rng.choice(["الجديد", "كبير", "المحلي", "أمس", "عدة"])
        text = " ".join(words)
    elif kind == "spelling noise":
        text = "".join(ch + ("\u064e" if rng.random() < 0.05 else "") for ch in text.translate(PERSIAN))
    elif kind == "boilerplate line":
        text = text + "\n\nالمصدر: وكالة الأنباء - إقرأ أيضاً على موقعنا"
    return {**record, "url": record["url"].rstrip("/") + "/copy-" + kind.replace(" ", "-"),
            "source": "copy-" + record["source"], "title": "نسخة: " + record["title"], "content": text,
            "id": record["id"] + "-copy"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dump", type=Path, default=DUMP, help="SaudiNewsNet records, or any dump in their layout (default: ../shared/data/saudinewsnet)")
    parser.add_argument("--edits", type=int, default=400)
    args = parser.parse_args()
    rng = random.Random(20151)
    records = [item.data for item in read_dump(args.dump) if isinstance(item, Record) and (item.data.get("content") or "").strip()]
    articles = {r["id"]: record_to_article(r) for r in records}
    by_record = {r["id"]: articles[r["id"]].id for r in records}

    # Silver positives: same normalized opening, different outlets, similar length.
    openings = defaultdict(list)
    for r in records:
        key = match_key(r["content"])[:200]
        if len(key) >= 150:
            openings[key].append(r)
    positives = set()
    for group in openings.values():
        for a, b in combinations(group, 2):
            la, lb = len(a["content"]), len(b["content"])
            if a["source"] != b["source"] and min(la, lb) / max(la, lb) >= 0.8:
                positives.add(tuple(sorted((by_record[a["id"]], by_record[b["id"]]))))
    silver = set(positives)

    # Controlled edits of real articles.
    kinds = ["drop last paragraph", "replace 3% of words", "spelling noise", "boilerplate line"]
    long_ones = [r for r in records if len(r["content"].split()) >= 120]
    copies = []
    for n, original in enumerate(rng.sample(long_ones, args.edits)):
        copy = edit(original, kinds[n % len(kinds)], rng)
        copies.append(copy)
        positives.add(tuple(sorted((by_record[original["id"]], record_to_article(copy).id))))

    # Hard negatives: same day, similar headline, different body.
    by_day = defaultdict(list)
    for r in records:
        by_day[r["date_extracted"][:10]].append(r)
    negatives = set()
    for day_records in by_day.values():
        heads = [(r, set(terms(r["title"]))) for r in day_records if len(terms(r["title"])) >= 4]
        index = defaultdict(list)
        for i, (r, stems) in enumerate(heads):
            for s in stems:
                index[s].append(i)
        for i, (r, stems) in enumerate(heads):
            shared = defaultdict(int)
            for s in stems:
                for j in index[s]:
                    if j > i:
                        shared[j] += 1
            for j, count in shared.items():
                other, other_stems = heads[j]
                if count * 2 >= min(len(stems), len(other_stems)):
                    a, b = shingles(r["content"]), shingles(other["content"])
                    if a and b and len(a & b) / len(a | b) < 0.3:
                        negatives.add(tuple(sorted((by_record[r["id"]], by_record[other["id"]]))))
    print(f"labeled pairs: {len(silver):,} silver positives, {len(positives) - len(silver):,} controlled edits, "
          f"{len(negatives):,} hard negatives")

    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(str(Path(tmp) / "dupes.db"))
        items = [Record(r, f"dump:{n}") for n, r in enumerate(records + copies)]
        started = time.perf_counter()
        ingest_records(store, items, workers=2)
        print(f"ingested {len(items):,} articles (dump + edited copies) in {time.perf_counter() - started:.1f}s")
        ids = {i for pair in positives | negatives for i in pair}
        groups = store.duplicate_groups(ids)
        texts = {a.id: match_key(a.text) for a in (store.get_article(i) for i in ids) if a}
        store.close()

    def report(name: str, same) -> None:
        tp = sum(1 for a, b in positives if same(a, b))
        fp = sum(1 for a, b in negatives if same(a, b))
        silver_tp = sum(1 for a, b in silver if same(a, b))
        edits_tp = tp - silver_tp
        precision = tp / max(tp + fp, 1)
        print(f"{name:<26} precision {precision:.3f}  recall {tp / len(positives):.3f}  "
              f"(silver {silver_tp / max(len(silver), 1):.3f}, edits {edits_tp / max(len(positives) - len(silver), 1):.3f}, "
              f"false positives {fp})")

    report("khabar MinHash LSH", lambda a, b: a in groups and groups.get(a) == groups.get(b))
    digest = {i: hashlib.blake2b(t.encode(), digest_size=8).digest() for i, t in texts.items()}
    report("exact normalized-text hash", lambda a, b: digest.get(a) == digest.get(b) and a in digest)


if __name__ == "__main__":
    sys.exit(main())
