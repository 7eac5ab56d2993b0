"""Fourteen local outlets on loopback, serving real SaudiNewsNet articles as feeds and HTML pages.

Each outlet is its own HTTP server on its own loopback address (127.0.0.2,
127.0.0.3, …), so per-host limits apply as on the web. An outlet serves:

- ``/rss.xml`` (RSS 2.0), and for some ``/atom.xml`` (Atom) or
  ``/news-sitemap.xml`` (a Google-News sitemap), items with a summary only;
- ``/article/N.html``: the article in a realistic page (menus, ads, a
  "related" box, footer, keywords in a meta tag, the date in Arabic);
  some outlets serve windows-1256, declared in the HTTP header or only in a
  ``<meta charset>``, one serves ISO-8859-6, and one outlet's RSS feed is in
  windows-1256, declared only in its XML declaration;
- ``/robots.txt``, which disallows ``/private/``.

Faults, each on purpose: a malformed feed, and items whose pages answer 500,
answer too slowly, redirect in a loop, are oversized, are a gzip bomb, are a
PDF, are truncated mid-body, or are disallowed by robots.txt. Items repeat
within and across feeds. :meth:`Outlets.edit` changes an article after it
was first served (its page and its feed item).
"""

from __future__ import annotations

import gzip
import html
import socket
import sys
import threading
import time
from dataclasses import dataclass, field
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from xml.sax.saxutils import escape

from khabar.dates import RIYADH, parse_datetime
from khabar.web.format import MONTHS

WINDOWS_1256_HEADER = {"alriyadh", "okaz"}  # charset in the Content-Type header
WINDOWS_1256_META = {"alwatan"}  # charset only in <meta>, header says nothing
ISO_8859_6 = {"sabq"}  # pages in ISO-8859-6, declared in the header and in <meta>
WINDOWS_1256_FEED = {"alriyadh"}  # its RSS feed in windows-1256, declared only in the XML declaration
LABELS = {"cp1256": "windows-1256", "iso8859_6": "ISO-8859-6", "utf-8": "utf-8"}
ATOM_OUTLETS = {"aawsat", "alyaum", "sabq"}
SITEMAP_OUTLETS = {"aljazirah", "almadina"}
FAULTS = {
    # path: (what the server does, the reason khabar should give)
    "/fault/error.html": ("500", "http 500"),
    "/fault/slow.html": ("slow", "timeout"),
    "/fault/loop.html": ("loop", "redirect loop"),
    "/fault/big.html": ("big", "too large"),
    "/fault/bomb.html": ("bomb", "too large"),
    "/fault/report.pdf": ("pdf", "content type"),
    "/fault/truncated.html": ("truncated", "truncated"),
    "/fault/brotli.html": ("brotli", "content encoding"),
    "/private/secret.html": ("ok", "robots.txt"),
}
BIG_BYTES = 6 * 2**20
SLOW_SECONDS = 3.0


class _OutletServer(ThreadingHTTPServer):
    """An outlet's server. A client that hangs up mid-answer (the fetcher does, on a page over its size
    limit) is what some faults test, so it is not reported as a server error."""

    def handle_error(self, request, client_address) -> None:  # noqa: ANN001 - socketserver's signature
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


@dataclass
class Story:
    """One article as an outlet serves it."""

    number: int
    title: str
    text: str
    published: str  # ISO
    tags: list[str] = field(default_factory=list)
    version: int = 1


