"""Related articles: "read also" (إقرأ أيضاً) and "similar articles" (مقالات مشابهة).

For an article:

1. **Candidates** come from the inverted index of term vectors (each
   article's ``POSTED_TERMS`` heaviest): the ``CANDIDATES`` stored articles
   with the largest dot product with its ``QUERY_TERMS`` heaviest terms,
   among those published within ``RELEVANCE_HORIZON_DAYS`` of it (about 30;
   further apart, none could be listed).
2. **Relevance** is :func:`khabar.link.similarity.similarity` (stems and shared
   tags) times a time factor that halves every ``HALF_LIFE_DAYS`` apart.
3. **Never itself or its copy**: the article's own duplicate group is left
   out, and each other duplicate group is shown once (its best member). Nor
   what a reader would take for a copy: an article with the same headline
   (on the match level) as this one, or as one already listed (a wire
   headline over another outlet's own text, a daily report under a fixed
   headline).
4. **Diverse**: maximal marginal relevance picks each next article for its
   relevance minus its likeness to those already picked, so ten copies of one
   angle do not fill the list.
5. **Read also** is the most relevant article from *another outlet*; it is
   then not repeated in the similar list.

**Kept lists.** Computing the lists takes a few milliseconds, and an article
page is read far more often than the articles near it change, so the store
keeps each article's lists once computed. An article stored, edited or
re-tagged forgets the kept lists within the relevance horizon of its
publication time (the only ones it could enter or change), and they are
computed again when next asked for.
"""

from __future__ import annotations

from dataclasses import dataclass

from khabar.errors import NotFound
from khabar.link.similarity import (
    MIN_RELEVANCE,
    RELEVANCE_HORIZON_DAYS,
    cosine,
    epoch_day,
    heaviest,
    similarity,
    time_decay,
)
from khabar.model import Article
from khabar.store import KeptRelated, Store
from khabar.text import match_key

CANDIDATES = 60
QUERY_TERMS = 15  # the article's heaviest terms that look up candidates (all 40 score them; see POSTED_TERMS)
DIVERSITY = 0.3  # weight of likeness to already chosen articles in maximal marginal relevance
LISTS_VERSION = 2  # raise when the computation changes, so that lists kept by an older one are computed again
KEPT_K = 10  # similar articles computed and kept at least (a page shows 10; a prefix serves fewer)
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
    """The read-also article and up to ``k`` similar articles for a stored article (kept lists when current)."""
    kept = store.kept_related(article_id)
    current = kept is not None and kept.version == LISTS_VERSION
    if current and (k <= kept.k or len(kept.similar) < kept.k):  # enough, or all there are
        return _from_kept(store, kept, k)
    generation = store.link_generation()  # read first: lists forgotten while computing are not kept
    article = store.get_article(article_id)
    if article is None:
        raise NotFound(f"no article with id {article_id!r}; `khabar export` lists the stored ids")
    found = compute_related(store, article, max(k, KEPT_K))
    store.keep_related(
        article_id,
        article.published,
        KeptRelated(
            max(k, KEPT_K),
            (found.read_also.article.id, found.read_also.score) if found.read_also else None,
            [(r.article.id, r.score) for r in found.similar],
            LISTS_VERSION,
        ),
        generation,
    )
    return RelatedArticles(found.read_also, found.similar[:k])


def _from_kept(store: Store, kept: KeptRelated, k: int) -> RelatedArticles:
    """Kept lists with their articles read back (as lists show them)."""
    pairs = ([kept.read_also] if kept.read_also else []) + kept.similar[:k]
    articles = store.articles_by_ids([i for i, _ in pairs], text_chars=LISTED_TEXT_CHARS)
    read_also = None
    if kept.read_also and kept.read_also[0] in articles:
        read_also = Related(articles[kept.read_also[0]], kept.read_also[1])
    return RelatedArticles(read_also, [Related(articles[i], score) for i, score in kept.similar[:k] if i in articles])


def compute_related(store: Store, article: Article, k: int = 10) -> RelatedArticles:
    """The read-also article and up to ``k`` similar articles for a stored article, computed afresh."""
    article_id = article.id
    vector = store.term_vectors([article_id])[article_id]
    own_group = {a.id for a in store.duplicates_of(article_id)} | {article_id}
    query = heaviest(vector, QUERY_TERMS)
    day = epoch_day(article.published)
    window = None if day is None else (day - RELEVANCE_HORIZON_DAYS, day + RELEVANCE_HORIZON_DAYS)
    nearest = store.nearest_by_terms(query, CANDIDATES, article_id, window)
    ids = [i for i, _ in nearest if i not in own_group]
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
        relevance *= time_decay(article.published, candidate.published)
        if relevance < MIN_RELEVANCE:
            continue
        group = groups.get(candidate_id, candidate_id)
        if group not in scored or relevance > scored[group][0]:
            scored[group] = (relevance, candidate)
    ranked = once_per_headline(sorted(scored.values(), key=lambda item: (-item[0], item[1].id)), article.title)

    read_also = next((Related(a, round(s, 4)) for s, a in ranked if a.outlet != article.outlet), None)
    pool = [(s, a) for s, a in ranked if read_also is None or a.id != read_also.article.id]
    chosen = diverse(pool, [vectors[a.id] for _, a in pool], k)
    return RelatedArticles(read_also, [Related(a, round(s, 4)) for s, a in chosen])


def once_per_headline(ranked: list[tuple[float, Article]], own_title: str) -> list[tuple[float, Article]]:
    """``ranked`` without the articles whose headline (its match key) is the article's own or that of one
    ranked before them; articles without a headline are all kept."""
    seen = {match_key(own_title)} - {""}
    kept = []
    for score, candidate in ranked:
        headline = match_key(candidate.title)
        if headline in seen:
            continue
        if headline:
            seen.add(headline)
        kept.append((score, candidate))
    return kept


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
