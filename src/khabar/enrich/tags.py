"""Keyword tags (كلمات دلالية): the words and phrases an editor would put under an article.

The method follows KP-Miner (El-Beltagy and Rafea, 2009), an unsupervised
keyphrase extractor designed on Arabic text, with changes for news:

1. **Candidates** are runs of 1 to 4 words inside one clause (punctuation and
   line breaks end a clause) that contain no stopword, no number and no
   one-letter word, seen twice or more (a word in a short article: once),
   once at least in the text: the title alone makes no candidate, it boosts
   those the text holds. Each candidate's key is the sequence of its words'
   match-level stems (:func:`khabar.text.stem`), so ``التحالف الدولي``,
   ``للتحالف الدولي`` and ``التحالف الدولی`` are one candidate.
2. **Display form**: the most frequent surface form of the key, its first word
   stripped of a leading conjunction or preposition glued to the article
   (وال، بال، لل… → ال) — natural text, never stems.
3. **Score**: frequency × specificity × length boost × position, where
   specificity is the inverse document frequency from corpus statistics
   (the store's, or the batch's), phrases count their occurrences on their
   own (not inside a longer candidate), and the title counts extra.
4. **Selection**: the best k with no two sharing a key or a spelling (مصر and
   لمصر, "for Egypt", are one tag, preferably shown without the ل) and no sub-phrase of a
   chosen tag unless it also stands on its own in the text.

Written here rather than taken from a library: the keyphrase libraries on PyPI
are either GPL (YAKE) or English-centred (no Arabic clitics, no stemming of
phrase keys), and tags must share keys with search and linking.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache

from khabar.cache import ComputedCache
from khabar.model import Tag
from khabar.stats import CounterStats, TermStats
from khabar.text import display_form, match_key, stem, tokenize
from khabar.text.reading import ReadText, read_text, word_facts

MAX_WORDS = 4
MIN_PHRASE_COUNT = 2  # a phrase seen fewer times is a candidate only from the publisher's tags
DEFAULT_K = 10

# Words and phrases that are page furniture, never tags (compared on match keys).
BOILERPLATE = (
    "اقرأ أيضا", "إقرأ أيضاً", "اقرا ايضا", "كلمات دلالية", "كلمات مفتاحية", "مقالات مشابهة", "المصدر",
    "ملفات", "أخبار", "اخبار", "خبر", "الخبر", "رابط الخبر", "شارك", "تابعونا", "اضغط هنا", "للمزيد",
    "صحيفة", "جريدة", "وكالة الأنباء", "الصورة", "صورة", "فيديو", "بالصور", "بالفيديو", "عاجل",
)

# Words that announce a named entity (written for khabar, not taken from a gazetteer):
# a title before a person's name (الرئيس محمد شياع السوداني), and the head noun of an
# organisation (وزارة الخارجية العراقية) or a place (محافظة صلاح الدين). One word each: ولي العهد (crown
# prince) was once listed, and as two titles it made العهد ("the covenant") pass for a name after ولي.
PERSON_TITLES = (
    "الرئيس رئيس الوزير وزير الأمير أمير الملك الشيخ الدكتور د المهندس السيد السيدة الفنان الفنانة "
    "اللاعب المدرب النائب السفير المتحدث العميد اللواء العقيد الفريق المستشار القاضي الإمام الكاتب الشاعر "
    "المخرج الممثل الممثلة المطرب المطربة الزعيم المرشد البابا "
    "معالي سمو جلالة فخامة سعادة الأستاذ"  # forms of address: His Excellency, Highness, Majesty…
)
# The words that bind a name to the next (son of, daughter of, father of, family of, servant of): a
# phrase that ends with one is a name cut short (محمد بن، سلمان بن عبدالعزيز آل), and one alone is no tag.
NAME_PARTICLES = "بن بنت ابن ابنة أبو آل عبد"
ENTITY_HEADS = (
    "وزارة هيئة مجلس حركة تنظيم جامعة شركة منظمة بنك مصرف جمعية نادي منتخب حزب جبهة محكمة مؤسسة اتحاد "
    "صندوق وكالة جيش مدينة محافظة منطقة ولاية إمارة جزيرة مطار ميناء مستشفى مسجد مهرجان"
)

# Section words that publishers put before a tag ("أخبار العراق": news of Iraq; "ملفات": files).
_SECTION_WORDS = frozenset({"اخبار", "ملفات", "ملف", "تغطيه"})

# The conjunction/preposition prefixes glued to the article: the display form drops them.
_ARTICLE_PROCLITICS = ("وبال", "فبال", "وكال", "ولل", "فلل", "وال", "فال", "بال", "كال", "لل")


class Candidate:
    """A candidate phrase in one document: its key, size, counts, and where it first occurs."""

    __slots__ = ("key", "size", "count", "first", "in_title", "inside_longer", "nested", "entity")

    def __init__(self, key: str, count: int, first: int, in_title: bool, entity: bool = False) -> None:
        self.key = key
        self.size = key.count(" ") + 1
        self.count = count
        self.first = first
        self.in_title = in_title
        self.inside_longer = 0  # occurrences inside its most frequent longer candidate (see _count_nesting)
        self.nested = 0  # occurrences inside any longer candidate (see _count_nesting)
        self.entity = entity  # looks like a person, organisation or place name


def strip_article_proclitic(word: str) -> str:
    """``والتحالف`` → ``التحالف``, ``للعراق`` → ``العراق``: drop what is glued before the article."""
    if word[:1] in "وفبكل":
        for prefix in _ARTICLE_PROCLITICS:
            if word.startswith(prefix) and len(word) - len(prefix) >= 2:
                return "ال" + word[len(prefix) :]
    return word


def _phrase_stem(token: str) -> str | None:
    """A word's stem when a phrase may contain it; None for stopwords, numbers and single letters."""
    return word_facts(token).phrase_stem


