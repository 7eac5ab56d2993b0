"""Keyword tags: what an editor would keep, canonical across the corpus, stored and recomputed."""

from __future__ import annotations

import json
import math
import re

from conftest import write_jsonl
from typer.testing import CliRunner

from khabar.cli import app
from khabar.enrich import retag
from khabar.enrich.tags import BOILERPLATE, clean_publisher_tags, extract_tags, phrase_key
from khabar.pipeline import ingest_paths
from khabar.stats import CounterStats
from khabar.text import STOPWORDS, match_key

runner = CliRunner()
PERSIAN_LETTERS = re.compile("[یکۀەھې]")


def seed_article(page: str) -> str:
    """The seed page's main article: everything before its source line (المصدر)."""
    return page.split("المصدر:")[0]


def seed_publisher_tags(page: str) -> list[str]:
    line = next(line for line in page.splitlines() if line.startswith("كلمات دلالية:"))
    return line.split(":", 1)[1].split("  ") if "  " in line else [line.split(":", 1)[1]]


def assert_clean(tags) -> None:
    keys = [match_key(t.display) for t in tags]
    assert len(keys) == len(set(keys)), "two tags share a match key"
    for tag in tags:
        assert not PERSIAN_LETTERS.search(tag.display), tag.display
        assert match_key(tag.display) not in STOPWORDS, tag.display
        assert not tag.display.replace(" ", "").isdigit(), tag.display
        assert phrase_key(tag.display) not in {phrase_key(b) for b in BOILERPLATE}, tag.display
        assert " " not in tag.key or len(tag.display.split()) == len(tag.key.split())


def test_seed_page_tags_without_a_corpus(seed_page):
    tags = extract_tags("", seed_article(seed_page))
    shown = [t.display for t in tags]
    assert 5 <= len(tags) <= 10
    assert "التحالف الدولي" in shown
    assert "العراق" in shown
    assert any(t in shown for t in ("واشنطن", "الولايات المتحدة"))
    assert any("داعش" in t for t in shown)
    assert_clean(tags)


def test_tags_are_natural_text_not_stems(seed_page):
    for tag in extract_tags("", seed_article(seed_page)):
        assert tag.display in seed_article(seed_page).replace("\n", " ") or tag.display.startswith("ال"), tag.display


def test_no_sub_phrase_unless_both_stand_alone():
    text = "زار الرئيس عادل إمام المدينة. " * 1 + "قال الفنان عادل إمام إن الفيلم جديد. " * 3 + "وتحدث الفنان عادل إمام عن المسرح."
    tags = extract_tags("", text)
    keys = [t.key for t in tags]
    for a in keys:
        for b in keys:
            if a != b and f" {b} " in f" {a} ":
                # b is inside a: allowed only because b also occurs on its own
                assert text.count("عادل إمام") > text.count("الفنان عادل إمام")


def test_corpus_statistics_demote_common_words():
    text = "أعلنت الحكومة خطة جديدة للطاقة الشمسية في المملكة. وقالت الحكومة إن الطاقة الشمسية ستغطي المملكة. الحكومة والطاقة الشمسية."
    common = CounterStats(1000)
    common.counts.update({"حكوم": 900, "مملك": 950})
    tags = [t.key for t in extract_tags("", text, common)]
    assert tags.index("طاق شمس") < tags.index("حكوم") if "حكوم" in tags else "طاق شمس" in tags


def test_idf_table_follows_the_documents_counted():
    stats = CounterStats()
    stats.add(["سعود", "رياض"])
    stats.add(["سعود"])
    idf = stats.idf()
    assert idf["سعود"] == math.log(3 / 3)
    assert idf["رياض"] == math.log(3 / 2)
    assert idf["مجهول"] == math.log(3 / 1)  # a key no document has ("unknown")
    stats.add(["رياض"])  # a third document: every idf moves, not only the one counted
    assert stats.idf()["رياض"] == math.log(4 / 3)
    assert stats.idf()["سعود"] == math.log(4 / 3)


