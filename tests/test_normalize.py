"""Normalization: the folding table, the two levels, and their properties."""

from __future__ import annotations

import re

from hypothesis import example, given, settings, strategies as st

from khabar.text import display_form, fold_match, guess_language, match_key, tokenize
from khabar.text.normalize import FOLDING_TABLE, Level

SEED_PERSIAN = "التحالف الدولی فی العراق"  # Persian yeh (ی) as on the seed page's tag list
SEED_ARABIC = "التحالف الدولي في العراق"

arabic_heavy = st.text(
    alphabet=st.one_of(
        st.characters(min_codepoint=0x0600, max_codepoint=0x06FF),
        st.characters(min_codepoint=0xFB50, max_codepoint=0xFDFF),  # presentation forms A
        st.characters(min_codepoint=0xFE70, max_codepoint=0xFEFF),  # presentation forms B
        st.sampled_from(" \n\t\u200c\u200d\u200e\u200f\ufeff،؛؟.!ـ0123456789"),
    )
)
any_text = st.one_of(st.text(), arabic_heavy)


@settings(max_examples=600)
@given(any_text)
def test_display_form_never_raises_and_is_idempotent(text):
    once = display_form(text)
    assert display_form(once) == once


@settings(max_examples=600)
@given(any_text)
def test_match_key_never_raises_and_is_idempotent(text):
    once = match_key(text)
    assert match_key(once) == once


@settings(max_examples=300)
@given(arabic_heavy)
def test_match_key_ignores_diacritics_and_invisible_marks(text):
    noisy = "".join(ch + "\u064e\u200c" for ch in text)  # a fatha and a ZWNJ after every character
    assert match_key(noisy) == match_key(text.replace("\u064e", "").replace("\u200c", ""))


def test_seed_page_persian_variant_has_the_arabic_match_key():
    assert match_key(SEED_PERSIAN) == match_key(SEED_ARABIC)
    assert display_form(SEED_PERSIAN) == SEED_ARABIC


def test_display_form_keeps_what_readers_expect():
    text = "مَدْرَسَةٌ على مستشفى أحمد"
    assert display_form(text) == text  # diacritics, ة, ى and hamza forms are kept


def test_match_key_folds_alef_yeh_teh_marbuta_and_diacritics():
    assert match_key("إِسْلامِيَّة أحمد آمال ٱلله مستشفى") == match_key("اسلاميه احمد امال الله مستشفي")
    assert match_key("مستشفى") == "مستشفي"
    assert match_key("مدرسة") == "مدرسه"


def test_persian_and_urdu_letters_fold_to_arabic():
    assert display_form("کتاب") == "كتاب"  # keheh → kaf
    assert display_form("ھذه") == "هذه"  # heh doachashmee → heh
    assert display_form("ۀ") == "ه"


def test_tatweel_zero_width_and_direction_marks_are_removed():
    assert display_form("الـــعـراق") == "العراق"
    assert display_form("\u200fالعراق\u200c\u200d\ufeff") == "العراق"


def test_control_characters_become_spaces_and_noncharacters_go():
    # SaudiNewsNet joins paragraphs with U+001A (SUB): "... حياض الوطن. \x1a\x1aمن احتفالات ..."
    assert display_form("حياض الوطن. \x1a\x1aمن احتفالات") == "حياض الوطن. من احتفالات"
    for control in ("\x00", "\x01", "\x08", "\x0b", "\x0c", "\x1f", "\x7f", "\x85", "\x9f"):
        assert display_form(f"خبر{control}عاجل") == "خبر عاجل", repr(control)
    for nonchar in ("\ufdd0", "\ufdef", "\ufffe", "\uffff"):
        assert display_form(f"خبر{nonchar} عاجل") == "خبر عاجل", repr(nonchar)
    assert display_form("سطر\tأول\r\nسطر ثان") == "سطر أول\nسطر ثان"  # tab, line ends: as before


def test_eastern_digits_become_ascii():
    assert display_form("٢٠١٥ و۱۳۹۴ ٣٫٥") == "2015 و1394 3.5"


def test_presentation_forms_become_letters():
    assert display_form("ﻻ") == "لا"
    assert display_form("ﺍﻟﻌﺮﺍﻕ") == "العراق"


def test_arabic_punctuation_spacing():
    assert display_form("قال ، ثم  مضى ؛ لماذا ؟") == "قال، ثم مضى؛ لماذا؟"
    assert display_form("بغداد،واشنطن") == "بغداد، واشنطن"