def _coordinated(word: str) -> bool:
    """Whether a word starts a coordinated noun (والحكومة, وواشنطن): it ends the phrase before it."""
    return word.startswith(("وال", "وو", "وبال", "وكال", "ولل"))


@dataclass
class Document:
    """An article split into clauses: each clause's words, their phrase stems (None: cannot be in a
    phrase), and the positions where a coordinated word (والحكومة، وواشنطن) starts a new phrase."""

    clauses: list[tuple[list[str], list[str | None], frozenset[int]]]
    title_clauses: int


def read_document(title: str, text: str) -> Document:
    """Tokenize and stem an article's title and text, clause by clause."""
    return document_of(read_text(display_form(title)), read_text(display_form(text)))


# A clause of the text that is a clause of the headline, this long or longer, and at most one word more
# ("بالصور <headline>": "in pictures") is the headline repeated. Inside a longer sentence the same words
# are the text's own.
ECHO_MIN_WORDS = 3


def document_of(title: ReadText, text: ReadText) -> Document:
    """The :class:`Document` of a title and text already read (the pipeline reads each text once).

    The headline repeated in the text (a first line, or a footer with the story's link: "رابط الخبر
    بصحيفة الوئام: <headline>" ends 1,805 of one outlet's 2,090 articles in the dump) is the headline
    again, not the text's own use of its words: its words can be in no candidate (:func:`_blank_echoes`).
    """
    clauses = []
    echoes: list[list[str | None]] = []
    for index, read in enumerate((title, text)):
        for words, facts in zip(read.clauses, read.facts):
            stems = [f.phrase_stem for f in facts]
            if index == 0:
                if len(stems) >= ECHO_MIN_WORDS:
                    echoes.append(stems)
            elif echoes:
                _blank_echoes(stems, echoes)
            breaks = frozenset(i for i in range(1, len(words)) if words[i][0] == "و" and _coordinated(words[i]))
            clauses.append((words, stems, breaks))
    return Document(clauses, len(title.clauses))


def _blank_echoes(stems: list[str | None], echoes: list[list[str | None]]) -> None:
    """Set a text clause's stems to None where the clause is one of ``echoes`` (the headline's clauses),
    alone or with one word before or after it (see :data:`ECHO_MIN_WORDS`)."""
    for echo in echoes:
        extra = len(stems) - len(echo)
        if extra == 0 and stems == echo:
            stems[:] = [None] * len(stems)
        elif extra == 1 and (stems[1:] == echo or stems[:-1] == echo):
            stems[:] = [None] * len(stems)


