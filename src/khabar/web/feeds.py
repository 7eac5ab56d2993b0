"""Feeds out: Atom 1.0 for the newest articles, per tag and per story, so readers can subscribe.

Written with the standard library's ElementTree, which escapes every text
node; a feed library would add a dependency for three small documents.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import datetime
from urllib.parse import quote

from fastapi import APIRouter, Request, Response

from khabar import views
from khabar.dates import UTC, isoformat_utc
from khabar.web.api import StoreDep

router = APIRouter(prefix="/feeds", tags=["feeds"])
ATOM = "http://www.w3.org/2005/Atom"
FEED_ITEMS = 50
ATOM_TYPE = "application/atom+xml; charset=utf-8"
# What XML 1.0 cannot carry at all, escaped or not (ElementTree writes it anyway, and a reader then
# refuses the whole feed). display_form drops it from every text; a store written before it did may
# still hold some, as may ids and addresses.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _element(parent: ET.Element, name: str, text: str | None = None, **attributes: str) -> ET.Element:
    """Add an Atom element under ``parent``, with what XML cannot carry left out of its text and attributes."""
    element = ET.SubElement(parent, f"{{{ATOM}}}{name}", {k: _NOT_XML.sub("", v) for k, v in attributes.items()})
    if text is not None:
        element.text = _NOT_XML.sub("", text)
    return element


def atom_feed(feed_id: str, title: str, self_url: str, page_url: str, items: list[dict]) -> bytes:
    """An Atom document for article summaries (as :func:`khabar.views.summary` gives them)."""
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed", {"xml:lang": "ar"})
    _element(feed, "id", feed_id)
    _element(feed, "title", title)
    updated = max((i["published"] for i in items if i.get("published")), default=None)
    _element(feed, "updated", updated or isoformat_utc(datetime.now(UTC)))
    _element(feed, "link", rel="self", href=self_url)
    _element(feed, "link", rel="alternate", type="text/html", href=page_url)
    _element(_element(feed, "author"), "name", "khabar")
    base = page_url.split("/", 3)[:3]
    for item in items:
        entry = _element(feed, "entry")
        _element(entry, "id", f"urn:khabar:article:{item['id']}")
        _element(entry, "title", item["title"])
        _element(entry, "updated", item.get("published") or isoformat_utc(datetime.now(UTC)))
        if item.get("published"):
            _element(entry, "published", item["published"])
        _element(_element(entry, "author"), "name", item["outlet"])
        href = "/".join(base) + f"/article/{item['id']}"
        _element(entry, "link", rel="alternate", type="text/html", href=href)
        if item.get("url"):
            _element(entry, "link", rel="via", href=item["url"])
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)


def _respond(request: Request, feed_id: str, title: str, page_path: str, items: list[dict]) -> Response:
    """The feed as an Atom response."""
    base = str(request.base_url).rstrip("/")
    body = atom_feed(feed_id, title, str(request.url), base + page_path, items)
    return Response(body, media_type=ATOM_TYPE)


@router.get("/latest.atom", summary="Atom feed of the newest articles")
def latest_feed(request: Request, store: StoreDep) -> Response:
    items = views.latest(store, FEED_ITEMS)["articles"]
    return _respond(request, "urn:khabar:latest", "خبر: آخر الأخبار", "/", items)  # "khabar: the latest news"


@router.get("/tag/{name}.atom", summary="Atom feed of a keyword tag")
def tag_feed(request: Request, store: StoreDep, name: str) -> Response:
    page = views.articles_for_tag(store, name, FEED_ITEMS)
    return _respond(request, f"urn:khabar:tag:{page['key']}", f"خبر: {page['tag']}", "/tag/" + quote(page["tag"]), page["articles"])


@router.get("/entity/{name}.atom", summary="Atom feed of the articles that name a person, place or organisation")
def entity_feed(request: Request, store: StoreDep, name: str) -> Response:
    page = views.articles_for_entity(store, name, FEED_ITEMS)
    return _respond(
        request, f"urn:khabar:entity:{quote(page['key'])}", f"خبر: {page['entity']}", "/entity/" + quote(page["entity"]), page["articles"]
    )


@router.get("/story/{story_id}.atom", summary="Atom feed of a story's coverage")
def story_feed(request: Request, store: StoreDep, story_id: str) -> Response:
    story = views.describe_story_by_id(store, story_id)
    items = list(reversed(story["timeline"]))[:FEED_ITEMS]  # newest first
    return _respond(request, f"urn:khabar:story:{story_id}", f"خبر: {story['title']}", f"/story/{story_id}", items)