def test_publisher_tags_are_cleaned_and_used(seed_page):
    raw = ["ملفات ملفات ملفات", "التحالف الدولي", "التحالف الدولی فی العراق", "التحالف الدولي في العراق",
           "أخبار العراق", "العراق", "كلمات دلالية", "2024", "سكاي نيوز عربية"]
    cleaned = clean_publisher_tags(raw, outlet="سكاي نيوز عربية")
    assert cleaned == ["التحالف الدولي", "التحالف الدولي في العراق", "العراق"]
    with_publisher = extract_tags("", seed_article(seed_page), publisher_tags=["القوات الأمنية العراقية"])
    assert "القوات الأمنية العراقية" in [t.display for t in with_publisher]


def test_title_counts(seed_page):
    tags = extract_tags("محادثات بشأن خريطة طريق", seed_article(seed_page))
    assert "خريطة طريق" in [t.display for t in tags]


def test_ingest_stores_tags_and_statistics(tmp_path, store, saudinewsnet_sample):
    dump = write_jsonl(tmp_path / "s.jsonl", saudinewsnet_sample[:300])
    report = ingest_paths(store, [str(dump)])
    assert store.corpus_documents() == report.stored
    tagged = [store.get_article(a.id) for a in store.iter_articles()]
    long_ones = [a for a in tagged if len(a.text.split()) > 80]
    assert long_ones and all(5 <= len(a.tags) <= 10 for a in long_ones)
    for article in tagged:
        assert_clean(article.tags)
    # Re-ingesting changes nothing: statistics are not counted twice.
    ingest_paths(store, [str(dump)])
    assert store.corpus_documents() == report.stored


def test_one_concept_one_display_form_across_the_corpus(tmp_path, store):
    records = [
        {"url": f"http://e.com/{n}", "outlet": "o", "title": "", "published": "2024-01-01T00:00:00Z",
         "text": f"{form} أعلنت {form} خطة. ثم قالت {form} شيئا عن السياسة الخارجية {n}."}
        for n, form in enumerate(["الولايات المتحدة", "الولايات المتحدة", "الولايات المتّحدة"])
    ]
    ingest_paths(store, [str(write_jsonl(tmp_path / "u.jsonl", records))])
    key = phrase_key("للولايات المتحدة")
    assert store.count_tag(key) == 3
    assert store.tag_display(key) == "الولايات المتحدة"
    for article in store.iter_articles():
        assert "الولايات المتحدة" in [t.display for t in store.get_tags(article.id)]


def test_retag_rebuilds_statistics_and_tags(tmp_path, store, saudinewsnet_sample):
    dump = write_jsonl(tmp_path / "s.jsonl", saudinewsnet_sample[:200])
    ingest_paths(store, [str(dump)], enrich=False)
    assert store.corpus_documents() == 0
    first = next(store.iter_articles())
    assert store.get_tags(first.id) == []
    report = retag(store, workers=2, chunk_size=50)
    assert report.documents == report.tagged == store.count() == store.corpus_documents()
    assert len(store.get_tags(first.id)) >= 5
    again = retag(store)
    assert again.keys == report.keys and store.corpus_documents() == store.count()


def test_cli_tags_tag_and_retag(tmp_path, saudinewsnet_sample, db_url):
    db = db_url
    dump = write_jsonl(tmp_path / "s.jsonl", saudinewsnet_sample[:200])
    assert runner.invoke(app, ["ingest", str(dump), "--db", db]).exit_code == 0
    exported = tmp_path / "e.jsonl"
    runner.invoke(app, ["export", "--db", db, "--output", str(exported)])
    some_id = json.loads(exported.read_text(encoding="utf-8").splitlines()[0])["id"]
    shown = json.loads(runner.invoke(app, ["tags", some_id, "--db", db, "--json"]).stdout)
    assert shown["tags"] and all(t["display"] and t["key"] for t in shown["tags"])
    name = shown["tags"][0]["display"]
    page = json.loads(runner.invoke(app, ["tag", name, "--db", db, "--json"]).stdout)
    assert page["total"] >= 1 and some_id in [a["id"] for a in page["articles"]]
    assert runner.invoke(app, ["tag", "كلمة لا توجد أبدا", "--db", db]).exit_code == 2
    result = runner.invoke(app, ["retag", "--db", db, "--workers", "1"])
    assert result.exit_code == 0 and "retagged" in result.stdout