def candidates(title: str, text: str, keep: frozenset[str] | set[str] = frozenset()) -> dict[str, Candidate]:
    """The candidate phrases of an article worth scoring, keyed by stem key (see :func:`count_phrases`)."""
    return _candidates(count_phrases(read_document(title, text), keep), keep)


@dataclass
class PhraseCounts:
    """Every n-gram of a document: how often, where first (in words), and how often in the title."""

    counts: dict[str, int]
    first: dict[str, int]
    title_counts: dict[str, int]  # key → occurrences in the title (only keys the title holds)
    entity_keys: set[str] = field(default_factory=set)

    def statistics_keys(self) -> frozenset[str]:
        """The keys this document adds to corpus statistics: every word, and the phrases it repeats or has in its title."""
        title = self.title_counts
        return frozenset(
            [key for key, count in self.counts.items() if count >= MIN_PHRASE_COUNT or key in title or " " not in key]
        )


def count_phrases(doc: Document, keep: Iterable[str] = ()) -> PhraseCounts:
    """Count the n-grams (up to ``MAX_WORDS`` words) of a read document that could matter.

    Those are every word, and each phrase whose shorter beginnings all pass: seen ``MIN_PHRASE_COUNT``
    times or more, in the title, or inside a phrase of ``keep`` (the publisher's tags). A phrase that
    passes has beginnings that pass too (seen twice, its first words are seen twice), so counting grows
    one word at a time from the n-grams that passed. Most n-grams of an article occur once, outside
    the title; counting every one of them took most of the tagger's time, for counts that no later
    step reads (candidates, statistics keys and names all ask for one of these conditions).
    """
    counts: dict[str, int] = {}
    first: dict[str, int] = {}
    title_counts: dict[str, int] = {}
    entity_keys: set[str] = set()
    inside_kept = _sub_phrases(keep)
    # Every word first; each occurrence as (clause, start, key, position of its first word in the document).
    grown: list[tuple[int, int, str, int]] = []
    position = 0
    for index, (_, stems, _) in enumerate(doc.clauses):
        in_title = index < doc.title_clauses
        previous = None
        for start, key in enumerate(stems):
            if key is not None:
                seen = counts.get(key)
                if seen is None:
                    counts[key] = 1
                    first[key] = position + start
                else:
                    counts[key] = seen + 1
                if in_title:
                    title_counts[key] = title_counts.get(key, 0) + 1
                if previous in _TITLE_STEMS:
                    entity_keys.add(key)
                grown.append((index, start, key, position + start))
            previous = key
        position += len(stems)
    # Then phrases one word longer than those that passed.
    for size in range(2, MAX_WORDS + 1):
        passed = [g for g in grown if counts[g[2]] >= MIN_PHRASE_COUNT or g[2] in title_counts or g[2] in inside_kept]
        grown = []
        for index, start, key, at in passed:
            _, stems, breaks = doc.clauses[index]
            end = start + size - 1
            if end >= len(stems):
                continue
            nxt = stems[end]
            if nxt is None or end in breaks:
                continue
            key = key + " " + nxt
            seen = counts.get(key)
            if seen is None:
                counts[key] = 1
                first[key] = at
            else:
                counts[key] = seen + 1
            if index < doc.title_clauses:
                title_counts[key] = title_counts.get(key, 0) + 1
            if (start > 0 and stems[start - 1] in _TITLE_STEMS) or stems[start] in _HEAD_STEMS:
                entity_keys.add(key)
            grown.append((index, start, key, at))
    return PhraseCounts(counts, first, title_counts, entity_keys)


def _sub_phrases(keys: Iterable[str]) -> set[str]:
    """Every run of consecutive words of each key (``a b c``: a, b, c, a b, b c, a b c)."""
    runs: set[str] = set()
    for key in keys:
        words = key.split(" ")
        for start in range(len(words)):
            for end in range(start + 1, len(words) + 1):
                runs.add(" ".join(words[start:end]))
    return runs


