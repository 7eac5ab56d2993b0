"""Corpus statistics: in how many documents each key (a word's stem, or a phrase's stems) occurs.

Tagging reads them to tell specific words from common ones; the store keeps
them (``term_stats``) and ``khabar retag`` rebuilds them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol


class TermStats(Protocol):
    """Document frequencies of stem keys (words and phrases) over a corpus."""

    documents: int

    def df(self, key: str) -> int:
        """In how many documents the key occurs."""


@dataclass
class CounterStats:
    """Term statistics held in memory: a corpus of ``documents`` and their key document frequencies."""

    documents: int = 0
    counts: Counter[str] = field(default_factory=Counter)

    def df(self, key: str) -> int:
        """In how many documents the key occurs."""
        return self.counts.get(key, 0)

    def add(self, keys: Iterable[str]) -> None:
        """Count one document's distinct keys."""
        self.documents += 1
        self.counts.update(set(keys))
