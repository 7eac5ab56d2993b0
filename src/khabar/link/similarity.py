"""How alike two articles are: the measure behind related articles and ``khabar pairs``.

An article is reduced to a sparse vector of its stems (title words count
twice), weighted by term frequency × inverse document frequency from the
corpus statistics and cut to its ``TOP_TERMS`` heaviest, L2-normalized.
Similarity mixes two views measured on the SemEval dev pairs
(``bench/similarity_quality.py``): the cosine of those vectors, and the
overlap of the two articles' keyword tags (names and phrases, which the
bag of stems does not see as units).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from khabar.model import Tag
from khabar.stats import TermStats
from khabar.text import terms

TOP_TERMS = 40
# Weights are kept to this many decimals. Finer ones change no ranking, and a vector's JSON then stays
# under SQLite's in-page limit (about 1,000 bytes a row): at full precision it took 1,200 bytes and an
# overflow page, which tripled the table (4.5 KB an article).
WEIGHT_DECIMALS = 4
# The inverted index behind related articles posts only each vector's heaviest terms. Candidates are
# looked up by the heaviest terms of the asking article and then scored on whole vectors, so the light
# postings moved few lists and were half the index: over 500 articles with 20 posted, 99% kept their
# "read also" and 91% of the similar articles stayed (the first five's relevance summed 0.4% lower),
# and an ingest of the dump wrote 0.6 million postings instead of 1.2 (docs/benchmarks.md).
POSTED_TERMS = 20
TITLE_WEIGHT = 2
TAG_SHARE = 0.3  # weight of tag overlap in the mix, the rest is the term cosine
SAME_STORY = 0.30  # similarity at or above which two articles close in time tell one story
STORY_DAYS = 4.0  # beyond this many days apart, the same story needs more similarity
STORY_DECAY = 0.05  # similarity asked for per extra day
HALF_LIFE_DAYS = 7.0  # related articles: relevance halves every this many days apart
MIN_RELEVANCE = 0.05  # related articles: below this (after the time decay) an article is not listed
# Similarity is at most 1, so beyond this many days apart (about 30) an article can never be listed as
# related: candidates are looked for inside it, and a new article can change only the lists inside it.
RELEVANCE_HORIZON_DAYS = HALF_LIFE_DAYS * math.log2(1 / MIN_RELEVANCE)


def term_vector(title: str, text: str, stats: TermStats | None = None) -> dict[str, float]:
    """The article's heaviest ``TOP_TERMS`` stems, tf × idf weighted, L2-normalized."""
    return weigh_terms(terms(title), terms(text), stats)


def weigh_terms(title_terms: list[str], text_terms: list[str], stats: TermStats | None = None) -> dict[str, float]:
    """:func:`term_vector` from terms already computed (the pipeline shares them with the search index).

    Weights are rounded to ``WEIGHT_DECIMALS``; a term whose weight rounds to 0 is left out.
    """
    counts = Counter(text_terms)
    for term in title_terms:
        counts[term] += TITLE_WEIGHT
    if not counts:
        return {}
    if stats and stats.documents > 1:
        idf = stats.idf()
        weights = {term: count * (idf[term] + 1) for term, count in counts.items()}
    else:
        weights = {term: float(count) for term, count in counts.items()}
    # Heaviest first, ties in first-seen order (the sort is stable, reverse included).
    top = [(term, weights[term]) for term in sorted(weights, key=weights.__getitem__, reverse=True)[:TOP_TERMS]]
    norm = math.sqrt(sum(w * w for _, w in top)) or 1.0
    rounded = ((term, round(w / norm, WEIGHT_DECIMALS)) for term, w in top)
    return {term: w for term, w in rounded if w > 0}


def heaviest(vector: Mapping[str, float], n: int) -> dict[str, float]:
    """The ``n`` heaviest terms of a vector, heaviest first."""
    return dict(sorted(vector.items(), key=lambda item: -item[1])[:n])


def cosine(a: Mapping[str, float], b: Mapping[str, float]) -> float:
    """Cosine of two normalized sparse vectors."""
    shared = a.keys() & b.keys()  # a set operation in C; the sum then runs over a few terms only
    return sum(a[t] * b[t] for t in shared)


def tag_overlap(a: Iterable[Tag] | Iterable[str], b: Iterable[Tag] | Iterable[str]) -> float:
    """Jaccard overlap of two articles' tag keys."""
    keys_a = {t.key if isinstance(t, Tag) else t for t in a}
    keys_b = {t.key if isinstance(t, Tag) else t for t in b}
    if not keys_a or not keys_b:
        return 0.0
    return len(keys_a & keys_b) / len(keys_a | keys_b)


def similarity(vector_a: Mapping[str, float], vector_b: Mapping[str, float], tags_a, tags_b) -> float:  # noqa: ANN001
    """How alike two articles are, from 0 (nothing shared) to 1."""
    return (1 - TAG_SHARE) * cosine(vector_a, vector_b) + TAG_SHARE * tag_overlap(tags_a, tags_b)


def days_apart(a: datetime | None, b: datetime | None) -> float:
    """Days between two publication times (0 when either is unknown)."""
    if a is None or b is None:
        return 0.0
    return abs((a - b).total_seconds()) / 86400


def time_decay(a: datetime | None, b: datetime | None) -> float:
    """The factor, from 1 down, that relevance keeps when two articles are published apart in time."""
    return 0.5 ** (days_apart(a, b) / HALF_LIFE_DAYS)


def epoch_day(moment: datetime | None) -> float | None:
    """A publication time as days since 1970-01-01 UTC (how the inverted index and stored lists keep it)."""
    return None if moment is None else moment.timestamp() / 86400


def same_story(score: float, a: datetime | None, b: datetime | None, base: float = SAME_STORY) -> bool:
    """Whether two articles tell one story: alike enough (``base``), asking more the further apart in time they are."""
    extra_days = max(0.0, days_apart(a, b) - STORY_DAYS)
    return score >= base + STORY_DECAY * extra_days


@dataclass(frozen=True)
class PairScore:
    """The comparison of two articles."""

    similarity: float
    same_story: bool
    duplicate: bool
