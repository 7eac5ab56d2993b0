"""Related articles ("read also", "similar articles") and pair scoring."""

from __future__ import annotations

import dataclasses
import json
import time

from conftest import write_jsonl
from typer.testing import CliRunner

from khabar.cli import app
from khabar.enrich.tags import phrase_key
from khabar.link.related import LISTS_VERSION, related
from khabar.model import Tag
from khabar.pipeline import ingest_paths
from khabar.store import KeptRelated, open_store

runner = CliRunner()


def test_related_is_relevant_never_itself_or_its_copy_and_read_also_is_elsewhere(tmp_path, store, saudinewsnet_sample):
    records = [r for r in saudinewsnet_sample if len(r["content"].split()) > 60]
    target = records[0]
    copy = dict(target, url=target["url"].rstrip("/") + "/copy", source="copy-outlet", id=target["id"] + "c")
    ingest_paths(store, [str(write_jsonl(tmp_path / "s.jsonl", records + [copy]))])
    ids = {a.url: a.id for a in store.iter_articles()}
    target_id = ids[next(a.url for a in store.iter_articles() if a.title == target["title"] and a.outlet == target["source"])]
    found = related(store, target_id, k=10)
    shown = [r.article.id for r in found.similar] + ([found.read_also.article.id] if found.read_also else [])
    group = {a.id for a in store.duplicates_of(target_id)} | {target_id}
    assert len(group) == 2, "the copy should be a near-duplicate"
    assert not group & set(shown), "never the article itself or its copy"
    assert len(shown) == len(set(shown)), "read also is not repeated in the similar list"
    assert found.similar and len(found.similar) <= 10
    assert all(a.score >= b.score * 0.5 for a, b in zip(found.similar, found.similar[1:]))
    if found.read_also:
        assert found.read_also.article.outlet != target["source"]


def test_related_prefers_the_same_topic(tmp_path, store):
    base = "أعلنت وزارة الصحة تسجيل إصابات جديدة بفيروس كورونا في الرياض وجدة وارتفاع عدد المتعافين من الفيروس."
    records = [
        {"url": "http://e.com/a", "outlet": "a", "title": "كورونا في الرياض", "text": base, "published": "2015-07-21T10:00:00Z"},
        {"url": "http://e.com/b", "outlet": "b", "title": "إصابات كورونا", "published": "2015-07-21T12:00:00Z",
         "text": "سجلت وزارة الصحة إصابات جديدة بفيروس كورونا في جدة وتعافي عدد من المصابين بالفيروس."},
        {"url": "http://e.com/c", "outlet": "c", "title": "الدوري السعودي", "published": "2015-07-21T12:00:00Z",
         "text": "فاز فريق الهلال على النصر في مباراة الدوري السعودي لكرة القدم وسجل المهاجم هدفين."},
    ]
    ingest_paths(store, [str(write_jsonl(tmp_path / "t.jsonl", records))])
    ids = {a.outlet: a.id for a in store.iter_articles()}
    found = related(store, ids["a"])
    assert found.read_also and found.read_also.article.outlet == "b"
    assert all(r.article.outlet != "c" or r.score < found.read_also.score for r in found.similar)



def test_no_headline_twice_and_never_the_articles_own(tmp_path, store):
    # Five reports on one topic, each text its own (no near-duplicates). Two outlets ran the wire's
    # headline ("rain expected in the south") over their own texts, and a later report repeats the
    # article's own headline: a reader would take either for a copy.
    own = "توقعات بهطول أمطار على جنوب المملكة"
    texts = [
        "توقعت الأرصاد هطول أمطار رعدية على مناطق جازان وعسير والباحة مع رياح نشطة وتحذيرات للسكان في الجنوب",
        "أمطار رعدية متوقعة على جازان وعسير ونجران حسب الأرصاد التي دعت السكان إلى الحذر من السيول في الجنوب",
        "حذرت الأرصاد من سيول في أودية جازان وعسير بسبب أمطار رعدية غزيرة تستمر أياما في مناطق الجنوب",
        "الأرصاد تتوقع أمطارا رعدية على عسير والباحة وجازان وتدعو إلى الابتعاد عن مجاري السيول في الجنوب",
        "رياح وأمطار رعدية على جازان ونجران وعسير تتوقعها الأرصاد مع انخفاض الحرارة في مناطق الجنوب",
    ]
    titles = [own, "أمطار رعدية على جازان وعسير", "أمطار رعدية على جازان وعسير", own, "انخفاض الحرارة في الجنوب"]
    records = [
        {"url": f"http://e.com/{n}", "outlet": f"o{n}", "title": title, "text": text, "published": f"2015-07-2{n}T10:00:00Z"}
        for n, (title, text) in enumerate(zip(titles, texts))
    ]
    ingest_paths(store, [str(write_jsonl(tmp_path / "w.jsonl", records))])
    ids = {a.url: a.id for a in store.iter_articles()}
    assert not store.duplicates_of(ids["http://e.com/0"]), "the texts are not copies of each other"
    found = related(store, ids["http://e.com/0"])
    listed = [r.article for r in found.similar] + ([found.read_also.article] if found.read_also else [])
    headlines = [a.title for a in listed]
    assert own not in headlines
    assert headlines.count("أمطار رعدية على جازان وعسير") == 1
    assert "انخفاض الحرارة في الجنوب" in headlines