@dataclass
class Outlet:
    """One outlet: its name, address and articles."""

    name: str
    host: str
    articles: list[Story]
    port: int = 0
    extra_feed_items: list[str] = field(default_factory=list)  # fault paths listed in its RSS feed
    broken_feed: bool = False

    @property
    def base(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def feeds(self) -> list[str]:
        urls = [self.base + "/rss.xml"]
        if self.name in ATOM_OUTLETS:
            urls.append(self.base + "/atom.xml")
        if self.name in SITEMAP_OUTLETS:
            urls.append(self.base + "/news-sitemap.xml")
        if self.broken_feed:
            urls.append(self.base + "/broken.xml")
        return urls

    @property
    def encoding(self) -> str:
        if self.name in ISO_8859_6:
            return "iso8859_6"
        return "cp1256" if self.name in WINDOWS_1256_HEADER | WINDOWS_1256_META else "utf-8"


def summary_of(text: str, words: int = 25) -> str:
    return " ".join(text.split()[:words]) + " …"


def arabic_date(iso: str) -> str:
    """The date as an Arabic outlet prints it, in Riyadh time, with Arabic-Indic digits."""
    moment = parse_datetime(iso).astimezone(RIYADH)
    digits = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
    return f"{moment.day} {MONTHS[moment.month - 1]} {moment.year} - {moment:%H:%M}".translate(digits)


def rss(outlet: Outlet) -> str:
    items = []
    for story in outlet.articles + outlet.articles[:3]:  # the first three items repeat
        items.append(
            f"<item><title>{escape(story.title)}</title><link>{outlet.base}/article/{story.number}.html</link>"
            f"<guid>{outlet.base}/article/{story.number}.html</guid>"
            f"<pubDate>{format_datetime(parse_datetime(story.published))}</pubDate>"
            f"<description>{escape(summary_of(story.text))} (v{story.version})</description></item>"
        )
    for path in outlet.extra_feed_items:
        items.append(f"<item><title>عنوان {escape(path)}</title><link>{outlet.base}{path}</link>"
                     f"<description>ملخص قصير</description></item>")  # fmt: skip
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>{escape(outlet.name)}</title><link>{outlet.base}/</link><description>أخبار</description>"
        + "".join(items) + "</channel></rss>"
    )  # fmt: skip


def atom(outlet: Outlet) -> str:
    entries = "".join(
        f"<entry><title>{escape(s.title)}</title><link href=\"{outlet.base}/article/{s.number}.html\"/>"
        f"<id>{outlet.base}/article/{s.number}.html</id><updated>{s.published}</updated>"
        f"<summary>{escape(summary_of(s.text))} (v{s.version})</summary></entry>"
        for s in outlet.articles[::2]  # half of the articles, all also in the RSS feed
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>{escape(outlet.name)}</title><id>{outlet.base}/</id><updated>2015-07-26T00:00:00Z</updated>"
        + entries + "</feed>"
    )  # fmt: skip


def news_sitemap(outlet: Outlet) -> str:
    urls = "".join(
        f"<url><loc>{outlet.base}/article/{s.number}.html</loc><news:news><news:publication>"
        f"<news:name>{escape(outlet.name)}</news:name><news:language>ar</news:language></news:publication>"
        f"<news:publication_date>{s.published}</news:publication_date><news:title>{escape(s.title)}</news:title>"
        f"</news:news></url>"
        for s in outlet.articles[1::2]
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
        'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">' + urls + "</urlset>"
    )


def page(outlet: Outlet, story: Story) -> str:
    """An article page wrapped in the boilerplate news sites have."""
    menu = "".join(f'<li><a href="/section/{n}">{label}</a></li>' for n, label in
                   enumerate(["الرئيسية", "محليات", "اقتصاد", "رياضة", "ثقافة", "دوليات", "كتاب الرأي"]))  # fmt: skip
    related = "".join(
        f'<li><a href="/article/{s.number}.html">{html.escape(s.title)}</a></li>'
        for s in outlet.articles[:6] if s.number != story.number
    )  # fmt: skip
    paragraphs = "".join(f"<p>{html.escape(p)}</p>" for p in story.text.split("\n") if p.strip())
    charset = f'<meta charset="{LABELS[outlet.encoding]}">'
    return f"""<!DOCTYPE html>
<html lang="ar" dir="rtl"><head>{charset}
<title>{html.escape(story.title)} | {outlet.name}</title>
<meta name="keywords" content="{html.escape(', '.join(story.tags))}">
<meta property="og:title" content="{html.escape(story.title)}">
<link rel="stylesheet" href="/static/site.css"><script src="/static/ads.js"></script>
</head><body>
<header><div class="logo">{outlet.name}</div><nav><ul class="menu">{menu}</ul></nav>
<div class="ad ad-top">إعلان: اشترك الآن في النشرة البريدية واحصل على أحدث العروض</div></header>
<main><article class="post">
<h1 class="post-title">{html.escape(story.title)}</h1>
<div class="post-meta"><span class="date">{arabic_date(story.published)}</span> <span class="views">قراءات: 1532</span></div>
<div class="post-body">{paragraphs}</div>
<div class="share">شارك: تويتر فيسبوك واتساب</div>
</article>
<aside class="related"><h3>أخبار ذات صلة</h3><ul>{related}</ul></aside>
<aside class="ad ad-side">مساحة إعلانية</aside></main>
<footer><p>جميع الحقوق محفوظة © {outlet.name} 2015</p><ul><li><a href="/about">من نحن</a></li><li><a href="/contact">اتصل بنا</a></li></ul></footer>
</body></html>"""


