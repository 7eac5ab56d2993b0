"""Read-side views of stored data, shared by the CLI and the web API."""

from __future__ import annotations

import math
from collections import Counter
from datetime import datetime, timedelta

from khabar.dates import isoformat_utc
from khabar.enrich.entities import KINDS
from khabar.enrich.tags import phrase_key
from khabar.errors import ConfigError, NotFound
from khabar.link.related import LISTED_TEXT_CHARS, related
from khabar.model import Article, Entity
from khabar.store import Store
from khabar.text import display_form, match_key, terms
from khabar.text.normalize import fold_match



def describe_article(store: Store, article_id: str, normalized: bool = True) -> dict:
    """One article as a dict, with the normalized forms of its title and text unless ``normalized`` is
    false (stemming a whole text is the costly part, and only ``khabar show`` prints it).

    Raises :class:`NotFound` when the id is not stored.
    """
    article = _get(store, article_id)
    described = article.to_record() | {
        "keyword_tags": [t.display for t in article.tags or []],
        "published": isoformat_utc(article.published),
    }
    if normalized:
        described["normalized"] = {
            "title_match_key": match_key(article.title),
            "title_terms": terms(article.title),
            "text_match_key": match_key(article.text),
            "text_terms": terms(article.text),
        }
    return described


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


def describe_entities(store: Store, article_id: str) -> dict:
    """The people, places and organisations an article names, as `khabar entities run` stored them."""
    article = _get(store, article_id)
    return {
        "id": article.id,
        "title": article.title,
        "entities": [e.as_dict() for e in store.get_entities(article_id)],
    }


# What a reader sees for each entity type (people, places, organisations, other names), in page order.
KIND_NAMES = {kind: shown for kind, (_, shown) in KINDS.items()}
# The types an article page lists. Other names (MISC) stay in the API and the CLI: in news they are
# mostly currencies, religions and nationalities (دولار، الله، الإسلام in ANERcorp's labels), which
# readers do not look up.
PAGE_KINDS = ("PERS", "LOC", "ORG")
SHOWN_ENTITIES = 8  # names of one type on an article page


def entities_by_kind(entities: list[Entity]) -> list[tuple[str, list[Entity]]]:
    """An article's names grouped by type for its page (people, places, organisations), each group
    most mentioned first and at most :data:`SHOWN_ENTITIES` long; empty groups left out."""
    groups = [(KIND_NAMES[kind], [e for e in entities if e.kind == kind][:SHOWN_ENTITIES]) for kind in PAGE_KINDS]
    return [(name, members) for name, members in groups if members]


def articles_for_entity(store: Store, name: str, limit: int = 20, offset: int = 0) -> dict:
    """One page of the articles that name an entity given in any spelling (its match key), newest first."""
    key = fold_match(name.strip())
    found = store.entity_name(key) if key else None
    if found is None:
        raise NotFound(f"no article names {name!r}; `khabar entities show ID` lists an article's names")
    return {
        "entity": found[0],
        "kind": found[1],
        "key": key,
        "total": store.count_entity(key),
        "offset": offset,
        "articles": [summary(a) for a in store.articles_with_entity(key, limit, offset)],
    }


HEADLINE_WORDS = 12


def headline(article: Article) -> str:
    """The article's title, or its first words when the source gave no title."""
    if article.title.strip():
        return article.title
    words = article.text.split()
    return " ".join(words[:HEADLINE_WORDS]) + (" …" if len(words) > HEADLINE_WORDS else "")


def summary(article: Article) -> dict:
    """The short form of an article used in lists."""
    return {
        "id": article.id,
        "title": headline(article),
        "outlet": article.outlet,
        "published": isoformat_utc(article.published),
        "url": article.url,
    }


def articles_for_tag(store: Store, name: str, limit: int = 20, offset: int = 0) -> dict:
    """One page of the articles carrying a tag given in any spelling, newest first."""
    # A tag shown on a page is found by its display form; any other spelling by its stems.
    key = store.tag_key_of(display_form(name)) or phrase_key(name)
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
    return describe_story_by_id(store, story_id)


def describe_story_by_id(store: Store, story_id: str) -> dict:
    """A story by its id: title (its first article's), outlets with counts, and the timeline, oldest first."""
    timeline = store.story_articles(story_id)
    if not timeline:
        raise NotFound(f"no story with id {story_id!r}; an article's story is shown by `khabar story ID`")
    outlets: dict[str, int] = {}
    for article in timeline:
        outlets[article.outlet] = outlets.get(article.outlet, 0) + 1
    return {
        "story": story_id,
        "title": headline(timeline[0]),
        "articles": len(timeline),
        "outlets": outlets,
        "first_published": isoformat_utc(timeline[0].published),
        "last_published": isoformat_utc(timeline[-1].published),
        "timeline": [summary(a) for a in timeline],
        "entities": [e.as_dict() for e in story_entities(store, [a.id for a in timeline])],
    }