def _candidates(
    phrases: PhraseCounts, keep: frozenset[str] | set[str] = frozenset(), min_count: int = MIN_PHRASE_COUNT
) -> dict[str, Candidate]:
    """The n-grams worth scoring: those in ``keep`` (the publisher's), and those the text holds, single
    words seen ``min_count`` times or more and phrases ``MIN_PHRASE_COUNT`` times or more (the title's
    occurrences count, and boost the score).

    What the title alone holds is no candidate. Cut from a headline, a phrase is a piece of a sentence
    more often than a subject ("رونالدو يهدي وكيل", "الإسلامي تدين", "وفاة الفنان"): such pieces were 14%
    of the dump's tags, in 25,292 of its 30,676 articles (docs/benchmarks.md), and without them a
    headline's verbs came in as words of their own (يترقب، تزيح). Single words seen once, the title's
    among them, are scored only when ``min_count`` is 1 (short articles).
    """
    title_counts = phrases.title_counts
    found = {
        key: Candidate(key, count, phrases.first[key], key in title_counts, key in phrases.entity_keys)
        for key, count in phrases.counts.items()
        if (
            key in keep
            or (count >= min_count if " " not in key else count >= MIN_PHRASE_COUNT)
            and (min_count == 1 and " " not in key or count > title_counts.get(key, 0))
        )
        and not _titled_name(key, phrases.entity_keys)
    }
    _count_nesting(found)
    return found


def _titled_name(key: str, entity_keys: set[str]) -> bool:
    """A title followed by a name (الرئيس محمد الحسن): the name alone is the tag."""
    head, _, rest = key.partition(" ")
    return bool(rest) and head in _TITLE_STEMS and rest in entity_keys


def surface_forms(doc: Document, keys: Iterable[str]) -> dict[str, Counter[str]]:
    """How each key is written in the document, the first word stripped of article proclitics."""
    wanted: dict[str, list[list[str]]] = {}
    for key in keys:
        parts = key.split(" ")
        wanted.setdefault(parts[0], []).append(parts)
    forms: dict[str, Counter[str]] = {key: Counter() for key in keys}
    for words, stems, _ in doc.clauses:
        for start, first_stem in enumerate(stems):
            if first_stem not in wanted:
                continue
            for parts in wanted[first_stem]:
                if stems[start : start + len(parts)] == parts:
                    span = words[start : start + len(parts)]
                    forms[" ".join(parts)][" ".join([strip_article_proclitic(span[0]), *span[1:]])] += 1
    return forms


def _count_nesting(found: dict[str, Candidate]) -> None:
    """For each candidate, how many of its occurrences sit inside a longer candidate seen twice or more.

    ``inside_longer``, for scoring: those inside its most frequent longer candidate. ``nested``, for
    selection (does it stand on its own?): those inside any, counted from the candidates one word
    longer, each occurrence in each (at most its own count). With the most frequent alone, a word
    inside two phrases (الله in حزب الله and نصر الله, ولي in ولي العهد and ولي ولي) stood on its own:
    "نصر الله | حزب الله | الله". Occurrences inside two overlapping phrases (the middle word of a
    repeated "a b c") are counted twice, so a word is then less likely to stand alone than it does.
    """
    for candidate in found.values():
        if candidate.size < 2 or candidate.count < 2:
            continue
        stems = candidate.key.split(" ")
        for size in range(1, candidate.size):
            for start in range(candidate.size - size + 1):
                inner = found.get(" ".join(stems[start : start + size]))
                if inner is not None:
                    inner.inside_longer = max(inner.inside_longer, candidate.count)
                    if size == candidate.size - 1:
                        inner.nested = min(inner.count, inner.nested + candidate.count)


_TITLE_STEMS = frozenset(filter(None, (_phrase_stem(w) for w in PERSON_TITLES.split())))
_HEAD_STEMS = frozenset(filter(None, (_phrase_stem(w) for w in ENTITY_HEADS.split())))
_PARTICLE_STEMS = frozenset(filter(None, (_phrase_stem(w) for w in NAME_PARTICLES.split())))
_BOILERPLATE_KEYS = frozenset(" ".join(stem(t) for t in tokenize(display_form(p))) for p in BOILERPLATE)


def _display(forms: Counter[str]) -> str:
    """The most frequent surface form, ties to the shortest (the one with fewest clitics)."""
    return min(forms.items(), key=lambda item: (-item[1], len(item[0]), item[0]))[0]


