"""Near-duplicates: the same text republished (wire copy, small edits, another headline).

Each article's body is reduced to a MinHash signature (datasketch) of its
word 4-shingles on the match level, so diacritics, Persian letters, Eastern
digits and punctuation do not matter. Locality-sensitive hashing splits the
signature into ``BANDS`` bands of ``ROWS`` values; articles that share a band
are candidates, and a candidate whose estimated Jaccard similarity is at least
``THRESHOLD`` is a duplicate, if the two were published at most
``MAX_DAYS_APART`` days apart (recurring template reports are not copies). Duplicates form groups (union–find) with one
canonical article: the earliest published, then the longest, then the
smallest id — the original, in full.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING

import numpy as np
from datasketch import MinHash

from khabar.text import match_key

if TYPE_CHECKING:
    from khabar.model import Article
    from khabar.store import Store

NUM_PERM = 96
BANDS = 32
ROWS = NUM_PERM // BANDS  # 3 rows a band: a pair at Jaccard 0.5 shares a band with probability 0.99, at 0.2 with 0.23
THRESHOLD = 0.5  # estimated Jaccard of shingle sets at or above which two articles are duplicates
MAX_DAYS_APART = 3  # republished copy follows within days; a template report weeks later is news of its own
SHINGLE = 4  # words per shingle
MIN_SHINGLES = 8  # shorter texts are too short to call duplicates by shape
_SEED = 1
_TEMPLATE = MinHash(num_perm=NUM_PERM, seed=_SEED)  # permutations are drawn once, then shared


def shingles(text: str, key: str | None = None) -> set[bytes]:
    """The distinct word ``SHINGLE``-grams of a text's match key (``key``, when already computed)."""
    words = (match_key(text) if key is None else key).split()
    return set(map(str.encode, map(" ".join, zip(*(words[i:] for i in range(SHINGLE))))))


def fingerprint(text: str, key: str | None = None) -> bytes | None:
    """A MinHash signature of the text (``NUM_PERM`` uint32 values), or None when too short; ``key`` is
    the text's match key when already computed."""
    grams = shingles(text, key)
    if len(grams) < MIN_SHINGLES:
        return None
    sketch = MinHash(num_perm=NUM_PERM, seed=_SEED, permutations=_TEMPLATE.permutations, scheme=_TEMPLATE.scheme)
    sketch.update_batch(list(grams))
    return sketch.hashvalues.astype(np.uint32).tobytes()


def bands(signature: bytes) -> list[tuple[int, int]]:
    """The (band, bucket) pairs of a signature: a stable 63-bit hash of each band's values."""
    width = ROWS * 4
    out = []
    for band in range(BANDS):
        digest = hashlib.blake2b(signature[band * width : (band + 1) * width], digest_size=8).digest()
        out.append((band, int.from_bytes(digest, "big") >> 1))
    return out


def similarity(a: bytes, b: bytes) -> float:
    """Estimated Jaccard similarity of two signatures: the share of equal values."""
    return float(np.mean(np.frombuffer(a, dtype=np.uint32) == np.frombuffer(b, dtype=np.uint32)))


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
        store.put_fingerprints({a.id: (a.fingerprint, banded[a.id]) for a in articles}, replaced)  # type: ignore[misc]
        pairs = []
        candidates = store.fingerprint_candidates(banded)
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
        assignment: dict[str, str] = {}
        for ids in clusters.values():
            head = canonical(store.members_info(ids))
            assignment.update({i: head for i in ids})
        store.set_duplicate_groups(assignment)
        return len(pairs)
