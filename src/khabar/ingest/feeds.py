"""Feeds in: RSS 2.0 and RDF, Atom (feedparser) and Google-News-style sitemaps (defusedxml).

:func:`parse_feed` turns a fetched document into :class:`FeedItem` records,
whatever the kind; a sitemap index yields the sitemaps it lists instead.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from xml.sax import SAXException

import feedparser
from defusedxml import ElementTree as SafeET

from khabar.dates import UTC, parse_arabic_datetime
from khabar.errors import IngestError
from khabar.ingest.pages import html_to_text
from khabar.urls import MAX_URL_CHARS, canonical_url

log = logging.getLogger(__name__)

_XML_ENCODING = re.compile(r"""^(\s*<\?xml[^>]*?encoding\s*=\s*)["'][^"']*["']""")
_CHARACTER_REFERENCE = re.compile(r"&#(?:[xX]([0-9a-fA-F]+)|([0-9]+));")


def _no_impossible_characters(text: str) -> str:
    """``text`` with each numeric character reference to no character (NUL, a surrogate, past U+10FFFF)
    made U+FFFD. feedparser decodes ``&#xD800;`` to a lone surrogate and then fails to encode it (the
    whole outlet's poll failed with it), and the sitemap parser refuses the whole document."""

    def checked(reference: re.Match[str]) -> str:
        hexadecimal, decimal = reference.groups()
        code = int(hexadecimal, 16) if hexadecimal else int(decimal)
        return "&#xFFFD;" if code == 0 or 0xD800 <= code <= 0xDFFF or code > 0x10FFFF else reference.group()

    return _CHARACTER_REFERENCE.sub(checked, text) if "&#" in text else text
MAX_ITEMS = 500  # per document; a feed longer than this is cut
SITEMAP_NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
NEWS_NS = "{http://www.google.com/schemas/sitemap-news/0.9}"


class FeedError(IngestError):
    """A feed document cannot be read at all (malformed XML, not a feed)."""


@dataclass
class FeedItem:
    """One item of a feed: where the article is and what the feed says of it."""

    url: str
    title: str = ""
    summary: str = ""  # plain text
    content: str = ""  # plain text of the full article, when the feed carries it
    published: datetime | None = None
    published_raw: str = ""
    updated_raw: str = ""
    author: str = ""
    tags: list[str] = field(default_factory=list)

    def fingerprint(self) -> str:
        """What changes when the outlet edits the item: its title, times and text as the feed gives them."""
        from khabar.model import _digest

        return _digest(self.title, self.published_raw, self.updated_raw, self.summary, self.content)


@dataclass
class ParsedFeed:
    """The items of a feed, sitemaps a sitemap index points to, and any warning about the document."""

    kind: str  # rss, atom, rdf, sitemap, sitemapindex
    items: list[FeedItem] = field(default_factory=list)
    sitemaps: list[str] = field(default_factory=list)
    warning: str = ""  # set when the XML was malformed and only part of it could be read
    too_long: int = 0  # items (or sitemaps) left out: their addresses are past khabar.urls.MAX_URL_CHARS


