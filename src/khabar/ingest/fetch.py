"""Polite, bounded HTTP fetching of feeds and pages, for content that may be hostile.

- **Polite**: a clear User-Agent, robots.txt respected (cached per host),
  at most ``per_host`` requests at once to a host and ``delay`` seconds
  between their starts, conditional GET (ETag, Last-Modified).
- **Bounded**: a total time limit per request, a size limit counted on the
  *decompressed* body (we decompress ourselves, a bounded amount at a time,
  so a gzip bomb stops at the limit), a redirect limit with loop detection,
  and a content-type check.
- **Safe**: hosts that resolve to private, loopback, link-local or reserved
  addresses are refused, on every redirect hop too, unless the outlet is
  configured as local; and the address each connection actually reached is
  checked again before anything is sent, so a name that resolves to a public
  address when checked and to a private one when connected to (DNS
  rebinding) is refused as well.
- **Resilient**: connection errors, timeouts, 429 and 5xx are retried with
  exponential backoff; what still fails raises :class:`FetchError` with a
  short ``reason`` code and a message.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
import threading
import time
import zlib
from collections import defaultdict
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit
from urllib.robotparser import RobotFileParser

import httpcore
import httpx

from khabar import __version__
from khabar.errors import IngestError
from khabar.ingest.encoding import decode

log = logging.getLogger(__name__)

USER_AGENT = f"khabar/{__version__} (+https://github.com/khabar-news/khabar; Arabic news aggregator)"
# A sitemap may be a gzip file (sitemap.xml.gz), served as such rather than with a Content-Encoding.
FEED_TYPES = ("xml", "rss", "atom", "text/plain", "application/octet-stream", "gzip")
GZIP_MAGIC = b"\x1f\x8b"
PAGE_TYPES = ("text/html", "application/xhtml+xml")
RETRY_STATUSES = {429, 500, 502, 503, 504}


class FetchError(IngestError):
    """A URL could not be fetched; ``reason`` is a short code (timeout, too large, http 500, …)."""

    def __init__(self, url: str, reason: str, detail: str = "") -> None:
        self.url = url
        self.reason = reason
        self.detail = detail
        super().__init__(f"{url}: {reason}" + (f" ({detail})" if detail else ""))


@dataclass(frozen=True)
class FetchPolicy:
    """The limits every request keeps."""

    timeout: float = 15.0  # seconds for the whole request, body included
    connect_timeout: float = 5.0
    max_bytes: int = 5 * 2**20  # after decompression
    max_redirects: int = 5
    retries: int = 2
    backoff: float = 0.5  # seconds before the first retry; doubles each time
    per_host: int = 2  # requests at once to one host
    delay: float = 0.25  # seconds between the starts of two requests to one host
    robots_ttl: float = 3600.0
    user_agent: str = USER_AGENT


@dataclass
class Fetched:
    """A response: final URL, status, validators, and the decoded text (empty when not modified)."""

    url: str
    status: int
    content_type: str = ""
    etag: str | None = None
    last_modified: str | None = None
    body: bytes = b""
    text: str = ""
    encoding: str = ""
    location: str = ""  # where a redirect points
    redirects: list[str] = field(default_factory=list)

    @property
    def not_modified(self) -> bool:
        """Whether the server said the resource is unchanged since the validators given (304)."""
        return self.status == 304


def is_public_address(address: str) -> bool:
    """Whether an IP address is on the public internet (not private, loopback, link-local or reserved)."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return not (
        ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_reserved or ip.is_multicast or ip.is_unspecified
    )


