"""The Arabic text core: normalization, tokenization, stemming and stopwords.

Everything that compares, indexes or shows Arabic text goes through here, so
that the same word is the same everywhere in khabar.
"""

from khabar.text.normalize import (
    display_form,
    fold_match,
    guess_language,
    key_of_tokens,
    match_key,
    strip_marks,
)
from khabar.text.stem import stem, terms, terms_of_tokens
from khabar.text.stopwords import STOPWORDS, is_stopword
from khabar.text.tokenize import tokenize

__all__ = [
    "display_form",
    "match_key",
    "key_of_tokens",
    "fold_match",
    "strip_marks",
    "guess_language",
    "tokenize",
    "stem",
    "terms",
    "terms_of_tokens",
    "STOPWORDS",
    "is_stopword",
]
