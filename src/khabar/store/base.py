"""The store interface that every backend (SQLite now, PostgreSQL next) implements."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime

from khabar.link.duplicates import Member
from khabar.model import Article, Entity, Tag
from khabar.search import Query, SearchFilters
from khabar.stats import CounterStats


@dataclass
class UpsertResult:
    """What one batch write did: new articles, changed ones, and ones already stored as they are."""

    stored: int = 0
    updated: int = 0
    unchanged: int = 0
    changed_ids: list[str] = field(default_factory=list)  # stored or updated
    new_ids: list[str] = field(default_factory=list)  # stored for the first time

    def add(self, other: "UpsertResult") -> None:
        """Accumulate another batch's counts into this one."""
        self.stored += other.stored
        self.updated += other.updated
        self.unchanged += other.unchanged


@dataclass
class Stats:
    """Counts of stored articles, in total, by outlet and by day of publication (UTC)."""

    articles: int
    by_outlet: dict[str, int]
    by_day: dict[str, int]

    def to_dict(self) -> dict:
        """The JSON shape of ``khabar stats --json``."""
        return {"articles": self.articles, "by_outlet": self.by_outlet, "by_day": self.by_day}


@dataclass
class StoryActivity:
    """How much coverage a story has: its articles, distinct outlets and latest publication."""

    story_id: str
    articles: int
    outlets: list[str]
    last_published: datetime | None


@dataclass(frozen=True)
class KeptRelated:
    """An article's related lists as :mod:`khabar.link.related` computed them, kept in the store:
    the read-also article and up to ``k`` similar ones, as (id, score)."""

    k: int
    read_also: tuple[str, float] | None
    similar: list[tuple[str, float]]
    version: int = 0  # of the computation (khabar.link.related.LISTS_VERSION); lists of another are stale


@dataclass
class SourceState:
    """What the fetcher knows of an outlet: when it last polled, succeeded and failed, and how often to poll."""

    name: str
    last_poll: datetime | None = None
    last_success: datetime | None = None
    last_error: str | None = None
    last_error_at: datetime | None = None
    items_seen: int = 0
    articles: int = 0
    interval: float | None = None  # seconds
    next_poll: datetime | None = None


