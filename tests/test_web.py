"""The web UI, JSON API and feeds, through the ASGI app over a store of real articles."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from html.parser import HTMLParser
from urllib.parse import quote

import httpx
import pytest
from fastapi.testclient import TestClient
from support.serving import running_server

from khabar.dates import UTC
from khabar.link.related import compute_related
from khabar.store import open_store
from khabar.web import create_app
from khabar.web.feeds import atom_feed
from khabar.web.format import counted, full_date, highlight, relative_time

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture(scope="module")
def client(web_store):
    with TestClient(create_app(web_store)) as c:
        yield c


@pytest.fixture(scope="module")
def lead(client) -> dict:
    """The lead article of the top story on the home page."""
    return client.get("/api/v1/stories?limit=1").json()["stories"][0]["lead"]


class Elements(HTMLParser):
    """Every element of a page with its attributes, and the text of <script> elements."""

    def __init__(self) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.elements.append((tag, dict(attrs)))


def elements(html: str) -> list[tuple[str, dict]]:
    parser = Elements()
    parser.feed(html)
    return parser.elements


def links(html: str) -> list[str]:
    return [attrs["href"] for tag, attrs in elements(html) if tag == "a" and attrs.get("href")]


# -- pages ----------------------------------------------------------------------


def test_home_lists_top_stories_by_outlets_and_recency_right_to_left(client):
    page = client.get("/")
    assert page.status_code == 200
    assert '<html lang="ar" dir="rtl">' in page.text
    assert "أهم القصص الآن" in page.text  # "top stories now"
    stories = client.get("/api/v1/stories?limit=10").json()["stories"]
    assert stories, "a store of real articles has stories"
    assert stories[0]["lead"]["id"] in page.text
    assert any(len(s["outlets"]) > 1 for s in stories), "stories covered by several outlets come up"
    assert len(stories[0]["outlets"]) >= len(stories[-1]["outlets"])
    assert "cdn" not in page.text.lower() and "googleapis" not in page.text


def test_article_page_shows_everything_a_reader_expects(client, lead):
    page = client.get(f"/article/{lead['id']}")
    assert page.status_code == 200
    html = page.text
    assert lead["title"] in html.replace("&#34;", '"').replace("&#39;", "'")
    for heading in ("كلمات دلالية", "مقالات مشابهة", "إقرأ أيضاً", "المصدر"):  # tags, similar, read also, source
        assert heading in html, heading
    hrefs = links(html)
    assert any(h.startswith("/tag/") for h in hrefs)
    assert any(h.startswith("/story/") for h in hrefs)
    assert lead["url"] in hrefs, "the original is linked"
    similar = [h for h in hrefs if h.startswith("/article/")]
    assert similar and f"/article/{lead['id']}" not in similar, "never the article itself"
    assert len(similar) == len(set(similar)), "no article shown twice (read also is not repeated)"
    assert html.count("<p>") >= 1


def test_tag_link_leads_to_its_tag_page(client, lead):
    tag_href = next(h for h in links(client.get(f"/article/{lead['id']}").text) if h.startswith("/tag/"))
    page = client.get(tag_href)
    assert page.status_code == 200
    assert 'type="application/atom+xml"' in page.text
    # The tag page lists the article that carries it, on the first page or a later one (newest first).
    pages = [client.get(f"{tag_href}?page={n}").text for n in range(1, 6)]
    assert any(f"/article/{lead['id']}" in text for text in pages), "the tag's pages list the article that carries it"


def test_story_page_is_a_timeline_across_outlets(client, lead):
    story_id = client.get(f"/api/v1/articles/{lead['id']}").json()["story"]
    page = client.get(f"/story/{story_id}")
    assert page.status_code == 200
    story = client.get(f"/api/v1/stories/{story_id}").json()
    positions = [page.text.index(f"/article/{a['id']}") for a in story["timeline"]]
    assert positions == sorted(positions), "oldest first"
    published = [a["published"] for a in story["timeline"]]
    assert published == sorted(published)
    assert len(story["outlets"]) >= 2


def test_outlet_page_paginates(client):
    outlet = client.get("/api/v1/outlets").json()["outlets"][0]
    assert outlet["articles"] > 20
    first = client.get(f"/outlet/{quote(outlet['name'])}")
    second = client.get(f"/outlet/{quote(outlet['name'])}?page=2")
    assert first.status_code == second.status_code == 200
    ids1 = {h for h in links(first.text) if h.startswith("/article/")}
    ids2 = {h for h in links(second.text) if h.startswith("/article/")}
    assert ids1 and ids2 and not ids1 & ids2
    assert 'rel="next"' in first.text and 'rel="prev"' in second.text


def test_search_page_finds_across_spellings_and_highlights(client):
    page = client.get("/search", params={"q": "وزاره الصحه"})  # ة written as ه
    assert page.status_code == 200
    assert "<mark>" in page.text
    assert any(h.startswith("/article/") for h in links(page.text))
    empty = client.get("/search")
    assert empty.status_code == 200 and "<mark>" not in empty.text


def test_missing_things_get_a_clean_404_page(client):
    for path in ("/article/nope", "/story/nope", "/tag/%D9%84%D8%A7%D8%B4%D9%8A%D8%A1%D8%A7%D8%A8%D8%AF%D8%A7", "/outlet/nope", "/no/such/page"):
        page = client.get(path)
        assert page.status_code == 404, path
        assert '<html lang="ar" dir="rtl">' in page.text and "Traceback" not in page.text
    assert client.get("/?page=0").status_code == 422


# -- API ------------------------------------------------------------------------


def test_api_articles_paginate_and_agree_with_the_store(client, web_store):
    first = client.get("/api/v1/articles?limit=5").json()
    second = client.get("/api/v1/articles?limit=5&offset=5").json()
    with open_store(web_store) as store:
        assert first["total"] == store.count()
    ids = [a["id"] for a in first["articles"] + second["articles"]]
    assert len(set(ids)) == 10
    published = [a["published"] for a in first["articles"] + second["articles"]]
    assert published == sorted(published, reverse=True), "newest first"


def test_api_article_related_story_tags_outlets_and_search(client, lead):
    article = client.get(f"/api/v1/articles/{lead['id']}").json()
    assert article["title"] == lead["title"] and article["keyword_tags"] and article["story"]
    related = client.get(f"/api/v1/articles/{lead['id']}/related?k=3").json()
    assert 0 < len(related["similar"]) <= 3
    shown = [r["id"] for r in related["similar"]] + ([related["read_also"]["id"]] if related["read_also"] else [])
    assert lead["id"] not in shown
    tag = client.get(f"/api/v1/tags/{quote(article['keyword_tags'][0])}").json()
    assert tag["total"] >= 1 and lead["id"] in [a["id"] for a in tag["articles"]] or tag["total"] > 20
    outlets = client.get("/api/v1/outlets").json()["outlets"]
    assert sum(o["articles"] for o in outlets) == client.get("/api/v1/articles").json()["total"]
    found = client.get("/api/v1/search", params={"q": lead["title"], "limit": 5}).json()
    assert found["results"] and lead["id"] in [r["id"] for r in found["results"]] + [
        d["id"] for d in client.get(f"/api/v1/articles/{lead['id']}/duplicates").json()["members"]
    ]


def test_api_validation_errors_are_422_with_a_message(client):
    for path in ("/api/v1/articles?limit=0", "/api/v1/articles?limit=abc", "/api/v1/search", "/api/v1/search?q=x&sort=best",
                 "/api/v1/search?q=x&since=yesterday-ish"):  # fmt: skip
        response = client.get(path)
        assert response.status_code == 422, path
        body = response.json()
        assert body["status"] == 422 and body["error"], path
    assert "limit" in client.get("/api/v1/articles?limit=0").json()["error"]
    missing = client.get("/api/v1/articles/nope")
    assert missing.status_code == 404 and "nope" in missing.json()["error"]


def test_a_nul_character_in_an_address_is_a_clean_404_or_422(client):
    """A NUL (%00) in a name or a parameter was a server error on PostgreSQL, which refuses it in text."""
    for path in ("/api/v1/articles/a%00b", "/api/v1/articles/a%00b/related", "/api/v1/outlets/a%00b", "/api/v1/tags/a%00b",
                 "/api/v1/stories/a%00b", "/article/a%00b", "/tag/a%00b", "/outlet/a%00b", "/feeds/tag/a%00b.atom"):  # fmt: skip
        response = client.get(path)
        assert response.status_code == 404, path
        assert "Traceback" not in response.text
    for path in ("/api/v1/articles?outlet=a%00b", "/api/v1/search?q=%D8%B3%D8%B9%D9%88%D8%AF&outlet=a%00b", "/search?q=a%00b"):
        response = client.get(path)
        assert response.status_code == 422, path
    assert "NUL" in client.get("/api/v1/search?q=x&tag=%00").json()["error"]


def test_openapi_schema_and_docs_page(client):
    schema = client.get("/api/v1/openapi.json").json()
    for path in ("/api/v1/articles", "/api/v1/articles/{article_id}/related", "/api/v1/stories", "/api/v1/search",
                 "/api/v1/tags/{name}", "/api/v1/outlets"):  # fmt: skip
        assert path in schema["paths"], path
    docs = client.get("/api/docs")
    assert docs.status_code == 200 and "/api/v1/search" in docs.text and "cdn" not in docs.text.lower()


# -- feeds ------------------------------------------------------------------------


def test_feeds_are_valid_atom_for_latest_tag_and_story(client, lead):
    latest = ET.fromstring(client.get("/feeds/latest.atom").content)
    entries = latest.findall(f"{ATOM}entry")
    assert len(entries) == 50
    assert entries[0].find(f"{ATOM}link").get("href").startswith("http://testserver/article/")
    article = client.get(f"/api/v1/articles/{lead['id']}").json()
    tag_feed = client.get(f"/feeds/tag/{quote(article['keyword_tags'][0])}.atom")
    assert tag_feed.headers["content-type"].startswith("application/atom+xml")
    assert ET.fromstring(tag_feed.content).findall(f"{ATOM}entry")
    story = ET.fromstring(client.get(f"/feeds/story/{article['story']}.atom").content)
    titles = [e.find(f"{ATOM}title").text for e in story.findall(f"{ATOM}entry")]
    assert len(titles) >= 2
    assert client.get("/feeds/story/nope.atom").status_code == 404


# -- safety -----------------------------------------------------------------------


def hostile_ids(client) -> list[str]:
    found = client.get("/api/v1/search", params={"q": "كورونا الرياض", "limit": 50}).json()["results"]
    ids = [r["id"] for r in found if "alert" in r["title"] or r["outlet"] == "hostile" or "<" in r["outlet"]]
    assert len(ids) == 2, "both hostile articles were stored"
    return ids


def test_hostile_content_is_inert_everywhere(client):
    ids = hostile_ids(client)
    pages = [f"/article/{i}" for i in ids] + ["/", "/search?q=" + quote("كورونا الرياض"), "/outlet/hostile"]
    pages += [f"/outlet/{quote('<b onmouseover=alert(1)>outlet</b>')}"]
    pages += [f"/story/{client.get(f'/api/v1/articles/{i}').json()['story']}" for i in ids]
    for path in pages:
        response = client.get(path)
        assert response.status_code == 200, path
        assert "script-src" not in response.headers["content-security-policy"]  # default-src 'none' covers scripts
        assert "default-src 'none'" in response.headers["content-security-policy"]
        for tag, attrs in elements(response.text):
            assert tag not in ("script", "iframe", "svg", "img", "style", "object", "embed"), (path, tag)
            assert not [a for a in attrs if a.startswith("on")], (path, tag, attrs)
            for name in ("href", "src", "action"):
                assert not (attrs.get(name) or "").strip().lower().startswith("javascript:"), (path, attrs)
    shown = client.get(f"/article/{ids[0]}").text + client.get(f"/article/{ids[1]}").text
    assert "&lt;script&gt;" in shown and "&lt;a href=javascript:alert(8)&gt;" in shown, "markup is shown as text"
    feed = client.get("/feeds/latest.atom").content
    assert b"<script" not in feed
    titles = []  # the stories' feeds hold the hostile titles, one with control characters: still XML
    for i in ids:
        story = client.get(f"/api/v1/articles/{i}").json()["story"]
        titles += [e.text for e in ET.fromstring(client.get(f"/feeds/story/{story}.atom").content).iter(f"{ATOM}title")]
    assert "فيروس كورونا في الرياض <a href=javascript:alert(8)>رابط</a>" in titles


def test_feeds_leave_out_what_xml_cannot_carry():
    """A store written before display_form dropped control characters may still hold them, as may ids and
    addresses: the feed leaves them out rather than writing a document no reader accepts."""
    body = atom_feed("urn:x", "آخر الأخبار", "http://k/feeds/latest.atom", "http://k/", [
        {"id": "a\x01b", "title": "عنوان\x1a\x1aالخبر\ufffe", "outlet": "صحيفة\x02", "url": "http://o.example/1\x03",
         "published": "2015-07-21T10:00:00Z"},
    ])  # fmt: skip
    entry = ET.fromstring(body).find(f"{ATOM}entry")
    assert entry.find(f"{ATOM}title").text == "عنوانالخبر"
    assert entry.find(f"{ATOM}id").text == "urn:khabar:article:ab"
    assert entry.find(f"{ATOM}author/{ATOM}name").text == "صحيفة"
    assert [link.get("href") for link in entry.findall(f"{ATOM}link")] == ["http://k/article/ab", "http://o.example/1"]


def test_security_headers_on_pages_api_and_errors(client):
    for path in ("/", "/api/v1/articles", "/article/nope", "/feeds/latest.atom", "/static/khabar.css"):
        headers = client.get(path).headers
        assert headers["x-content-type-options"] == "nosniff", path
        assert "frame-ancestors 'none'" in headers["content-security-policy"], path


# -- formatting ---------------------------------------------------------------------


def test_arabic_relative_and_full_dates():
    now = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
    assert relative_time(now - timedelta(hours=2), now) == "منذ ساعتين"  # two hours ago
    assert relative_time(now - timedelta(hours=1, minutes=5), now) == "منذ ساعة"
    assert relative_time(now - timedelta(hours=5), now) == "منذ 5 ساعات"
    assert relative_time(now - timedelta(hours=11), now) == "منذ 11 ساعة"
    assert relative_time(now - timedelta(minutes=2), now) == "منذ دقيقتين"
    assert relative_time(now - timedelta(seconds=10), now) == "الآن"
    assert relative_time(now - timedelta(days=3), now) == full_date(now - timedelta(days=3)) == "26 نوفمبر 2026، 12:00 (UTC)"
    assert relative_time(None) == "" and counted(3, "minute") == "3 دقائق"


def test_highlight_marks_matches_and_escapes_the_rest():
    html = str(highlight('قال [الوزير] <script>alert(1)</script> [<img src=x onerror=alert(1)>]'))
    assert "<mark>الوزير</mark>" in html
    assert "<script>" not in html and "<img" not in html and "&lt;script&gt;" in html


def test_every_tag_shown_leads_to_a_page_listing_the_article(client):
    articles = client.get("/api/v1/articles?limit=40").json()["articles"]
    checked = 0
    for summary in articles:
        for tag in client.get(f"/api/v1/articles/{summary['id']}").json()["keyword_tags"]:
            page = client.get(f"/api/v1/tags/{quote(tag, safe='')}?limit=100")
            assert page.status_code == 200, tag
            listed = [a["id"] for a in page.json()["articles"]]
            assert summary["id"] in listed or page.json()["total"] > 100, tag
            checked += 1
    assert checked > 100


def test_front_page_cache_reuses_a_result_within_its_interval_only():
    from khabar.web.app import TimedCache

    calls = []
    cache = TimedCache(seconds=60)
    assert cache.get(("k",), lambda: calls.append(1) or len(calls)) == 1
    assert cache.get(("k",), lambda: calls.append(1) or len(calls)) == 1
    assert cache.get(("other",), lambda: calls.append(1) or len(calls)) == 2
    expired = TimedCache(seconds=0)
    expired.get(("k",), lambda: calls.append(1))
    expired.get(("k",), lambda: calls.append(1))
    assert len(calls) == 4


def test_concurrent_first_views_of_article_pages_all_succeed_and_keep_lists(web_store):
    """Many threads of a real server compute and keep related lists at once; none fails, and a
    page shown from kept lists is the page computed on the first view."""
    with open_store(web_store) as store:
        store.forget_kept_related()
        ids = [a.id for a in store.iter_articles()]
    with running_server(web_store) as base, httpx.Client(base_url=base, timeout=60) as client:
        with ThreadPoolExecutor(16) as pool:
            first = list(pool.map(lambda i: client.get(f"/article/{i}"), ids))
        assert [r.status_code for r in first] == [200] * len(ids)
        with open_store(web_store) as store:
            kept = [i for i in ids if store.kept_related(i) is not None]
        assert kept, "first views keep their lists"
        for article_id in kept[:50]:
            again = client.get(f"/api/v1/articles/{article_id}/related").json()
            with open_store(web_store) as store:
                computed = compute_related(store, store.get_article(article_id))
            assert [s["id"] for s in again["similar"]] == [r.article.id for r in computed.similar]