def check_address(url: str, local: bool) -> None:
    """Refuse a URL whose host resolves to a non-public address, unless the outlet is ``local``."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FetchError(url, "bad url", "only http and https URLs with a host are fetched")
    if local:
        return
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or (443 if parts.scheme == "https" else 80))
    except socket.gaierror as exc:
        raise FetchError(url, "dns", str(exc)) from exc
    for info in infos:
        if not is_public_address(info[4][0]):
            raise FetchError(
                url, "private address",
                f"{parts.hostname} resolves to {info[4][0]}; configure the outlet with local = true to allow it",
            )  # fmt: skip


class _PrivatePeer(Exception):
    """A connection reached an address that is not public (raised inside httpcore, turned into a
    :class:`FetchError` by the fetcher)."""

    def __init__(self, host: str, address: str) -> None:
        self.host, self.address = host, address
        super().__init__(f"{host} connected to {address}")


class _PublicPeersOnly(httpcore.SyncBackend):
    """httpcore's network backend, refusing a connection whose peer is not a public address.

    :func:`check_address` resolves the name before a request, but the connection resolves it again: a
    name server that answers a public address first and ``127.0.0.1`` next (DNS rebinding) would pass the
    check and reach a private service. Checking the peer of the connected socket, before a byte of the
    request is written, leaves no such gap (written here because httpx offers no hook between connecting
    and sending).
    """

    def connect_tcp(self, host: str, port: int, timeout: float | None = None, local_address: str | None = None,
                    socket_options=None) -> httpcore.NetworkStream:  # noqa: ANN001 - httpcore's signature
        stream = super().connect_tcp(host, port, timeout, local_address, socket_options)
        peer = stream.get_extra_info("server_addr")[0]
        if not is_public_address(peer):
            stream.close()
            raise _PrivatePeer(host, peer)
        return stream


def _client(policy: FetchPolicy, public_only: bool) -> httpx.Client:
    """An HTTP client under ``policy``; with ``public_only`` its connections reach public addresses only."""
    limits = httpx.Limits(max_connections=64, max_keepalive_connections=32)
    transport = httpx.HTTPTransport(limits=limits)
    if public_only:
        # httpx takes no network backend, so its transport's connection pool is replaced by the same
        # pool built with ours (httpcore's public arguments; tests/test_fetch.py shows the guard works).
        transport._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(), max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections, keepalive_expiry=limits.keepalive_expiry,
            network_backend=_PublicPeersOnly(),
        )  # fmt: skip
    return httpx.Client(
        headers={"User-Agent": policy.user_agent, "Accept-Encoding": "gzip, deflate"},
        timeout=httpx.Timeout(policy.timeout, connect=policy.connect_timeout),
        follow_redirects=False,
        transport=transport,
    )


# The content codings khabar asks for (Accept-Encoding) and undoes itself, by the zlib window bits that
# read them ("" and identity: none). A server may answer in another (br, zstd, compress): its bytes
# would be stored as text, so such an answer is refused.
CONTENT_CODINGS = {"": None, "identity": None, "gzip": 47, "x-gzip": 47, "deflate": 15}


class _Decompressor:
    """gzip/deflate decoding that never produces more than the bytes still allowed."""

    def __init__(self, encoding: str) -> None:
        bits = CONTENT_CODINGS[encoding]
        self.inner = None if bits is None else zlib.decompressobj(wbits=bits)

    def feed(self, chunk: bytes, allowed: int) -> bytes:
        """Decoded bytes of ``chunk``, at most ``allowed + 1`` of them (one more tells the caller it overflowed)."""
        if self.inner is None:
            return chunk
        return self.inner.decompress(chunk, max(allowed, 0) + 1)


class Fetcher:
    """Fetches URLs under a :class:`FetchPolicy`; thread-safe, one connection pool."""

    def __init__(self, policy: FetchPolicy | None = None) -> None:
        self.policy = policy or FetchPolicy()
        self.client = _client(self.policy, public_only=True)  # every outlet but the local ones
        self.local_client = _client(self.policy, public_only=False)  # outlets configured with local = true
        self._host_slots: dict[str, threading.Semaphore] = defaultdict(lambda: threading.Semaphore(self.policy.per_host))
        self._host_next: dict[str, float] = defaultdict(float)
        self._lock = threading.Lock()
        self._robots: dict[str, tuple[float, RobotFileParser | None]] = {}

    def close(self) -> None:
        """Close the connection pools."""
        self.client.close()
        self.local_client.close()

    def __enter__(self) -> "Fetcher":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the public call ---------------------------------------------------------

    def get(
        self,
        url: str,
        *,
        kind: str = "page",
        local: bool = False,
        etag: str | None = None,
        last_modified: str | None = None,
        check_robots: bool = True,
    ) -> Fetched:
        """Fetch a feed (``kind="feed"``) or a page (``kind="page"``), following redirects within the limits."""
        seen: list[str] = []
        current = url
        while True:
            check_address(current, local)
            if check_robots and not self.allowed_by_robots(current, local):
                raise FetchError(current, "robots.txt", "the site's robots.txt disallows this URL for khabar")
            fetched = self._get_with_retries(current, etag, last_modified, local)
            if fetched.status in (301, 302, 303, 307, 308):
                seen.append(current)
                target = urljoin(current, fetched.location)
                if target in seen:
                    raise FetchError(url, "redirect loop", " → ".join(seen + [target]))
                if len(seen) > self.policy.max_redirects:
                    raise FetchError(url, "too many redirects", f"more than {self.policy.max_redirects}")
                current = target
                continue
            fetched.redirects = seen
            if fetched.not_modified:
                return fetched
            if fetched.status >= 400:
                raise FetchError(current, f"http {fetched.status}")
            self._check_type(fetched, kind)
            if kind == "feed" and fetched.body.startswith(GZIP_MAGIC):
                fetched.body = self._gunzip(current, fetched.body)
            try:
                fetched.text, fetched.encoding = decode(fetched.body, fetched.content_type)
            except IngestError as exc:
                raise FetchError(current, "undecodable", str(exc)) from exc
            return fetched

    # -- robots.txt ----------------------------------------------------------------

    def allowed_by_robots(self, url: str, local: bool = False) -> bool:
        """Whether the host's robots.txt lets khabar fetch this URL (allowed when there is none)."""
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        cached = self._robots.get(origin)
        if cached is None or time.monotonic() - cached[0] > self.policy.robots_ttl:
            parser: RobotFileParser | None = None
            try:
                fetched = self.get(origin + "/robots.txt", kind="robots", local=local, check_robots=False)
                parser = RobotFileParser()
                parser.parse(fetched.text.splitlines())
            except FetchError as exc:
                log.debug("no usable robots.txt at %s (%s): allowed", origin, exc.reason)
            cached = self._robots[origin] = (time.monotonic(), parser)
        parser = cached[1]
        return parser is None or parser.can_fetch(self.policy.user_agent, url)

    # -- one request -------------------------------------------------------------------

    def _get_with_retries(self, url: str, etag: str | None, last_modified: str | None, local: bool = False) -> Fetched:
        """One URL, retried with backoff on connection errors, timeouts, 429 and 5xx."""
        attempt = 0
        while True:
            try:
                fetched = self._get_once(url, etag, last_modified, local)
                if fetched.status not in RETRY_STATUSES or attempt >= self.policy.retries:
                    return fetched
                log.info("%s answered %d; retrying", url, fetched.status)
            except FetchError as exc:
                if exc.reason not in ("timeout", "connection") or attempt >= self.policy.retries:
                    raise
                log.info("%s: %s; retrying", url, exc.reason)
            time.sleep(self.policy.backoff * 2**attempt)
            attempt += 1

    def _wait_for_host(self, host: str) -> None:
        """Keep ``delay`` seconds between the starts of requests to one host."""
        with self._lock:
            now = time.monotonic()
            start = max(now, self._host_next[host])
            self._host_next[host] = start + self.policy.delay
        if start > now:
            time.sleep(start - now)

    def _get_once(self, url: str, etag: str | None, last_modified: str | None, local: bool = False) -> Fetched:
        """One GET, its body read within the time and size limits; a redirect is returned, not followed.
        Only a ``local`` outlet's connections may reach a private address."""
        host = urlsplit(url).netloc
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        policy = self.policy
        with self._host_slots[host]:
            self._wait_for_host(host)
            deadline = time.monotonic() + policy.timeout
            try:
                client = self.local_client if local else self.client
                with client.stream("GET", url, headers=headers) as response:
                    if response.is_redirect:
                        return Fetched(url, response.status_code, location=response.headers.get("location", ""))
                    declared = response.headers.get("content-length")
                    if declared and declared.isdigit() and int(declared) > policy.max_bytes:
                        raise FetchError(url, "too large", f"Content-Length {declared} > {policy.max_bytes} bytes")
                    coding = response.headers.get("content-encoding", "").strip().lower()
                    if coding not in CONTENT_CODINGS:
                        raise FetchError(url, "content encoding", f"{coding[:40]!r} is not one khabar asked for (gzip, deflate)")
                    decoder = _Decompressor(coding)
                    body = bytearray()
                    for chunk in response.iter_raw():
                        body += decoder.feed(chunk, policy.max_bytes - len(body))
                        if len(body) > policy.max_bytes:
                            raise FetchError(url, "too large", f"more than {policy.max_bytes} bytes (decompressed)")
                        if time.monotonic() > deadline:
                            raise FetchError(url, "timeout", f"body not read within {policy.timeout:g} s")
                    return Fetched(
                        url=url,
                        status=response.status_code,
                        content_type=response.headers.get("content-type", ""),
                        etag=response.headers.get("etag"),
                        last_modified=response.headers.get("last-modified"),
                        body=bytes(body),
                    )
            except _PrivatePeer as exc:
                raise FetchError(
                    url, "private address",
                    f"{exc.host} answered from {exc.address}; configure the outlet with local = true to allow it",
                ) from exc  # fmt: skip
            except httpx.TimeoutException as exc:
                raise FetchError(url, "timeout", f"no answer within {policy.timeout:g} s") from exc
            except httpx.RemoteProtocolError as exc:
                raise FetchError(url, "truncated", str(exc)) from exc
            except (httpx.TransportError, zlib.error) as exc:
                reason = "bad compression" if isinstance(exc, zlib.error) else "connection"
                raise FetchError(url, reason, str(exc)) from exc

    def _gunzip(self, url: str, body: bytes) -> bytes:
        """A gzip file's content (a sitemap.xml.gz), within the size limit like any body."""
        decoder = _Decompressor("gzip")
        try:
            content = decoder.feed(body, self.policy.max_bytes)
        except zlib.error as exc:
            raise FetchError(url, "bad compression", str(exc)) from exc
        if len(content) > self.policy.max_bytes:
            raise FetchError(url, "too large", f"more than {self.policy.max_bytes} bytes (decompressed)")
        if not decoder.inner.eof:
            raise FetchError(url, "truncated", "the gzip file ends early")
        return content

    def _check_type(self, fetched: Fetched, kind: str) -> None:
        """Refuse a body whose Content-Type is not what was asked for (a PDF where a page was expected)."""
        declared = fetched.content_type.split(";", 1)[0].strip().lower()
        if kind == "robots" or not declared:
            return
        allowed = FEED_TYPES + PAGE_TYPES if kind == "feed" else PAGE_TYPES
        if not any(a in declared for a in allowed):
            raise FetchError(fetched.url, "content type", f"{declared} is not a {kind}")
