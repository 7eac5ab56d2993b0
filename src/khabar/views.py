"""Read-side views of stored data, shared by the CLI and the web API."""

from __future__ import annotations

from khabar.dates import isoformat_utc
from khabar.enrich.tags import phrase_key
from khabar.errors import NotFound
from khabar.model import Article
from khabar.store import Store
from khabar.text import match_key, terms


def describe_article(store: Store, article_id: str) -> dict:
    """One article as a dict, with the normalized forms of its title and text.

    Raises :class:`NotFound` when the id is not stored.
    """
    article = _get(store, article_id)
    return article.to_record() | {
        "keyword_tags": [t.display for t in article.tags or []],
        "normalized": {
            "title_match_key": match_key(article.title),
            "title_terms": terms(article.title),
            "text_match_key": match_key(article.text),
            "text_terms": terms(article.text),
        },
        "published": isoformat_utc(article.published),
    }


def _get(store: Store, article_id: str) -> Article:
    """A stored article, or :class:`NotFound`."""
    article = store.get_article(article_id)
    if article is None:
        raise NotFound(f"no article with id {article_id!r}; `khabar export` lists the stored ids")
    return article


def describe_tags(store: Store, article_id: str) -> dict:
    """An article's keyword tags (canonical display forms, with scores) and its publisher's tags."""
    article = _get(store, article_id)
    return {
        "id": article.id,
        "title": article.title,
        "tags": [{"display": t.display, "key": t.key, "score": t.score} for t in article.tags or []],
        "publisher_tags": article.publisher_tags,
    }


def summary(article: Article) -> dict:
    """The short form of an article used in lists."""
    return {
        "id": article.id,
        "title": article.title,
        "outlet": article.outlet,
        "published": isoformat_utc(article.published),
        "url": article.url,
    }


def articles_for_tag(store: Store, name: str, limit: int = 20, offset: int = 0) -> dict:
    """One page of the articles carrying a tag given in any spelling, newest first."""
    key = phrase_key(name)
    if key is None:
        raise NotFound(f"{name!r} cannot be a tag (it is empty or holds a stopword)")
    display = store.tag_display(key)
    if display is None:
        raise NotFound(f"no article is tagged {name!r}; `khabar tags ID` shows an article's tags")
    return {
        "tag": display,
        "key": key,
        "total": store.count_tag(key),
        "offset": offset,
        "articles": [summary(a) for a in store.articles_with_tag(key, limit, offset)],
    }


def describe_duplicates(store: Store, article_id: str) -> dict:
    """An article's near-duplicate group: the canonical article and every copy (empty when none)."""
    _get(store, article_id)
    group = store.duplicates_of(article_id)
    return {
        "id": article_id,
        "canonical": group[0].id if group else article_id,
        "rule": "earliest published, then longest text, then smallest id",
        "members": [summary(a) for a in group],
    }


def describe_related(store: Store, article_id: str, k: int = 10) -> dict:
    """The read-also article (إقرأ أيضاً) and the similar articles (مقالات مشابهة) of an article."""
    from khabar.link.related import related

    found = related(store, article_id, k)
    return {
        "id": article_id,
        "read_also": summary(found.read_also.article) | {"score": found.read_also.score} if found.read_also else None,
        "similar": [summary(r.article) | {"score": r.score} for r in found.similar],
    }


def describe_story(store: Store, article_id: str) -> dict:
    """The story an article belongs to: its title, outlets and timeline of coverage, oldest first."""
    _get(store, article_id)
    story_id = store.stories_of([article_id]).get(article_id)
    if story_id is None:
        raise NotFound(f"article {article_id!r} has no story yet; stories are made at ingest")
    timeline = store.story_articles(story_id)
    outlets: dict[str, int] = {}
    for article in timeline:
        outlets[article.outlet] = outlets.get(article.outlet, 0) + 1
    return {
        "story": story_id,
        "title": timeline[0].title if timeline else "",
        "articles": len(timeline),
        "outlets": outlets,
        "first_published": summary(timeline[0])["published"] if timeline else None,
        "last_published": summary(timeline[-1])["published"] if timeline else None,
        "timeline": [summary(a) for a in timeline],
    }


def search_page(
    store: Store,
    query: str,
    outlet: str | None = None,
    since: str | None = None,
    until: str | None = None,
    tag: str | None = None,
    sort: str = "relevance",
    limit: int = 10,
    offset: int = 0,
) -> dict:
    """One page of search results, with snippets, as a dict."""
    from khabar.dates import parse_datetime
    from khabar.search import SearchFilters, search

    tag_key = phrase_key(tag) if tag else None
    if tag and tag_key is None:
        raise NotFound(f"{tag!r} cannot be a tag (it is empty or holds a stopword)")
    filters = SearchFilters(outlet=outlet, since=parse_datetime(since), until=parse_datetime(until), tag_key=tag_key)
    results = search(store, query, filters, sort, limit, offset)
    return {
        "query": query,
        "total": results.total,
        "offset": offset,
        "results": [summary(h.article) | {"score": h.score, "snippet": h.snippet, "duplicates": h.duplicates} for h in results.hits],
    }
