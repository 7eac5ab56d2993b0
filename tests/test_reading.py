"""Reading a text once (khabar.text.reading) gives what the separate functions give."""

import re

from hypothesis import example, given, settings, strategies as st

from khabar.enrich.tags import analyse, document_of, read_document
from khabar.link.duplicates import fingerprint, fingerprint_of_words
from khabar.text import display_form, match_key, terms, tokenize
from khabar.text.reading import _WORD_OR_BREAK, read_text, tokenize_clauses, word_facts
from khabar.text.tokenize import ARABIC_LETTERS, MARKS, TOKEN_PATTERN

arabic_heavy = st.text(
    alphabet=st.one_of(
        st.characters(min_codepoint=0x0600, max_codepoint=0x06FF),
        st.sampled_from(list(" \n\t.,:!()-_%0123456789abcé\u0301\u200c")),
    ),
    max_size=200,
)


@settings(max_examples=400)
@given(st.one_of(st.text(max_size=200), arabic_heavy))
@example("3.5 و(الحكومة)، 0َ.0 école\n\nقال")
def test_reading_once_gives_the_words_terms_and_key_of_the_separate_functions(raw):
    text = display_form(raw)
    read = read_text(text)
    assert read.words() == tokenize(text)
    assert read.terms() == terms(text)
    assert " ".join(f.fold for clause in read.facts for f in clause) == match_key(text)
    assert fingerprint_of_words(read.word_hashes()) == fingerprint(text)


def test_punctuation_and_line_breaks_end_clauses():
    # "The minister said: the talks in Riyadh went well.\nAnd tomorrow..."
    clauses = tokenize_clauses("قال الوزير: المحادثات في الرياض جيدة.\nوغدا، اجتماع")
    assert clauses == [["قال", "الوزير"], ["المحادثات", "في", "الرياض", "جيدة"], ["وغدا"], ["اجتماع"]]


def test_a_decimal_number_does_not_end_a_clause():
    assert tokenize_clauses("نمو 3.5 بالمئة") == [["نمو", "3.5", "بالمئة"]]


def test_word_facts_leave_stopwords_out_of_terms_and_phrases():
    facts = word_facts("في")  # "in"
    assert facts.term is None and facts.phrase_stem is None and facts.fold == "في"
    number = word_facts("2015")
    assert number.term == "2015" and number.phrase_stem is None


def test_tags_from_a_text_read_once_equal_tags_from_the_strings():
    title = "السعودية تستضيف قمة الطاقة"  # "Saudi Arabia hosts the energy summit"
    text = ("تستضيف الرياض قمة الطاقة الدولية. وقال وزير الطاقة إن قمة الطاقة تبحث أسعار النفط.\n"
            "ويشارك في قمة الطاقة وزراء من عشرين دولة.")
    document = document_of(read_text(title), read_text(text))
    assert document == read_document(title, text)
    assert analyse(title, text, None, 5, document=document) == analyse(title, text, None, 5)
    # The headline's phrase that the text repeats leads; the headline as a whole is in the title alone.
    assert analyse(title, text, None, 5, document=document).tags[0].display == "قمة الطاقة"


def test_the_word_cache_stays_bounded_and_gives_the_same_facts(monkeypatch):
    from khabar.text import reading

    text = "قال وزير الطاقة إن أسعار النفط 2015 ارتفعت في الأسواق العالمية، وقال الخبراء إن الأسعار سترتفع"
    expected = reading.read_text(text)
    monkeypatch.setattr(reading._FACTS, "limit", 5)
    reading._FACTS.clear()
    again = reading.read_text(text)
    assert again == expected
    assert 0 < len(reading._FACTS) <= 5
    assert reading.word_facts("النفط") == reading._facts_of("النفط")


def test_signatures_from_word_hashes_equal_those_from_the_match_key(saudinewsnet_sample):
    # The pipeline signs a text from its words' cached hashes; duplicates found across stores and
    # releases must not depend on which of the two ways a signature was made.
    signed = 0
    for record in saudinewsnet_sample[:300]:
        text = display_form(record.get("content") or "")
        signature = fingerprint_of_words(read_text(text).word_hashes())
        assert signature == fingerprint(text)
        signed += signature is not None
    assert signed > 250


# The clause pattern as it was before it took the spaces before a word (see khabar.text.reading).
PLAIN_CLAUSE_PATTERN = re.compile(rf"({TOKEN_PATTERN.pattern})|[^\w\s{MARKS}{ARABIC_LETTERS}]+|\n+")


def test_the_clause_pattern_taking_spaces_finds_what_the_plain_one_found(saudinewsnet_sample):
    """The reading pattern takes the spaces before a word or a break (it is faster so); what findall
    returns must be what the pattern without them returned, on real texts and on odd spacing."""
    odd = ["  كلمة   _  ،  \n\n  word_x  ", " _ _ ", "   ", "\n \n", "أ ـ ب", "١٢ ,5 3.", "a\u063bb c", " ۽ "]
    texts = [r["title"] + "\n" + r["content"] for r in saudinewsnet_sample] + odd
    for text in texts:
        assert _WORD_OR_BREAK.findall(text) == PLAIN_CLAUSE_PATTERN.findall(text), text[:40]


@settings(max_examples=400)
@given(st.one_of(st.text(max_size=200), arabic_heavy))
def test_the_clause_pattern_taking_spaces_agrees_on_any_text(raw):
    """:func:`test_the_clause_pattern_taking_spaces_finds_what_the_plain_one_found` on generated texts,
    raw (tabs, every script) and in display form."""
    for text in (raw, display_form(raw)):
        assert _WORD_OR_BREAK.findall(text) == PLAIN_CLAUSE_PATTERN.findall(text)