def parse_feed(
    text: str, base_url: str = "", tz: timezone = UTC, now: datetime | None = None, content_type: str = ""
) -> ParsedFeed:
    """Parse a feed or news sitemap; :class:`FeedError` when it is not one or cannot be read."""
    text = _XML_ENCODING.sub(r'\1"utf-8"', text, count=1)  # already decoded: the parsers must not decode again
    text = _no_impossible_characters(text)
    head = text.lstrip()[:600]
    if "<urlset" in head or "<sitemapindex" in head:
        return _parse_sitemap(text, tz, now)
    headers = {"content-location": base_url, "content-type": content_type or "application/xml"}
    try:
        parsed = feedparser.parse(text, response_headers=headers)
    except Exception as exc:  # feedparser's own faults on hostile input: this feed fails, not the outlet
        raise FeedError(f"unreadable feed: {type(exc).__name__}: {exc}") from exc
    warning = ""
    if parsed.bozo and isinstance(parsed.bozo_exception, SAXException):  # not well-formed XML
        warning = f"{type(parsed.bozo_exception).__name__}: {parsed.bozo_exception}"
        if not parsed.entries:
            raise FeedError(f"malformed feed: {warning}")
    if not parsed.version and not parsed.entries:
        raise FeedError("not a feed: no RSS, Atom or sitemap elements")
    items = []
    too_long = 0
    for entry in parsed.entries[:MAX_ITEMS]:
        link = entry.get("link") or next((l.get("href") for l in entry.get("links", []) if l.get("href")), "")
        if not link:
            continue
        url = canonical_url(link)
        if len(url) > MAX_URL_CHARS:
            too_long += 1
            continue
        updated_raw = entry["updated"] if "updated" in entry.keys() else ""  # not feedparser's alias of published
        published_raw = entry.get("published") or updated_raw
        content = " ".join(c.get("value", "") for c in entry.get("content", []) or [])
        items.append(
            FeedItem(
                url=url,
                title=html_to_text(entry.get("title", "")),
                summary=html_to_text(entry.get("summary", "")),
                content=html_to_text(content),
                published=parse_arabic_datetime(published_raw, now, tz),
                published_raw=published_raw,
                updated_raw=updated_raw,
                author=entry.get("author", ""),
                tags=[t.get("term", "") for t in entry.get("tags", []) or [] if t.get("term")],
            )
        )
    if warning and not items:
        raise FeedError(f"malformed feed: {warning}")
    kind = "atom" if parsed.version.startswith("atom") else "rdf" if parsed.version.startswith("rss09") else "rss"
    return ParsedFeed(kind, items, warning=warning, too_long=too_long)


def _parse_sitemap(text: str, tz: timezone, now: datetime | None) -> ParsedFeed:
    """A news sitemap's items, or a sitemap index's sitemaps (with entity expansion refused)."""
    try:
        root = SafeET.fromstring(text.encode("utf-8"))
    except Exception as exc:  # defusedxml raises ParseError or its own refusals
        raise FeedError(f"malformed sitemap: {type(exc).__name__}: {exc}") from exc
    if root.tag == f"{SITEMAP_NS}sitemapindex":
        locs = [(e.findtext(f"{SITEMAP_NS}loc") or "").strip() for e in root.findall(f"{SITEMAP_NS}sitemap")]
        kept = [loc for loc in locs if loc and len(canonical_url(loc)) <= MAX_URL_CHARS]
        too_long = sum(1 for loc in locs if loc) - len(kept)
        return ParsedFeed("sitemapindex", sitemaps=kept[:MAX_ITEMS], too_long=too_long)
    items = []
    too_long = 0
    for entry in root.findall(f"{SITEMAP_NS}url")[:MAX_ITEMS]:
        loc = (entry.findtext(f"{SITEMAP_NS}loc") or "").strip()
        if not loc:
            continue
        url = canonical_url(loc)
        if len(url) > MAX_URL_CHARS:
            too_long += 1
            continue
        news = entry.find(f"{NEWS_NS}news")
        published_raw = ""
        title = ""
        keywords: list[str] = []
        if news is not None:
            published_raw = (news.findtext(f"{NEWS_NS}publication_date") or "").strip()
            title = (news.findtext(f"{NEWS_NS}title") or "").strip()
            keywords = [k.strip() for k in (news.findtext(f"{NEWS_NS}keywords") or "").split(",") if k.strip()]
        lastmod = (entry.findtext(f"{SITEMAP_NS}lastmod") or "").strip()
        published_raw = published_raw or lastmod
        items.append(
            FeedItem(
                url=url,
                title=title,
                published=parse_arabic_datetime(published_raw, now, tz),
                published_raw=published_raw,
                updated_raw=lastmod,
                tags=keywords,
            )
        )
    return ParsedFeed("sitemap", items, too_long=too_long)
