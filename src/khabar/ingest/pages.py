"""Article pages: the main text and metadata of a fetched page (trafilatura), and HTML fragments as text."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import lxml.html
import trafilatura
from lxml.etree import ParserError

from khabar.dates import isoformat_utc, parse_arabic_datetime, parse_offset
from khabar.errors import RecordError
from khabar.text import match_key

MIN_TEXT_CHARS = 40  # less than this is not an article (a stub, an error page)
_BLOCKS = {"p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "blockquote", "section", "article"}


@dataclass
class ExtractedPage:
    """What a page says about its article."""

    title: str
    text: str
    author: str = ""
    date: str = ""  # as the page gives it (trafilatura normalizes to YYYY-MM-DD when it can)
    tags: list[str] = field(default_factory=list)
    url: str = ""  # the page's canonical URL, when it declares one


def extract_page(html: str, url: str, known_title: str = "", known_date: bool = False) -> ExtractedPage | None:
    """The main text (boilerplate, menus, ads and related links left out) and metadata of an article page.

    When the feed already gave the title and the date (``known_title``,
    ``known_date``), trafilatura's metadata pass is skipped: its date search
    alone is a fifth of the cost of a page. The page's keywords and author are
    then read from its ``<head>`` directly. Returns None when the page holds
    no article text.
    """
    fast_path = bool(known_title) and known_date
    # Precision over recall, and no fallback extractors: on short articles the fallbacks (jusText,
    # readability) put menus and ads back in; without them extraction is also about twice as fast.
    result = trafilatura.bare_extraction(
        html, url=url, with_metadata=not fast_path, include_comments=False, include_tables=False,
        favor_precision=True, fast=True,
    )  # fmt: skip
    if result is None:
        return None
    data = result.as_dict() if hasattr(result, "as_dict") else dict(result)
    text = (data.get("text") or "").strip()
    if len(text) < MIN_TEXT_CHARS:
        return None
    if fast_path:
        data |= head_metadata(html)
    tags: list[str] = []
    for field_name in ("tags", "categories"):  # lists in trafilatura 2, comma-separated strings before
        value = data.get(field_name) or []
        for tag in re.split(r"[,،;؛]", ",".join(value) if isinstance(value, list) else value):
            if tag.strip() and tag.strip() not in tags:
                tags.append(tag.strip())
    title = (data.get("title") or known_title or "").strip()
    first, _, rest = text.partition("\n")
    headlines = {" ".join(t.split()) for t in (title, known_title) if t.strip()}
    if " ".join(first.split()) in headlines and len(rest) >= MIN_TEXT_CHARS:
        text = rest.strip()  # the headline, repeated as the body's first line
    return ExtractedPage(
        title=title,
        text=text,
        author=(data.get("author") or "").strip(),
        date=(data.get("date") or "").strip(),
        tags=tags,
        url=(data.get("url") or "").strip(),
    )


_KEYWORD_METAS = {"keywords", "news_keywords", "article:tag", "og:article:tag"}
_AUTHOR_METAS = {"author", "article:author", "dc.creator"}


def head_metadata(html: str) -> dict:
    """Keywords and author from a page's ``<head>`` meta tags (``tags``, ``author``), read without
    parsing the body."""
    end = html.find("</head>")
    head = html[: end + 7] if end >= 0 else html[:20000]
    try:
        root = lxml.html.fromstring(head)
    except (ParserError, ValueError):
        return {}
    tags: list[str] = []
    author = ""
    for meta in root.iter("meta"):
        key = (meta.get("name") or meta.get("property") or "").strip().lower()
        content = (meta.get("content") or "").strip()
        if not content:
            continue
        if key in _KEYWORD_METAS:
            tags.append(content)
        elif key in _AUTHOR_METAS and not author and not content.startswith("http"):
            author = content
    return {"tags": tags, "author": author}


def html_to_text(fragment: str) -> str:
    """Plain text of an HTML fragment (a feed summary or title): tags dropped, scripts and styles with
    their content, block elements as line breaks, entities decoded."""
    if not fragment or ("<" not in fragment and "&" not in fragment):
        return (fragment or "").strip()
    try:
        root = lxml.html.fragment_fromstring(fragment, create_parent="div")
    except (ParserError, ValueError):
        return re.sub(r"<[^>]*>", " ", fragment).strip()
    for bad in root.xpath("//script|//style|//noscript|//template"):
        bad.drop_tree()
    for element in root.iter():
        if isinstance(element.tag, str) and element.tag.lower() in _BLOCKS:
            element.tail = "\n" + (element.tail or "")
    text = root.text_content()
    return "\n".join(" ".join(line.split()) for line in text.splitlines() if line.strip())


_TITLE_SEPARATORS = re.compile(r"\s+[|\-–—:»]\s+|^\s*[|\-–—:»]\s*|\s*[|\-–—:»]\s*$")


def clean_title(title: str, site_name: str) -> str:
    """A page title without the site's name that pages add to it ("الخبر | الموقع" → "الخبر")."""
    site = match_key(site_name)
    parts = [p.strip() for p in _TITLE_SEPARATORS.split(title or "") if p and p.strip()]
    kept = [p for p in parts if match_key(p) != site]
    return " | ".join(kept) if len(kept) < len(parts) else (title or "").strip()


def page_record(data: dict) -> dict:
    """A fetched page's record (its ``html`` and what the feed said) in khabar's generic layout.

    Runs in the pipeline's normalization step, so extraction happens in its
    worker processes. The feed's title, time and tags come first; the page
    fills what the feed left out. Raises :class:`RecordError` when the page
    holds no article.
    """
    url = str(data.get("url") or "")
    extracted = extract_page(str(data.get("html") or ""), url, str(data.get("title") or ""), bool(data.get("published")))
    if extracted is None:
        raise RecordError("no article text: the page holds no main text long enough for an article")
    record = {k: v for k, v in data.items() if k not in ("html", "timezone")}
    record["text"] = extracted.text
    record["title"] = data.get("title") or clean_title(extracted.title, str(data.get("outlet") or ""))
    record["author"] = data.get("author") or extracted.author or None
    tags = list(data.get("tags") or [])
    record["tags"] = tags + [t for t in extracted.tags if t not in tags]
    if not data.get("published") and extracted.date:
        moment = parse_arabic_datetime(extracted.date, assume=parse_offset(str(data.get("timezone") or "UTC")))
        record["published"] = isoformat_utc(moment)
    return record


_WARM_UP_PAGE = (
    "<html><head><title>خبر</title></head><body><article><h1>خبر</h1><p>"
    + "نص تجريبي لتهيئة أدوات الاستخراج قبل أول صفحة حقيقية. " * 4
    + "</p><p>نشر في 2015-07-21</p></article></body></html>"
)


def warm_up() -> None:
    """Run one extraction on a small built-in page: trafilatura initializes its helpers on first use."""
    extract_page(_WARM_UP_PAGE, "http://localhost/warm-up")
