"""The data model: one article, whatever it came from."""

from __future__ import annotations

import hashlib
import html
import operator
from dataclasses import dataclass, field, fields, replace
from datetime import datetime

from khabar.dates import UTC, isoformat_utc
from khabar.text import display_form, guess_language, match_key
from khabar.urls import canonical_url


def _digest(*parts: str | None) -> str:
    """A short, stable hex digest of the given strings."""
    h = hashlib.blake2b(digest_size=10)
    for part in parts:
        h.update((part or "").encode("utf-8", "surrogatepass"))
        h.update(b"\x1f")
    return h.hexdigest()


def decode_entities(text: str | None) -> str:
    """Decode HTML character references (``&#8220;``, ``&quot;``) that sources leave in plain-text fields.

    Applied once, when an article is created from a source; the web layer
    escapes on output, so a decoded ``<`` is shown, never run.
    """
    if not text:
        return text or ""
    return html.unescape(text) if "&" in text else text


def article_id(url: str | None, outlet: str, title: str, text: str) -> str:
    """A stable id: from the URL (already canonical) when there is one, else from the content.

    The content form uses match keys, so the same text spelled with Persian
    letters or diacritics gets the same id.
    """
    if url:
        return "u" + _digest(url)
    return "c" + _digest(match_key(outlet), match_key(title), match_key(text))


@dataclass(frozen=True, slots=True)
class Tag:
    """One keyword tag: the text shown, the key it is compared on (its words' stems), and its score."""

    display: str
    key: str
    score: float

    def __reduce__(self) -> tuple:
        """Pickle as a constructor call: worker processes send every article's tags to the main one,
        and the dataclass default looks up the fields anew for each tag."""
        return (Tag, (self.display, self.key, self.score))


@dataclass(frozen=True, slots=True)
class Entity:
    """One name an article gives (khabar.enrich.entities): its spelling written most there, its type
    (PERS, LOC, ORG or MISC), how many times it is mentioned, and its match key, which unites spellings."""

    name: str
    kind: str
    mentions: int
    key: str

    def as_dict(self) -> dict:
        """The entity as JSON-ready data."""
        return {"name": self.name, "kind": self.kind, "mentions": self.mentions, "key": self.key}


@dataclass(slots=True)
class Article:
    """A news article as khabar stores it. Text fields are in display form after :meth:`normalized`."""

    id: str
    outlet: str
    title: str
    text: str
    url: str | None = None
    published: datetime | None = None
    published_raw: str | None = None
    fetched: datetime | None = None
    author: str | None = None
    language: str = "ar"
    publisher_tags: list[str] = field(default_factory=list)
    tags: list[Tag] | None = None  # khabar's own keyword tags; None when not computed
    fingerprint: bytes | None = None  # MinHash signature of the body, for near-duplicates (not exported)
    vector: dict[str, float] | None = None  # weighted stems, for related articles (not exported)
    search_fields: tuple[str, str, bytes] | None = None  # what the search index holds, a khabar.search.SearchFields (not exported)

    @classmethod
    def create(
        cls,
        *,
        outlet: str,
        title: str,
        text: str,
        url: str | None = None,
        id: str | None = None,
        published: datetime | None = None,
        published_raw: str | None = None,
        fetched: datetime | None = None,
        author: str | None = None,
        language: str | None = None,
        publisher_tags: list[str] | None = None,
    ) -> "Article":
        """Build a normalized article, deriving its id and language when not given."""
        article = cls(
            id=id or "",
            outlet=decode_entities(outlet),
            title=decode_entities(title),
            text=decode_entities(text),
            url=canonical_url(url) if url else None,
            published=published,
            published_raw=published_raw,
            fetched=fetched or datetime.now(UTC),
            author=decode_entities(author) or None,
            language=language or "",
            publisher_tags=[decode_entities(t) for t in publisher_tags or []],
        ).normalized()
        if not article.id:
            article.id = article_id(article.url, article.outlet, article.title, article.text)
        if not article.language:
            article.language = guess_language(article.title + " " + article.text[:1000])  # it reads no further
        return article

    def normalized(self) -> "Article":
        """A copy whose text fields are in display form (see :func:`khabar.text.display_form`)."""
        tags: list[str] = []
        seen: set[str] = set()
        for tag in self.publisher_tags:
            shown = display_form(tag)
            key = match_key(shown)
            if key and key not in seen:
                seen.add(key)
                tags.append(shown)
        return replace(
            self,
            outlet=display_form(self.outlet).strip(),
            title=display_form(self.title),
            text=display_form(self.text),
            author=display_form(self.author) if self.author else None,
            publisher_tags=tags,
        )

    @property
    def content_hash(self) -> str:
        """A digest of everything a source can change; an update is a change of this."""
        return _digest(
            self.url or "",
            self.outlet,
            self.title,
            self.text,
            self.author or "",
            isoformat_utc(self.published) or "",
            self.published_raw or "",
            self.language,
            "\x1e".join(self.publisher_tags),
        )

    # Workers send each prepared article (about 18 KB, mostly text) to the main process. The dataclass
    # default pickling calls fields() for every article; with one precomputed getter, pickling took 32
    # µs an article instead of 64, and unpickling 49 instead of 61 (a scratch timing, docs/benchmarks.md).
    def __getstate__(self) -> tuple:
        """The field values, in declaration order (for pickling)."""
        return _ARTICLE_STATE(self)

    def __setstate__(self, state: tuple) -> None:
        """Restore the field values :meth:`__getstate__` gave."""
        for name, value in zip(_ARTICLE_FIELDS, state):
            setattr(self, name, value)

    def to_record(self) -> dict:
        """The article in khabar's generic dump layout (see the README)."""
        return {
            "id": self.id,
            "url": self.url,
            "outlet": self.outlet,
            "title": self.title,
            "text": self.text,
            "published": isoformat_utc(self.published),
            "published_raw": self.published_raw,
            "fetched": isoformat_utc(self.fetched),
            "author": self.author,
            "language": self.language,
            "tags": self.publisher_tags,
        }


_ARTICLE_FIELDS = tuple(f.name for f in fields(Article))
_ARTICLE_STATE = operator.attrgetter(*_ARTICLE_FIELDS)