def test_paragraphs_survive_and_spaces_collapse():
    assert display_form("  فقرة   أولى \r\n\r\n\n  فقرة\tثانية  ") == "فقرة أولى\n\nفقرة ثانية"


def test_fold_match_is_the_match_level_only():
    assert fold_match("أحمد ى ة") == "احمد ي ه"
    assert fold_match("ABC") == "abc"


def test_table_has_both_levels_and_no_char_in_two_rows():
    seen: dict[str, str] = {}
    for row in FOLDING_TABLE:
        for ch in row.chars:
            assert ch not in seen, f"{ch!r} in two rows: {seen.get(ch)} and {row.what}"
            seen[ch] = row.what
    assert {row.level for row in FOLDING_TABLE} == {Level.DISPLAY, Level.MATCH}


@settings(max_examples=600)
@given(any_text)
@example("\u0345")  # a combining mark that case folding turns into a letter (ι)
def test_folding_before_or_after_tokenizing_gives_the_same_match_key(text):
    """The pipeline tokenizes a text once and folds each token; that must be the key of folding the
    whole text first, as match_key was first defined."""
    assert match_key(text) == " ".join(tokenize(fold_match(display_form(text))))


def test_marks_inside_numbers_and_latin_words_do_not_split_them():
    assert tokenize("0\u064e0 e\u0301cole") == ["00", "ecole"]
    assert match_key("İstanbul") == "istanbul"


def _display_by_whole_translation(text: str) -> str:
    """display_form as first written: NFKC and the DISPLAY table applied to the whole text at once."""
    import unicodedata

    from khabar.text import normalize

    text = unicodedata.normalize("NFKC", text)
    text = unicodedata.normalize("NFKC", text.translate(normalize._DISPLAY_TABLE))
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = normalize._SPACE_BEFORE_PUNCT.sub("", text)
    text = normalize._NO_SPACE_AFTER_PUNCT.sub(r"\1 ", text)
    lines = [" ".join(line.split()) for line in text.split("\n")]
    return normalize._BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


@settings(max_examples=600)
@given(st.text(alphabet=st.sampled_from("\xa0\u0301\u0654\u064e\u0640\u200c\u06cc\ufefbبا a\n،")))
def test_display_form_folds_runs_as_translating_the_whole_text_would(text):
    # display_form translates only the runs the table changes, and turns no-break spaces into spaces
    # before asking whether the text is NFKC: the same result as the plain definition, also where a
    # combining mark follows a no-break space or a tatweel.
    assert display_form(text) == _display_by_whole_translation(text)


def test_display_form_of_real_articles_matches_the_plain_definition(saudinewsnet_sample):
    texts = [r.get(field) or "" for r in saudinewsnet_sample for field in ("title", "content")]
    assert any("\xa0" in t for t in texts) and any("\u0640" in t for t in texts)  # the sample has both
    for text in texts:
        assert display_form(text) == _display_by_whole_translation(text)


# guess_language ---------------------------------------------------------------------------------------


def _guess_by_patterns(text: str) -> str:
    """The definition guess_language implements, with regular expressions: of the first 60 words in
    the first 1,000 characters, those starting with a letter; Arabic when at least half of them start
    with an Arabic one."""
    words = [w for w in text[:1000].split()[:60] if re.match(r"[^\W\d_]", w)]
    if not words:
        return "und"
    arabic = sum(1 for w in words if re.match(r"[\u0621-\u064a\u0671-\u06d3]", w))
    return "ar" if arabic * 2 >= len(words) else "other"


def test_language_is_told_by_the_script_of_most_words():
    assert guess_language("أعلنت وزارة الصحة السعودية اليوم عن حملة جديدة") == "ar"  # the ministry announced…
    assert guess_language("The ministry of health announced a new campaign") == "other"
    assert guess_language("2015 ، 33 — !!") == "und"  # numbers and punctuation are not words
    assert guess_language("") == "und"
    assert guess_language("وزارة الصحة ministry health") == "ar"  # a tie goes to Arabic
    assert guess_language("وزارة the ministry of health") == "other"
    # Only the first 60 words count: 60 English ones, then Arabic that would outnumber them.
    assert guess_language("news " * 60 + "خبر " * 100) == "other"
    assert guess_language("²nd ½ ٣") == "other"  # ² and ½ are letters to [^\W\d_]; Arabic-Indic three is a digit


@given(st.text(alphabet=st.sampled_from(list("ab_1²½٣ ءاي\u0671ۓ\u06d4۽ \n\t.،")), max_size=300))
@example("x" * 999 + " ب")
def test_language_guess_matches_its_definition(text):
    assert guess_language(text) == _guess_by_patterns(text)