@dataclass(frozen=True)
class Weights:
    """The extractor's constants, in one place (set on the dev half of AKEC, see bench/tags_quality.py)."""

    title: float = 2.0  # extra occurrences an appearance in the title is worth
    tf_power: float = 0.6  # frequency is raised to this power (below 1: sublinear)
    length_power: float = 0.5  # a phrase of n words is boosted by n ** length_power
    position_scale: float = 50.0  # words after which the first-position bonus has halved
    default_idf: float = 1.0  # specificity when there are no statistics
    entity: float = 1.5  # boost of a candidate that looks like a name (after a title, or with an entity head noun)


WEIGHTS = Weights()


def _idf(key: str, size: int, stats: TermStats | None, weights: Weights) -> float:
    """Specificity of a key: its inverse document frequency (an unseen phrase: its rarest word's)."""
    if stats is None or stats.documents < 2:
        return weights.default_idf
    idf = stats.idf()
    if size > 1 and stats.df(key) == 0:  # an unseen phrase is as specific as its rarest word
        return max(idf[s] for s in key.split(" "))
    return idf[key]


def score_candidates(
    found: dict[str, Candidate],
    stats: TermStats | None,
    weights: Weights = WEIGHTS,
    boost: frozenset[str] | set[str] = frozenset(),
) -> list[tuple[float, Candidate]]:
    """Score every admissible candidate, best first; keys in ``boost`` count as title appearances."""
    scored = []
    for candidate in found.values():
        key = candidate.key
        if key in _BOILERPLATE_KEYS:
            continue
        if candidate.size == 1:
            if key in _PARTICLE_STEMS or (key in _TITLE_STEMS and key not in boost):
                continue  # a name particle alone, or a bare title (الوزير، اللاعب): a role, not a subject
        elif key[key.rfind(" ") + 1 :] in _PARTICLE_STEMS:
            continue  # a name cut short after بن, آل, عبد…
        in_title = candidate.in_title or candidate.key in boost
        # A phrase the publisher chose counts all its occurrences, even inside a longer one.
        own = candidate.count if candidate.key in boost else candidate.count - candidate.inside_longer
        if own <= 0 and not in_title:
            continue
        frequency = max(own, 1) ** weights.tf_power + (weights.title if in_title else 0)
        position = 1 + 1 / (1 + candidate.first / weights.position_scale)
        length = candidate.size**weights.length_power * (weights.entity if candidate.entity else 1.0)
        scored.append((frequency * _idf(candidate.key, candidate.size, stats, weights) * length * position, candidate))
    scored.sort(key=lambda item: (-item[0], item[1].key))
    return scored


def variant_key(key: str) -> str:
    """What two spellings of one phrase share: the key without what is glued before its first word.

    The stemmer leaves ``ل`` (li-, "for") on a word, since it also begins many words (لبنان، لجنة), so
    ``لخيال الظل`` and ``خيال الظل`` have two keys; and it keeps the article with what is glued before it
    (بالكلية، للسجون، والخط), which tags show without (:func:`strip_article_proclitic`), so two keys could
    show as one tag twice (الكلية | الكلية). Inside one article, two candidates with one variant key are
    one phrase, and only one becomes a tag. Nothing else compares these keys: search and linking keep
    ``لبنان`` apart from ``بنان``.
    """
    first, space, rest = key.partition(" ")
    bare = strip_article_proclitic(first)
    if bare != first:
        return bare + space + rest
    return key[1:] if key.startswith("ل") and len(key) > 3 and key[1] != " " else key


