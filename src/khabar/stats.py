"""Corpus statistics: in how many documents each key (a word's stem, or a phrase's stems) occurs.

Tagging reads them to tell specific words from common ones; the store keeps
them (``term_stats``) and ``khabar retag`` rebuilds them.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Protocol

from khabar.cache import ComputedCache

# Keys whose inverse document frequency a CounterStats keeps computed: the words and phrases of the
# articles an ingest meets recur (Zipf), the rest are asked once; the table is emptied when full.
MAX_CACHED_IDF = 1 << 18


class TermStats(Protocol):
    """Document frequencies of stem keys (words and phrases) over a corpus."""

    documents: int

    def df(self, key: str) -> int:
        """In how many documents the key occurs."""

    def idf(self) -> Mapping[str, float]:
        """Key → its inverse document frequency, ``log((documents + 1) / (df + 1))``."""


@dataclass
class CounterStats:
    """Term statistics held in memory: a corpus of ``documents`` and their key document frequencies.

    Count documents with :meth:`add` (or fill ``counts`` before asking :meth:`idf`): the idf table is
    remade when ``documents`` changes, not when ``counts`` is changed behind its back.
    """

    documents: int = 0
    counts: Counter[str] = field(default_factory=Counter)
    _idf: ComputedCache[str, float] | None = field(default=None, init=False, repr=False, compare=False)
    _idf_documents: int = field(default=-1, init=False, repr=False, compare=False)

    def df(self, key: str) -> int:
        """In how many documents the key occurs."""
        return self.counts.get(key, 0)

    def idf(self) -> Mapping[str, float]:
        """Key → ``log((documents + 1) / (df + 1))``, each key computed once.

        A dict that computes what it lacks (:class:`khabar.cache.ComputedCache`): the tagger and the
        term vectors ask the idf of every distinct word of every article, and a hit is then a dict
        read in C, where ``df`` and ``math.log`` were two Python calls (the vectors took 0.159 ms an
        article with them; docs/benchmarks.md).
        """
        if self._idf is None or self._idf_documents != self.documents:
            numerator, get, log = self.documents + 1, self.counts.get, math.log
            self._idf = ComputedCache(lambda key: log(numerator / (get(key, 0) + 1)), MAX_CACHED_IDF)
            self._idf_documents = self.documents
        return self._idf

    def add(self, keys: Iterable[str]) -> None:
        """Count one document's distinct keys."""
        self.documents += 1
        self.counts.update(set(keys))
