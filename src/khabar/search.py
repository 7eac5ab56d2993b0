"""Arabic full-text search that matches across spellings and word forms.

Documents and queries go through the same path: display form, stopwords out,
stems folded to the match level (:func:`khabar.text.terms`). So هجرة, الهجره,
والهجرة and الهِجرة find each other, as do Persian-letter spellings. The index
is SQLite FTS5, in the store's own file, written in the same transaction as
the article:

- ``title`` and ``body`` hold stems, ranked with BM25 (title matches weigh
  ``TITLE_WEIGHT`` times more) and a recency boost;
- quoted phrases match exactly, on the match key (folded, unstemmed,
  stopwords kept): the index finds the documents with the phrase's stems (in
  that order on SQLite; on PostgreSQL, whose entries also keep
  :func:`word_pairs`, a small filter of each text's consecutive words,
  stopwords too, those with all of the phrase's pairs), and :func:`has_phrase`
  keeps those whose title or text has its very words (the index once held the
  match key too, which made it 2.5 times larger and slower to write;
  docs/benchmarks.md);
- results carry a snippet of the display text with the matched words marked,
  and a story's duplicates collapse to one result.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import cache, lru_cache
from itertools import combinations, islice, product
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from khabar.dates import UTC
from khabar.errors import ConfigError
from khabar.model import Article

if TYPE_CHECKING:
    from khabar.store import Store
from khabar.text import display_form, match_key, stem, terms, tokenize
from khabar.text.normalize import fold_token, key_of_tokens, spellings_of
from khabar.text.reading import read_text, word_hash
from khabar.text.stem import conjunction_variant
from khabar.text.tokenize import ARABIC_LETTERS, MARKS, TOKEN_PATTERN

TITLE_WEIGHT = 3.0
RECENCY_HALF_LIFE_DAYS = 30.0
RECENCY_SHARE = 0.2  # at most this much of a score comes from recency
_QUOTED = re.compile(r'"([^"]+)"|«([^»]+)»')


class SearchFields(NamedTuple):
    """What the search index holds for an article."""

    title: str  # the title's stems, in order, space-separated
    body: str  # the text's stems
    word_pairs: bytes | None = None  # :func:`word_pairs` of the title and the text, for a store that keeps them


# A quoted phrase's stems leave out its stopwords, so «أكبر من قيمته» ("more than its value") can ask
# the index only for قيمة, which 3,371 of the dump's articles hold, and each was read to look for the
# phrase. A Bloom filter of each text's consecutive word pairs (of match folds, stopwords kept) tells
# most of those apart without reading them: the phrase's pairs must all be set. At 4,096 bits (512
# bytes an article) and one bit a pair, 56 of those 3,371 passed, at 2,048 bits 174; with two bits a
# pair, 2.2% of articles pass a two-word phrase they lack, against 6.2% with one (docs/benchmarks.md).
WORD_PAIR_BITS = 4096
_PAIR_SHIFT = np.uint64(64 - 12)  # the top 12 bits of a 64-bit hash pick one of 4,096
_PAIR_MULTIPLIERS = (  # a pair's bits: one hash of it for each row (odd multipliers, fixed forever)
    (np.uint64(0x9E3779B97F4A7C15), np.uint64(0xC2B2AE3D27D4EB4F)),
    (np.uint64(0xD6E8FEB86659FD93), np.uint64(0xFF51AFD7ED558CCD)),
)


def word_pairs(*word_hashes: np.ndarray) -> bytes:
    """A ``WORD_PAIR_BITS``-bit Bloom filter of the consecutive word pairs of one or more texts, each
    given as its words' :func:`khabar.text.reading.word_hash` in order (uint64 arrays).

    A pair sets one bit for each row of ``_PAIR_MULTIPLIERS``: the top bits of ``a·h1 + b·h2 mod 2^64``
    (multiply-shift hashing). Bits are packed first bit highest, as PostgreSQL reads a ``bit`` string
    in hexadecimal.
    """
    bits = np.zeros(WORD_PAIR_BITS, dtype=bool)
    for hashes in word_hashes:
        if len(hashes) > 1:
            first_words, second_words = hashes[:-1], hashes[1:]
            for first, second in _PAIR_MULTIPLIERS:
                bits[(first_words * first + second_words * second) >> _PAIR_SHIFT] = True
    return np.packbits(bits).tobytes()


def phrase_pairs(phrase: str) -> bytes | None:
    """The :func:`word_pairs` a text's filter must have all of to hold ``phrase`` (a match key), or
    None for a phrase of one word (no pair to ask for)."""
    words = phrase.split()
    if len(words) < 2:
        return None
    return word_pairs(np.fromiter(map(word_hash, words), dtype=np.uint64, count=len(words)))


def index_fields(
    article: Article,
    title_terms: list[str] | None = None,
    text_terms: list[str] | None = None,
    pairs: bytes | None = None,
    with_pairs: bool = False,
) -> SearchFields:
    """What the search index holds for an article: its title's stems and its text's, in order, and
    with ``with_pairs`` (for a store that keeps them, :attr:`khabar.store.Store.keeps_word_pairs`)
    the :func:`word_pairs` of both.

    The pipeline passes what it has already computed for the article; the rest is read here.
    """
    wanted_pairs = with_pairs and pairs is None
    if title_terms is None or text_terms is None or wanted_pairs:
        title, text = read_text(article.title), read_text(article.text)
        title_terms = title.terms() if title_terms is None else title_terms
        text_terms = text.terms() if text_terms is None else text_terms
        if wanted_pairs:
            pairs = word_pairs(title.word_hashes(), text.word_hashes())
    return SearchFields(" ".join(title_terms), " ".join(text_terms), pairs)


# Bump when what index_fields writes changes in a way the probe below may not show. A store whose
# index was written under another analyzer stamp rebuilds it when opened (khabar.store.sql).
SEARCH_INDEX_FORMAT = 3  # 2: the match key column is gone (phrases are checked on the text); 3: no term past 64 letters
# Text that exercises each step of the analyzer: hamza forms, ى/ي, ة/ه, Persian letters, diacritics,
# tatweel, clitics, Eastern digits, stopwords (those of one exact spelling too: على "on", not علي
# "Ali", alone and after و), punctuation ("The Foreign Minister announced in Riyadh…").
_ANALYZER_PROBE = (
    "أعلن وزيرُ الخارجيّة السعودي في الرياض، يوم الأحد ٢٠١٥/٧/٢١، أن المملكة ستستضيف مؤتمراً "
    "للدول المانحة؛ وقالت مصادر إن الاجتماعات والمشاورات ستبدأ بالقاهرة وبيروت. "
    "الدولی فی ايران وإيران وآيات ومسؤولون ومسئولين للمستشفيات كورونا ـــ هجرة الهجره والهجرة. "
    "على علي وعلى وعلي."
)


@cache
def analyzer_stamp(with_pairs: bool = False) -> str:
    """A fingerprint of the text analyzer that fills the search index (format and output on a probe),
    for an index that keeps word pairs (:func:`word_pairs`) or not.

    Queries are analyzed by the code that runs them; documents by the code that indexed them. When the two
    differ, matches go missing, and on SQLite replacing an entry (which names the words it held) would
    corrupt the index. So a store keeps the stamp its index was built under and rebuilds on a change.
    """
    probe = Article(id="probe", outlet="probe", title=_ANALYZER_PROBE[:60], text=_ANALYZER_PROBE)
    title, body, pairs = index_fields(probe.normalized(), with_pairs=with_pairs)
    fields = "\x1f".join((title, body, pairs.hex()) if pairs is not None else (title, body))
    return f"{SEARCH_INDEX_FORMAT}:{hashlib.sha256(fields.encode()).hexdigest()[:16]}"


@dataclass(frozen=True)
class Query:
    """A parsed query: stems to rank by, exact phrases (match keys) that must appear, and the query's
    words, each as its alternative stems (a word and its spelling variant).

    ``phrase_words`` are the words of each phrase that has any besides stopwords, as alternative
    stems like ``words``: the index finds the documents holding them in that order (stopwords are
    not indexed, in documents or phrases), and :func:`has_phrase` then checks the exact words.

    With ``all_words``, a document must have every word (one of its
    alternatives each); otherwise any stem will do (see
    :func:`candidate_groups` for long queries on PostgreSQL).
    """

    stems: list[str]
    phrases: list[str]
    words: list[tuple[str, ...]] = field(default_factory=list)
    all_words: bool = False
    phrase_words: list[list[tuple[str, ...]]] = field(default_factory=list)

    def fts(self) -> str:
        """The FTS5 MATCH expression: any of the stems, or every word (and every phrase)."""
        parts = []
        if self.all_words and self.words:
            parts.append(_every_word(self.words))
        elif self.stems:
            parts.append("{title body} : (" + " OR ".join(f'"{s}"' for s in self.stems) + ")")
        parts.extend(_in_order(words) for words in self.phrase_words)
        return " AND ".join(parts)


def _every_word(words: list[tuple[str, ...]]) -> str:
    """An FTS5 expression for documents with every word (one of its alternative stems each)."""
    return "{title body} : (" + " AND ".join("(" + " OR ".join(f'"{s}"' for s in word) + ")" for word in words) + ")"


MAX_PHRASE_SPELLINGS = 16  # FTS5 phrases hold no alternatives: one phrase per spelling, up to this many


def _in_order(words: list[tuple[str, ...]]) -> str:
    """An FTS5 expression for documents with these words one after the other in the title or the body:
    a phrase for each choice of alternatives, or every word in any order when there are too many."""
    spellings = list(islice(product(*words), MAX_PHRASE_SPELLINGS + 1))
    if len(spellings) > MAX_PHRASE_SPELLINGS:
        return _every_word(words)
    return "{title body} : (" + " OR ".join('"' + " ".join(stems) + '"' for stems in spellings) + ")"


TWO_OF_FROM = 4  # on PostgreSQL, queries with this many stems or more select documents sharing two
COMMON_SHARE = 0.02  # on PostgreSQL, a stem in more than this share of documents ranks but does not select,
COMMON_MIN_DOCUMENTS = 100  # ... if it is in more documents than this (ranking fewer costs little)
ALL_WORDS_UP_TO = 3  # queries of 2 to this many words look first for documents with all of them
MIN_ALL_WORDS_MATCHES = 10  # ... and fall back to any word when fewer documents than this have them all


def candidate_groups(
    words: Sequence[tuple[str, ...]],
    frequencies: Mapping[str, int] | None = None,
    documents: int = 0,
    fill_pool: bool = True,
) -> list[tuple[tuple[str, ...], ...]]:
    """The word groups a matching document must contain one of: each word alone, or for a query of
    ``TWO_OF_FROM`` words or more, each pair of words. A word is the tuple of its alternative stems (its
    spelling and conjunction variants, :class:`Query`), any of which will do. Ranking still uses every
    stem of the query.

    Used on PostgreSQL, whose ``ts_rank`` reads every candidate's vector: a
    whole headline shares one word with thousands of documents. There, with no
    IDF in the rank, a document sharing one stem of a long query never reached
    the first page, and quality was unchanged (benchmarks.md). FTS5's BM25 does
    rank a rare shared stem high, and the same cut cost it recall, so SQLite
    keeps every stem.

    Given each stem's document frequency (``frequencies``, out of
    ``documents``; a word's is the sum of its alternatives'), common words (in
    more than ``COMMON_SHARE`` of documents and more than
    ``COMMON_MIN_DOCUMENTS``) select nothing, as in Lucene's CommonTermsQuery:
    the query's rarer words choose the candidates and every stem ranks them.
    But the rarer words must be able to fill the ``POOL`` of matches that is
    ranked: while their documents are fewer, the next rarest word selects too
    (unless ``fill_pool`` is false: a quoted phrase selects as well). Without
    that, a headline whose one rare stem was a verb, تنهي, selected the one
    document that had it and none of the articles on its story. Words no
    document has select nothing either. A query whose words no document has
    keeps them all.
    """
    unique = list(dict.fromkeys(words))
    if frequencies is not None and documents:
        found = {word: sum(frequencies.get(s, 0) for s in word) for word in unique}
        cutoff = max(COMMON_SHARE * documents, COMMON_MIN_DOCUMENTS)
        present = sorted((w for w in unique if found[w] > 0), key=lambda w: (found[w], w))
        selecting = [w for w in present if found[w] <= cutoff]
        selected = sum(found[w] for w in selecting)  # at most this many documents
        for word in present[len(selecting) :]:  # the common ones, rarest first
            if not fill_pool or selected >= POOL:
                break
            selecting.append(word)
            selected += found[word]
        unique = [w for w in unique if w in selecting] or unique  # in the query's order
    if len(unique) < TWO_OF_FROM:
        return [(w,) for w in unique]
    return list(combinations(unique, 2))


def _teh_marbuta_variant(word: str) -> str | None:
    """A query word ending in ه written as if it ended in ة (الهجره → الهجرة): a common misspelling
    that stemming cannot undo, since Snowball reads a final ه as a pronoun."""
    return word[:-1] + "ة" if len(word) > 3 and word.endswith("ه") else None


def _query_words(text: str, unique: bool = True) -> list[tuple[str, ...]]:
    """The stems of each word of a query, with as alternatives its teh marbuta variant's stem and, for a
    word whose first و or ف may be a conjunction or part of it, the other reading's stem
    (:func:`khabar.text.stem.conjunction_variant`); each word once, or with ``unique=False`` every word
    in order (for a phrase, whose exact words are checked on the text)."""
    if not unique:
        return [word for chunk in display_form(text).split() for word in _query_words(chunk)]
    words: dict[str, tuple[str, ...]] = {}
    for word in display_form(text).split():
        variant = _teh_marbuta_variant(word)
        kept = [(found[0], token) for token in tokenize(word) if (found := terms(token))]  # (stem, token); no stopwords
        variant_stems = terms(variant) if variant else []
        if len(variant_stems) != len(kept):  # the variant only changes a last letter; never happens
            variant_stems = []
        for n, (stem_, token) in enumerate(kept):  # a word may hold several tokens (ب/الهجره); each has its variants
            alternatives = tuple(dict.fromkeys(s for s in (stem_, *variant_stems[n : n + 1], conjunction_variant(token)) if s))
            words.setdefault(alternatives[0], alternatives)
    return list(words.values())


def parse_query(text: str) -> Query:
    """Split a query into exact phrases (in quotes or «guillemets») and the rest, normalized like documents."""
    quoted = [q for q in (a or b for a, b in _QUOTED.findall(text)) if match_key(q)]
    words = _query_words(_QUOTED.sub(" ", text))
    # A phrase's words are stemmed as written, with their variants, like the other words: its match key
    # has ة folded to ه, which the stemmer reads as a pronoun.
    phrase_words = [found for found in (_query_words(q, unique=False) for q in quoted) if found]
    stems = list(dict.fromkeys(s for word in [*words, *(w for p in phrase_words for w in p)] for s in word))
    if not stems:  # a phrase of stopwords alone ("من خلال") would have to be looked for in every text
        raise ConfigError(f"the query {text!r} has no searchable word (only stopwords or punctuation)")
    return Query(stems, [match_key(q) for q in quoted], words, phrase_words=phrase_words)


_ARABIC_OR_DIGITS = re.compile(r"[\u0600-\u06ff0-9 .,]*")
# What may stand between two words of a text: anything no token holds (TOKEN_PATTERN), that is
# non-word characters, the underscore and the few word characters of the Arabic block no token starts with.
_BETWEEN_WORDS = "[\\W_" + "".join(
    re.escape(c) for c in map(chr, range(0x600, 0x700)) if c.isalnum() and not TOKEN_PATTERN.match(c)
) + "]*"


_MARKS_SET = frozenset(re.findall(f"[{MARKS}]", "".join(map(chr, range(0x300, 0x900)))))
_ARABIC_LETTERS_SET = frozenset(re.findall(f"[{ARABIC_LETTERS}]", "".join(map(chr, range(0x600, 0x900)))))


@lru_cache(maxsize=256)
def _phrase_finder(phrase: str) -> re.Pattern[str] | None:
    """A pattern that finds, in display text, every place where the words of a phrase (a match key)
    may be: each letter as any spelling that folds to it, diacritics allowed after it, words apart.

    It finds a superset (a match may start inside a word); :func:`has_phrase` checks each place.
    None for a phrase with other letters than Arabic ones, whose case folding may make one letter of
    two (ß and ss): those are checked on the whole text's key.
    """
    if not _ARABIC_OR_DIGITS.fullmatch(phrase):
        return None
    marks = f"[{MARKS}]*"
    words = ["".join(f"[{re.escape(spellings_of(c))}]{marks}" for c in word) for word in phrase.split()]
    return re.compile(_BETWEEN_WORDS.join(words))


def has_phrase(text: str, phrase: str) -> bool:
    """Whether display-form ``text`` holds the words of ``phrase`` (a match key) one after the other,
    as its match key would: the exact check behind quoted phrases.

    Folding a whole text is slow (0.25 ms for a 2,400-character article), so a pattern finds the
    places where the phrase may be, and only the words around each are folded and compared.
    """
    wanted = phrase.split()
    finder = _phrase_finder(phrase)
    if finder is None:
        return f" {phrase} " in f" {key_of_tokens(tokenize(text))} "
    position = 0
    while found := finder.search(text, position):
        start, end = found.start(), found.end()
        position = start + 1
        before = start - 1
        while before >= 0 and text[before] in _MARKS_SET:
            before -= 1
        if before >= 0 and text[before] in _ARABIC_LETTERS_SET:  # inside a word (ماء in سماء): not there
            continue
        while start and not text[start - 1].isspace():  # whole words: tokens never hold a space
            start -= 1
        while end < len(text) and not text[end].isspace():
            end += 1
        words = [fold_token(t) for t in tokenize(text[start:end])]
        if any(words[n : n + len(wanted)] == wanted for n in range(len(words) - len(wanted) + 1)):
            return True
    return False


@dataclass
class SearchFilters:
    """Optional restrictions of a search."""

    outlet: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    tag_key: str | None = None


@dataclass(frozen=True)
class Hit:
    """One search result."""

    article: Article
    score: float
    snippet: str
    duplicates: int = 0  # copies collapsed into this result


@dataclass
class SearchResults:
    """A page of results and how many matched in all."""

    query: str
    total: int
    hits: list[Hit] = field(default_factory=list)


def snippet(text: str, query: Query, width: int = 30) -> str:
    """About ``width`` words of the text around the first match, matched words in [brackets]."""
    words = text.split()
    wanted = set(query.stems)
    first = None
    for n, word in enumerate(words):
        if any(stem(t) in wanted for t in tokenize(word)):
            first = n
            break
    start = max(0, (first or 0) - width // 3)
    window = [f"[{w}]" if any(stem(t) in wanted for t in tokenize(w)) else w for w in words[start : start + width]]
    return ("… " if start else "") + " ".join(window) + (" …" if start + width < len(words) else "")


def recency(published: datetime | None, now: datetime | None = None) -> float:
    """1 for now, halving every ``RECENCY_HALF_LIFE_DAYS``; 0 when unknown."""
    if published is None:
        return 0.0
    now = now or datetime.now(UTC)
    return 0.5 ** (max((now - published).total_seconds(), 0) / 86400 / RECENCY_HALF_LIFE_DAYS)


POOL = 300  # matches ranked before collapsing duplicates and paging


MAX_PHRASE_CANDIDATES = 8 * POOL  # candidates checked for a quoted phrase at most (see _matches)


def _matches(store: "Store", query: Query, filters: SearchFilters, read: dict[str, Article]) -> list:
    """The store's best ``POOL`` matches of a query, less those that lack one of its exact phrases (in
    the title or in the text: the index looks for the stems of a phrase within one field). The
    articles read to check phrases are added to ``read``, so that the page does not read them again.

    The index knows only a phrase's stems: stopwords are not indexed, so for «قيمتها في أسبوع» ("its
    value in a week", أسبوع being a stopword) it can only ask for قيمة. So up to
    ``MAX_PHRASE_CANDIDATES`` are asked for (ranking them costs the index about what ranking ``POOL``
    does), and checked best first, ``POOL`` at a time, until ``POOL`` have the phrase.
    """
    if not query.phrases:
        return store.search(query, filters, POOL)
    candidates = store.search(query, filters, MAX_PHRASE_CANDIDATES)
    kept: list = []
    for start in range(0, len(candidates), POOL):
        chunk = candidates[start : start + POOL]
        articles = store.articles_by_ids([match[0] for match in chunk])
        read.update(articles)
        kept += [
            match for match in chunk
            if (article := articles.get(match[0]))
            and all(has_phrase(article.title, p) or has_phrase(article.text, p) for p in query.phrases)
        ]
        if len(kept) >= POOL:
            break
    return kept[:POOL]


def search(
    store: "Store",
    text: str,
    filters: SearchFilters | None = None,
    sort: str = "relevance",
    limit: int = 10,
    offset: int = 0,
) -> SearchResults:
    """Search the store: BM25 with a title boost and recency, duplicates collapsed, newest first with ``sort='date'``."""
    if sort not in ("relevance", "date"):
        raise ConfigError(f"sort must be 'relevance' or 'date', not {sort!r}")
    query = parse_query(text)
    filters = filters or SearchFilters()
    matches: list = []
    read: dict[str, Article] = {}  # articles already read (to check phrases)
    if 2 <= len(query.words) <= ALL_WORDS_UP_TO:  # a short query: its words together, when enough have them
        matches = _matches(store, replace(query, all_words=True), filters, read)
    if len(matches) < MIN_ALL_WORDS_MATCHES:
        matches = _matches(store, query, filters, read)
    newest = max((published for _, _, _, published in matches if published), default=None)
    top = max((r for _, r, _, _ in matches), default=1.0) or 1.0
    best: dict[str, list] = {}  # duplicate group → [score, id, published, copies]
    for article_id, relevance, group, published in matches:
        score = (relevance / top) * (1 - RECENCY_SHARE + RECENCY_SHARE * recency(published, newest))
        key = group or article_id
        if key not in best:
            best[key] = [score, article_id, published, 0]
            continue
        kept = best[key]
        kept[3] += 1
        if score > kept[0]:
            kept[:3] = [score, article_id, published]
    ranked = sorted(best.values(), key=lambda item: (-item[0], item[1]))
    if sort == "date":
        ranked.sort(key=lambda item: item[2] or datetime.min.replace(tzinfo=UTC), reverse=True)
    page = ranked[offset : offset + limit]
    articles = {i: read[i] for _, i, _, _ in page if i in read}
    articles.update(store.articles_by_ids([i for _, i, _, _ in page if i not in read]))
    hits = [
        Hit(articles[i], round(s, 4), snippet(articles[i].title + " — " + articles[i].text, query), copies)
        for s, i, _, copies in page
        if i in articles
    ]
    return SearchResults(text, len(ranked), hits)
