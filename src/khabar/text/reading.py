"""Reading a text once: its clauses of words, and for each word everything khabar asks of it.

Every stored article is tokenized for its match-level words (near-duplicate
shingles), for its stemmed terms (search index, related-article vectors) and
clause by clause for its keyword tags (phrases never cross punctuation).
:func:`read_text` does the tokenizing once, and one cached lookup per
distinct word (:func:`word_facts`) gives its match fold and the fold's hash,
its term and its phrase stem, where separate caches asked three or four
times (``bench/ingest.py`` measures the pipeline).
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass
from itertools import chain
from operator import attrgetter
from typing import NamedTuple

import numpy as np

from khabar.cache import ComputedCache
from khabar.text.normalize import fold_match, strip_marks
from khabar.text.stem import MAX_TERM_CHARS, stem
from khabar.text.stopwords import is_folded_stopword
from khabar.text.tokenize import ARABIC_LETTERS, MARKS, TOKEN_PATTERN

# A word (the tokenizer's pattern), or a run of what ends a clause: punctuation and symbols, or line
# breaks. A break never takes a character that can start a word (۽ is an Arabic-script symbol and a word).
# The spaces before either are taken by the match, outside the group, so findall returns the same: at a
# space, the pattern without them failed every alternative before the search moved on, a third of its
# time over the dump's texts (57 → 41 µs a text; docs/benchmarks.md).
_WORD_OR_BREAK = re.compile(rf" *(?:({TOKEN_PATTERN.pattern})|[^\w\s{MARKS}{ARABIC_LETTERS}]+|\n+)")


class WordFacts(NamedTuple):
    """What khabar asks of one word: its match fold, its search term (None for a stopword or a token
    past ``MAX_TERM_CHARS``), its stem as part of a keyword phrase (None for those, numbers and single
    letters), and the hash of its fold that near-duplicate shingles are made of."""

    fold: str
    term: str | None
    phrase_stem: str | None
    fold_hash: int


# The function behind stem's cache. This module's own cache asks each word once, so stem's cache and
# those of fold_token and is_stopword only cost: a word first seen took 5.7 µs through them and 4.6 µs
# without (each worker of an ingest of the dump meets about 205,000 distinct words), and their entries
# were three more copies of the vocabulary in memory.
_stem = stem.__wrapped__


def _facts_of(word: str) -> WordFacts:
    """Compute the :class:`WordFacts` of one token (uncached; see :func:`word_facts`)."""
    # One fold_match for the fold and the stopword check (fold_token and is_stopword each made their own,
    # and is_stopword a second one after و or ف): 4.5 → 3.5 µs a word met for the first time (docs/benchmarks.md).
    matched = fold_match(word)
    fold = strip_marks(matched)  # fold_token(word)
    if len(word) > MAX_TERM_CHARS or is_folded_stopword(word, matched):
        return WordFacts(fold, None, None, word_hash(fold))
    stemmed = _stem(word)
    phrase = None if len(word) < 2 or word[0].isdigit() else stemmed
    return WordFacts(fold, stemmed, phrase, word_hash(fold))


def word_hash(word: str) -> int:
    """A 32-bit hash of one word (CRC-32 of its UTF-8 bytes); near-duplicate shingles are made of these."""
    return zlib.crc32(word.encode())


_FOLD_HASH = attrgetter("fold_hash")
MAX_CACHED_WORDS = 1 << 18  # the vocabulary repeats (Zipf); numbers and typos do not, so the cache is bounded
_FACTS: ComputedCache[str, WordFacts] = ComputedCache(_facts_of, MAX_CACHED_WORDS)  # word → its facts


def word_facts(word: str) -> WordFacts:
    """The :class:`WordFacts` of one token (as :func:`khabar.text.tokenize.tokenize` returns it), cached."""
    return _FACTS[word]


def tokenize_clauses(text: str) -> list[list[str]]:
    """The words of ``text`` grouped by clause: punctuation, symbols and line breaks end a clause.

    Joined, the clauses are exactly :func:`khabar.text.tokenize.tokenize` of the text.
    """
    clauses: list[list[str]] = []
    current: list[str] = []
    for word in _WORD_OR_BREAK.findall(text):
        if word:
            current.append(word if word.isalnum() else strip_marks(word))
        elif current:
            clauses.append(current)
            current = []
    if current:
        clauses.append(current)
    return clauses


@dataclass
class ReadText:
    """A display-form text read once: its clauses of words, and each word's :class:`WordFacts`."""

    clauses: list[list[str]]
    facts: list[list[WordFacts]]

    def words(self) -> list[str]:
        """Every word in order (what :func:`khabar.text.tokenize.tokenize` gives)."""
        return list(chain.from_iterable(self.clauses))

    def terms(self) -> list[str]:
        """The stemmed terms, stopwords left out (what :func:`khabar.text.stem.terms` gives)."""
        return [f.term for f in chain.from_iterable(self.facts) if f.term is not None]

    def word_hashes(self) -> np.ndarray:
        """The :func:`word_hash` of each word's fold, in order (uint64): what near-duplicate shingles are
        made of (:func:`khabar.link.duplicates.fingerprint_of_words`), without building the match key."""
        facts = list(chain.from_iterable(self.facts))
        return np.fromiter(map(_FOLD_HASH, facts), dtype=np.uint64, count=len(facts))


def read_text(text: str) -> ReadText:
    """Read a display-form text (see :func:`khabar.text.display_form`) once."""
    clauses = tokenize_clauses(text)
    facts_of = _FACTS.__getitem__
    return ReadText(clauses, [list(map(facts_of, clause)) for clause in clauses])
