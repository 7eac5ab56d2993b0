"""Feeds out: Atom 1.0 for the newest articles, per tag and per story, so readers can subscribe.

Written with the standard library's ElementTree, which escapes every text
node; a feed library would add a dependency for three small documents.
"""

from __future__ import annotations

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


def atom_feed(feed_id: str, title: str, self_url: str, page_url: str, items: list[dict]) -> bytes:
    """An Atom document for article summaries (as :func:`khabar.views.summary` gives them)."""
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed", {"xml:lang": "ar"})
    ET.SubElement(feed, f"{{{ATOM}}}id").text = feed_id
    ET.SubElement(feed, f"{{{ATOM}}}title").text = title
    updated = max((i["published"] for i in items if i.get("published")), default=None)
    ET.SubElement(feed, f"{{{ATOM}}}updated").text = updated or isoformat_utc(datetime.now(UTC))
    ET.SubElement(feed, f"{{{ATOM}}}link", {"rel": "self", "href": self_url})
    ET.SubElement(feed, f"{{{ATOM}}}link", {"rel": "alternate", "type": "text/html", "href": page_url})
    ET.SubElement(ET.SubElement(feed, f"{{{ATOM}}}author"), f"{{{ATOM}}}name").text = "khabar"
    base = page_url.split("/", 3)[:3]
    for item in items:
        entry = ET.SubElement(feed, f"{{{ATOM}}}entry")
        ET.SubElement(entry, f"{{{ATOM}}}id").text = f"urn:khabar:article:{item['id']}"
        ET.SubElement(entry, f"{{{ATOM}}}title").text = item["title"]
        ET.SubElement(entry, f"{{{ATOM}}}updated").text = item.get("published") or isoformat_utc(datetime.now(UTC))
        if item.get("published"):
            ET.SubElement(entry, f"{{{ATOM}}}published").text = item["published"]
        ET.SubElement(ET.SubElement(entry, f"{{{ATOM}}}author"), f"{{{ATOM}}}name").text = item["outlet"]
        href = "/".join(base) + f"/article/{item['id']}"
        ET.SubElement(entry, f"{{{ATOM}}}link", {"rel": "alternate", "type": "text/html", "href": href})
        if item.get("url"):
            ET.SubElement(entry, f"{{{ATOM}}}link", {"rel": "via", "href": item["url"]})
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


@router.get("/story/{story_id}.atom", summary="Atom feed of a story's coverage")
def story_feed(request: Request, store: StoreDep, story_id: str) -> Response:
    story = views.describe_story_by_id(store, story_id)
    items = list(reversed(story["timeline"]))[:FEED_ITEMS]  # newest first
    return _respond(request, f"urn:khabar:story:{story_id}", f"خبر: {story['title']}", f"/story/{story_id}", items)
