"""Near-duplicates: the same text republished (wire copy, small edits, another headline).

Each article's body is reduced to a MinHash signature (NumPy: see
:data:`SIGNATURE_SCHEME`) of its word 4-shingles on the match level, so
diacritics, Persian letters, Eastern digits and punctuation do not matter. Locality-sensitive hashing cuts
``BANDS`` bands of ``ROWS`` values from the signature; articles that share a band
are candidates, and a candidate whose estimated Jaccard similarity is at least
``THRESHOLD`` is a duplicate, if the two were published at most
``MAX_DAYS_APART`` days apart (recurring template reports are not copies). Duplicates form groups (union–find) with one
canonical article: the earliest published, then the longest, then the
smallest id — the original, in full.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING

import numpy as np

from khabar.text import match_key
from khabar.text.reading import word_hash

if TYPE_CHECKING:
    from khabar.model import Article
    from khabar.store import Store

NUM_PERM = 96
# LSH bands are made of the signature's first BANDS × ROWS values. 16 bands of 2: a pair at Jaccard 0.5
# shares a band with probability 0.990, at 0.2 with 0.48. The earlier 32 bands of 3 (0.986 and 0.23) found
# no more duplicates and wrote and probed twice the band rows, 2 s of the main process's 24 over the dump;
# the extra candidates cost one comparison of two signatures each (docs/benchmarks.md).
BANDS = 16
ROWS = 2
THRESHOLD = 0.5  # estimated Jaccard of shingle sets at or above which two articles are duplicates
MAX_DAYS_APART = 3  # republished copy follows within days; a template report weeks later is news of its own
SHINGLE = 4  # words per shingle
MIN_SHINGLES = 8  # shorter texts are too short to call duplicates by shape

# How signatures and bands are made. A store keeps the scheme its signatures were made under and makes
# them again when it changes (khabar.store.sql), since signatures of two schemes cannot be compared.
# Scheme 2 (2026-11-29) hashes each word once and its shingles with NumPy, where scheme 1 (datasketch)
# ran SHA-1 over each shingle's text and a modular permutation: 0.43 → 0.16 ms an article
# (docs/benchmarks.md), the largest single cost of preparing an article after its tags. Scheme 3
# (2026-11-30) keeps those signatures and makes 16 bands of 2 values of them instead of 32 of 3.
SIGNATURE_SCHEME = f"3:words{SHINGLE}-crc32-multiply-shift-{NUM_PERM}-bands{BANDS}x{ROWS}"
_random = np.random.default_rng(20150721)  # fixed: every process and every release draws the same hashes
# One odd 64-bit multiplier per word of a shingle, and per value of a band (see _mix).
_SHINGLE_MIX = _random.integers(0, 1 << 63, size=SHINGLE, dtype=np.uint64) * np.uint64(2) + np.uint64(1)
# NUM_PERM hash functions h(x) = ((a·x + b) mod 2^64) >> 32 of a 32-bit x: Dietzfelbinger's
# multiply-add-shift, a 2-independent family that needs no modulo (NumPy's 64-bit modulo was most of
# the cost of datasketch's permutations).
_MULTIPLIERS = _random.integers(0, 1 << 63, size=NUM_PERM, dtype=np.uint64) * np.uint64(2) + np.uint64(1)
_OFFSETS = _random.integers(0, 1 << 63, size=NUM_PERM, dtype=np.uint64)
_BAND_MIX = _random.integers(0, 1 << 63, size=ROWS, dtype=np.uint64) * np.uint64(2) + np.uint64(1)
_HALF = np.uint64(32)  # shifting a 64-bit product right by this keeps its top 32 bits


def shingles(text: str, key: str | None = None) -> set[bytes]:
    """The distinct word ``SHINGLE``-grams of a text's match key (``key``, when already computed), as text;
    for exact Jaccard similarity (signatures use :func:`shingle_hashes`)."""
    words = (match_key(text) if key is None else key).split()
    return set(map(str.encode, map(" ".join, zip(*(words[i:] for i in range(SHINGLE))))))


def _mix(columns: Sequence[np.ndarray], multipliers: np.ndarray) -> np.ndarray:
    """Hash rows of uint64 values into one uint64 each: the XOR of each value times its own odd multiplier."""
    mixed = columns[0] * multipliers[0]
    for column, multiplier in zip(columns[1:], multipliers[1:]):
        mixed ^= column * multiplier
    return mixed


def shingle_hashes(key: str) -> np.ndarray:
    """The distinct 32-bit hashes of a match key's word ``SHINGLE``-grams (uint64 array).

    Each word is hashed once (:func:`khabar.text.reading.word_hash`); a shingle's hash is the XOR of
    its words' hashes, each times its own odd multiplier, top 32 bits kept.
    """
    words = key.split()
    return shingle_hashes_of_words(np.fromiter(map(word_hash, words), dtype=np.uint64, count=len(words)))


def shingle_hashes_of_words(word_hashes: np.ndarray) -> np.ndarray:
    """:func:`shingle_hashes` from the hash of each word of the match key, in order (uint64 array)."""
    count = len(word_hashes) - SHINGLE + 1
    if count <= 0:
        return np.empty(0, dtype=np.uint64)
    mixed = _mix([word_hashes[offset : offset + count] for offset in range(SHINGLE)], _SHINGLE_MIX)
    return np.unique(mixed >> _HALF)


def fingerprint(text: str) -> bytes | None:
    """A MinHash signature of the text (``NUM_PERM`` uint32 values), or None when too short (the
    pipeline, which has read the text already, uses :func:`fingerprint_of_words`)."""
    return signature_of(shingle_hashes(match_key(text)))


def fingerprint_of_words(word_hashes: np.ndarray) -> bytes | None:
    """:func:`fingerprint` of a text read once, from its words' hashes
    (:meth:`khabar.text.reading.ReadText.word_hashes`): the pipeline builds no match key for it."""
    return signature_of(shingle_hashes_of_words(word_hashes))


def signature_of(hashes: np.ndarray) -> bytes | None:
    """The MinHash signature of a text's shingle hashes (:func:`shingle_hashes`), or None when too few."""
    if len(hashes) < MIN_SHINGLES:
        return None
    permuted = np.multiply.outer(hashes, _MULTIPLIERS)
    permuted += _OFFSETS  # in place: one array of shingles × permutations, not three
    # A right shift keeps order, so the top bits of the least value are the least top bits: 96 values
    # are shifted instead of every shingle's (30 → 24.5 µs a text).
    return (permuted.min(axis=0) >> _HALF).astype(np.uint32).tobytes()


