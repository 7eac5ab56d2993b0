"""Where to fold ى→ي and ة→ه relative to the Snowball Arabic stemmer, measured on real text.

Three orders are compared on the vocabulary of the SaudiNewsNet dump, each
pair weighted by how often its rarer word occurs:

- A, fold then stem: match-fold the word (ة→ه, ى→ي, alef forms), then stem;
- B, stem then fold: stem the display-form word, then fold the stem;
- C, khabar's choice: fold alef forms and ى→ي before stemming, ة→ه after;
- B without the conjunction pre-step (Snowball alone on وال/فال words).

Measures:
- gender pairs: masculine/feminine forms that both occur (الدولي / الدولية):
  share of pairs with one key (higher is better: one concept, one key);
- ة/ه spelling pairs: a word with ة and the same word written with ه
  (الحكومة / الحكومه), both in the corpus: share with one key;
- ى/ي spelling pairs (مستشفى / مستشفي): share with one key;
- conjunction pairs: وال + word and ال + word (والتحالف / التحالف): share with one key;
- distinct keys over the whole vocabulary (fewer = more conflation).

    python bench/stem_fold_order.py [--dump PATH] [--limit N]
"""

from __future__ import annotations

import argparse
import gzip
import itertools
from collections import Counter
from pathlib import Path

import orjson
import Stemmer

from khabar.text import display_form, fold_match, stem, tokenize
from khabar.text.normalize import fold_before_stem
from khabar.text.stem import strip_conjunction

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DUMP = ROOT.parent / "shared" / "data" / "saudinewsnet" / "saudinewsnet.jsonl.gz"
SNOWBALL = Stemmer.Stemmer("arabic")


def order_a(word: str) -> str:
    """Fold first, then stem (with the conjunction pre-step)."""
    return SNOWBALL.stemWord(strip_conjunction(fold_match(word)))


def order_b(word: str) -> str:
    """Stem the display form, then fold the stem."""
    return fold_match(SNOWBALL.stemWord(strip_conjunction(word)))


def order_c(word: str) -> str:
    """Fold ى→ي and alef forms before stemming, ة→ه after it (khabar: :func:`khabar.text.stem`)."""
    return fold_match(SNOWBALL.stemWord(strip_conjunction(fold_before_stem(word))))


def order_b_plain(word: str) -> str:
    """Stem then fold, without the conjunction pre-step."""
    return fold_match(SNOWBALL.stemWord(word))


def vocabulary(dump: Path, limit: int) -> Counter[str]:
    """Arabic word counts of the first ``limit`` articles."""
    counts: Counter[str] = Counter()
    with gzip.open(dump) as handle:
        for line in itertools.islice(handle, limit):
            record = orjson.loads(line)
            counts.update(t for t in tokenize(display_form(record["title"] + " " + record["content"])) if "\u0621" <= t[0] <= "\u064a")
    return counts


def pairs(vocab: Counter[str]) -> dict[str, list[tuple[str, str]]]:
    """Word pairs of each kind that both occur in the vocabulary."""
    found: dict[str, list[tuple[str, str]]] = {"gender": [], "teh/heh spelling": [], "alef maqsura spelling": [], "conjunction": []}
    for word in vocab:
        if word.endswith("ة") and len(word) > 3:
            if word[:-1] in vocab:
                found["gender"].append((word[:-1], word))
            if word[:-1] + "ه" in vocab:
                found["teh/heh spelling"].append((word, word[:-1] + "ه"))
        if word.endswith("ى") and word[:-1] + "ي" in vocab:
            found["alef maqsura spelling"].append((word, word[:-1] + "ي"))
        if word.startswith(("وال", "فال")) and word[1:] in vocab and len(word) > 5:
            found["conjunction"].append((word, word[1:]))
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dump", type=Path, default=DEFAULT_DUMP)
    parser.add_argument("--limit", type=int, default=31030)
    args = parser.parse_args()
    vocab = vocabulary(args.dump, args.limit)
    print(f"{len(vocab):,} Arabic word types, {sum(vocab.values()):,} tokens")
    orders = {
        "A fold→stem": order_a,
        "B stem→fold": order_b,
        "C ى before, ة after (khabar)": order_c,
        "B without conjunction step": order_b_plain,
    }
    print(f"{'pairs':<24}{'n':>7}" + "".join(f"{name:>31}" for name in orders))
    for kind, found in pairs(vocab).items():
        weights = [min(vocab[a], vocab[b]) for a, b in found]
        row = f"{kind:<24}{len(found):>7}"
        for fn in orders.values():
            agree = sum(w for (a, b), w in zip(found, weights) if fn(a) == fn(b))
            row += f"{agree / max(sum(weights), 1):>31.3f}"
        print(row)
    row = f"{'distinct keys':<24}{'':>7}"
    for fn in orders.values():
        row += f"{len({fn(w) for w in vocab}):>31,}"
    print(row)
    assert all(order_c(w) == stem(w) for w in itertools.islice(vocab, 5000)), "khabar.text.stem is not order C"


if __name__ == "__main__":
    main()