class Store(ABC):
    """Where articles live. Writes are batched, and each batch is one transaction."""

    url: str
    dialect: str  # "sqlite" or "postgres": which migrations and SQL the store runs
    # Whether the search index keeps each text's word pairs (khabar.search.word_pairs) to filter quoted
    # phrases with: PostgreSQL does; SQLite's index is read in the process, where the check is cheap.
    keeps_word_pairs: bool = False

    @abstractmethod
    def upsert_articles(self, articles: Sequence[Article], *, search: bool = True) -> UpsertResult:
        """Insert new articles and update changed ones (and index them for search), in one transaction."""

    @abstractmethod
    def get_article(self, article_id: str) -> Article | None:
        """One article by id (with its tags), or None."""

    @abstractmethod
    def set_tags(self, tags: dict[str, list[Tag]]) -> None:
        """Replace the tags of stored articles, in one transaction."""

    @abstractmethod
    def get_tags(self, article_id: str) -> list[Tag]:
        """An article's tags, best first, each in its key's most used display form."""

    @abstractmethod
    def tag_display(self, key: str) -> str | None:
        """The most used display form of a tag key, or None."""

    @abstractmethod
    def tag_key_of(self, display: str) -> str | None:
        """The key of the tag shown as ``display`` (its most used key), or None."""

    @abstractmethod
    def articles_with_tag(self, key: str, limit: int = 50, offset: int = 0) -> list[Article]:
        """Articles tagged with a key, newest first."""

    @abstractmethod
    def count_tag(self, key: str) -> int:
        """How many articles carry a tag key."""

    @abstractmethod
    def set_entities(self, entities: Mapping[str, Sequence[Entity]], model: str) -> None:
        """Replace the named entities of stored articles (id → entities) as read by ``model``, in one
        transaction; record that they were read, with their text's version (ids not stored are passed over)."""

    @abstractmethod
    def get_entities(self, article_id: str) -> list[Entity]:
        """An article's named entities, most mentioned first."""

    @abstractmethod
    def entities_of(self, ids: Sequence[str]) -> dict[str, list[Entity]]:
        """The named entities of each of these articles (an empty list for one without)."""

    @abstractmethod
    def ids_to_read_for_entities(self, model: str, after: str = "", limit: int = 1000) -> list[str]:
        """Ids (in order, after ``after``) of articles that ``model`` has not read in their present text."""

    @abstractmethod
    def entity_name(self, key: str) -> tuple[str, str] | None:
        """The name most written for an entity key and its most given type, or None when no article names it."""

    @abstractmethod
    def articles_with_entity(self, key: str, limit: int = 50, offset: int = 0) -> list[Article]:
        """Articles that name an entity (by key), newest first."""

    @abstractmethod
    def count_entity(self, key: str) -> int:
        """How many articles name an entity (by key)."""

    @abstractmethod
    def add_term_stats(self, counts: Mapping[str, int], documents: int) -> None:
        """Add document frequencies (``counts``) of ``documents`` more documents."""

    @abstractmethod
    def corpus_documents(self) -> int:
        """How many documents the corpus statistics count."""

    @abstractmethod
    def tagger_stamp(self) -> str:
        """The stamp of the tagger that made the stored tags (see :func:`khabar.enrich.tags.tagger_stamp`)."""

    @abstractmethod
    def set_tagger_stamp(self, stamp: str) -> None:
        """Record that the stored tags were all made by the tagger with this stamp."""

    @abstractmethod
    def stored_ids(self, ids: Sequence[str]) -> set[str]:
        """Which of these ids are stored."""

    @abstractmethod
    def reset_term_stats(self) -> None:
        """Forget the corpus statistics."""

    @abstractmethod
    def load_term_stats(self) -> CounterStats:
        """The corpus statistics, in memory."""

    @abstractmethod
    def iter_articles(self, batch_size: int = 1000) -> Iterator[Article]:
        """Every stored article, in id order."""

    @abstractmethod
    def count(self) -> int:
        """How many articles are stored."""

    @abstractmethod
    def stats(self) -> Stats:
        """Counts by outlet and by day."""

    @abstractmethod
    def transaction(self) -> AbstractContextManager[None]:
        """One write transaction; writes inside it commit or roll back together."""

    @abstractmethod
    def signatures(self, ids: Sequence[str]) -> dict[str, bytes]:
        """The stored MinHash signature of each of these articles that has one."""

    @abstractmethod
    def put_fingerprints(
        self,
        fingerprints: Mapping[str, tuple[bytes, list[tuple[int, int]]]],
        replaced: Mapping[str, Sequence[tuple[int, int]]] | None = None,
    ) -> None:
        """Store (replace) MinHash signatures and LSH bands of articles; ``replaced`` gives the bands of the
        signatures being replaced, whose rows are deleted (bands left behind would only cost space: a
        candidate is always checked against its current signature)."""

    @abstractmethod
    def fingerprint_candidates(
        self, bands: Mapping[str, Sequence[tuple[int, int]]]
    ) -> dict[str, list[tuple[str, bytes, datetime | None]]]:
        """For each article id, the other articles sharing one of its LSH bands (``bands``: id → its
        (band, bucket) pairs), with their signatures and publication times."""

    @abstractmethod
    def put_fingerprints_and_find_candidates(
        self,
        fingerprints: Mapping[str, tuple[bytes, list[tuple[int, int]]]],
        replaced: Mapping[str, Sequence[tuple[int, int]]] | None = None,
    ) -> dict[str, list[tuple[str, bytes, datetime | None]]]:
        """:meth:`put_fingerprints`, then :meth:`fingerprint_candidates` of the same bands, in one
        transaction (what linking a batch does; a backend may send the bands to its server once for both)."""

    @abstractmethod
    def duplicate_groups(self, ids: Iterable[str]) -> dict[str, str]:
        """The duplicate group (canonical id) of each id that is in one."""

    @abstractmethod
    def group_members(self, group_ids: Iterable[str]) -> set[str]:
        """Every member of these duplicate groups."""

    @abstractmethod
    def members_info(self, ids: Iterable[str]) -> list[Member]:
        """What the canonical rule needs of each article."""

    @abstractmethod
    def set_duplicate_groups(self, assignment: Mapping[str, str]) -> None:
        """Put articles in duplicate groups (article id → canonical id)."""

    @abstractmethod
    def duplicates_of(self, article_id: str) -> list[Article]:
        """The article's duplicate group, canonical first (empty when it has none)."""

    @abstractmethod
    def put_term_vectors(
        self, vectors: Mapping[str, Mapping[str, float]], published: Mapping[str, datetime | None]
    ) -> None:
        """Store (replace) articles' term vectors, indexed with their publication times; forget the kept
        related lists these articles may now belong to."""

    @abstractmethod
    def term_vectors(self, ids: Sequence[str]) -> dict[str, dict[str, float]]:
        """Stored term vectors of these articles."""

    @abstractmethod
    def nearest_by_terms(
        self, vector: Mapping[str, float], limit: int, exclude: str, window: tuple[float, float] | None = None
    ) -> list[tuple[str, float]]:
        """Articles with the largest dot product with a term vector; with a ``window`` of epoch days,
        only those published inside it or undated."""

    @abstractmethod
    def link_generation(self) -> int:
        """A number that grows whenever kept related lists are forgotten (read it before computing one)."""

    @abstractmethod
    def kept_related(self, article_id: str) -> KeptRelated | None:
        """The related lists kept for an article, if they are still current."""

    @abstractmethod
    def forget_kept_related(self) -> None:
        """Forget every kept related list (they are computed again when asked for)."""

    @abstractmethod
    def keep_related(self, article_id: str, published: datetime | None, kept: KeptRelated, generation: int) -> bool:
        """Keep an article's related lists, computed when :meth:`link_generation` was ``generation``; keep
        nothing (and say False) if lists were forgotten since or the store is busy writing: never wait."""

    @abstractmethod
    def articles_by_ids(self, ids: Sequence[str], text_chars: int | None = None) -> dict[str, Article]:
        """Stored articles by id, without tags; with only the first ``text_chars`` characters of text when given."""

    @abstractmethod
    def tags_of(self, ids: Sequence[str]) -> dict[str, set[str]]:
        """Tag keys of these articles."""

    @abstractmethod
    def stories_of(self, ids: Sequence[str]) -> dict[str, str]:
        """The story of each of these articles that has one."""

    @abstractmethod
    def assign_stories(self, assignment: Mapping[str, str]) -> None:
        """Put articles in stories; an article already placed keeps its story."""

    @abstractmethod
    def recent_story_vectors(
        self, days: float, since: datetime | None = None
    ) -> list[tuple[str, datetime | None, str, dict[str, float]]]:
        """Placed articles published after ``since`` minus ``days``, with their term vectors."""

    @abstractmethod
    def story_articles(self, story_id: str) -> list[Article]:
        """A story's articles, oldest first."""

    @abstractmethod
    def latest_articles(self, limit: int, offset: int = 0, outlet: str | None = None) -> list[Article]:
        """Articles newest first (of one outlet when given), one page."""

    @abstractmethod
    def count_outlet(self, outlet: str) -> int:
        """How many articles an outlet has."""

    @abstractmethod
    def newest_published(self) -> datetime | None:
        """The publication time of the newest article (None for an empty store)."""

    @abstractmethod
    def active_stories(self, since: datetime) -> list[StoryActivity]:
        """Every story with an article published at or after ``since``, with its counts over all its articles."""

    # -- fetching state ---------------------------------------------------------------

    @abstractmethod
    def source_states(self) -> dict[str, SourceState]:
        """Every outlet's fetching state, by name."""

    @abstractmethod
    def save_source_state(self, state: SourceState) -> None:
        """Store (replace) an outlet's fetching state."""

    @abstractmethod
    def http_validators(self, url: str) -> tuple[str | None, str | None]:
        """The ETag and Last-Modified last seen for a URL (None, None when unknown)."""

    @abstractmethod
    def save_http_validators(self, url: str, etag: str | None, last_modified: str | None) -> None:
        """Remember a URL's validators for the next conditional GET."""

    @abstractmethod
    def feed_item_fingerprints(self, urls: Sequence[str]) -> dict[str, str]:
        """The fingerprint recorded for each of these item URLs that was handled before."""

    @abstractmethod
    def record_feed_items(self, items: Sequence[tuple[str, str, str, str | None]]) -> None:
        """Record handled items as (url, source, fingerprint, article id or None)."""

    @abstractmethod
    def search(
        self, query: Query, filters: SearchFilters, limit: int
    ) -> list[tuple[str, float, str | None, datetime | None]]:
        """Up to ``limit`` matches, best first: (id, relevance, duplicate group, published)."""

    def merge_pending_search_entries(self) -> None:
        """Move search entries that the index keeps aside for fast writing into the index proper, so that
        queries stop reading them one by one; the pipeline calls it when an ingest ends. A no-op where the
        index keeps none aside (SQLite's FTS5 merges its segments itself)."""

    @abstractmethod
    def schema_version(self) -> int:
        """The number of the last migration applied."""

    @abstractmethod
    def close(self) -> None:
        """Release the connection."""

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
