"""The project's own Arabic stopword list."""

from khabar.text import STOPWORDS, is_stopword
from khabar.text.normalize import fold_match
from khabar.text.stopwords import is_folded_stopword


def test_function_words_are_stopwords_in_any_spelling():
    for word in ["في", "فى", "إلى", "الى", "على", "التي", "هذه", "أن", "ان", "قال"]:
        assert is_stopword(word), word


def test_content_words_are_not_stopwords():
    for word in ["العراق", "التحالف", "داعش", "واشنطن", "وزارة", "الخارجية", "جندي"]:
        assert not is_stopword(word), word


def test_list_is_substantial_and_folded():
    assert len(STOPWORDS) > 200
    assert all("ى" not in w and "ة" not in w and "أ" not in w for w in STOPWORDS)


def test_conjunction_before_a_stopword_is_a_stopword_but_not_a_word_of_its_own():
    assert is_stopword("والتي") and is_stopword("فإن") and is_stopword("وقال")
    assert not is_stopword("ولي")  # ولي العهد: the crown prince
    assert not is_stopword("وزارة")


def test_the_check_from_a_fold_made_already_agrees_with_the_check_from_the_word():
    # Reading a text folds each new word once and asks is_folded_stopword; after و or ف ("and", "so") it
    # reads the rest's fold from the word's: "and which", "and to" (its alef folded), "and on" (an
    # exact-spelling stopword), "and Ali", "and in front of", "guardian" (a word of its own), "ministry", "Iraq".
    words = ["والتي", "فإن", "وإلى", "وعلى", "وعلي", "وأمام", "فى", "وفى", "على", "علي", "ولي", "وزارة", "العراق"]
    for word in words:
        assert is_folded_stopword(word, fold_match(word)) == is_stopword(word), word
    assert [w for w in words if is_stopword(w)] == ["والتي", "فإن", "وإلى", "وعلى", "وأمام", "فى", "وفى", "على"]


def test_and_ali_is_no_stopword_as_ali_is_none():
    # على ("on") is a stopword in that spelling only, so that علي (Ali) stays a word; "and on" (وعلى) was
    # also listed, and folded it took "and Ali" (وعلي, 185 times in SaudiNewsNet's texts) with it.
    assert is_stopword("على") and is_stopword("وعلى") and is_stopword("فعلى")
    assert not is_stopword("علي") and not is_stopword("وعلي")


def test_every_form_of_the_auxiliary_verbs_is_a_stopword():
    # كان وأخواتها (kana and her sisters: was, became, remained, still…) carry no topic, in any person:
    # "زالت تكمل السيرة" ("still completes the biography") and "باتت" alone were tags.
    from khabar.enrich.tags import extract_tags

    for word in "كانت أصبحت تصبح ظلت يظل باتت زالت تزال مازالت لاتزال دامت".split():
        assert is_stopword(word), word
    text = "ما زالت المفاوضات متعثرة. وباتت المفاوضات صعبة. ولا تزال المفاوضات متعثرة. وباتت الأطراف بعيدة."
    assert not any(word in tag.display.split() for tag in extract_tags("", text) for word in ("زالت", "باتت", "تزال"))