def test_cli_related_and_pairs(tmp_path, saudinewsnet_sample, db_url):
    db = db_url
    runner.invoke(app, ["ingest", str(write_jsonl(tmp_path / "s.jsonl", saudinewsnet_sample[:150])), "--db", db])
    exported = tmp_path / "e.jsonl"
    runner.invoke(app, ["export", "--db", db, "--output", str(exported)])
    some = json.loads(exported.read_text(encoding="utf-8").splitlines()[3])["id"]
    result = runner.invoke(app, ["related", some, "--db", db, "--json", "-k", "5"])
    assert result.exit_code == 0
    found = json.loads(result.stdout)
    assert len(found["similar"]) <= 5 and some not in [s["id"] for s in found["similar"]]

    articles = tmp_path / "a.jsonl"
    docs = [{"id": r["id"], "title": r["title"], "text": r["content"], "published": "2015-07-21T00:00:00Z"}
            for r in saudinewsnet_sample[:30] if r["content"].strip()]
    docs.append(dict(docs[0], id="copy"))
    articles.write_text("".join(json.dumps(d, ensure_ascii=False) + "\n" for d in docs), encoding="utf-8")
    pairs = tmp_path / "p.jsonl"
    pairs.write_text(json.dumps({"id1": docs[0]["id"], "id2": "copy"}) + "\n"
                     + json.dumps({"id1": docs[0]["id"], "id2": docs[5]["id"]}) + "\n"
                     + json.dumps({"id1": docs[0]["id"], "id2": "missing"}) + "\n", encoding="utf-8")
    out = tmp_path / "o.jsonl"
    result = runner.invoke(app, ["pairs", "--articles", str(articles), "--pairs", str(pairs), "--output", str(out)])
    assert result.exit_code == 0 and "skipped 1" in result.output
    same, other = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert same["duplicate"] and same["same_story"] and same["similarity"] > 0.9
    assert not other["duplicate"] and 0 <= other["similarity"] < same["similarity"]


def test_pairs_reports_bad_lines_with_where_they_are_and_scores_the_rest(tmp_path):
    """A field of the wrong type, a line without an id, malformed JSON and a pair missing an id are each
    reported with their file and line; they used to stop the command with a traceback."""
    articles = tmp_path / "a.jsonl"
    lines = [{"id": "a", "title": "خبر", "text": HEALTH}, {"id": "b", "title": "خبر", "text": HEALTH.replace("الرياض", "الدمام")},
             {"id": "c", "title": 5, "text": ["نص"]}, {"title": "بلا معرف", "text": FOOTBALL}]
    articles.write_text("".join(json.dumps(d, ensure_ascii=False) + "\n" for d in lines) + "{not json\n", encoding="utf-8")
    pairs = tmp_path / "p.jsonl"
    pairs.write_text('{"id1": "a", "id2": "b"}\n{"id1": "a"}\n{"id1": "a", "id2": "c"}\n', encoding="utf-8")
    out = tmp_path / "o.jsonl"
    result = runner.invoke(app, ["pairs", "--articles", str(articles), "--pairs", str(pairs), "--output", str(out)])
    assert result.exit_code == 0, result.output
    assert "scored 1 pairs, skipped 5" in result.output
    output = " ".join(result.output.split())
    for reason in ("a.jsonl:3: field 'text' should be text, found list", "a.jsonl:4: no id", "a.jsonl:5: malformed JSON",
                   "p.jsonl:2: a pair needs both id1 and id2", "p.jsonl:3: pair a–c: unknown article id"):
        assert reason in output, reason
    (row,) = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert (row["id1"], row["id2"]) == ("a", "b") and row["similarity"] > 0.5


# Three articles on one topic (Corona cases in Riyadh and Jeddah), one on football, dated in July 2015.
HEALTH = "أعلنت وزارة الصحة تسجيل إصابات جديدة بفيروس كورونا في الرياض وجدة وارتفاع عدد المتعافين من الفيروس."
FOOTBALL = "فاز فريق الهلال على النصر في مباراة الدوري السعودي لكرة القدم وسجل المهاجم هدفين في الشوط الثاني."