def select(scored: Sequence[tuple[float, Candidate]], k: int, doc: Document) -> list[Tag]:
    """The best ``k`` tags: one spelling of each phrase (:func:`variant_key`: مصر or لمصر), no
    sub-phrase of a chosen tag unless it stands on its own, and no two shown alike (equal but for
    spaces: عبد الرحمن and عبدالرحمن, whose stems differ)."""
    passed_over: set[str] = set()
    while True:
        chosen = _choose(scored, k, passed_over)
        forms = surface_forms(doc, [c.key for _, c in chosen])
        tags: list[Tag] = []
        shown: set[str] = set()
        repeated = False
        for score, candidate in chosen:
            if forms[candidate.key]:
                display = _display(forms[candidate.key])
                squeezed = display.replace(" ", "")
                if squeezed in shown:
                    passed_over.add(candidate.key)  # the better-scored one keeps its place
                    repeated = True
                else:
                    shown.add(squeezed)
                    tags.append(Tag(display=display, key=candidate.key, score=round(score, 4)))
        if not repeated:
            return tags  # otherwise choose again, leaving out what was shown twice: the next candidates fill in


MAX_CACHED_VARIANTS = 1 << 17
# Key → variant_key(key): selection asks it of every candidate it looks at, and keys recur article after article.
_VARIANTS: ComputedCache[str, str] = ComputedCache(variant_key, MAX_CACHED_VARIANTS)


def _straddles(a: list[str], b: list[str]) -> bool:
    """Whether two keys (their words) are overlapping windows on one run of words: the end of one is the
    start of the other, two words or more, neither inside the other (the keys of "ولي العهد يهنئ سلطان"
    and "العهد يهنئ سلطان عمان", both cut from one title). So both have three words or more. A single
    shared word is not enough: محمد بن سلمان and سلمان بن عبدالعزيز are two names."""
    for first, second in ((a, b), (b, a)):
        for size in range(2, min(len(first), len(second))):
            if first[-size:] == second[:size]:
                return True
    return False


def _choose(scored: Sequence[tuple[float, Candidate]], k: int, passed_over: set[str]) -> list[tuple[float, Candidate]]:
    """:func:`select`'s choice of candidates, before their display forms, leaving out ``passed_over``."""
    chosen: list[tuple[float, Candidate]] = []
    spaced: list[str] = []  # each chosen key between spaces: a key inside another is then a substring
    variants: dict[str, int] = {}  # variant key → position in chosen
    long_words: dict[int, list[str]] = {}  # position in chosen → words of a key of three or more (_straddles)
    for score, candidate in scored:
        if len(chosen) >= k:
            break
        if candidate.key in passed_over:
            continue
        variant = _VARIANTS[candidate.key]
        if variant in variants:
            # The tag keeps its place; its spelling becomes the bare one (توتنهام, not لتوتنهام).
            at = variants[variant]
            if chosen[at][1].key != variant and candidate.key == variant:
                chosen[at], spaced[at] = (chosen[at][0], candidate), f" {candidate.key} "
                if at in long_words:
                    long_words[at] = candidate.key.split(" ")
            continue
        key = f" {candidate.key} "
        overlapping = [c for (_, c), other in zip(chosen, spaced) if key in other or other in key]
        stands_alone = candidate.count - candidate.nested >= MIN_PHRASE_COUNT
        if overlapping and not (stands_alone and all(c.count - c.nested >= MIN_PHRASE_COUNT for c in overlapping)):
            continue
        if candidate.size >= 3:
            words = candidate.key.split(" ")
            if any(_straddles(words, other) for other in long_words.values()):
                continue
            long_words[len(chosen)] = words
        variants[variant] = len(chosen)
        chosen.append((score, candidate))
        spaced.append(key)
    return chosen


@dataclass(frozen=True)
class Analysis:
    """What tagging learns from one article: its tags, and the keys it adds to corpus statistics."""

    tags: list[Tag]
    keys: frozenset[str]


def phrase_key(phrase: str) -> str | None:
    """The key a phrase would have as a candidate, or None when it could not be one (a stopword inside)."""
    stems = [_phrase_stem(t) for t in tokenize(display_form(phrase))]
    if not stems or any(s is None for s in stems):
        return None
    return " ".join(stems)  # type: ignore[arg-type]


