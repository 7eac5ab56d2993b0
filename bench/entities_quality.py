"""Named entities on ANERcorp, side by side with the baseline a user would pick: gazetteer lookup.

khabar's recognizer (``khabar.enrich.entities``) is trained in this run on the ite5th training split,
without and with word clusters learned in the run from the SaudiNewsNet dump's text (unlabelled), and
scored on the test split (``--test``; the dev split chose the features): whole names, type and both
ends right. Two baselines: names looked up in the ANERGazet gazetteers that come with ANERcorp (persons,
places, organisations), and the CoNLL shared tasks' baseline, every name of the training split looked up
with the type it has most there; the longest match wins, and the article or a glued و/ب/ل may stand
before a place or an organisation. Then the time to find the names of real articles (``--articles`` of the SaudiNewsNet dump).
Nothing trained here is kept. Run from the project root:

    python bench/entities_quality.py [--data ../shared/data] [--test ite5th_test.conll] [--articles 500]
                                     [--db khabar.db --workers 2]

With ``--db`` (a SQLite store, e.g. one ``khabar ingest`` made of the dump), it then times ``khabar
entities run`` (the model with clusters) over a copy of that store: every article read and its names stored.
"""

from __future__ import annotations

import argparse
import gzip
import itertools
import resource
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import orjson

from khabar.enrich.entities import EntityRecognizer, Scores, read_conll, spans_of, train_model, words_of
from khabar.text.clusters import learn_word_clusters
from khabar.text.normalize import fold_match

ROOT = Path(__file__).resolve().parent.parent
PREFIXES = ("", "ال", "و", "وال", "ب", "بال", "ل", "لل")
GAZETTEERS = {"PERS": "ANERGazet_Pers.txt", "LOC": "ANERGazet_Loc.txt", "ORG": "ANERGazet_Org.txt"}


def load_gazetteer(folder: Path) -> tuple[dict[tuple[str, ...], str], int]:
    """Each gazetteer name as a tuple of folded words → its type; and the longest name's length in words."""
    names: dict[tuple[str, ...], str] = {}
    for kind, file in GAZETTEERS.items():
        for line in (folder / file).read_text(encoding="utf-8", errors="replace").splitlines():
            words = tuple(fold_match(w) for w in line.split())
            if words and all(any("\u0621" <= c <= "\u064a" for c in w) for w in words):  # not the ==== separators
                names.setdefault(words, kind)
    return names, max(map(len, names))


def training_names(sentences: list[list[tuple[str, str]]]) -> tuple[dict[tuple[str, ...], str], int]:
    """The CoNLL shared tasks' baseline lexicon: each name of the training split → the type it has most there."""
    from collections import Counter

    seen: dict[tuple[str, ...], Counter[str]] = {}
    for sentence in sentences:
        for first, after, kind in spans_of([t for _, t in sentence]):
            seen.setdefault(tuple(fold_match(w) for w, _ in sentence[first:after]), Counter())[kind] += 1
    names = {words: kinds.most_common(1)[0][0] for words, kinds in seen.items() if all(words)}
    return names, max(map(len, names))


def gazetteer_tags(words: list[str], names: dict[tuple[str, ...], str], longest: int) -> list[str]:
    """IOB tags from the longest gazetteer match at each word (a place or organisation may carry a prefix)."""
    folded = [fold_match(w) for w in words]
    tags = ["O"] * len(words)
    i = 0
    while i < len(words):
        for size in range(min(longest, len(words) - i), 0, -1):
            window = folded[i : i + size]
            kind = None
            for prefix in PREFIXES:
                if window[0].startswith(prefix) and len(window[0]) > len(prefix) + 1:
                    kind = names.get((window[0][len(prefix) :], *window[1:]))
                    if kind and (not prefix or kind != "PERS"):
                        break
                    kind = None
            if kind:
                tags[i : i + size] = ["B-" + kind] + ["I-" + kind] * (size - 1)
                i += size
                break
        else:
            i += 1
    return tags