def test_cli_batch_mode_with_and_without_a_store(tmp_path, seed_page, saudinewsnet_sample, db_url):
    inp = tmp_path / "in.jsonl"
    docs = [{"id": "seed", "title": "", "text": seed_article(seed_page)}] + [
        {"id": r["id"], "title": r["title"], "text": r["content"]} for r in saudinewsnet_sample[:20]
    ]
    inp.write_text("".join(json.dumps(d, ensure_ascii=False) + "\n" for d in docs) + "{bad\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    result = runner.invoke(app, ["tags", "--input", str(inp), "--output", str(out), "-k", "7"])
    assert result.exit_code == 0 and "skipped 1" in result.output
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in rows] == [d["id"] for d in docs]
    assert all(len(r["tags"]) <= 7 for r in rows) and "التحالف الدولي" in rows[0]["tags"]
    db = db_url
    runner.invoke(app, ["ingest", str(write_jsonl(tmp_path / "s.jsonl", saudinewsnet_sample)), "--db", db])
    out2 = tmp_path / "out2.jsonl"
    assert runner.invoke(app, ["tags", "--input", str(inp), "--output", str(out2), "--db", db]).exit_code == 0
    assert len(out2.read_text(encoding="utf-8").splitlines()) == len(docs)


def test_named_entities_are_favoured():
    from khabar.enrich.tags import Weights, candidates

    text = ("ناقشت الحكومة خطة اقتصادية جديدة. وتضمنت خطة اقتصادية بنودا كثيرة. "
            "واستقبل الرئيس محمد الحسن الوفد. وأكد الرئيس محمد الحسن دعمه. رحبت وزارة المالية. ثم وزارة المالية.")
    found = candidates("", text)
    assert found[phrase_key("محمد الحسن")].entity and found[phrase_key("وزارة المالية")].entity
    assert not found[phrase_key("خطة اقتصادية")].entity
    plain = [t.display for t in extract_tags("", text, weights=Weights(entity=1.0))]
    favoured = [t.display for t in extract_tags("", text)]
    assert plain.index("خطة اقتصادية") < plain.index("محمد الحسن")
    assert favoured.index("محمد الحسن") < favoured.index("خطة اقتصادية")


def test_one_spelling_of_each_phrase():
    # "Tottenham" with and without لـ ("for Tottenham"): the stemmer keeps the two apart, and before this rule
    # both became tags ("توتنهام | لتوتنهام"), as in 435 of the dump's 30,676 articles ("مصر | لمصر").
    title = "لاعب جديد لتوتنهام"
    text = "انضم اللاعب لتوتنهام. وكان انضمامه لتوتنهام مفاجأة. وغادر النادي لتوتنهام. وقال مدرب توتنهام إن توتنهام سيفوز بالدوري."
    from khabar.enrich.tags import candidates

    found = candidates(title, text)
    assert phrase_key("لتوتنهام") in found and phrase_key("توتنهام") in found
    shown = [t.display for t in extract_tags(title, text)]
    assert shown[0] == "توتنهام"  # the place the better-scored spelling earned, shown without the ل
    assert "لتوتنهام" not in shown


def test_one_tag_for_a_phrase_with_and_without_a_glued_article():
    # "The college" and "at the college" (بالكلية): two keys that both showed as "الكلية", twice, in 64 of the
    # dump's 30,676 articles ("السجون | السجون", "اللغة الإنجليزية | اللغة الإنجليزية").
    title = "تخريج دفعة جديدة من الكلية"
    text = ("احتفلت الكلية بتخريج طلابها. وقال عميد الكلية إن الدراسة بالكلية تطورت. "
            "والتحق بالكلية ألف طالب هذا العام. وأعلنت الكلية عن برامج جديدة بالكلية.")
    from khabar.enrich.tags import candidates

    found = candidates(title, text)
    assert phrase_key("بالكلية") in found and phrase_key("الكلية") in found
    tags = extract_tags(title, text)
    shown = [t.display for t in tags]
    assert shown.count("الكلية") == 1
    assert phrase_key("الكلية") in [t.key for t in tags]  # the bare spelling's key


