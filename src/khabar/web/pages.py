"""Server-rendered pages: home, article, tag, outlet, story, search, and the API's docs."""

from __future__ import annotations

from typing import Annotated, Literal
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from khabar import views
from khabar.errors import NotFound
from khabar.model import Entity
from khabar.web.api import StoreDep

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 20
Page = Annotated[int, Query(ge=1, le=5000)]


def render(request: Request, template: str, **context: object) -> HTMLResponse:
    """A page from its template."""
    return request.app.state.templates.TemplateResponse(request, template, context)


def pager(page: int, total: int, size: int = PAGE_SIZE) -> dict:
    """Where a listing is: this page, and the previous and next page numbers when they exist."""
    last = max(1, -(-total // size))
    return {"page": page, "last": last, "previous": page - 1 if page > 1 else None, "next": page + 1 if page < last else None}


@router.get("/", response_class=HTMLResponse)
def home(request: Request, store: StoreDep, page: Page = 1) -> HTMLResponse:
    offset = (page - 1) * PAGE_SIZE
    stories = request.app.state.front_page.get(("stories", offset), lambda: views.top_stories(store, PAGE_SIZE, offset))
    latest = request.app.state.front_page.get(("latest",), lambda: views.latest(store, 10)["articles"]) if page == 1 else []
    return render(request, "home.html", stories=stories, latest=latest, pager=pager(page, stories["total"]))


@router.get("/article/{article_id}", response_class=HTMLResponse)
def article(request: Request, store: StoreDep, article_id: str) -> HTMLResponse:
    found = store.get_article(article_id)
    if found is None:
        raise NotFound("لا يوجد مقال بهذا المعرّف")  # "there is no article with this id"
    related = views.describe_related(store, article_id, 10)
    duplicates = [views.summary(d) for d in store.duplicates_of(article_id) if d.id != article_id]
    story_id = store.stories_of([article_id]).get(article_id)
    return render(
        request,
        "article.html",
        article=views.summary(found) | {"text": found.text, "author": found.author},
        tags=[t.display for t in found.tags or []],
        read_also=related["read_also"],
        similar=related["similar"],
        duplicates=duplicates,
        story_id=story_id,
        entities=views.entities_by_kind(store.get_entities(article_id)),
    )


@router.get("/tag/{name:path}", response_class=HTMLResponse)
def tag(request: Request, store: StoreDep, name: str, page: Page = 1) -> HTMLResponse:
    listing = views.articles_for_tag(store, name, PAGE_SIZE, (page - 1) * PAGE_SIZE)
    return render(
        request, "listing.html", heading=listing["tag"], kind="tag", listing=listing,
        pager=pager(page, listing["total"]), feed="/feeds/tag/" + quote(listing["tag"]) + ".atom",
    )  # fmt: skip


@router.get("/entity/{name:path}", response_class=HTMLResponse)
def entity(request: Request, store: StoreDep, name: str, page: Page = 1) -> HTMLResponse:
    listing = views.articles_for_entity(store, name, PAGE_SIZE, (page - 1) * PAGE_SIZE)
    return render(
        request, "listing.html", heading=listing["entity"], kind="entity", listing=listing,
        entity_kind=views.KIND_NAMES.get(listing["kind"], listing["kind"]), pager=pager(page, listing["total"]),
        feed="/feeds/entity/" + quote(listing["entity"]) + ".atom",
    )  # fmt: skip


@router.get("/outlet/{name:path}", response_class=HTMLResponse)
def outlet(request: Request, store: StoreDep, name: str, page: Page = 1) -> HTMLResponse:
    listing = views.latest(store, PAGE_SIZE, (page - 1) * PAGE_SIZE, name)
    return render(request, "listing.html", heading=name, kind="outlet", listing=listing, pager=pager(page, listing["total"]), feed=None)


@router.get("/story/{story_id}", response_class=HTMLResponse)
def story(request: Request, store: StoreDep, story_id: str) -> HTMLResponse:
    story = views.describe_story_by_id(store, story_id)
    names = [Entity(**e) for e in story["entities"]]
    return render(request, "story.html", story=story, entities=views.entities_by_kind(names))


@router.get("/search", response_class=HTMLResponse)
def search(
    request: Request,
    store: StoreDep,
    q: Annotated[str, Query(max_length=500)] = "",
    outlet: str | None = None,
    sort: Literal["relevance", "date"] = "relevance",
    page: Page = 1,
) -> HTMLResponse:
    results = None
    if q.strip():
        results = views.search_page(store, q, outlet or None, sort=sort, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    total = results["total"] if results else 0
    return render(request, "search.html", q=q, outlet=outlet or "", sort=sort, results=results, pager=pager(page, total))


@router.get("/api/docs", response_class=HTMLResponse)
def api_docs(request: Request) -> HTMLResponse:
    schema = request.app.openapi()
    return render(request, "api_docs.html", schema=schema)