def clean_publisher_tags(tags: Sequence[str], outlet: str = "") -> list[str]:
    """A publisher's own keywords, cleaned: one per match key, no boilerplate, no bare number, not the outlet's name."""
    cleaned: list[str] = []
    seen: set[str] = {match_key(outlet)} if outlet else set()
    for tag in tags:
        words: list[str] = []
        for word in display_form(tag).split():
            if words and match_key(word) == match_key(words[-1]):
                continue  # "ملفات ملفات ملفات" → "ملفات"
            words.append(word)
        while words and match_key(words[0]) in _SECTION_WORDS:
            words.pop(0)  # "أخبار العراق" → "العراق"
        shown = " ".join(words)
        key = match_key(shown)
        if not key or key in seen or key.replace(" ", "").isdigit() or phrase_key(shown) in _BOILERPLATE_KEYS:
            continue
        seen.add(key)
        cleaned.append(shown)
    return cleaned


def analyse(
    title: str,
    text: str,
    stats: TermStats | None = None,
    k: int = DEFAULT_K,
    publisher_tags: Sequence[str] = (),
    weights: Weights = WEIGHTS,
    document: Document | None = None,
) -> Analysis:
    """Tags and statistics keys of one article, from a single pass over its candidates.

    The statistics keys are every single word and each phrase the article
    repeats or has in its title: document frequencies of those are what
    :class:`TermStats` hold. ``document`` is the article already read, when
    the caller has it (see :func:`document_of`).
    """
    doc = read_document(title, text) if document is None else document
    boost = {key for key in map(phrase_key, publisher_tags) if key} if k else set()
    phrases = count_phrases(doc, boost)
    if not k:
        return Analysis([], phrases.statistics_keys())
    found = _candidates(phrases, boost)
    tags = select(score_candidates(found, stats, weights, boost), k, doc)
    if len(tags) < k:  # a short article: let single words seen once compete too
        found = _candidates(phrases, boost, min_count=1)
        tags = select(score_candidates(found, stats, weights, boost), k, doc)
    return Analysis(tags, phrases.statistics_keys())


def extract_tags(
    title: str,
    text: str,
    stats: TermStats | None = None,
    k: int = DEFAULT_K,
    publisher_tags: Sequence[str] = (),
    weights: Weights = WEIGHTS,
) -> list[Tag]:
    """The ``k`` best keyword tags of an article, best first.

    ``stats`` gives corpus document frequencies (see :class:`TermStats`);
    without them the article is scored on its own. ``publisher_tags`` (the
    source's own keywords) count as appearances in the title.
    """
    return analyse(title, text, stats, k, publisher_tags, weights).tags


def batch_stats(documents: Iterable[tuple[str, str]]) -> CounterStats:
    """Statistics of a batch of (title, text) documents, for tagging a batch with no store."""
    stats = CounterStats()
    for title, text in documents:
        stats.add(analyse(title, text, None, 0).keys)
    return stats


# Bump when the tagger's rules change in a way the probe below may not show. A store keeps the stamp of
# the tagger that made its tags, and `khabar ingest` says when they are older (`khabar retag` remakes them).
TAGGER_FORMAT = 1
# An article that exercises the rules: a headline whose phrases the text does not use, the headline
# repeated as a footer, a title before a name, a name particle, a word inside two phrases, stopwords
# ("Hezbollah's secretary-general Hassan Nasrallah said the party receives support from Iran…").
_TAGGER_PROBE = (
    "نصر الله يؤكد تلقي دعم مالي كاف من إيران",
    "قال الأمين العام لحزب الله حسن نصر الله إن حزب الله يتلقى دعما من إيران. وأضاف نصر الله أن حزب الله "
    "لن يتراجع، وأن الرئيس محمد بن سلمان التقى الرئيس محمد بن سلمان. وما زالت المفاوضات متعثرة، "
    "وباتت المفاوضات صعبة. وقالت وزارة الخارجية الإيرانية إن وزارة الخارجية الإيرانية ترحب.\n"
    "رابط الخبر: نصر الله يؤكد تلقي دعم مالي كاف من إيران",
)


@cache
def tagger_stamp() -> str:
    """A fingerprint of the tagger: its format and the tags it gives a probe article.

    Tags made by two versions of the tagger differ; a store keeps the stamp its tags were made under
    (:meth:`khabar.store.Store.tagger_stamp`), so that khabar can say when to run ``khabar retag``.
    """
    keys = "|".join(tag.key for tag in extract_tags(*_TAGGER_PROBE))
    return f"{TAGGER_FORMAT}:{hashlib.sha256(keys.encode()).hexdigest()[:16]}"