def test_no_two_tags_shown_alike_but_for_spaces():
    # A compound name written with and without its space: the stems differ (عبد رحم، عبدالرحم), so only the
    # displays can tell. 19 of the dump's articles showed both, as "عبد الرحمن | عبدالرحمن".
    title = "عبد الرحمن يفتتح المعرض"
    text = ("افتتح الأمير عبد الرحمن المعرض الدولي للكتاب. وتجول عبدالرحمن في أجنحة المعرض. "
            "وقال عبد الرحمن إن المعرض نافذة ثقافية. وشكر عبدالرحمن الناشرين. وأثنى عبدالرحمن على المنظمين.")
    tags = extract_tags(title, text)
    squeezed = [t.display.replace(" ", "") for t in tags]
    assert "عبدالرحمن" in squeezed
    assert len(squeezed) == len(set(squeezed))
    from khabar.enrich.tags import candidates

    found = candidates(title, text)
    assert phrase_key("عبد الرحمن") in found and phrase_key("عبدالرحمن") in found


def test_variant_keys():
    from khabar.enrich.tags import variant_key

    for phrase, same in {"لخيال الظل": "خيال الظل", "لمصر": "مصر", "لحزب العمال": "حزب العمال"}.items():
        assert phrase_key(phrase) != phrase_key(same) and variant_key(phrase_key(phrase)) == phrase_key(same), phrase
    # The article with what is glued before it (by, for, and): the tags show these without it.
    for phrase, same in {"بالكلية": "الكلية", "للسجون": "السجون", "والخط": "الخط", "باللغة الإنجليزية": "اللغة الإنجليزية"}.items():
        assert phrase_key(phrase) != phrase_key(same) and variant_key(phrase_key(phrase)) == phrase_key(same), phrase
    assert variant_key(phrase_key("لبنان الجديد")) != phrase_key("لبنان الجديد")  # only ever compared inside one article
    assert variant_key("لون") == "لون"  # too short to lose its ل


def _every_ngram(doc):
    """All n-grams of a document, counted the simple way (the reference for count_phrases): their counts,
    first positions, those in the title, and those that look like names (after a person's title, or a
    phrase headed by an organisation or place noun)."""
    from khabar.enrich.tags import _HEAD_STEMS, _TITLE_STEMS, MAX_WORDS

    counts, first, title, names = {}, {}, set(), set()
    offset = 0
    for index, (_, stems, breaks) in enumerate(doc.clauses):
        for start in range(len(stems)):
            for end in range(start, min(start + MAX_WORDS, len(stems))):
                run = stems[start : end + 1]
                if None in run or any(b in breaks for b in range(start + 1, end + 1)):
                    break
                key = " ".join(run)
                counts[key] = counts.get(key, 0) + 1
                first.setdefault(key, offset + start)
                if index < doc.title_clauses:
                    title.add(key)
                if (start and stems[start - 1] in _TITLE_STEMS) or (end > start and run[0] in _HEAD_STEMS):
                    names.add(key)
        offset += len(stems)
    return counts, first, title, names


def test_phrase_counts_keep_every_phrase_that_can_matter(seed_page, saudinewsnet_sample):
    from khabar.enrich.tags import MIN_PHRASE_COUNT, count_phrases, read_document

    texts = [(seed_article(seed_page).split("\n", 1)[0], seed_article(seed_page))]
    texts += [(r["title"], r["content"]) for r in saudinewsnet_sample[:40]]
    kept = {phrase_key(t) for t in seed_publisher_tags(seed_page)} - {None}
    skipped = named = 0
    for title, text in texts:
        doc = read_document(title, text)
        every, first, in_title, names = _every_ngram(doc)
        counted = count_phrases(doc, kept)
        # Every word, and every phrase seen twice, in the title or among the kept ones: with its full count.
        wanted = {k: n for k, n in every.items() if " " not in k or n >= MIN_PHRASE_COUNT or k in in_title or k in kept}
        assert {k: counted.counts[k] for k in wanted} == wanted
        assert {k: counted.first[k] for k in wanted} == {k: first[k] for k in wanted}
        assert set(counted.title_counts) == in_title
        assert counted.entity_keys == names & set(counted.counts)
        named += len(counted.entity_keys)
        assert count_phrases(doc).statistics_keys() == counted.statistics_keys()
        skipped += len(every) - len(counted.counts)
    assert skipped > 0  # phrases seen once outside the title were left out
    assert named > 0  # and the rule for names was exercised


