"""Read-side views of stored data, shared by the CLI and the web API."""

from __future__ import annotations

from khabar.dates import isoformat_utc
from khabar.errors import NotFound
from khabar.store import Store
from khabar.text import match_key, terms


def describe_article(store: Store, article_id: str) -> dict:
    """One article as a dict, with the normalized forms of its title and text.

    Raises :class:`NotFound` when the id is not stored.
    """
    article = store.get_article(article_id)
    if article is None:
        raise NotFound(f"no article with id {article_id!r}; `khabar export` lists the stored ids")
    return article.to_record() | {
        "normalized": {
            "title_match_key": match_key(article.title),
            "title_terms": terms(article.title),
            "text_match_key": match_key(article.text),
            "text_terms": terms(article.text),
        },
        "published": isoformat_utc(article.published),
    }
