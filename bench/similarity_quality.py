"""Pair similarity on SemEval-2022 Task 8 Arabic dev pairs, side by side with TF-IDF cosine.

Each text is given as an article; ``khabar pairs`` (the real CLI) scores the
101 pairs. Reported: Pearson correlation of ``similarity`` with minus
``Overall`` (1 = same story … 4 = unrelated), and the ROC AUC of
``similarity`` and of ``same_story`` for Overall ≤ 2 (positive) against
Overall ≥ 3. How far 101 pairs can be trusted is reported too: a 95%
interval for each Pearson and for the difference between the two systems,
from a paired bootstrap over the pairs (10,000 resamples, fixed seed). The baseline a user would pick first: scikit-learn's TF-IDF over
the words of the raw texts, fitted on the 202 texts, cosine.

These pairs are for development only; nothing was fitted to single pairs.

    python bench/similarity_quality.py [--pairs PATH] [--db PATH]

``--pairs`` takes any file of pairs in the same layout (``text1``, ``text2``, ``Overall``), such as
held-out pairs of the task; the default is the dev pairs.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
PAIRS = ROOT.parent / "shared" / "data" / "semeval-dev" / "pairs.jsonl"


def auc(scores: list[float], positive: list[bool]) -> float:
    """Area under the ROC curve (probability a positive outscores a negative; ties count half)."""
    pos = [s for s, p in zip(scores, positive) if p]
    neg = [s for s, p in zip(scores, positive) if not p]
    wins = sum((p > n) + 0.5 * (p == n) for p in pos for n in neg)
    return wins / (len(pos) * len(neg))


def bootstrap_pearson(systems: dict[str, list[float]], gold: np.ndarray, rounds: int = 10_000, seed: int = 0) -> dict[str, np.ndarray]:
    """Pearson of each system with ``gold`` over ``rounds`` resamples of the pairs (the same resamples for
    every system, so that differences between them are paired)."""
    picks = np.random.default_rng(seed).integers(0, len(gold), size=(rounds, len(gold)))
    truth = gold[picks] - gold[picks].mean(axis=1, keepdims=True)
    found = {}
    for name, scores in systems.items():
        drawn = np.asarray(scores)[picks]
        drawn = drawn - drawn.mean(axis=1, keepdims=True)
        found[name] = (drawn * truth).sum(axis=1) / np.sqrt((drawn**2).sum(axis=1) * (truth**2).sum(axis=1))
    return found


def interval(values: np.ndarray) -> str:
    """The central 95% of bootstrap values, as ``[low, high]``."""
    low, high = np.nanpercentile(values, [2.5, 97.5])
    return f"[{low:.3f}, {high:.3f}]"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pairs", type=Path, default=PAIRS, help="the scored pairs (default: ../shared/data/semeval-dev/pairs.jsonl)")
    parser.add_argument("--db", help="take statistics from this store instead of the pairs' own texts")
    args = parser.parse_args()
    rows = [json.loads(line) for line in args.pairs.read_text(encoding="utf-8").splitlines() if line.strip()]
    gold = np.array([-r["Overall"] for r in rows])
    positive = [r["Overall"] <= 2 for r in rows]

    with tempfile.TemporaryDirectory() as tmp:
        articles, pairs, out = Path(tmp) / "a.jsonl", Path(tmp) / "p.jsonl", Path(tmp) / "o.jsonl"
        with articles.open("w", encoding="utf-8") as a, pairs.open("w", encoding="utf-8") as p:
            for r in rows:
                for side in ("1", "2"):
                    a.write(json.dumps({"id": f"{r['pair_id']}-{side}", "title": "", "text": r["text" + side]}, ensure_ascii=False) + "\n")
                p.write(json.dumps({"id1": f"{r['pair_id']}-1", "id2": f"{r['pair_id']}-2"}) + "\n")
        command = [sys.executable, "-m", "khabar", "pairs", "--articles", str(articles), "--pairs", str(pairs), "--output", str(out)]
        subprocess.run(command + (["--db", args.db] if args.db else []), check=True)
        scored = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]

    from sklearn.feature_extraction.text import TfidfVectorizer

    texts = [r["text1"] for r in rows] + [r["text2"] for r in rows]
    matrix = TfidfVectorizer().fit_transform(texts)
    baseline = [float((matrix[i] @ matrix[i + len(rows)].T).toarray()[0, 0]) for i in range(len(rows))]
    ours = [s["similarity"] for s in scored]
    story = [1.0 if s["same_story"] else 0.0 for s in scored]

    def pearson(x: list[float]) -> float:
        return float(np.corrcoef(np.array(x), gold)[0, 1])

    print(f"SemEval-2022 Task 8 pairs ({args.pairs.name}): {len(rows)} pairs, {sum(positive)} with Overall ≤ 2")
    print(f"{'system':<34}{'Pearson':>9}{'AUC sim':>9}{'AUC same_story':>16}")
    print(f"{'khabar pairs':<34}{pearson(ours):>9.3f}{auc(ours, positive):>9.3f}{auc(story, positive):>16.3f}")
    print(f"{'TF-IDF cosine (words, sklearn)':<34}{pearson(baseline):>9.3f}{auc(baseline, positive):>9.3f}{'—':>16}")
    drawn = bootstrap_pearson({"khabar": ours, "tfidf": baseline}, gold.astype(float))
    print("paired bootstrap over the pairs (10,000 resamples), 95% intervals of Pearson:")
    print(f"  khabar pairs {interval(drawn['khabar'])}, TF-IDF {interval(drawn['tfidf'])}, "
          f"khabar minus TF-IDF {interval(drawn['khabar'] - drawn['tfidf'])}; "
          f"resamples where khabar reaches 0.70: {np.mean(drawn['khabar'] >= 0.70):.1%}")


if __name__ == "__main__":
    main()
