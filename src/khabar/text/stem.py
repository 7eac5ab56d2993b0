"""Stemming: PyStemmer's Snowball Arabic stemmer, cached, with one pre-step.

The pre-step strips a conjunction (و "and", ف "so") that stands before the
article or a preposition+article (وال، فال، وبال، ولل ...). Snowball's Arabic
prefix steps leave such words whole (والتحالف → والتحالف while التحالف →
تحالف), which would split one of the most frequent word forms of news text
from its stem. The measurement is in ``bench/stem_fold_order.py``.

Alef forms and ى→ي are folded before stemming, the rest of the match level
(ة→ه, Latin case) after it, for the reasons given in :mod:`khabar.text.normalize`.
"""

from __future__ import annotations

from functools import lru_cache

import Stemmer

from khabar.text.normalize import fold_before_stem, fold_match
from khabar.text.stopwords import is_stopword
from khabar.text.tokenize import tokenize

_SNOWBALL = Stemmer.Stemmer("arabic", 0)  # our own cache below covers the pre- and post-steps too

# A token longer than this is no word but what a page leaves in its text (a base64 image, a run of
# letters without spaces): it is no term (not indexed, no part of a vector) and no part of a keyword
# phrase. The longest Arabic words are under 20 letters, the longest English dictionary word 45; one of
# 5,000 letters made a tag key and a posting too long for PostgreSQL's indexes and failed its batch.
MAX_TERM_CHARS = 64

# Conjunction + article prefixes whose conjunction Snowball does not remove.
_CONJUNCTION_PREFIXES = ("وال", "فال", "وبال", "فبال", "وكال", "ولل", "فلل")
_MIN_REST = 3  # letters that must stay after the conjunction's article


def strip_conjunction(token: str) -> str:
    """Drop a leading و or ف that stands before ال, بال, كال or لل."""
    for prefix in _CONJUNCTION_PREFIXES:
        if token.startswith(prefix) and len(token) - len(prefix) >= _MIN_REST:
            return token[1:]
    return token


# What stands before a word in its definite forms: the article, alone or after ب ك ف و, and لل (ل + ال,
# its alef dropped).
_ARTICLE_FORMS = ("بال", "كال", "فال", "وال", "لل", "ال")


def conjunction_variant(token: str) -> str | None:
    """The stem of the other reading of a word whose first letter is و or ف, or None when it has none.

    Snowball reads the first و or ف of a bare word as a conjunction ("and", "so") and strips it, but
    keeps it after the article: وزير (minister) stems to زير and الوزير to وزير, فيروس to يروس and
    الفيروس to فيروس, so one form never finds the other. Which reading is right needs a lexicon
    (وقال is "and he said"); the search asks for both (docs/search.md has the measurement).
    For a bare word it is the stem as if the letter were part of the word (the definite form's stem);
    for a definite one, the bare word's stem.
    """
    folded = strip_conjunction(fold_before_stem(token))
    if not folded or not "\u0621" <= folded[0] <= "\u06ff":
        return None
    for article in _ARTICLE_FORMS:
        if folded.startswith(article) and len(folded) - len(article) >= _MIN_REST:
            bare = folded[len(article) :]
            return stem(bare) if bare[0] in "وف" else None
    if folded[0] in "وف" and len(folded) > _MIN_REST:
        return stem("ال" + folded)
    return None


@lru_cache(maxsize=1 << 18)
def stem(token: str) -> str:
    """The match-level stem of one token (a word from :func:`tokenize`).

    Arabic words: pre-stem folding, conjunction pre-step, Snowball Arabic,
    then the rest of the MATCH folding.
    Other words are case-folded; numbers are returned as they are.
    """
    if not token or token[0].isdigit():
        return token
    if "\u0621" <= token[0] <= "\u06ff":
        return fold_match(_SNOWBALL.stemWord(strip_conjunction(fold_before_stem(token))))
    return token.casefold()


def terms(text: str, keep_stopwords: bool = False) -> list[str]:
    """The stemmed, match-folded terms of a display-form text, in order.

    Stopwords (see :mod:`khabar.text.stopwords`) are left out unless
    ``keep_stopwords`` is true; tokens longer than ``MAX_TERM_CHARS`` always.
    """
    return terms_of_tokens(tokenize(text), keep_stopwords)


def terms_of_tokens(tokens: list[str], keep_stopwords: bool = False) -> list[str]:
    """:func:`terms` of a text already tokenized (the pipeline tokenizes a text once)."""
    if keep_stopwords:
        return [stem(t) for t in tokens if len(t) <= MAX_TERM_CHARS]
    return [stem(t) for t in tokens if len(t) <= MAX_TERM_CHARS and not is_stopword(t)]