class Outlets:
    """Fourteen outlet servers on loopback; use as a context manager."""

    def __init__(self, records_by_outlet: dict[str, list[dict]], faults: bool = True) -> None:
        self.outlets: list[Outlet] = []
        self.requests: list[tuple[str, str]] = []  # (host, path) of every request, for assertions
        self._servers: list[_OutletServer] = []
        for n, (name, records) in enumerate(sorted(records_by_outlet.items())):
            stories = [
                Story(i, r["title"], r["content"], _iso(r["date_extracted"]), [t for t in r.get("tags", []) if t][:5])
                for i, r in enumerate(records)
            ]
            self.outlets.append(Outlet(name, f"127.0.0.{n + 2}", stories))
        if faults and self.outlets:
            self.outlets[0].extra_feed_items = list(FAULTS)
            self.outlets[1].broken_feed = True

    def __enter__(self) -> "Outlets":
        for outlet in self.outlets:
            server = _OutletServer((outlet.host, 0), _handler(self, outlet))
            server.daemon_threads = True
            outlet.port = server.server_address[1]
            threading.Thread(target=server.serve_forever, daemon=True).start()
            self._servers.append(server)
        return self

    def __exit__(self, *exc: object) -> None:
        for server in self._servers:
            server.shutdown()
            server.server_close()

    def edit(self, outlet: Outlet, number: int, text: str) -> str:
        """Change an article after it was first served; return its URL."""
        story = outlet.articles[number]
        story.text, story.version = text, story.version + 1
        return f"{outlet.base}/article/{number}.html"

    def good_articles(self) -> dict[str, tuple[str, Story]]:
        """Every article that should land, by URL: (outlet name, story)."""
        return {f"{o.base}/article/{s.number}.html": (o.name, s) for o in self.outlets for s in o.articles}

    def sources_toml(self) -> str:
        """A sources file for these outlets (local, so private addresses are allowed)."""
        parts = ["[defaults]\nmin_interval = 1\nmax_interval = 5\nlocal = true\ntimezone = \"+03:00\"\n"]
        for o in self.outlets:
            feeds = ", ".join(f'"{f}"' for f in o.feeds)
            parts.append(f'[[outlet]]\nname = "{o.name}"\nhome = "{o.base}/"\nfeeds = [{feeds}]\n')
        return "\n".join(parts)


def _iso(saudinewsnet_time: str) -> str:
    return parse_datetime(saudinewsnet_time, RIYADH).strftime("%Y-%m-%dT%H:%M:%SZ")


