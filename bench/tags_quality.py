"""Keyword tag quality on AKEC, side by side with YAKE and a TF-IDF n-gram baseline.

Protocol (from ../shared/data/README.md): F1@5 against each document's crowd
top 10 and F1@10 against its top 15 (``keyphrases_by_frequency``), phrases
matched after the same normalization and stemming on both sides (the key of a
phrase is the sequence of khabar's match-level stems of its words). Scores are
macro-averaged over documents, and reported for all 100 documents and for the
two halves: ``dev`` (even positions, the only half the extractor's constants
were set on) and ``held`` (odd positions, never looked at while tuning).

Systems:
- khabar, batch: ``khabar tags --input … --output …`` with no store: the batch
  of 100 documents is the corpus for document frequencies;
- khabar, store: the same with ``--db`` pointing at a store of the SaudiNewsNet
  dump (built by this script when ``--db`` is not given);
- YAKE (n=2, its Arabic stopword list, on display-form text with punctuation
  spaced), run as a separate program through its own command line (``pip
  install yake``; it is GPL-licensed, so khabar neither imports nor ships it);
- TF-IDF: scikit-learn's TfidfVectorizer over word 1–3-grams of the stemmed
  text (khabar's stopwords removed), fitted on the 100 documents.

    python bench/tags_quality.py [--akec PATH] [--dump PATH | --db PATH]

``--akec`` takes any file in the layout of AKEC's (``text_raw``, ``keyphrases_by_frequency``), such as
its other split; ``--dump`` the records the store for statistics is built from.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from khabar.text import display_form, is_stopword, stem, tokenize

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data"
AKEC = DATA / "akec" / "akec-train.jsonl"
DUMP = DATA / "saudinewsnet" / "saudinewsnet.jsonl.gz"


def phrase_key(phrase: str) -> str:
    """The comparison key of a phrase: its words' stems (stopwords kept: gold phrases may hold them)."""
    return " ".join(stem(t) for t in tokenize(display_form(phrase)))


def f1_at(predicted: list[str], gold: list[str], k: int) -> tuple[float, float, float]:
    """Precision, recall and F1 of the first k predictions against a gold list (keys deduplicated)."""
    gold_keys = {phrase_key(g) for g in gold} - {""}
    keys: list[str] = []
    for p in predicted:
        key = phrase_key(p)
        if key and key not in keys:
            keys.append(key)
    hits = len(set(keys[:k]) & gold_keys)
    precision = hits / k
    recall = hits / max(len(gold_keys), 1)
    return precision, recall, (2 * precision * recall / (precision + recall) if hits else 0.0)


def khabar_tags(docs: list[dict], db: str | None) -> dict[str, list[str]]:
    """Run the real CLI in batch mode and read its output."""
    with tempfile.TemporaryDirectory() as tmp:
        inp, out = Path(tmp) / "in.jsonl", Path(tmp) / "out.jsonl"
        inp.write_text("".join(json.dumps({"id": d["id"], "title": "", "text": d["text_raw"]}, ensure_ascii=False) + "\n" for d in docs), encoding="utf-8")
        command = [sys.executable, "-m", "khabar", "tags", "--input", str(inp), "--output", str(out), "-k", "10"]
        if db:
            command += ["--db", db]
        subprocess.run(command, check=True)
        return {row["id"]: row["tags"] for row in map(json.loads, out.read_text(encoding="utf-8").splitlines())}


def spaced(text: str) -> str:
    """Display form with punctuation set apart by spaces (YAKE's input)."""
    return re.sub(r"([^\w\s])", r" \1 ", display_form(text))


def yake_tags(docs: list[dict]) -> dict[str, list[str]] | None:
    """YAKE through its own command line, one process a document; None when it is not installed."""
    exe = shutil.which("yake") or (str(Path(sys.executable).parent / "yake") if (Path(sys.executable).parent / "yake").exists() else None)
    if not exe:
        return None
    result = {}
    with tempfile.TemporaryDirectory() as tmp:
        for d in docs:
            path = Path(tmp) / "doc.txt"
            path.write_text(spaced(d["text_raw"]), encoding="utf-8")
            out = subprocess.run([exe, "-i", str(path), "-l", "ar", "-n", "2", "-t", "10"], capture_output=True, text=True, check=True)
            lines = [line.strip() for line in out.stdout.splitlines()]
            result[d["id"]] = [line for line in lines[2:] if line]
    return result


