"""Word clusters learned from unlabelled text (khabar.text.clusters)."""

from __future__ import annotations

import random

from khabar.text.clusters import learn_word_clusters

CITIES = ["الرياض", "جدة", "القاهرة", "دمشق", "بغداد", "عمان", "الدوحة", "دبي", "بيروت", "تونس"]
PEOPLE = ["محمد", "أحمد", "خالد", "سعود", "فهد", "علي", "عمر", "يوسف", "سلمان", "ناصر"]


def sentences(seed: int = 1, count: int = 3000) -> list[list[str]]:
    """Cities and given names, each in the company of its own kind (arrived in X; the minister Y bin Y said)."""
    rng = random.Random(seed)
    made = []
    for _ in range(count):
        if rng.random() < 0.5:
            made.append(["وصل", "الوفد", "إلى", rng.choice(CITIES), "صباح", "اليوم"])
        else:
            made.append(["وقال", "الوزير", rng.choice(PEOPLE), "بن", rng.choice(PEOPLE), "إن"])
    return made


def test_words_in_like_company_share_a_cluster():
    corpus = sentences()
    clusters = learn_word_clusters(lambda: iter(corpus), clusters=4)
    assert len({clusters[c] for c in CITIES}) == 1 and len({clusters[p] for p in PEOPLE}) == 1
    assert clusters[CITIES[0]] != clusters[PEOPLE[0]]


def test_clusters_are_the_same_each_time_and_rare_words_get_none(saudinewsnet_sample):
    from khabar.enrich.entities import words_of

    corpus = [words_of(r["title"] + "\n" + r["content"]) for r in saudinewsnet_sample]
    first = learn_word_clusters(lambda: iter(corpus), clusters=50)
    assert len(set(first.values())) == 50
    assert learn_word_clusters(lambda: iter(corpus), clusters=50) == first
    counts = {}
    for words in corpus:
        for word in words:
            counts[word] = counts.get(word, 0) + 1
    assert set(first) == {w for w, n in counts.items() if n >= 5}  # rarer words: too few contexts to place them


def test_a_corpus_too_small_gives_no_clusters():
    corpus = sentences(count=50)
    assert learn_word_clusters(lambda: iter(corpus), clusters=500) == {}