def bands(signature: bytes) -> list[tuple[int, int]]:
    """The (band, bucket) pairs of a signature: a 63-bit hash of each band's ``ROWS`` values."""
    values = np.frombuffer(signature, dtype=np.uint32)[: BANDS * ROWS].reshape(BANDS, ROWS).astype(np.uint64)
    mixed = _mix([values[:, row] for row in range(ROWS)], _BAND_MIX)
    return list(enumerate((mixed >> np.uint64(1)).tolist()))


def similarity(a: bytes, b: bytes) -> float:
    """Estimated Jaccard similarity of two signatures: the share of equal values."""
    equal = np.count_nonzero(np.frombuffer(a, dtype=np.uint32) == np.frombuffer(b, dtype=np.uint32))
    return equal / (len(a) // 4)  # np.mean's Python wrapper cost more than the comparison


@dataclass(frozen=True)
class Member:
    """What the canonical rule needs to know of a group member."""

    id: str
    published: datetime | None
    length: int


def canonical(members: Sequence[Member]) -> str:
    """The id of a group's canonical article: earliest published, then longest text, then smallest id."""
    far_future = datetime.max.replace(tzinfo=timezone.utc)
    return min(members, key=lambda m: (m.published or far_future, -m.length, m.id)).id


class _UnionFind:
    """Groups of ids joined pair by pair."""

    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, item: str) -> str:
        """The representative of an item's group."""
        self.parent.setdefault(item, item)
        while self.parent[item] != item:
            self.parent[item] = self.parent[self.parent[item]]
            item = self.parent[item]
        return item

    def union(self, a: str, b: str) -> None:
        """Put two items in one group."""
        self.parent[self.find(a)] = self.find(b)


def is_duplicate(signature_a: bytes, signature_b: bytes, published_a: datetime | None, published_b: datetime | None) -> bool:
    """The duplicate rule: estimated Jaccard at least ``THRESHOLD``, published at most ``MAX_DAYS_APART``
    days apart (unknown times count as close)."""
    close = published_a is None or published_b is None or abs((published_a - published_b).total_seconds()) <= MAX_DAYS_APART * 86400
    return close and similarity(signature_a, signature_b) >= THRESHOLD


def link_duplicates(store: "Store", articles: Sequence["Article"]) -> int:
    """Index these articles' fingerprints and join them to the duplicate groups they belong to.

    Runs in one transaction of ``store``; returns how many duplicate pairs were found.
    """
    articles = [a for a in articles if a.fingerprint]
    if not articles:
        return 0
    banded = {a.id: bands(a.fingerprint) for a in articles}  # type: ignore[arg-type]
    with store.transaction():
        replaced = {i: bands(old) for i, old in store.signatures(list(banded)).items()}
        candidates = store.put_fingerprints_and_find_candidates(
            {a.id: (a.fingerprint, banded[a.id]) for a in articles}, replaced  # type: ignore[misc]
        )
        pairs = []
        for article in articles:
            for other, other_signature, other_published in candidates[article.id]:
                if is_duplicate(article.fingerprint, other_signature, article.published, other_published):  # type: ignore[arg-type]
                    pairs.append((article.id, other))
        if not pairs:
            return 0
        involved = {i for pair in pairs for i in pair}
        groups = store.duplicate_groups(involved)
        # Every member of the groups these pairs touch, not only the paired ones: a newcomer that matches
        # one member joins the whole group (the others once became singletons here).
        members = store.group_members(set(groups.values())) | involved | set(groups.values())
        union = _UnionFind()
        for member, group in store.duplicate_groups(members).items():
            union.union(member, group)
        for a, b in pairs:
            union.union(a, b)
        clusters: dict[str, list[str]] = {}
        for member in members:
            clusters.setdefault(union.find(member), []).append(member)
        # Every member's time and length in one query (one a group was 3,184 round trips over the dump).
        info = {member.id: member for member in store.members_info(members)}
        assignment: dict[str, str] = {}
        for ids in clusters.values():
            head = canonical([info[i] for i in ids if i in info])
            assignment.update({i: head for i in ids})
        store.set_duplicate_groups(assignment)
        return len(pairs)