# Sentences that make each outlet's article its own (not a near-duplicate of the others).
ASIDES = [
    "وأشار التقرير إلى أن المستشفيات رفعت جاهزيتها واستقبلت عددا من الحالات خلال الأسبوع الماضي في المنطقة الشرقية.",
    "ودعت الجهات المختصة المواطنين والمقيمين إلى اتباع الإرشادات الوقائية وغسل اليدين وتجنب الأماكن المزدحمة.",
    "وذكر مسؤول في المديرية أن فرق التقصي الميداني تتابع المخالطين وتجري الفحوصات اللازمة لهم في منازلهم.",
    "وتعمل الوزارة بالتعاون مع منظمة الصحة العالمية على دراسة مصدر العدوى وطرق انتقالها بين الإبل والبشر.",
    "وأكدت المصادر أن المختبرات الإقليمية تعمل على مدار الساعة لفحص العينات وإصدار النتائج في وقت قصير.",
]


def _topic_records(published: str, outlets: str, text: str, slug: str, first: int = 0) -> list[dict]:
    """One record per outlet letter, each telling ``text`` with asides of its own (from the ``first``),
    published at ``published``."""
    return [
        {"url": f"http://e.com/{slug}/{o}", "outlet": o, "title": f"{text.split()[3]} {o}", "published": published,
         "text": f"{text} {ASIDES[n % len(ASIDES)]} {ASIDES[(n + 2) % len(ASIDES)]}"}
        for n, o in enumerate(outlets, start=first)
    ]


def _ingest(store, tmp_path, records: list[dict], name: str) -> dict[str, str]:
    ingest_paths(store, [str(write_jsonl(tmp_path / name, records))])
    return {a.url: a.id for a in store.iter_articles()}


def test_related_lists_are_kept_and_read_back(tmp_path, store):
    ids = _ingest(store, tmp_path, _topic_records("2015-07-21T10:00:00Z", "abcd", HEALTH, "h"), "h.jsonl")
    target = ids["http://e.com/h/a"]
    assert store.kept_related(target) is None
    first = related(store, target, k=10)
    kept = store.kept_related(target)
    assert kept is not None and kept.k == 10
    assert [i for i, _ in kept.similar] == [r.article.id for r in first.similar]
    assert kept.read_also == (first.read_also.article.id, first.read_also.score)

    again = related(store, target, k=2)  # a shorter list is the kept one's prefix
    assert [r.article.id for r in again.similar] == [r.article.id for r in first.similar][:2]
    assert again.read_also.article.id == first.read_also.article.id

    # What is kept is what is served: keep a different (hand-made) list and it comes back.
    swapped = KeptRelated(10, None, [(ids["http://e.com/h/d"], 0.5)], LISTS_VERSION)
    assert store.keep_related(target, None, swapped, store.link_generation())
    served = related(store, target)
    assert served.read_also is None and [r.article.id for r in served.similar] == [ids["http://e.com/h/d"]]
    assert served.similar[0].article.title  # the article is read back for the list

    # Lists kept by an older computation, or forgotten, are computed again.
    assert store.keep_related(target, None, dataclasses.replace(swapped, version=LISTS_VERSION - 1), store.link_generation())
    assert [r.article.id for r in related(store, target).similar] == [r.article.id for r in first.similar]
    store.forget_kept_related()
    assert store.kept_related(target) is None


def test_a_new_article_forgets_only_the_lists_it_may_join(tmp_path, store):
    records = _topic_records("2015-07-21T10:00:00Z", "ab", HEALTH, "h")
    records += _topic_records("2015-11-01T10:00:00Z", "ab", FOOTBALL, "f")  # three months later
    ids = _ingest(store, tmp_path, records, "1.jsonl")
    health, football = ids["http://e.com/h/a"], ids["http://e.com/f/a"]
    related(store, health)
    related(store, football)
    before = store.link_generation()

    newcomer = _topic_records("2015-07-22T09:00:00Z", "x", HEALTH, "n", first=3)
    ids = _ingest(store, tmp_path, newcomer, "2.jsonl")
    assert store.link_generation() > before
    assert store.kept_related(health) is None, "a list the new article may join is forgotten"
    assert store.kept_related(football) is not None, "a list three months away is kept"
    found = related(store, health)
    shown = [r.article.id for r in found.similar] + [found.read_also.article.id]
    assert ids["http://e.com/n/x"] in shown


