"""URL canonicalization, so that one article is stored once whatever link led to it."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from w3lib.url import canonicalize_url

# Query parameters that track a click and never change the page.
TRACKING_PARAMETERS = frozenset(
    {
        "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "igshid", "mc_cid", "mc_eid",
        "_ga", "_gl", "ocid", "cmpid", "ref", "ref_src", "ref_url", "at_medium", "at_campaign", "at_custom1",
        "at_custom2", "at_custom3", "at_custom4", "xtor", "__twitter_impression", "amp",
    }
)
_DEFAULT_PORTS = {"http": 80, "https": 443}

# The longest address khabar keeps (canonical, so percent-encoded ASCII), as sitemaps allow. Addresses are
# keys of the store's indexes, and PostgreSQL's B-tree keeps an entry of at most 2,704 bytes: one of 9,000
# characters failed the whole batch that held it.
MAX_URL_CHARS = 2048


def canonical_url(url: str) -> str:
    """The canonical form of an absolute http(s) URL.

    w3lib does the standard part (percent-encoding, query order, fragment,
    host case); khabar adds the removal of tracking parameters (``utm_*`` and
    the ones in :data:`TRACKING_PARAMETERS`), of a default port and of an
    empty path's ambiguity. A URL that cannot be parsed is returned stripped.
    """
    url = url.strip()
    try:
        parts = urlsplit(url)
        if parts.scheme.lower() not in _DEFAULT_PORTS or not parts.hostname:
            return url
        query = [
            (k, v)
            for k, v in parse_qsl(parts.query, keep_blank_values=True)
            if not k.lower().startswith("utm_") and k.lower() not in TRACKING_PARAMETERS
        ]
        netloc = parts.hostname.lower()
        if parts.port and parts.port != _DEFAULT_PORTS[parts.scheme.lower()]:
            netloc = f"{netloc}:{parts.port}"
        rebuilt = urlunsplit((parts.scheme.lower(), netloc, parts.path or "/", urlencode(query), ""))
        return canonicalize_url(rebuilt)
    except ValueError:
        return url