def tfidf_tags(docs: list[dict]) -> dict[str, list[str]]:
    """Top TF-IDF word 1–3-grams of stemmed text (the baseline a user would pick first)."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    def analyse(text: str) -> list[str]:
        grams = []
        for clause in re.split(r"[^\w\s]+|\n+", display_form(text)):
            words = [stem(t) if not is_stopword(t) and not t.isdigit() else None for t in tokenize(clause)]
            for n in (1, 2, 3):
                for i in range(len(words) - n + 1):
                    span = words[i : i + n]
                    if all(span):
                        grams.append(" ".join(span))
        return grams

    vectorizer = TfidfVectorizer(analyzer=analyse, sublinear_tf=True)
    matrix = vectorizer.fit_transform([d["text_raw"] for d in docs])
    vocab = vectorizer.get_feature_names_out()
    result = {}
    for row, d in enumerate(docs):
        weights = matrix.getrow(row).toarray()[0]
        result[d["id"]] = [vocab[i] for i in weights.argsort()[::-1][:10]]
    return result


def build_store(path: str, dump: Path) -> None:
    """Ingest a dump into a fresh store (tags computed at ingest)."""
    subprocess.run([sys.executable, "-m", "khabar", "ingest", str(dump), "--db", path], check=True, stdout=subprocess.DEVNULL)


def report(name: str, docs: list[dict], predicted: dict[str, list[str]]) -> None:
    """Print F1@5 (top-10 gold) and F1@10 (top-15 gold) for all documents and both halves."""
    cells = []
    for part in ("all", "dev", "held"):
        chosen = [d for i, d in enumerate(docs) if part == "all" or (i % 2 == 0) == (part == "dev")]
        f5 = sum(f1_at(predicted.get(d["id"], []), d["keyphrases_by_frequency"][:10], 5)[2] for d in chosen) / len(chosen)
        f10 = sum(f1_at(predicted.get(d["id"], []), d["keyphrases_by_frequency"][:15], 10)[2] for d in chosen) / len(chosen)
        cells.append(f"{f5:>7.3f} {f10:>7.3f}")
    print(f"{name:<28}" + "   ".join(cells))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", help="a store to take statistics from (default: build one from SaudiNewsNet)")
    parser.add_argument("--only", choices=["khabar", "all"], default="all")
    parser.add_argument("--akec", type=Path, default=AKEC, help="documents with crowd keyphrases (default: ../shared/data/akec)")
    parser.add_argument("--dump", type=Path, default=DUMP, help="the records a store for statistics is built from, without --db")
    args = parser.parse_args()
    docs = [json.loads(line) for line in args.akec.read_text(encoding="utf-8").splitlines() if line.strip()]
    print(f"AKEC: {len(docs)} documents; gold = crowd top 10 (F1@5) and top 15 (F1@10)")
    print(f"{'system':<28}{'all F1@5  F1@10':<20}{'dev F1@5  F1@10':<20}{'held F1@5  F1@10':<20}")
    report("khabar (batch statistics)", docs, khabar_tags(docs, None))
    with tempfile.TemporaryDirectory() as tmp:
        db = args.db or str(Path(tmp) / "snn.db")
        if not args.db:
            build_store(db, args.dump)
        report("khabar (store statistics)", docs, khabar_tags(docs, db))
    if args.only == "all":
        report("TF-IDF 1-3-grams", docs, tfidf_tags(docs))
        yake = yake_tags(docs)
        if yake is None:
            print("YAKE                        not installed (pip install yake)")
        else:
            report("YAKE (n=2)", docs, yake)


if __name__ == "__main__":
    main()
