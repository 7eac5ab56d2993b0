"""Related articles: "read also" (إقرأ أيضاً) and "similar articles" (مقالات مشابهة).

For an article:

1. **Candidates** come from the inverted index of term vectors: the
   ``CANDIDATES`` stored articles with the largest dot product with its
   ``QUERY_TERMS`` heaviest terms.
2. **Relevance** is :func:`khabar.link.similarity.similarity` (stems and shared
   tags) times a time factor that halves every ``HALF_LIFE_DAYS`` apart.
3. **Never itself or its copy**: the article's own duplicate group is left
   out, and each other duplicate group is shown once (its best member).
4. **Diverse**: maximal marginal relevance picks each next article for its
   relevance minus its likeness to those already picked, so ten copies of one
   angle do not fill the list.
5. **Read also** is the most relevant article from *another outlet*; it is
   then not repeated in the similar list.
"""

from __future__ import annotations

from dataclasses import dataclass

from khabar.errors import NotFound
from khabar.link.similarity import cosine, days_apart, similarity
from khabar.model import Article
from khabar.store import Store

CANDIDATES = 60
QUERY_TERMS = 15  # the article's heaviest terms that look up candidates (all 40 score them)
HALF_LIFE_DAYS = 7.0
DIVERSITY = 0.3  # weight of likeness to already chosen articles in maximal marginal relevance
MIN_RELEVANCE = 0.05
LISTED_TEXT_CHARS = 300  # enough for a headline when an article has no title


@dataclass(frozen=True)
class Related:
    """One related article and how relevant it is."""

    article: Article
    score: float


@dataclass(frozen=True)
class RelatedArticles:
    """What to show under an article."""

    read_also: Related | None
    similar: list[Related]


def related(store: Store, article_id: str, k: int = 10) -> RelatedArticles:
    """The read-also article and up to ``k`` similar articles for a stored article."""
    article = store.get_article(article_id)
    if article is None:
        raise NotFound(f"no article with id {article_id!r}; `khabar export` lists the stored ids")
    vector = store.term_vectors([article_id])[article_id]
    own_group = {a.id for a in store.duplicates_of(article_id)} | {article_id}
    query = dict(sorted(vector.items(), key=lambda item: -item[1])[:QUERY_TERMS])
    hits = [(i, dot) for i, dot in store.nearest_by_terms(query, CANDIDATES, article_id) if i not in own_group]
    ids = [i for i, _ in hits]
    vectors = store.term_vectors(ids)
    tags = store.tags_of(ids)
    articles = store.articles_by_ids(ids, text_chars=LISTED_TEXT_CHARS)  # lists show titles, not bodies
    groups = store.duplicate_groups(ids)
    own_tags = {t.key for t in article.tags or []}

    scored: dict[str, tuple[float, Article]] = {}  # best member per duplicate group
    for candidate_id in ids:
        candidate = articles.get(candidate_id)
        if candidate is None:
            continue
        relevance = similarity(vector, vectors[candidate_id], own_tags, tags[candidate_id])
        relevance *= 0.5 ** (days_apart(article.published, candidate.published) / HALF_LIFE_DAYS)
        if relevance < MIN_RELEVANCE:
            continue
        group = groups.get(candidate_id, candidate_id)
        if group not in scored or relevance > scored[group][0]:
            scored[group] = (relevance, candidate)
    ranked = sorted(scored.values(), key=lambda item: (-item[0], item[1].id))

    read_also = next((Related(a, round(s, 4)) for s, a in ranked if a.outlet != article.outlet), None)
    pool = [(s, a) for s, a in ranked if read_also is None or a.id != read_also.article.id]
    chosen = diverse(pool, [vectors[a.id] for _, a in pool], k)
    return RelatedArticles(read_also, [Related(a, round(s, 4)) for s, a in chosen])


def diverse(pool: list[tuple[float, Article]], vectors: list[dict[str, float]], k: int) -> list[tuple[float, Article]]:
    """Up to ``k`` of the pool by maximal marginal relevance: each next pick maximizes its relevance
    minus ``DIVERSITY`` times its largest cosine with the picks so far."""
    remaining = list(zip(pool, vectors))
    likeness = [0.0] * len(remaining)  # each candidate's largest cosine with the chosen ones so far
    chosen: list[tuple[float, Article]] = []
    while remaining and len(chosen) < k:
        best = max(range(len(remaining)), key=lambda n: remaining[n][0][0] - DIVERSITY * likeness[n])
        picked, picked_vector = remaining.pop(best)
        likeness.pop(best)
        chosen.append(picked)
        likeness = [max(old, cosine(vector, picked_vector)) for old, (_, vector) in zip(likeness, remaining)]
    return chosen