STORY_ENTITIES = 24  # names a story lists at most


def story_entities(store: Store, ids: list[str]) -> list[Entity]:
    """The names a story's articles give, those named by most articles first (then most mentioned),
    each with its mentions over the story and the spelling and type written most."""
    articles: Counter[str] = Counter()
    mentions: Counter[str] = Counter()
    spellings: dict[str, Counter[str]] = {}
    kinds: dict[str, Counter[str]] = {}
    for entities in store.entities_of(ids).values():
        for e in entities:
            articles[e.key] += 1
            mentions[e.key] += e.mentions
            spellings.setdefault(e.key, Counter())[e.name] += e.mentions
            kinds.setdefault(e.key, Counter())[e.kind] += e.mentions
    ranked = sorted(articles, key=lambda key: (-articles[key], -mentions[key], key))[:STORY_ENTITIES]
    return [
        Entity(name=spellings[k].most_common(1)[0][0], kind=kinds[k].most_common(1)[0][0], mentions=mentions[k], key=k)
        for k in ranked
    ]


TOP_STORY_WINDOW = timedelta(days=2)  # stories with coverage this close to the newest article compete
TOP_STORY_HALF_LIFE_HOURS = 12.0


def story_rank(outlets: int, articles: int, age_hours: float) -> float:
    """How high a story stands on the home page: wider coverage first, fading as its latest article ages."""
    return (outlets + 0.5 * math.log1p(articles)) * 0.5 ** (max(age_hours, 0.0) / TOP_STORY_HALF_LIFE_HOURS)


def top_stories(store: Store, limit: int = 20, offset: int = 0, now: datetime | None = None) -> dict:
    """The stories now, ranked by how many outlets cover them and how recent they are, each with its lead.

    "Now" is the newest article's publication time (or ``now`` when given), so
    a store of an old dump still has a front page.
    """
    reference = now or store.newest_published()
    if reference is None:
        return {"as_of": None, "offset": offset, "total": 0, "stories": []}
    active = store.active_stories(reference - TOP_STORY_WINDOW)
    hours = lambda moment: (reference - moment).total_seconds() / 3600 if moment else 1e9  # noqa: E731
    ranked = sorted(
        active,
        key=lambda s: (-story_rank(len(s.outlets), s.articles, hours(s.last_published)), s.story_id),
    )
    page = ranked[offset : offset + limit]
    # A story's id is its first article's id; the list shows titles, so bodies are read only as far as a
    # headline for an untitled article needs.
    leads = store.articles_by_ids([s.story_id for s in page], text_chars=LISTED_TEXT_CHARS)
    stories = []
    for activity in page:
        lead = leads.get(activity.story_id)
        if lead is None:
            continue
        stories.append(
            {
                "story": activity.story_id,
                "title": headline(lead),
                "lead": summary(lead),
                "articles": activity.articles,
                "outlets": activity.outlets,
                "last_published": isoformat_utc(activity.last_published),
            }
        )
    return {"as_of": isoformat_utc(reference), "offset": offset, "total": len(ranked), "stories": stories}


def latest(store: Store, limit: int = 20, offset: int = 0, outlet: str | None = None) -> dict:
    """One page of the newest articles, of one outlet when given (NotFound for an unknown outlet)."""
    total = store.count_outlet(outlet) if outlet else store.count()
    if outlet and total == 0:
        raise NotFound(f"no outlet named {outlet!r}; `khabar stats` lists the outlets")
    return {
        "outlet": outlet,
        "total": total,
        "offset": offset,
        "articles": [summary(a) for a in store.latest_articles(limit, offset, outlet)],
    }


def outlets(store: Store) -> dict:
    """Every outlet with its article count, most first."""
    return {"outlets": [{"name": name, "articles": n} for name, n in store.stats().by_outlet.items()]}


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
    bounds = {name: parse_datetime(value) for name, value in (("since", since), ("until", until))}
    for name, value in (("since", since), ("until", until)):
        if value and bounds[name] is None:
            raise ConfigError(f"{name}={value!r} is not a date; write it as 2015-07-21 or 2015-07-21T10:00:00Z")
    filters = SearchFilters(outlet=outlet, since=bounds["since"], until=bounds["until"], tag_key=tag_key)
    results = search(store, query, filters, sort, limit, offset)
    return {
        "query": query,
        "total": results.total,
        "offset": offset,
        "results": [summary(h.article) | {"score": h.score, "snippet": h.snippet, "duplicates": h.duplicates} for h in results.hits],
    }