def test_a_title_alone_is_not_a_tag_and_crown_prince_is_one_phrase():
    # ولي العهد (crown prince) once stood in the titles as two words, so العهد passed for a name after
    # ولي: 286 articles of the dump showed "ولي" and 169 "العهد" as tags of their own. And bare titles
    # ("الفريق", "أمير", "وزير", "اللاعب") were among the commonest tags, naming a role, not a subject.
    text = ("استقبل ولي العهد وفدا رسميا في الرياض. وبحث ولي العهد مع الوفد التعاون الاقتصادي. "
            "وحضر اللقاء الوزير والوزير المرافق. وأكد ولي العهد أهمية التعاون الاقتصادي بين البلدين. "
            "وقال الوزير إن الوزير سيزور الرياض.")
    tags = [t.display for t in extract_tags("", text)]
    assert "ولي العهد" in tags
    assert "ولي" not in tags and "العهد" not in tags
    assert "الوزير" not in tags
    publisher = [t.display for t in extract_tags("", text, publisher_tags=["الوزير"])]
    assert "الوزير" in publisher  # a publisher may still choose one


def test_no_two_tags_are_overlapping_windows_of_one_run_of_words():
    # Three windows of one headline became three tags: "ولي العهد يهنئ سلطان | العهد يهنئ سلطان عمان |
    # يهنئ سلطان عمان بذكرى". A headline alone no longer gives phrases
    # (test_a_phrase_of_the_headline_alone_is_no_tag); a text that repeats its run of words still does.
    from khabar.enrich.tags import _straddles

    title = "ولي العهد يهنئ سلطان عمان بذكرى يوم النهضة"
    text = ("بعث ولي العهد برقية تهنئة لجلالة سلطان عمان بمناسبة ذكرى يوم النهضة. "
            "وعبر ولي العهد في البرقية عن أطيب التهاني. وتحتفل سلطنة عمان بذكرى يوم النهضة كل عام. "
            "وجاء في البيان: ولي العهد يهنئ سلطان عمان بذكرى يوم النهضة. وأعادت الصحف الخبر: ولي العهد يهنئ سلطان عمان.")
    keys = [t.key.split(" ") for t in extract_tags(title, text)]
    assert not any(_straddles(a, b) for a in keys for b in keys if a != b)
    assert sum(len(key) >= 3 for key in keys) >= 1  # a window of the headline is still there
    a, b = "ول عهد هنء سلط".split(), "عهد هنء سلط عمان".split()
    assert _straddles(a, b) and _straddles(b, a)
    assert not _straddles("محمد بن سلمان".split(), "سلمان بن عبدالعزيز".split())  # one word shared: two names
    assert not _straddles("مجلس وزراء".split(), "رئيس مجلس وزراء".split())  # one inside the other: the nesting rule's case


def test_a_form_of_address_is_a_title():
    # "معالي الأستاذ خالد العيسى" (His Excellency Mr. Khalid al-Issa): the name is the tag.
    text = ("استقبل معالي الأستاذ خالد العيسى وفدا. وقال معالي الأستاذ خالد العيسى إن التعاون مهم. "
            "وأكد معالي الأستاذ خالد العيسى ذلك.")
    tags = [t.display for t in extract_tags("", text)]
    assert "خالد العيسى" in tags
    assert not any(t.split()[0] in {"معالي", "الأستاذ"} for t in tags)


def test_no_tag_ends_with_a_name_particle():
    # "محمد بن" and "سلمان بن عبدالعزيز آل" were tags of 1,298 of the dump's articles, and "بن" alone of 309:
    # names cut short before the word after بن (son of) or آل (family of).
    text = ("استقبل الأمير محمد بن سلمان بن عبدالعزيز آل سعود الوفد. وبحث الأمير محمد بن سلمان مع الوفد التعاون. "
            "وحضر اللقاء الأمير محمد بن نايف بن عبدالعزيز. وأكد الأمير محمد بن سلمان أهمية التعاون.")
    from khabar.enrich.tags import NAME_PARTICLES

    particles = set(NAME_PARTICLES.split())
    tags = [t.display for t in extract_tags("", text)]
    assert any(t.startswith("محمد بن سلمان") for t in tags)
    assert not any(t.split()[-1] in particles for t in tags), tags


