"""Tokenization of Arabic, Latin and numbers."""

from hypothesis import given, strategies as st

from khabar.text import tokenize


def test_arabic_words_keep_their_letters_and_lose_their_marks():
    assert tokenize("قَالَ الرَّئِيسُ، ثُمَّ مَضَى.") == ["قال", "الرئيس", "ثم", "مضى"]


def test_mixed_scripts_and_numbers():
    assert tokenize("وصل 2500 جندي من USA عام 2014 بنسبة 0.34%") == [
        "وصل", "2500", "جندي", "من", "USA", "عام", "2014", "بنسبة", "0.34",
    ]


def test_punctuation_is_dropped():
    assert tokenize("«داعش» - (العراق)؛ ...") == ["داعش", "العراق"]


@given(st.text())
def test_never_raises_and_tokens_are_clean(text):
    for token in tokenize(text):
        assert token and not token.isspace()
        assert "\u064e" not in token
