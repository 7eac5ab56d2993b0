"""The store interface that every backend (SQLite now, PostgreSQL next) implements."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from khabar.model import Article


@dataclass
class UpsertResult:
    """What one batch write did: new articles, changed ones, and ones already stored as they are."""

    stored: int = 0
    updated: int = 0
    unchanged: int = 0
    changed_ids: list[str] = field(default_factory=list)

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


class Store(ABC):
    """Where articles live. Writes are batched, and each batch is one transaction."""

    url: str

    @abstractmethod
    def upsert_articles(self, articles: Sequence[Article]) -> UpsertResult:
        """Insert new articles and update changed ones, in one transaction."""

    @abstractmethod
    def get_article(self, article_id: str) -> Article | None:
        """One article by id, or None."""

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
    def schema_version(self) -> int:
        """The number of the last migration applied."""

    @abstractmethod
    def close(self) -> None:
        """Release the connection."""

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
