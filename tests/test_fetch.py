"""The fetcher against real HTTP servers on loopback: limits, politeness, encodings, and refusals."""

from __future__ import annotations

import pytest

from khabar.ingest.encoding import decode
from khabar.ingest.feeds import parse_feed
from khabar.ingest.fetch import Fetcher, FetchError, FetchPolicy, check_address, is_public_address
from support.outlets import FAULTS, Outlets

FAST = FetchPolicy(timeout=1.5, retries=1, backoff=0.05, delay=0)


@pytest.fixture(scope="module")
def outlets(outlet_records):
    with Outlets(outlet_records) as o:
        yield o


@pytest.mark.parametrize("path", sorted(FAULTS))
def test_each_fault_fails_with_its_reason(outlets, path):
    outlet = outlets.outlets[0]
    with Fetcher(FAST) as fetcher, pytest.raises(FetchError) as caught:
        fetcher.get(outlet.base + path, kind="page", local=True)
    assert caught.value.reason == FAULTS[path][1]


def test_private_and_loopback_addresses_are_refused_unless_local(outlets):
    url = outlets.outlets[0].base + "/rss.xml"
    with Fetcher(FAST) as fetcher:
        with pytest.raises(FetchError) as caught:
            fetcher.get(url, kind="feed")
        assert caught.value.reason == "private address" and "local = true" in str(caught.value)
        assert fetcher.get(url, kind="feed", local=True).status == 200
    for address in ("127.0.0.1", "10.1.2.3", "192.168.0.1", "169.254.169.254", "::1", "fe80::1", "::ffff:127.0.0.1", "0.0.0.0"):
        assert not is_public_address(address), address
    assert is_public_address("8.8.8.8") and is_public_address("2001:4860:4860::8888")
    with pytest.raises(FetchError):
        check_address("file:///etc/passwd", local=True)


def test_a_connection_that_reaches_a_private_address_is_refused_before_the_request(outlets):
    """DNS rebinding: a name server may answer a public address when the name is checked and a private one
    when the connection resolves it again. The connection itself is checked, so a request that got past
    the name check (here: sent without it) still never reaches a private server."""
    url = outlets.outlets[0].base + "/fault/error.html"
    served = len(outlets.requests)
    with Fetcher(FAST) as fetcher:
        with pytest.raises(FetchError) as caught:
            fetcher._get_once(url, None, None)  # the request as it goes out after check_address
        assert caught.value.reason == "private address" and "local = true" in str(caught.value)
        assert len(outlets.requests) == served  # the server never saw a request
        assert fetcher._get_once(url, None, None, local=True).status == 500  # a local outlet's server is reached


def test_a_gzip_sitemap_file_is_read_within_the_size_limit(outlets):
    """Sites serve sitemap.xml.gz as a gzip file (no Content-Encoding): it was refused as a content type.
    Now it is unpacked like a compressed answer, and a bomb stops at the limit."""
    from support.outlets import SITEMAP_OUTLETS

    outlet = next(o for o in outlets.outlets if o.name in SITEMAP_OUTLETS)
    with Fetcher(FAST) as fetcher:
        fetched = fetcher.get(outlet.base + "/news-sitemap.xml.gz", kind="feed", local=True)
        plain = fetcher.get(outlet.base + "/news-sitemap.xml", kind="feed", local=True)
        with pytest.raises(FetchError) as caught:
            fetcher.get(outlet.base + "/sitemap-bomb.xml.gz", kind="feed", local=True)
    assert parse_feed(fetched.text, fetched.url).items == parse_feed(plain.text, plain.url).items != []
    assert caught.value.reason == "too large"


def test_host_names_that_resolve_to_loopback_are_refused(outlets):
    """The check is on the resolved address, not on the name (and runs again on every redirect hop)."""
    with Fetcher(FAST) as fetcher, pytest.raises(FetchError) as caught:
        fetcher.get("http://localhost:1/", kind="page")
    assert caught.value.reason == "private address"


def test_conditional_get_returns_not_modified(outlets):
    outlet = outlets.outlets[2]
    url = outlet.base + "/article/0.html"
    with Fetcher(FAST) as fetcher:
        first = fetcher.get(url, local=True)
        assert first.status == 200 and first.etag
        again = fetcher.get(url, local=True, etag=first.etag)
        assert again.not_modified and again.text == ""
        outlets.edit(outlet, 0, outlet.articles[0].text + "\nفقرة جديدة أضيفت بعد النشر.")
        changed = fetcher.get(url, local=True, etag=first.etag)
        assert changed.status == 200 and "فقرة جديدة" in changed.text


def test_arabic_single_byte_pages_and_feeds_decode_whether_declared_in_header_meta_or_xml(outlets):
    with Fetcher(FAST) as fetcher:
        for name, how in (("alriyadh", "cp1256 (HTTP header)"), ("alwatan", "cp1256 (meta charset)"),
                          ("sabq", "iso8859-6 (HTTP header)")):  # fmt: skip
            outlet = next(o for o in outlets.outlets if o.name == name)
            fetched = fetcher.get(outlet.base + "/article/1.html", local=True)
            assert fetched.encoding == how
            assert outlet.articles[1].title.split()[0] in fetched.text
        outlet = next(o for o in outlets.outlets if o.name == "alriyadh")
        feed = fetcher.get(outlet.feeds[0], kind="feed", local=True)
        assert feed.encoding == "cp1256 (XML declaration)"
        titles = [i.title for i in parse_feed(feed.text, feed.url).items]
        assert titles[0] == " ".join(outlet.articles[0].title.split()) or titles[0] == outlet.articles[0].title


def test_encodings_are_detected_when_nothing_is_declared():
    text = "<html><body><p>أعلنت وزارة الصحة السعودية تسجيل إصابات جديدة بفيروس كورونا في مدينة الرياض</p></body></html>"
    for codec in ("cp1256", "iso8859_6"):
        decoded, how = decode(text.encode(codec))
        assert decoded == text and "detected" in how, codec
    assert decode(text.encode("utf-8"), "text/html; charset=windows-1256")[0] == text  # a wrong header gives way
    assert decode(b'<?xml version="1.0" encoding="windows-1256"?><rss/>' + "خبر".encode("cp1256"))[0].endswith("خبر")


def test_robots_txt_is_respected_and_requests_say_who_we_are(outlets):
    outlet = outlets.outlets[3]
    with Fetcher(FAST) as fetcher:
        assert not fetcher.allowed_by_robots(outlet.base + "/private/secret.html", local=True)
        assert fetcher.allowed_by_robots(outlet.base + "/article/1.html", local=True)
    assert (outlet.host, "/robots.txt") in outlets.requests
