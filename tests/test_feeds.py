"""Feeds in (RSS, Atom, news sitemaps, malformed ones), page extraction, and Arabic dates."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from khabar.dates import RIYADH, UTC, parse_arabic_datetime
from khabar.ingest.feeds import FeedError, parse_feed
from khabar.ingest.pages import extract_page, html_to_text
from khabar.ingest.sources import load_sources, parse_sources
from khabar.errors import ConfigError
from support.outlets import Outlet, Story, atom, news_sitemap, page, rss

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


@pytest.fixture
def outlet(outlet_records):
    records = outlet_records["aawsat"][:4]
    stories = [Story(i, r["title"], r["content"], "2015-07-21T10:00:00Z", ["السعودية", "اليمن"]) for i, r in enumerate(records)]
    return Outlet("aawsat", "127.0.0.9", stories, port=8080)


def test_rss_atom_and_news_sitemap_give_items_with_canonical_urls(outlet):
    items = parse_feed(rss(outlet), outlet.base + "/rss.xml").items
    assert len(items) == 7 and len({i.url for i in items}) == 4  # repeated items are in the document
    assert items[0].title == outlet.articles[0].title
    assert items[0].published == datetime(2015, 7, 21, 10, 0, tzinfo=UTC)
    assert items[0].summary.startswith(" ".join(outlet.articles[0].text.split()[:5]))
    assert parse_feed(atom(outlet)).kind == "atom" and len(parse_feed(atom(outlet)).items) == 2
    sitemap = parse_feed(news_sitemap(outlet))
    assert sitemap.kind == "sitemap" and [i.title for i in sitemap.items] == [s.title for s in outlet.articles[1::2]]
    tracked = parse_feed(rss(outlet).replace(".html</link>", ".html?utm_source=rss#top</link>")).items[0]
    assert tracked.url == items[0].url, "tracking parameters and fragments are removed"


def test_malformed_feeds_are_refused_or_read_in_part_with_a_warning():
    with pytest.raises(FeedError, match="malformed"):
        parse_feed('<?xml version="1.0"?><rss><channel><item><title>x</titl')
    with pytest.raises(FeedError):
        parse_feed("<html><body>not a feed</body></html>")
    partial = parse_feed('<rss version="2.0"><channel><item><title>أ</title><link>http://e.com/1</link></item><item><title>ب</t')
    assert partial.warning and [i.url for i in partial.items] == ["http://e.com/1"]
    with pytest.raises(FeedError):  # entity expansion (billion laughs) in a sitemap is refused
        parse_feed('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><urlset><url><loc>&a;</loc></url></urlset>')


def test_items_with_addresses_too_long_to_keep_are_left_out_and_counted():
    """An address past 2,048 characters (a key of the store's indexes, which PostgreSQL cannot hold)."""
    long = "http://e.com/" + "x" * 2100
    feed = parse_feed(f'<rss version="2.0"><channel><item><title>أ</title><link>{long}</link></item>'
                      '<item><title>ب</title><link>http://e.com/2</link></item></channel></rss>')
    assert [i.url for i in feed.items] == ["http://e.com/2"] and feed.too_long == 1 and not feed.warning
    ns = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
    sitemap = parse_feed(f"<urlset {ns}><url><loc>{long}</loc></url><url><loc>http://e.com/3</loc></url></urlset>")
    assert [i.url for i in sitemap.items] == ["http://e.com/3"] and sitemap.too_long == 1
    index = parse_feed(f"<sitemapindex {ns}><sitemap><loc>{long}</loc></sitemap><sitemap><loc>http://e.com/s.xml</loc></sitemap></sitemapindex>")
    assert index.sitemaps == ["http://e.com/s.xml"] and index.too_long == 1


def test_references_to_impossible_characters_become_replacement_characters():
    """&#xD800; (a surrogate), &#0; and &#x110000; name no character: feedparser crashed on the first
    (failing the outlet's whole poll) and the sitemap parser refused the document."""
    feed = parse_feed('<rss version="2.0"><channel><item><title>أ &#xD800; ب &#0; ج &#x110000; د &#1575;</title>'
                      "<link>http://e.com/1</link><description>س &#55296; ص</description></item></channel></rss>")
    (item,) = feed.items
    assert (item.title, item.summary) == ("أ \ufffd ب \ufffd ج \ufffd د ا", "س \ufffd ص")
    ns = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"'
    sitemap = parse_feed(f"<urlset {ns}><url><loc>http://e.com/3</loc><news:news><news:title>خبر &#xDFFF;</news:title>"
                         "</news:news></url></urlset>")
    assert [i.title for i in sitemap.items] == ["خبر \ufffd"]


def test_extraction_keeps_the_article_and_drops_the_boilerplate(outlet):
    story = outlet.articles[0]
    extracted = extract_page(page(outlet, story), outlet.base + "/article/0.html")
    assert extracted.title == story.title
    assert " ".join(extracted.text.split()) == " ".join(story.text.split())
    for boilerplate in ("اشترك الآن", "أخبار ذات صلة", "جميع الحقوق محفوظة", "كتاب الرأي", "شارك"):
        assert boilerplate not in extracted.text
    assert extracted.tags == ["السعودية", "اليمن"]
    fast = extract_page(page(outlet, story), outlet.base + "/article/0.html", known_title=story.title, known_date=True)
    assert fast.text == extracted.text and fast.tags == extracted.tags, "the fast path reads keywords from <head>"
    assert extract_page("<html><body><nav>الرئيسية</nav></body></html>", "http://e.com/") is None


def test_html_fragments_become_text():
    assert html_to_text("<p>مرحبا <b>بكم</b></p><script>alert(1)</script><p>سطر &amp; ثان</p>") == "مرحبا بكم\nسطر & ثان"
    assert html_to_text("نص عادي") == "نص عادي"


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("الثلاثاء ٢١ تموز ٢٠١٥ - ١٠:٣٠ م", datetime(2015, 7, 21, 19, 30, tzinfo=UTC)),  # Levantine month, p.m.
        ("٣ كانون الثاني ٢٠٢٠ ١٠:٠٠ ص", datetime(2020, 1, 3, 7, 0, tzinfo=UTC)),  # two-word month, a.m.
        ("21 يوليو 2015", datetime(2015, 7, 20, 21, 0, tzinfo=UTC)),
        ("12 تشرين الأول 2021", datetime(2021, 10, 11, 21, 0, tzinfo=UTC)),
        ("نشر في: 7 أغسطس 2015 09:15", datetime(2015, 8, 7, 6, 15, tzinfo=UTC)),
        ("5 جويلية 2019", datetime(2019, 7, 4, 21, 0, tzinfo=UTC)),  # Maghrebi
        ("قبل ٥ ساعات", NOW - timedelta(hours=5)),
        ("منذ ساعتين", NOW - timedelta(hours=2)),
        ("منذ دقيقة", NOW - timedelta(minutes=1)),
        ("قبل 3 أيام", NOW - timedelta(days=3)),
        ("أمس", NOW - timedelta(days=1)),
        ("Tue, 21 Jul 2015 10:00:00 +0300", datetime(2015, 7, 21, 7, 0, tzinfo=UTC)),
        ("2015-07-21T10:00:00Z", datetime(2015, 7, 21, 10, 0, tzinfo=UTC)),
        ("غدا إن شاء الله", None),
        ("31 فبراير 2015", None),
    ],
)
def test_arabic_dates_become_utc(raw, expected):
    assert parse_arabic_datetime(raw, NOW, RIYADH) == expected


def test_sources_files_are_checked_and_the_default_list_loads():
    default = load_sources().sources
    assert len(default) >= 13 and all(s.feeds[0].startswith("https://") for s in default)
    assert {"BBC Arabic", "Al Jazeera", "Hespress"} <= {s.name for s in default}
    parsed = parse_sources('[[outlet]]\nname = "x"\nfeeds = ["http://e.com/rss"]\ntimezone = "+03:00"\n').sources[0]
    assert parsed.timezone == timezone(timedelta(hours=3)) and not parsed.local
    for bad, message in (
        ('[[outlet]]\nname = "x"\n', "feed"),
        ('[[outlet]]\nname = "x"\nfeeds = ["ftp://e.com"]\n', "http"),
        ('[[outlet]]\nname = "x"\nfeeds = ["http://e.com"]\nspeed = 3\n', "unknown option"),
        ("[[outlet]\n", "TOML"),
    ):
        with pytest.raises(ConfigError, match=message):
            parse_sources(bad)