def report(name: str, scores: Scores) -> None:
    """One line of figures a system."""
    cells = []
    for kind in ("PERS", "LOC", "ORG", "MISC", None):
        precision, recall, f1 = scores.of(kind)
        cells.append(f"{f1:6.3f}")
    precision, recall, _ = scores.of()
    print(f"{name:34s} {'  '.join(cells)}   {precision:9.3f} {recall:6.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--test", default="ite5th_test.conll", help="the split scored (ite5th_dev.conll chose the features)")
    parser.add_argument("--articles", type=int, default=500)
    parser.add_argument("--db", type=Path, help="a SQLite store to time `khabar entities run` on (a copy of it)")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    corpus = args.data / "anercorp"

    dump = args.data / "saudinewsnet" / "saudinewsnet.jsonl.gz"
    test = read_conll(corpus / args.test)
    words = sum(map(len, test))
    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        clusters = learn_word_clusters(lambda: (words_of(r.get("title", "") + "\n" + r.get("content", "")) for r in dump_records(dump)))
        print(f"word clusters: {len(set(clusters.values()))} clusters of {len(clusters):,} words learned from the "
              f"SaudiNewsNet dump's 31,030 records in {time.perf_counter() - start:.1f} s")
        systems = {}
        for name, used in (("khabar (CRF)", None), ("khabar (CRF + word clusters)", clusters)):
            model = Path(folder) / f"model{len(systems)}.crf"
            start = time.perf_counter()
            about = train_model([corpus / "ite5th_train.conll"], model, clusters=used)
            print(f"{name}: trained on {about['sentences']:,} sentences, {about['tokens']:,} words in {time.perf_counter() - start:.1f} s")
            systems[name] = EntityRecognizer(model)
        print(f"scored on {args.test}: {len(test):,} sentences, {words:,} words")
        print("whole names (type and both ends right), F1")
        print(f"{'system':34s} {'PERS':>6s}  {'LOC':>6s}  {'ORG':>6s}  {'MISC':>6s}  {'all':>6s}   precision recall")

        labelled = {}
        for name, recognizer in systems.items():
            ours = Scores()
            start = time.perf_counter()
            for sentence in test:
                ours.add(spans_of([t for _, t in sentence]), spans_of(recognizer.label([w for w, _ in sentence])))
            labelled[name] = time.perf_counter() - start
            report(name, ours)

        names, longest = load_gazetteer(corpus / "gazetteers")
        baseline = Scores()
        for sentence in test:
            found = gazetteer_tags([w for w, _ in sentence], names, longest)
            baseline.add(spans_of([t for _, t in sentence]), spans_of(found))
        report(f"ANERGazet lookup ({len(names):,} names)", baseline)

        names, longest = training_names(read_conll(corpus / "ite5th_train.conll"))
        memorized = Scores()
        for sentence in test:
            found = gazetteer_tags([w for w, _ in sentence], names, longest)
            memorized.add(spans_of([t for _, t in sentence]), spans_of(found))
        report(f"training names lookup ({len(names):,})", memorized)
        print("(the gazetteers have no MISC names; their 'all' counts MISC names as missed)")
        for name, seconds in labelled.items():
            print(f"labelling, {name}: {seconds / words * 1e6:.1f} µs a word over {args.test}")

        recognizer = systems["khabar (CRF + word clusters)"]
        records = list(itertools.islice(dump_records(dump), 0, None, 31))[: args.articles]
        start = time.perf_counter()
        found = [recognizer.entities(r.get("title") or "", r.get("content") or "") for r in records]
        elapsed = time.perf_counter() - start
        chars = sum(len(r.get("content") or "") for r in records)
        print(f"articles, with word clusters: {len(records):,} of the SaudiNewsNet dump (every 31st), {chars / len(records):,.0f} "
              f"characters on average: {elapsed / len(records) * 1000:.1f} ms an article, {sum(map(len, found)) / len(records):.1f} names an article")

        if args.db:
            time_store_run(args.db, recognizer, args.workers, Path(folder))


def dump_records(path: Path) -> Iterator[dict]:
    """The dump's raw records."""
    with gzip.open(path) as handle:
        for line in handle:
            yield orjson.loads(line)


def time_store_run(db: Path, recognizer: EntityRecognizer, workers: int, folder: Path) -> None:
    """``khabar entities run`` over a copy of a SQLite store: time, rate, names, memory."""
    from khabar.enrich.entities import read_store_entities
    from khabar.store import open_store

    copy = folder / "store.db"
    shutil.copyfile(db, copy)
    with open_store(str(copy)) as store:
        start = time.perf_counter()
        report = read_store_entities(store, recognizer, workers)
        elapsed = time.perf_counter() - start
        again = read_store_entities(store, recognizer)
    peak_main = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # the workers are the forkserver's children, not ours
    print(f"khabar entities run, {workers} workers, over a copy of {db.name}: {report.read:,} articles read, "
          f"{report.names:,} names stored in {elapsed:.1f} s = {report.read / elapsed:,.0f} articles/s; "
          f"a second run read {again.read:,}; peak RSS of this process {peak_main:.0f} MB")


if __name__ == "__main__":
    main()
