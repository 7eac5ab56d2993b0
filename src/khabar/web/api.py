"""The JSON API under ``/api/v1``: thin routes over :mod:`khabar.views`, paginated with limit/offset."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request

from khabar import views
from khabar.store import Store
from khabar.web.app import store_of

router = APIRouter(prefix="/api/v1", tags=["api"])
StoreDep = Annotated[Store, Depends(store_of)]
Limit = Annotated[int, Query(ge=1, le=100, description="Items per page (1-100).")]
Offset = Annotated[int, Query(ge=0, le=100_000, description="Items to skip.")]


@router.get("/articles", summary="The newest articles, of one outlet when given")
def list_articles(store: StoreDep, limit: Limit = 20, offset: Offset = 0, outlet: str | None = None) -> dict:
    return views.latest(store, limit, offset, outlet)


@router.get("/articles/{article_id}", summary="One article with its tags, story and duplicates")
def get_article(store: StoreDep, article_id: str) -> dict:
    article = views.describe_article(store, article_id, normalized=False)
    article["story"] = store.stories_of([article_id]).get(article_id)
    article["duplicates"] = [views.summary(a) for a in store.duplicates_of(article_id)]
    article["entities"] = [e.as_dict() for e in store.get_entities(article_id)]
    return article


@router.get("/articles/{article_id}/entities", summary="The people, places and organisations the article names")
def get_entities(store: StoreDep, article_id: str) -> dict:
    return views.describe_entities(store, article_id)


@router.get("/articles/{article_id}/related", summary="Read also (إقرأ أيضاً) and similar articles (مقالات مشابهة)")
def get_related(store: StoreDep, article_id: str, k: Annotated[int, Query(ge=1, le=50)] = 10) -> dict:
    return views.describe_related(store, article_id, k)


@router.get("/articles/{article_id}/duplicates", summary="The article's near-duplicate group, canonical first")
def get_duplicates(store: StoreDep, article_id: str) -> dict:
    return views.describe_duplicates(store, article_id)


@router.get("/stories", summary="The top stories now, by outlets covering them and recency")
def list_stories(request: Request, store: StoreDep, limit: Limit = 20, offset: Offset = 0) -> dict:
    return request.app.state.front_page.get(("stories", limit, offset), lambda: views.top_stories(store, limit, offset))


@router.get("/stories/{story_id}", summary="A story's timeline of coverage across outlets")
def get_story(store: StoreDep, story_id: str) -> dict:
    return views.describe_story_by_id(store, story_id)


@router.get("/tags/{name}", summary="Articles carrying a keyword tag, in any spelling")
def get_tag(store: StoreDep, name: str, limit: Limit = 20, offset: Offset = 0) -> dict:
    return views.articles_for_tag(store, name, limit, offset)


@router.get("/entities/{name}", summary="Articles that name a person, place or organisation, in any spelling")
def get_entity(store: StoreDep, name: str, limit: Limit = 20, offset: Offset = 0) -> dict:
    return views.articles_for_entity(store, name, limit, offset)


@router.get("/outlets", summary="Every outlet with its article count")
def list_outlets(store: StoreDep) -> dict:
    return views.outlets(store)


@router.get("/outlets/{name}", summary="An outlet's newest articles")
def get_outlet(store: StoreDep, name: str, limit: Limit = 20, offset: Offset = 0) -> dict:
    return views.latest(store, limit, offset, name)


@router.get("/search", summary="Arabic full-text search across spellings and word forms")
def search(
    store: StoreDep,
    q: Annotated[str, Query(min_length=1, max_length=500, description="The query; quote a phrase.")],
    outlet: str | None = None,
    since: str | None = None,
    until: str | None = None,
    tag: str | None = None,
    sort: Literal["relevance", "date"] = "relevance",
    limit: Limit = 10,
    offset: Offset = 0,
) -> dict:
    return views.search_page(store, q, outlet, since, until, tag, sort, limit, offset)
