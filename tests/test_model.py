"""The article model: ids, normalization, change detection."""

import pickle
from datetime import datetime, timezone

from khabar.model import Article, Tag
from khabar.urls import canonical_url


def test_id_comes_from_the_canonical_url():
    a = Article.create(outlet="x", title="t", text="نص", url="HTTP://Example.com:80/a/خبر?utm_source=tw&b=2&a=1#top")
    b = Article.create(outlet="y", title="other", text="نص آخر", url="http://example.com/a/%D8%AE%D8%A8%D8%B1?a=1&b=2")
    assert a.id == b.id and a.id.startswith("u")
    assert a.url == "http://example.com/a/%D8%AE%D8%A8%D8%B1?a=1&b=2"


def test_id_without_url_comes_from_the_content_match_key():
    a = Article.create(outlet="وكالة", title="التحالف الدولی", text="نص الخبر")
    b = Article.create(outlet="وكالة", title="التحالف الدولي", text="نَصُّ الخبر")
    c = Article.create(outlet="وكالة", title="التحالف الدولي", text="نص آخر")
    assert a.id == b.id != c.id and a.id.startswith("c")


def test_given_id_is_kept():
    assert Article.create(id="my-1", outlet="x", title="t", text="نص").id == "my-1"


def test_fields_are_in_display_form_and_publisher_tags_deduplicated():
    a = Article.create(
        outlet=" سكاي نيوز ",
        title="العراق\u200f",
        text="نص  الخبر",
        publisher_tags=["ملفات", "ملفات", "ملفات", "التحالف الدولی فی العراق", "التحالف الدولي في العراق", " "],
    )
    assert a.outlet == "سكاي نيوز" and a.title == "العراق" and a.text == "نص الخبر"
    assert a.publisher_tags == ["ملفات", "التحالف الدولي في العراق"]
    assert a.language == "ar"


def test_content_hash_changes_with_content_only():
    when = datetime(2015, 7, 21, tzinfo=timezone.utc)
    a = Article.create(outlet="x", title="t", text="نص", url="http://e.com/1", published=when)
    b = Article.create(outlet="x", title="t", text="نص", url="http://e.com/1", published=when)
    c = Article.create(outlet="x", title="t", text="نص معدل", url="http://e.com/1", published=when)
    assert a.content_hash == b.content_hash != c.content_hash


def test_language_guess():
    assert Article.create(outlet="x", title="Iraq", text="The coalition will leave Iraq soon").language == "other"
    assert Article.create(outlet="x", title="", text="123 456").language == "und"


def test_canonical_url_leaves_non_http_alone():
    assert canonical_url(" mailto:a@b.c ") == "mailto:a@b.c"
    assert canonical_url("https://E.com:443") == "https://e.com/"
    assert canonical_url("https://e.com:8443/x?fbclid=1&id=5") == "https://e.com:8443/x?id=5"


def test_html_character_references_from_sources_are_decoded_once():
    from khabar.model import Article

    article = Article.create(
        outlet="okaz", title="توزيع &#8220;موسوعة&#8221; خطب الجمعة", text="قال &quot;الوزير&quot; &amp;lt;b&amp;gt;",
        publisher_tags=["الرياض &amp; جدة"],
    )
    assert article.title == "توزيع “موسوعة” خطب الجمعة"
    assert article.text == 'قال "الوزير" &lt;b&gt;'  # decoded once, not twice
    assert article.publisher_tags == ["الرياض & جدة"]


def test_an_article_with_everything_set_survives_pickling():
    # Workers send prepared articles to the main process this way, with their own pickling methods.
    article = Article.create(
        outlet="واس", title="التحالف الدولي", text="نص الخبر", url="https://example.com/a",
        published=datetime(2015, 7, 21, 9, 30, tzinfo=timezone.utc), author="محرر", publisher_tags=["العراق"],
    )
    article.tags = [Tag(display="التحالف الدولي", key="تحالف دولي", score=1.5)]
    article.fingerprint, article.vector = b"\x01\x02", {"تحالف": 0.8, "دولي": 0.6}
    article.search_fields = ("تحالف دولي", "نص خبر", b"\x00\x10")
    copy = pickle.loads(pickle.dumps(article, protocol=pickle.HIGHEST_PROTOCOL))
    assert copy == article and copy is not article
    assert copy.tags == article.tags and isinstance(copy.tags[0], Tag)