def test_the_variant_cache_gives_variant_keys_and_stays_bounded(monkeypatch):
    from khabar.enrich import tags

    monkeypatch.setattr(tags._VARIANTS, "limit", 3)
    tags._VARIANTS.clear()
    keys = [phrase_key(p) for p in ("بالكلية", "لمصر", "لخيال الظل", "للسجون", "الرياض")]
    assert [tags._VARIANTS[k] for k in keys] == [tags.variant_key(k) for k in keys]
    assert 0 < len(tags._VARIANTS) <= 3


def test_a_phrase_of_the_headline_alone_is_no_tag(saudinewsnet_sample):
    # Cut from a headline, a phrase is a piece of a sentence more often than a subject: "رونالدو يهدي وكيل"
    # (Ronaldo gives [his] agent), "الإسلامي تدين" (the Islamic … condemns), "وفاة الفنان" (the death of the
    # artist). Such pieces were 14% of the dump's tags, in 25,292 of its 30,676 articles.
    from khabar.enrich.tags import read_document

    title = "كريستيانو رونالدو يهدي وكيل أعماله جزيرة يونانية بمناسبة زفافه"
    text = ("قدم النجم البرتغالي كريستيانو رونالدو هدية ثمينة إلى خورخي منديز بمناسبة زفافه. "
            "وذكرت الصحف أن كريستيانو رونالدو اشترى الجزيرة في اليونان. وقال منديز إن الهدية فاجأته. "
            "ويلعب كريستيانو رونالدو لريال مدريد منذ سنوات.")
    tags = extract_tags(title, text)
    assert "كريستيانو رونالدو" in [t.display for t in tags]  # in the headline and the text: a phrase, with the title's boost
    in_text = _every_ngram(read_document("", text))[0]
    assert [t.display for t in tags if " " in t.key and t.key not in in_text] == []
    chosen = extract_tags(title, text, publisher_tags=["جزيرة يونانية"])
    assert "جزيرة يونانية" in [t.display for t in chosen]  # the publisher's choice still counts
    # Over real articles, every phrase tag occurs in the article's text, not in its title alone.
    checked = 0
    for record in saudinewsnet_sample[:40]:
        in_text = _every_ngram(read_document("", record["content"]))[0]
        for tag in extract_tags(record["title"], record["content"]):
            if " " in tag.key:
                assert tag.key in in_text, (record["title"], tag.display)
                checked += 1
    assert checked > 20


def test_the_headline_repeated_in_the_text_is_not_the_text():
    # One outlet ends 1,805 of its 2,090 articles in the dump with "رابط الخبر بصحيفة الوئام: <headline>"
    # (the story's link, then its headline): the headline's pieces passed for phrases the text holds.
    from khabar.enrich.tags import read_document

    title = "أمير عسير يوجه بإيقاف مؤقت لمظاهر الاحتفالات بمهرجان أبها"
    body = ("وجه أمير منطقة عسير بإيقاف الاحتفالات تضامنا مع أسر الشهداء. وقال المتحدث باسم الإمارة إن "
            "مهرجان أبها يستمر ببرامجه الثقافية. وأكد المتحدث أن منطقة عسير تقف مع أسر الشهداء.")
    footer = f"\nرابط الخبر بصحيفة الوئام: {title}"
    in_text = _every_ngram(read_document("", body))[0]
    for text in (body + footer, title + ".\n" + body):
        tags = extract_tags(title, text)
        assert [t.display for t in tags if " " in t.key and t.key not in in_text] == [], text[:30]
        assert "عسير" in " ".join(t.display for t in tags)
    # Inside a sentence of the text, the headline's words are the text's own; and a clause of the
    # headline shorter than three words is not taken for a repeat.
    sentence = "وقال المتحدث إن أمير عسير يوجه بإيقاف مؤقت لمظاهر الاحتفالات بمهرجان أبها حتى إشعار آخر."
    assert read_document(title, sentence).clauses[1][1] == read_document("", sentence).clauses[0][1]
    short = read_document("مهرجان أبها", "مهرجان أبها\nافتتح مهرجان أبها أمس.")
    assert short.clauses[1][1] == short.clauses[0][1]