def test_a_list_computed_before_a_change_is_not_kept(tmp_path, store):
    ids = _ingest(store, tmp_path, _topic_records("2015-07-21T10:00:00Z", "abc", HEALTH, "h"), "h.jsonl")
    target = ids["http://e.com/h/a"]
    generation = store.link_generation()  # a reader starts computing ...
    _ingest(store, tmp_path, _topic_records("2015-07-21T11:00:00Z", "y", HEALTH, "n"), "n.jsonl")  # ... a writer links
    assert not store.keep_related(target, None, KeptRelated(10, None, []), generation)
    assert store.kept_related(target) is None


def test_retagging_forgets_nearby_lists(tmp_path, store):
    ids = _ingest(store, tmp_path, _topic_records("2015-07-21T10:00:00Z", "abc", HEALTH, "h"), "h.jsonl")
    target, other = ids["http://e.com/h/a"], ids["http://e.com/h/b"]
    related(store, target)
    store.set_tags({other: [Tag(display="كورونا", key=phrase_key("كورونا"), score=1.0)]})  # Corona
    assert store.kept_related(target) is None


def test_candidates_are_looked_for_near_the_article_in_time(tmp_path, store):
    records = _topic_records("2015-07-21T10:00:00Z", "a", HEALTH, "h") + _topic_records("2015-10-21T10:00:00Z", "b", HEALTH, "l")
    records.append(dict(_topic_records("", "c", HEALTH, "u")[0], published=None))  # undated
    ids = _ingest(store, tmp_path, records, "t.jsonl")
    near, late, undated = ids["http://e.com/h/a"], ids["http://e.com/l/b"], ids["http://e.com/u/c"]
    vector = store.term_vectors([near])[near]
    day = store.get_article(near).published.timestamp() / 86400
    assert {i for i, _ in store.nearest_by_terms(vector, 10, near)} == {late, undated}
    assert {i for i, _ in store.nearest_by_terms(vector, 10, near, (day - 30, day + 30))} == {undated}


def test_keeping_a_list_never_waits_for_another_writer(tmp_path, store):
    ids = _ingest(store, tmp_path, _topic_records("2015-07-21T10:00:00Z", "ab", HEALTH, "h"), "h.jsonl")
    target, other = ids["http://e.com/h/a"], ids["http://e.com/h/b"]
    generation = store.link_generation()
    with open_store(store.url) as writer, writer.transaction():
        writer.set_tags({other: []})  # holds the write lock (SQLite) or the generation row (PostgreSQL)
        started = time.monotonic()
        assert not store.keep_related(target, None, KeptRelated(10, None, []), generation)
        assert time.monotonic() - started < 5, "gave up at once rather than after the 10 s busy timeout"


def test_term_vectors_are_compact_and_still_unit_length(saudinewsnet_sample):
    from khabar.link.similarity import TOP_TERMS, WEIGHT_DECIMALS, term_vector

    longest = max(saudinewsnet_sample, key=lambda r: len(r["content"] or ""))
    vector = term_vector(longest["title"], longest["content"])
    assert 0 < len(vector) <= TOP_TERMS
    assert all(w > 0 and round(w, WEIGHT_DECIMALS) == w for w in vector.values())
    assert abs(sum(w * w for w in vector.values()) - 1) < 1e-3
    # small enough to sit in a SQLite page rather than spill into an overflow page
    assert len(json.dumps(vector, ensure_ascii=False).encode()) < 1000


def test_only_the_heaviest_terms_of_a_vector_are_posted(tmp_path, store):
    """A vector keeps up to 40 terms for scoring; the inverted index that finds candidates holds its
    POSTED_TERMS heaviest, so an article is found by those and not by its lightest ones."""
    from khabar.link.similarity import POSTED_TERMS, heaviest

    text = " ".join(f"word{n} " * (60 - n) for n in range(40))  # 40 words, each less frequent than the one before
    records = [{"url": "http://e.com/v/1", "outlet": "a", "published": "2015-07-21T10:00:00Z", "title": "", "text": text}]
    ids = _ingest(store, tmp_path, records, "v.jsonl")
    article_id = ids["http://e.com/v/1"]
    vector = store.term_vectors([article_id])[article_id]
    assert sorted(vector) == sorted(f"word{n}" for n in range(40))
    posted, light = heaviest(vector, POSTED_TERMS), list(heaviest(vector, 40))[POSTED_TERMS:]
    assert light, "fewer terms are posted than a vector holds"
    assert [i for i, _ in store.nearest_by_terms({term: 1.0 for term in posted}, 10, "asker")] == [article_id]
    assert store.nearest_by_terms({term: 1.0 for term in light}, 10, "asker") == []