def _handler(outlets: Outlets, outlet: Outlet) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:  # quiet
            pass

        def setup(self) -> None:
            super().setup()
            # Headers and body go out in separate writes; without this, Nagle's algorithm and the
            # client's delayed ACK hold every response back by about 40 ms, as on a badly tuned server.
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def send(self, status: int, body: bytes, content_type: str, headers: dict | None = None) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:  # noqa: N802
            outlets.requests.append((outlet.host, self.path))
            try:
                self.answer()
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (a timeout, a size limit): expected for the faults

        def answer(self) -> None:
            path = self.path.split("?", 1)[0]
            if path == "/robots.txt":
                return self.send(200, b"User-agent: *\nDisallow: /private/\n", "text/plain")
            if path == "/rss.xml" and outlet.name in WINDOWS_1256_FEED:
                body = rss(outlet).replace('encoding="utf-8"', 'encoding="windows-1256"', 1)
                return self.send(200, body.encode("cp1256", errors="xmlcharrefreplace"), "application/rss+xml")
            if path == "/rss.xml":
                return self.send(200, rss(outlet).encode(), "application/rss+xml; charset=utf-8")
            if path == "/atom.xml" and outlet.name in ATOM_OUTLETS:
                return self.send(200, atom(outlet).encode(), "application/atom+xml")
            if path == "/news-sitemap.xml.gz" and outlet.name in SITEMAP_OUTLETS:  # a gzip file, as many sites serve
                return self.send(200, gzip.compress(news_sitemap(outlet).encode()), "application/x-gzip")
            if path == "/sitemap-bomb.xml.gz":
                return self.send(200, gzip.compress(b"<urlset>" + b" " * (64 * 2**20), compresslevel=9), "application/gzip")
            if path == "/news-sitemap.xml" and outlet.name in SITEMAP_OUTLETS:
                return self.send(200, news_sitemap(outlet).encode(), "application/xml")
            if path == "/broken.xml" and outlet.broken_feed:
                return self.send(200, b'<?xml version="1.0"?><rss><channel><item><title>x</titl', "application/xml")
            if path.startswith("/article/") and path.endswith(".html"):
                number = path[len("/article/") : -len(".html")]
                if number.isdigit() and int(number) < len(outlet.articles):
                    story = outlet.articles[int(number)]
                    body = page(outlet, story).encode(outlet.encoding, errors="xmlcharrefreplace")
                    if outlet.name in WINDOWS_1256_HEADER | ISO_8859_6:
                        content_type = f"text/html; charset={LABELS[outlet.encoding]}"
                    else:
                        content_type = "text/html" if outlet.name in WINDOWS_1256_META else "text/html; charset=utf-8"
                    etag = f'"{outlet.name}-{number}-v{story.version}"'
                    if self.headers.get("If-None-Match") == etag:
                        return self.send(304, b"", content_type, {"ETag": etag})
                    return self.send(200, body, content_type, {"ETag": etag})
            if path in FAULTS:
                return self.fault(FAULTS[path][0])
            return self.send(404, "غير موجود".encode(), "text/plain; charset=utf-8")

        def fault(self, kind: str) -> None:
            if kind == "500":
                return self.send(500, b"internal error", "text/html")
            if kind == "slow":
                time.sleep(SLOW_SECONDS)
                return self.send(200, b"<html><body><p>late</p></body></html>", "text/html")
            if kind == "loop":
                return self.send(302, b"", "text/html", {"Location": "/fault/loop.html?again"} if "?" not in self.path
                                 else {"Location": "/fault/loop.html"})  # fmt: skip
            if kind == "big":
                return self.send(200, b"<html><body>" + b"x" * BIG_BYTES + b"</body></html>", "text/html")
            if kind == "bomb":
                body = gzip.compress(b"\0" * (64 * 2**20), compresslevel=9)
                return self.send(200, body, "text/html", {"Content-Encoding": "gzip"})
            if kind == "brotli":  # a coding khabar never asked for: these bytes are not the page
                return self.send(200, bytes(range(256)) * 8, "text/html", {"Content-Encoding": "br"})
            if kind == "pdf":
                return self.send(200, b"%PDF-1.4 not a page", "application/pdf")
            if kind == "truncated":
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", "50000")
                self.end_headers()
                self.wfile.write(b"<html><body><p>" + "نص مقطوع ".encode() * 20)
                self.wfile.flush()
                self.close_connection = True
                return None
            return self.send(200, b"<html><body><p>" + "سر ".encode() * 40 + b"</p></body></html>", "text/html")

    return Handler


def load_records(path: str, per_outlet: int) -> dict[str, list[dict]]:
    """The first ``per_outlet`` SaudiNewsNet records with text of each outlet."""
    import orjson

    by_outlet: dict[str, list[dict]] = {}
    with gzip.open(path) as handle:
        for line in handle:
            record = orjson.loads(line)
            kept = by_outlet.setdefault(record["source"], [])
            if len(kept) < per_outlet and record["content"].strip():
                kept.append(record)
    return by_outlet


def main() -> None:
    """Serve the outlets in this process until killed; write their sources file first (for benchmarks)."""
    import argparse
    from pathlib import Path

    parser = argparse.ArgumentParser(description="Serve SaudiNewsNet as 14 local outlets.")
    parser.add_argument("--data", required=True)
    parser.add_argument("--per-outlet", type=int, default=100)
    parser.add_argument("--sources-out", required=True)
    parser.add_argument("--faults", action="store_true")
    args = parser.parse_args()
    with Outlets(load_records(args.data, args.per_outlet), faults=args.faults) as outlets:
        total = len(outlets.good_articles())
        Path(args.sources_out + ".tmp").write_text(outlets.sources_toml(), encoding="utf-8")
        Path(args.sources_out + ".tmp").rename(args.sources_out)
        print(total, flush=True)
        threading.Event().wait()


if __name__ == "__main__":
    main()
