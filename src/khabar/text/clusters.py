"""Word clusters learned from unlabelled text: words that stand in like company fall in one cluster.

A word is described by the words seen just before and just after it across a corpus (the 5,000 most
frequent as contexts, weighted by positive pointwise mutual information), reduced to 100 dimensions
by a truncated SVD, and the words are grouped by spherical k-means over those vectors. Names of one
kind end up together (cities, given names, ministries), which is what the entity recognizer learns
from: a name it never saw labelled is found by its cluster (``khabar.enrich.entities``).

Written here with NumPy and SciPy (both already khabar's) rather than taken from a library: Brown
clustering has no maintained Python package, word2vec would add a training framework for one feature,
and SciPy's k-means seeds in Python and took minutes where these few lines take seconds.
"""

from __future__ import annotations

from array import array
from collections import Counter
from collections.abc import Callable, Iterable

import numpy as np
from scipy.sparse import coo_matrix, csr_matrix
from scipy.sparse.linalg import svds

CONTEXT_WORDS = 5000  # the most frequent words, as left and right contexts
DIMENSIONS = 100
DEFAULT_CLUSTERS = 500
MIN_COUNT = 5  # rarer words get no cluster: too few contexts to place them
ITERATIONS = 20
SEED = 0


FLUSH_PAIRS = 2_000_000  # (word, context) pairs gathered before they are summed into the matrix


def _context_matrix(
    texts: Callable[[], Iterable[list[str]]], vocabulary: dict[str, int], contexts: dict[str, int]
) -> csr_matrix:
    """Counts of each vocabulary word's left (first half of the columns) and right neighbours.

    Pairs are gathered in compact arrays and summed into the sparse matrix every :data:`FLUSH_PAIRS`,
    so memory follows the distinct pairs, not the corpus's length.
    """
    shape = (len(vocabulary), 2 * len(contexts))
    total = csr_matrix(shape, dtype=np.float64)
    rows, columns = array("i"), array("i")
    offset = len(contexts)

    def flush() -> csr_matrix:
        at = (np.array(rows, dtype=np.int32), np.array(columns, dtype=np.int32))
        del rows[:], columns[:]
        return total + coo_matrix((np.ones(len(at[0])), at), shape=shape).tocsr()

    for words in texts():
        for i, word in enumerate(words):
            row = vocabulary.get(word)
            if row is None:
                continue
            if i and (left := contexts.get(words[i - 1])) is not None:
                rows.append(row)
                columns.append(left)
            if i + 1 < len(words) and (right := contexts.get(words[i + 1])) is not None:
                rows.append(row)
                columns.append(offset + right)
        if len(rows) >= FLUSH_PAIRS:
            total = flush()
    return flush()


def _ppmi(counts: csr_matrix) -> csr_matrix:
    """Positive pointwise mutual information of each (word, context) count."""
    total = counts.sum()
    by_row = np.asarray(counts.sum(axis=1)).ravel()
    by_column = np.asarray(counts.sum(axis=0)).ravel()
    cells = counts.tocoo()
    pmi = np.log(cells.data * total / (by_row[cells.row] * by_column[cells.col]))
    keep = pmi > 0
    return csr_matrix((pmi[keep], (cells.row[keep], cells.col[keep])), shape=counts.shape)


ASSIGN_ROWS = 8192  # rows compared with every centre at once: the similarities of a block, not of all words


def _nearest(vectors: np.ndarray, centres: np.ndarray) -> np.ndarray:
    """The centre of highest cosine for each unit-length row, a block of rows at a time."""
    return np.concatenate(
        [np.argmax(vectors[start : start + ASSIGN_ROWS] @ centres.T, axis=1) for start in range(0, len(vectors), ASSIGN_ROWS)]
    )


def _spherical_kmeans(vectors: np.ndarray, clusters: int, iterations: int = ITERATIONS, seed: int = SEED) -> np.ndarray:
    """The cluster of each unit-length row: centres start at distinct random rows, then each row joins
    the centre nearest by cosine and each centre moves to its members' normalized mean."""
    rng = np.random.default_rng(seed)
    centres = vectors[rng.choice(len(vectors), size=clusters, replace=False)]
    assignment = np.zeros(len(vectors), dtype=np.int64)
    for _ in range(iterations):
        assignment = _nearest(vectors, centres)
        sums = np.zeros_like(centres)
        np.add.at(sums, assignment, vectors)
        norms = np.linalg.norm(sums, axis=1, keepdims=True)
        empty = norms[:, 0] == 0
        sums[empty] = centres[empty]  # a centre that lost every member stays where it was
        centres = sums / np.where(norms == 0, 1, norms)
    return assignment


def learn_word_clusters(
    texts: Callable[[], Iterable[list[str]]], clusters: int = DEFAULT_CLUSTERS, min_count: int = MIN_COUNT
) -> dict[str, int]:
    """Word → cluster number, for every word seen ``min_count`` times or more.

    ``texts`` gives a fresh iterable of token lists each time it is called (it is read twice: counts,
    then contexts). Deterministic for a given corpus. Returns {} for a corpus too small to cluster
    (fewer words than twice the clusters asked for).
    """
    counts: Counter[str] = Counter()
    for words in texts():
        counts.update(words)
    kept = sorted(word for word, n in counts.items() if n >= min_count)
    if len(kept) < 2 * clusters:
        return {}
    vocabulary = {word: i for i, word in enumerate(kept)}
    contexts = {word: i for i, (word, _) in enumerate(counts.most_common(CONTEXT_WORDS))}
    weights = _ppmi(_context_matrix(texts, vocabulary, contexts))
    rank = min(DIMENSIONS, min(weights.shape) - 1)
    left, singular, _ = svds(weights, k=rank, random_state=SEED)
    vectors = left * singular
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    vectors = vectors / np.where(norms == 0, 1, norms)
    assignment = _spherical_kmeans(vectors, clusters)
    # Numbered in the order their first word comes (words are sorted): the same groups get the same
    # numbers even where the SVD's vectors come out rotated or with other signs (equal singular values).
    numbers: dict[int, int] = {}
    return {word: numbers.setdefault(int(cluster), len(numbers)) for word, cluster in zip(kept, assignment)}