def test_a_word_inside_two_phrases_does_not_stand_alone():
    # الله (God) inside حزب الله (Hezbollah) and نصر الله (Nasrallah), never on its own: counting only the
    # most frequent phrase around it left it standing alone, and "نصر الله | حزب الله | الله" were tags.
    text = ("قال الأمين العام لحزب حزب الله حسن نصر الله إن حزب الله يتلقى دعما من إيران. "
            "وأضاف نصر الله أن حزب الله لن يتراجع. وتابع نصر الله في خطابه أن إيران تدعم حزب الله. "
            "وختم نصر الله بالقول إن حزب الله باق.")
    shown = [t.display for t in extract_tags("", text)]
    assert "حزب الله" in shown and "نصر الله" in shown
    assert "الله" not in shown
    assert "إيران" in shown


def test_ingest_says_when_the_tags_are_older_than_the_tagger(tmp_path, saudinewsnet_sample, db_url):
    # Tag rules change between versions; a store's tags stay as they were made until `khabar retag`.
    from khabar.enrich import tags_are_current
    from khabar.enrich.tags import tagger_stamp
    from khabar.store import open_store

    def said(result) -> str:
        return " ".join(result.output.split())  # the console wraps long lines

    dump = write_jsonl(tmp_path / "s.jsonl", saudinewsnet_sample[:60])
    first = runner.invoke(app, ["ingest", str(dump), "--db", db_url, "--workers", "1"])
    assert first.exit_code == 0 and "earlier version" not in said(first)
    with open_store(db_url) as store:
        assert store.tagger_stamp() == tagger_stamp() and tags_are_current(store)
        store.set_tagger_stamp("0:an-earlier-tagger")  # as a store of an earlier version has it
        assert not tags_are_current(store)
    again = runner.invoke(app, ["ingest", str(dump), "--db", db_url, "--workers", "1"])
    assert again.exit_code == 0 and "made by an earlier version of khabar's tagger: run `khabar retag`" in said(again)
    assert runner.invoke(app, ["retag", "--db", db_url, "--workers", "1"]).exit_code == 0
    with open_store(db_url) as store:
        assert store.tagger_stamp() == tagger_stamp()
    last = runner.invoke(app, ["ingest", str(dump), "--db", db_url, "--workers", "1"])
    assert "earlier version" not in said(last)


def test_the_tagger_stamp_follows_the_rules(monkeypatch):
    from khabar.enrich import tags

    stamp = tags.tagger_stamp()
    assert stamp == tags.tagger_stamp() and stamp.startswith(f"{tags.TAGGER_FORMAT}:")
    tags.tagger_stamp.cache_clear()
    monkeypatch.setattr(tags, "MIN_PHRASE_COUNT", 3)  # another rule: the probe's tags change
    try:
        assert tags.tagger_stamp() != stamp
    finally:
        tags.tagger_stamp.cache_clear()


def test_up_says_when_the_tags_are_older_than_the_tagger(tmp_path, saudinewsnet_sample, db_url, caplog):
    import threading

    from khabar.enrich import OLDER_TAGS_ADVICE
    from khabar.store import open_store
    from khabar.up import run_up

    with open_store(db_url) as store:
        ingest_paths(store, [str(write_jsonl(tmp_path / "s.jsonl", saudinewsnet_sample[:20]))])
    stop = threading.Event()
    stop.set()  # nothing to follow: open the store, say what it must, stop
    run_up(db_url, [], serve=False, stop=stop)
    assert OLDER_TAGS_ADVICE not in caplog.text
    with open_store(db_url) as store:
        store.set_tagger_stamp("0:an-earlier-tagger")
    run_up(db_url, [], serve=False, stop=stop)
    assert OLDER_TAGS_ADVICE in caplog.text
