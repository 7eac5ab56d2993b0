"""Linking articles to each other: near-duplicates, related-article vectors and stories.

:class:`Linker` is the pipeline's last step: after each batch is stored it
indexes the new or changed articles' term vectors (for related articles),
joins near-duplicates into groups, and places the articles in stories.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from khabar.link.duplicates import link_duplicates
from khabar.link.stories import StoryLinker
from khabar.model import Article

if TYPE_CHECKING:
    from khabar.store import Store


class Linker:
    """Links batches of stored articles; one per ingest run (it keeps the story window)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.stories: StoryLinker | None = None

    def link(self, articles: Sequence[Article]) -> int:
        """Link articles just stored or changed; return how many near-duplicate pairs were found."""
        with_vectors = [a for a in articles if a.vector is not None]
        self.store.put_term_vectors({a.id: a.vector for a in with_vectors}, {a.id: a.published for a in with_vectors})
        pairs = link_duplicates(self.store, articles)
        if self.stories is None:  # the window starts at the first batch's earliest article
            dated = [a.published for a in articles if a.published is not None]
            self.stories = StoryLinker(self.store, since=min(dated) if dated else None)
        self.stories.place(articles)
        return pairs
