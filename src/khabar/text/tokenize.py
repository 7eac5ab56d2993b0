"""Split text into words: Arabic words, other-script words and numbers.

Written here rather than taken from a library: general tokenizers split Arabic
words at diacritics (combining marks are not word characters to ``\\w``), and
what khabar needs is one regular expression that keeps marks inside words and
drops them from the tokens it returns.
"""

from __future__ import annotations

import re

from khabar.text.normalize import strip_marks

MARKS = "\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0300-\u036f"
ARABIC_LETTERS = "\u0621-\u063a\u0641-\u064a\u066e-\u066f\u0671-\u06d3\u06d5\u06fa-\u06ff\u0750-\u077f\u08a0-\u08ff"

# Marks inside a number or a word of another script stay inside it too (and are then dropped), so
# that removing diacritics before or after tokenizing gives the same tokens (0َ0 is 00, école is one word).
TOKEN_PATTERN = re.compile(
    rf"\d[\d{MARKS}]*(?:[.,][{MARKS}]*\d[\d{MARKS}]*)*"  # a number, with decimal or thousands separators
    rf"|[{ARABIC_LETTERS}][{ARABIC_LETTERS}{MARKS}]*"  # an Arabic-script word, marks kept inside
    rf"|[^\W_\u0600-\u06ff](?:[^\W_\u0600-\u06ff]|[{MARKS}])*"  # a word of another script (Latin, letters and digits)
)


def tokenize(text: str) -> list[str]:
    """The words and numbers of ``text`` in order, with diacritics removed.

    Punctuation and symbols are dropped; letters are returned as they are (no
    case or alef folding: that is :func:`khabar.text.normalize.fold_match`).
    """
    return [strip_marks(t) if not t.isalnum() else t for t in TOKEN_PATTERN.findall(text)]
