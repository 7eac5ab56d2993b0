"""Arabic normalization: one folding table, two levels.

``display_form`` is for text shown to people. It removes what is invisible or
wrong (presentation forms, zero-width and direction marks, tatweel, Persian and
Urdu look-alike letters, Eastern digits, stray spacing around Arabic
punctuation) and keeps what a reader expects to see: diacritics, hamza forms,
alef maqsura (ى) and ta marbuta (ة).

``match_key`` is for comparing and indexing. It starts from the display form
and folds further (diacritics, alef forms, ى→ي, ة→ه, Latin case), then keeps
only the words, one space apart. Two spellings of the same phrase, such as
``التحالف الدولی فی العراق`` (Persian ی) and ``التحالف الدولي في العراق``, get
the same key.

Where ى→ي and ة→ه happen relative to stemming is a measured decision (see
``bench/stem_fold_order.py`` and docs/text.md). The Snowball Arabic stemmer
strips ة as a feminine suffix but treats a final ه as a pronoun, so folding
ة→ه *before* stemming breaks it (الدولية → دول, but الدوليه → دوليه): ة→ه
is folded on the stem, after stemming. ى→ي goes the other way: Snowball
stems مستشفى and مستشفي apart unless ى is folded first, so ى→ي (with the
alef forms) is folded before stemming. The ``before_stem`` column of the
table says which rows run before the stemmer.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import Enum
from functools import lru_cache


class Level(Enum):
    """Which normal form a fold belongs to; DISPLAY folds apply to both."""

    DISPLAY = "display"
    MATCH = "match"


@dataclass(frozen=True)
class Fold:
    """One row of the folding table: these characters become ``to``.

    ``before_stem`` marks MATCH rows that are applied to a word before it is
    stemmed; the other MATCH rows are applied to the stem.
    """

    what: str
    chars: str
    to: str
    level: Level
    before_stem: bool = False


def _span(first: int, last: int) -> str:
    """The characters from code point ``first`` to ``last`` inclusive."""
    return "".join(chr(c) for c in range(first, last + 1))


# The one folding table. NFKC runs before it (presentation forms such as ﻻ and
# ﷲ become letters), and again after it where the table made a composable pair.
FOLDING_TABLE: tuple[Fold, ...] = (
    Fold("tatweel (kashida)", "\u0640", "", Level.DISPLAY),
    Fold(
        "zero-width and direction marks: ZWSP, ZWNJ, ZWJ, LRM, RLM, embeddings, "
        "isolates, Arabic letter mark, BOM, soft hyphen",
        "\u200b\u200c\u200d\u200e\u200f" + _span(0x202A, 0x202E) + _span(0x2066, 0x2069) + "\u061c\ufeff\u00ad",
        "",
        Level.DISPLAY,
    ),
    # SaudiNewsNet has U+001A (SUB) where paragraphs were joined (92 of 31,030 articles): a control
    # character is no text, and XML 1.0 (the Atom feeds) cannot even carry one.
    Fold("control characters (C0 but tab, line feed, carriage return; DEL; C1) → space",
         _span(0x00, 0x08) + "\x0b\x0c" + _span(0x0E, 0x1F) + _span(0x7F, 0x9F), " ", Level.DISPLAY),
    Fold("noncharacters (U+FDD0–U+FDEF, U+FFFE, U+FFFF)", _span(0xFDD0, 0xFDEF) + "\ufffe\uffff", "", Level.DISPLAY),
    Fold("Quranic annotation marks", _span(0x0610, 0x061A) + _span(0x06D6, 0x06DC) + _span(0x06DF, 0x06E8) + _span(0x06EA, 0x06ED), "", Level.DISPLAY),
    Fold("Persian and Urdu yeh (ی ې ۍ ێ) → Arabic yeh", "\u06cc\u06d0\u06cd\u06ce", "\u064a", Level.DISPLAY),
    Fold("Persian keheh and swash kaf (ک ڪ) → Arabic kaf", "\u06a9\u06aa", "\u0643", Level.DISPLAY),
    Fold("heh forms (ۀ ە ھ ہ ۂ) → Arabic heh", "\u06c0\u06d5\u06be\u06c1\u06c2", "\u0647", Level.DISPLAY),
    Fold("Urdu/Farsi teh marbuta goal (ۃ) → teh marbuta", "\u06c3", "\u0629", Level.DISPLAY),
    Fold("Arabic decimal separator (٫) → point", "\u066b", ".", Level.DISPLAY),
    Fold("Arabic thousands separator (٬) → comma", "\u066c", ",", Level.DISPLAY),
    Fold("Arabic percent sign (٪) → %", "\u066a", "%", Level.DISPLAY),
    Fold("diacritics: harakat, tanwin, shadda, sukun, hamza marks (U+064B–U+065F)", _span(0x064B, 0x065F), "", Level.MATCH, True),
    Fold("superscript (dagger) alef", "\u0670", "", Level.MATCH, True),
    Fold("alef forms (أ إ آ ٱ) → bare alef", "\u0623\u0625\u0622\u0671", "\u0627", Level.MATCH, True),
    Fold("alef maqsura (ى) → yeh", "\u0649", "\u064a", Level.MATCH, True),
    Fold("teh marbuta (ة) → heh", "\u0629", "\u0647", Level.MATCH),
)

# Digits are a family of rows; they are added to the translation tables below.
_DIGITS = {**{0x0660 + i: str(i) for i in range(10)}, **{0x06F0 + i: str(i) for i in range(10)}}


def _translation(levels: set[Level], before_stem_only: bool = False) -> dict[int, str]:
    """Build a ``str.translate`` table from the rows of the given levels."""
    table: dict[int, str] = {}
    for row in FOLDING_TABLE:
        if row.level in levels and (row.before_stem or not before_stem_only):
            for ch in row.chars:
                table[ord(ch)] = row.to
    if Level.DISPLAY in levels:
        table.update(_DIGITS)
    return table


_DISPLAY_TABLE = _translation({Level.DISPLAY})
_MATCH_ONLY_TABLE = _translation({Level.MATCH})
_BEFORE_STEM_TABLE = _translation({Level.MATCH}, before_stem_only=True)


def _finder(table: dict[int, str]) -> re.Pattern[str]:
    """A pattern that finds any character a table changes (searching is far cheaper than translating)."""
    return re.compile("[" + "".join(re.escape(chr(c)) for c in sorted(table)) + "]")


_DISPLAY_FINDER = _finder(_DISPLAY_TABLE)
_DISPLAY_RUN = re.compile(_DISPLAY_FINDER.pattern + "+")

# Arabic punctuation: no space before, one space after when a word follows.
_SPACE_BEFORE_PUNCT = re.compile(r"[ \t]+(?=[،؛؟])")
_NO_SPACE_AFTER_PUNCT = re.compile(r"([،؛؟])(?=\w)")
_BLANK_LINES = re.compile(r"\n\s*\n\s*")
_ALL_MARKS = re.compile(r"[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0300-\u036f]")
# The Arabic letters (hamza to yeh, alef wasla to yeh barree) a word must start with to count as Arabic.
ARABIC_LETTER_RANGES = (("\u0621", "\u064a"), ("\u0671", "\u06d3"))


def _nfkc(text: str) -> str:
    """NFKC, skipped when the text is already in that form (the common case).

    A no-break space is the one character that most often makes a web text not NFKC (596 of 3,000
    SaudiNewsNet articles, against 24 for the next one); NFKC makes it a space, so it is replaced first
    and the text checked again, instead of normalizing the whole text for it.
    """
    if "\xa0" in text:
        text = text.replace("\xa0", " ")
    if unicodedata.is_normalized("NFKC", text):
        return text
    return unicodedata.normalize("NFKC", text)


def _fold_display(text: str) -> str:
    """Apply the DISPLAY rows to the runs of characters they change, not to the whole text.

    ``str.translate`` with a table looks up every character of the text (150 µs for an article); the
    few characters it changes (a tatweel or two, a direction mark) are found by a regular expression,
    which is far faster, and only they are translated.
    """
    return _DISPLAY_RUN.sub(lambda run: run.group().translate(_DISPLAY_TABLE), text)


def display_form(text: str) -> str:
    """Normalize text for showing to people.

    Folds presentation forms, invisible marks, tatweel, Persian and Urdu
    letters and Eastern digits; spaces Arabic punctuation; collapses spaces
    within lines and keeps paragraphs (blank-line separated) apart. Keeps
    diacritics, hamza forms, ى and ة. Idempotent; never raises on a ``str``.
    """
    text = _nfkc(text)
    if _DISPLAY_FINDER.search(text):
        text = _nfkc(_fold_display(text))
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if " ،" in text or " ؛" in text or " ؟" in text or "\t" in text:  # skip the regex in the common case
        text = _SPACE_BEFORE_PUNCT.sub("", text)
    text = _NO_SPACE_AFTER_PUNCT.sub(r"\1 ", text)
    lines = [" ".join(line.split()) for line in text.split("\n")]  # any run of spaces → one space
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def fold_match(text: str) -> str:
    """Apply only the MATCH-level rows and Latin case folding to display text.

    Used on stems and single tokens that are already in display form; for whole
    texts use :func:`match_key`.
    """
    # Marks go before case folding, which would turn one (U+0345) into a letter: tokens, which never
    # hold marks, then fold as the whole text does.
    return strip_marks(text.translate(_MATCH_ONLY_TABLE)).casefold()


def fold_before_stem(token: str) -> str:
    """Apply the MATCH rows marked ``before_stem`` (alef forms, ى→ي, marks) to one word."""
    return token.translate(_BEFORE_STEM_TABLE)


def spellings_of(char: str) -> str:
    """The characters a display-form text may hold where its match key holds ``char``: the character
    itself and those the MATCH rows fold into it (أ إ آ ٱ for ا, ى for ي, ة for ه). Case aside."""
    return char + "".join(chr(c) for c, to in sorted(_MATCH_ONLY_TABLE.items()) if to == char)


def strip_marks(text: str) -> str:
    """Remove diacritics and combining marks, Arabic and Latin, nothing else."""
    return _ALL_MARKS.sub("", text)


def match_key(text: str) -> str:
    """The key two texts share when they say the same words, however spelled.

    Display normalization, then only the words (see
    :func:`khabar.text.tokenize.tokenize`), each with the MATCH-level folds,
    joined by single spaces.
    """
    from khabar.text.tokenize import tokenize  # tokenize imports this module

    return key_of_tokens(tokenize(display_form(text)))


@lru_cache(maxsize=1 << 18)  # asked of every word of every text; the vocabulary repeats (Zipf)
def fold_token(token: str) -> str:
    """:func:`fold_match` of one token, cached, without the combining mark that case folding can add
    (İ → i̇), so that İstanbul stays one word."""
    return strip_marks(fold_match(token))


def key_of_tokens(tokens: list[str]) -> str:
    """The match key of a display-form text from its tokens (the pipeline tokenizes a text once)."""
    return " ".join([fold_token(t) for t in tokens])


def _is_arabic_letter(char: str) -> bool:
    """Whether a character is in :data:`ARABIC_LETTER_RANGES`."""
    for low, high in ARABIC_LETTER_RANGES:
        if low <= char <= high:
            return True
    return False


def guess_language(text: str) -> str:
    """``"ar"`` when most words of the text are Arabic, ``"und"`` for no words, else ``"other"``.

    A script count, not a language model: enough to tell Arabic articles from
    the rest in a news dump. Of the first 60 words (in the first 1,000
    characters), those that start with a letter count, and the Arabic ones
    among them decide.
    """
    # A letter is what the pattern [^\W\d_] matches (alphanumeric, not a decimal digit), tested on
    # each word's first character: a regular expression a word cost 2% of an ingest's workers.
    firsts = [word[0] for word in text[:1000].split()[:60]]
    letters = [c for c in firsts if c.isalnum() and not c.isdecimal()]
    if not letters:
        return "und"
    arabic = sum(map(_is_arabic_letter, letters))
    return "ar" if arabic * 2 >= len(letters) else "other"
