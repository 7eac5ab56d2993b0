"""Named entities: labelled text read, a model trained on ANERcorp and checked on its test split,
names found in articles, bad models and bad files refused clearly, and the commands."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import quote

import pytest
from typer.testing import CliRunner

from conftest import SHARED_DATA, _require, write_jsonl

from khabar.cli import app
from khabar.enrich.entities import (
    FEATURES_VERSION,
    EntityRecognizer,
    Mention,
    Scores,
    group_mentions,
    read_conll,
    spans_of,
    train_model,
)
from khabar.errors import ConfigError, IngestError

ANERCORP = SHARED_DATA / "anercorp"
runner = CliRunner()


@pytest.fixture(scope="session")
def model_path(tmp_path_factory) -> Path:
    """A model trained on ANERcorp's training split (the ite5th split), in a temporary folder."""
    path = tmp_path_factory.mktemp("entities") / "model.crf"
    train_model([_require(ANERCORP / "ite5th_train.conll")], path, iterations=80)
    return path


@pytest.fixture(scope="session")
def recognizer(model_path) -> EntityRecognizer:
    return EntityRecognizer(model_path)


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


# ---------------------------------------------------------------------------
# Labelled text


def test_conll_sentences_are_read_with_their_tags(tmp_path):
    path = write(
        tmp_path / "a.conll",
        "-DOCSTART- -X- -X- O\n\nقال O\nمحمد B-PER\nصالح I-PER\n\nفي O\nالرياض B-LOC\n",
    )
    assert read_conll(path) == [
        [("قال", "O"), ("محمد", "B-PERS"), ("صالح", "I-PERS")],  # PER is read as PERS
        [("في", "O"), ("الرياض", "B-LOC")],
    ]


@pytest.mark.parametrize(
    "bad_line",
    [
        "محمد",  # no tag
        "محمد X-PERS",  # not an IOB tag
        "الأمن\u200f1706 \u200f",  # a tag lost (a line of ANERcorp's ite5th dev split)
        "محمد B-",  # a tag without its type
    ],
)
def test_a_sentence_with_a_malformed_line_is_left_out_and_the_reason_kept(tmp_path, bad_line, caplog):
    path = write(tmp_path / "bad.conll", f"قال O\n{bad_line}\nصالح I-PERS\n\nفي O\nالرياض B-LOC\n")
    problems: list[str] = []
    assert read_conll(path, problems) == [[("في", "O"), ("الرياض", "B-LOC")]]
    assert len(problems) == 1 and "line 2" in problems[0] and "left out" in problems[0]
    assert "line 2" in caplog.text


def test_tabs_and_more_columns_are_read_word_first_tag_last(tmp_path):
    path = write(tmp_path / "columns.conll", "قال\tVBD\tO\nمحمد\tNNP\tB-PER\n\nفي O\n")
    assert read_conll(path) == [[("قال", "O"), ("محمد", "B-PERS")], [("في", "O")]]


def test_a_word_that_is_only_a_direction_mark_is_no_word(tmp_path):
    path = write(tmp_path / "marks.conll", "قال O\n\u200f O\nأنان\u200f B-PERS\n")
    assert read_conll(path) == [[("قال", "O"), ("أنان", "B-PERS")]]


def test_labelled_text_without_a_usable_sentence_is_refused(tmp_path):
    with pytest.raises(IngestError, match="no usable labelled sentence"):
        read_conll(write(tmp_path / "empty.conll", "\n\n"))
    with pytest.raises(IngestError, match="no usable labelled sentence"):
        read_conll(write(tmp_path / "broken.conll", "محمد\n"))
    with pytest.raises(IngestError, match="cannot read"):
        read_conll(tmp_path / "missing.conll")


def test_labelled_text_in_another_encoding_is_refused_clearly(tmp_path):
    path = tmp_path / "cp1256.conll"
    path.write_bytes("قال O\nمحمد B-PERS\n".encode("cp1256"))
    with pytest.raises(IngestError, match="not UTF-8"):
        read_conll(path)


def test_spans_of_iob_tags():
    # A name may also begin with I- (IOB1), and B- after a name of the same type begins another.
    tags = ["B-PERS", "I-PERS", "O", "I-LOC", "B-LOC", "I-ORG", "I-LOC"]
    assert spans_of(tags) == {(0, 2, "PERS"), (3, 4, "LOC"), (4, 5, "LOC"), (5, 6, "ORG"), (6, 7, "LOC")}


def test_scores_count_whole_names_only():
    scores = Scores()
    gold = {(0, 2, "PERS"), (5, 6, "LOC")}
    found = {(0, 1, "PERS"), (5, 6, "LOC"), (8, 9, "ORG")}  # a name cut short counts as wrong and missed
    scores.add(gold, found)
    assert scores.of("LOC") == (1.0, 1.0, 1.0)
    assert scores.of("PERS") == (0.0, 0.0, 0.0)
    precision, recall, f1 = scores.of()
    assert (precision, recall) == (1 / 3, 1 / 2) and f1 == pytest.approx(0.4)
    assert scores.as_dict()["all"]["gold"] == 2 and scores.as_dict()["all"]["found"] == 3


# ---------------------------------------------------------------------------
# A trained model


def test_model_trained_on_anercorp_finds_names_in_its_test_split(recognizer, model_path):
    """Whole names, type and both ends right, on sentences the model never saw: the measured figures are
    in docs/benchmarks.md (F1 0.77 over all); these floors fail if features or decoding break."""
    scores = recognizer.evaluate(ANERCORP / "ite5th_test.conll")
    assert scores.of()[2] >= 0.70
    assert scores.of("LOC")[2] >= 0.80 and scores.of("PERS")[2] >= 0.60 and scores.of("ORG")[2] >= 0.60
    about = json.loads((model_path.parent / "model.crf.json").read_text(encoding="utf-8"))
    assert about["features"] == FEATURES_VERSION and about["trained_on"] == ["ite5th_train.conll"]
    assert about["sentences"] == len(read_conll(ANERCORP / "ite5th_train.conll"))


def test_names_in_an_article_keep_their_spelling_and_place(recognizer):
    text = (
        "أعلن الرئيس الأمريكي باراك أوباما في واشنطن أن الولايات المتحدة ستدعم الأمم المتحدة.\n"
        "وقال أوباما إن الامم المتحدة قادرة على ذلك."
    )
    mentions = recognizer.mentions(text)
    assert all(text[m.start : m.end] == m.text for m in mentions)
    found = {(m.text, m.kind) for m in mentions}
    assert ("باراك أوباما", "PERS") in found and ("واشنطن", "LOC") in found
    entities = {e.key: e for e in recognizer.entities("", text)}
    # الأمم المتحدة and الامم المتحدة are one name, written most as the first spelling (or tied: first seen)
    united = [e for e in entities.values() if e.key == "الامم المتحده"]
    assert united and united[0].mentions == 2


def test_a_glued_conjunction_or_preposition_is_dropped_only_when_sure():
    mentions = [
        Mention("والسعودية", "LOC", 0, 9),  # "and Saudi Arabia", named without it too
        Mention("للسعودية", "LOC", 0, 8),  # "for Saudi Arabia": ل and the article merge
        Mention("السعودية", "LOC", 0, 8),
        Mention("وفرنسا", "LOC", 10, 16),  # "and France": France is named without it too
        Mention("فرنسا", "LOC", 20, 25),
        Mention("بمكة", "LOC", 26, 30),  # "in Mecca"
        Mention("مكة", "LOC", 26, 30),
        Mention("وليد", "PERS", 30, 34),  # Walid: nothing says the و is a conjunction
        Mention("كاليفورنيا", "LOC", 40, 50),  # California, not "as" + اليفورنيا
        Mention("بالرياض", "LOC", 50, 57),  # "in Riyadh", and Riyadh is named nowhere else
    ]
    entities = {e.name: e for e in group_mentions(mentions)}
    assert set(entities) == {"السعودية", "فرنسا", "مكة", "وليد", "كاليفورنيا", "بالرياض"}
    assert entities["السعودية"].mentions == 3 and entities["فرنسا"].mentions == 2 and entities["مكة"].mentions == 2


def test_long_text_without_punctuation_is_labelled_in_bounded_sentences(recognizer):
    text = " ".join(["كلمة"] * 1000) + " في الرياض"
    mentions = recognizer.mentions(text)
    assert all(text[m.start : m.end] == m.text for m in mentions)


# ---------------------------------------------------------------------------
# Models refused clearly


def test_a_missing_model_says_how_to_make_one(tmp_path):
    with pytest.raises(ConfigError, match="khabar entities train"):
        EntityRecognizer(tmp_path / "none.crf")


def test_a_model_of_other_features_is_refused(tmp_path, model_path):
    copy = tmp_path / "old.crf"
    copy.write_bytes(model_path.read_bytes())
    about = json.loads((model_path.parent / "model.crf.json").read_text(encoding="utf-8"))
    write(tmp_path / "old.crf.json", json.dumps({**about, "features": FEATURES_VERSION - 1}))
    with pytest.raises(ConfigError, match="features of version"):
        EntityRecognizer(copy)
    (tmp_path / "old.crf.json").unlink()
    with pytest.raises(ConfigError, match="no readable"):
        EntityRecognizer(copy)


def test_a_file_that_is_no_model_is_refused(tmp_path, model_path):
    broken = tmp_path / "broken.crf"
    broken.write_bytes(b"not a model at all")
    (tmp_path / "broken.crf.json").write_text((model_path.parent / "model.crf.json").read_text(encoding="utf-8"))
    with pytest.raises(ConfigError, match="not a CRFsuite model"):
        EntityRecognizer(broken)


def test_the_model_comes_from_the_environment(monkeypatch, model_path):
    monkeypatch.setenv("KHABAR_ENTITY_MODEL", str(model_path))
    assert EntityRecognizer().path == model_path


# ---------------------------------------------------------------------------
# Commands


def test_entities_commands(tmp_path, db_url, model_path, saudinewsnet_sample):
    small = write(
        tmp_path / "small.conll",
        "زار O\nمحمد B-PERS\nصالح I-PERS\nالرياض B-LOC\n.\n\nوصل O\nعلي B-PERS\nإلى O\nجدة B-LOC\n",
    )
    made = tmp_path / "made.crf"
    result = runner.invoke(app, ["entities", "train", "--conll", str(small), "--model", str(made), "--iterations", "5"])
    # "." has lost its tag: its sentence is left out, and the command says which line
    assert result.exit_code == 0, result.output
    said = " ".join(result.output.split())  # as one line: the console wraps long lines
    assert "1 sentences" in said and "line 5" in said and made.is_file()
    assert json.loads((tmp_path / "made.crf.json").read_text(encoding="utf-8"))["sentences_left_out"] == 1
    result = runner.invoke(app, ["entities", "train", "--conll", str(tmp_path / "none.conll"), "--model", str(made)])
    assert result.exit_code == 2 and "cannot read" in result.output

    result = runner.invoke(
        app, ["entities", "evaluate", "--conll", str(ANERCORP / "ite5th_test.conll"), "--model", str(model_path), "--json"]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["all"]["f1"] >= 0.70

    dump = write_jsonl(tmp_path / "sample.jsonl", saudinewsnet_sample[:30])
    assert runner.invoke(app, ["ingest", str(dump), "--db", db_url]).exit_code == 0
    export = tmp_path / "out.jsonl"
    runner.invoke(app, ["export", "--db", db_url, "--output", str(export)])
    articles = [json.loads(line) for line in export.read_text(encoding="utf-8").splitlines()]
    result = runner.invoke(app, ["entities", "show", articles[0]["id"], "--db", db_url])
    assert result.exit_code == 0 and "entities run" in " ".join(result.output.split())  # nothing read yet

    run = ["entities", "run", "--db", db_url, "--model", str(model_path), "--json"]
    result = runner.invoke(app, [*run, "--workers", "2"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["read"] == len(articles) and report["names"] > len(articles)
    assert json.loads(runner.invoke(app, run).stdout) == {"read": 0, "names": 0}  # a second run: nothing new

    shown = json.loads(runner.invoke(app, ["entities", "show", articles[0]["id"], "--db", db_url, "--json"]).stdout)
    assert shown["id"] == articles[0]["id"] and shown["entities"]
    body = articles[0]["title"] + "\n" + articles[0]["text"]
    assert all(e["name"] in body for e in shown["entities"])  # each is in the article, as written there
    assert all(e["kind"] in {"PERS", "LOC", "ORG", "MISC"} and e["mentions"] >= 1 for e in shown["entities"])

    name = shown["entities"][0]["name"]
    result = runner.invoke(app, ["entities", "articles", name, "--db", db_url, "--json"])
    assert result.exit_code == 0, result.output
    listed = json.loads(result.stdout)
    assert articles[0]["id"] in {a["id"] for a in listed["articles"]} and listed["total"] == len(listed["articles"])
    naming = [a for a in articles if listed["key"] in {e["key"] for e in json.loads(
        runner.invoke(app, ["entities", "show", a["id"], "--db", db_url, "--json"]).stdout)["entities"]}]
    assert listed["total"] == len(naming)

    result = runner.invoke(app, ["entities", "show", "no-such-id", "--db", db_url])
    assert result.exit_code == 2 and "no article" in result.output
    result = runner.invoke(app, ["entities", "articles", "اسم لا يرد", "--db", db_url])
    assert result.exit_code == 2 and "no article names" in result.output
    result = runner.invoke(app, ["entities", "run", "--db", db_url, "--model", str(tmp_path / "x.crf")])
    assert result.exit_code == 2 and "no entity model" in result.output


# ---------------------------------------------------------------------------
# Stored names


def test_reading_the_store_is_incremental_and_resumable(store, recognizer, model_path, saudinewsnet_sample, tmp_path):
    from khabar.enrich.entities import READ_CHUNK, read_store_entities
    from khabar.ingest.dumps import Record
    from khabar.pipeline import ingest_records

    records = [r for r in saudinewsnet_sample if r["content"].strip()][: READ_CHUNK * 2 + 10]
    ingest_records(store, [Record(raw, f"sample:{n}") for n, raw in enumerate(records)])
    total = store.count()

    class Stop(Exception):
        pass

    def stop_after_first(report):
        raise Stop

    with pytest.raises(Stop):  # stopped after its first chunk, as a killed run would be
        read_store_entities(store, recognizer, on_chunk=stop_after_first)
    assert len(store.ids_to_read_for_entities(recognizer.stamp, limit=10_000)) == total - READ_CHUNK
    report = read_store_entities(store, recognizer)
    assert report.read == total - READ_CHUNK  # the rest, not the first chunk again
    assert read_store_entities(store, recognizer).read == 0

    # An article whose text changed is read again; another model reads everything.
    article = store.get_article(store.ids_to_read_for_entities("another model", limit=1)[0])
    article.text += " وزار الرئيس باراك أوباما العاصمة الرياض."
    store.upsert_articles([article])
    assert store.ids_to_read_for_entities(recognizer.stamp) == [article.id]
    assert read_store_entities(store, recognizer).read == 1
    assert "أوباما" in " ".join(e.name for e in store.get_entities(article.id))
    assert len(store.ids_to_read_for_entities("another model", limit=10_000)) == total


def test_stored_names_are_replaced_not_added(store, saudinewsnet_sample):
    from khabar.ingest.dumps import Record
    from khabar.model import Entity
    from khabar.pipeline import ingest_records

    ingest_records(store, [Record(raw, f"sample:{n}") for n, raw in enumerate(saudinewsnet_sample[:6])])
    article_id = store.ids_to_read_for_entities("m")[0]
    store.set_entities({article_id: [Entity("الرياض", "LOC", 2, "الرياض"), Entity("سلمان", "PERS", 1, "سلمان")],
                        "not-stored": [Entity("جدة", "LOC", 1, "جده")]}, "m")  # fmt: skip
    assert [e.name for e in store.get_entities(article_id)] == ["الرياض", "سلمان"]
    assert store.entity_name("جده") is None  # an id not stored is passed over
    store.set_entities({article_id: [Entity("جدة", "LOC", 1, "جده")]}, "m")
    assert store.get_entities(article_id) == [Entity("جدة", "LOC", 1, "جده")]
    assert store.entity_name("جده") == ("جدة", "LOC") and store.count_entity("جده") == 1
    assert store.count_entity("الرياض") == 0 and store.articles_with_entity("جده")[0].id == article_id
    others = [i for i in store.ids_to_read_for_entities("another model", limit=10) if i != article_id]
    store.set_entities({others[0]: [Entity("سلمان", "PERS", 3, "سلمان"), Entity("جدة", "LOC", 1, "جده")]}, "m")
    assert store.entities_of([article_id, others[0], others[1]]) == {
        article_id: [Entity("جدة", "LOC", 1, "جده")],
        others[0]: [Entity("سلمان", "PERS", 3, "سلمان"), Entity("جدة", "LOC", 1, "جده")],  # most mentioned first
        others[1]: [],
    }
    assert article_id not in store.ids_to_read_for_entities("m", limit=10)


# ---------------------------------------------------------------------------
# The web pages and the API


def test_article_page_and_api_show_names_that_lead_to_their_articles(tmp_path, db_url, recognizer, saudinewsnet_sample):
    from fastapi.testclient import TestClient

    from khabar.enrich.entities import read_store_entities
    from khabar.ingest.dumps import Record
    from khabar.model import Entity
    from khabar.pipeline import ingest_records
    from khabar.store import open_store
    from khabar.web import create_app

    with open_store(db_url) as store:
        ingest_records(store, [Record(raw, f"sample:{n}") for n, raw in enumerate(saudinewsnet_sample[:40])])
        read_store_entities(store, recognizer)
        named = next(
            i for i in store.ids_to_read_for_entities("another model", limit=100)
            if {e.kind for e in store.get_entities(i)} >= {"MISC", "PERS"}
        )
        hostile = store.ids_to_read_for_entities("another model", limit=100)[-1]
        store.set_entities({hostile: [Entity("<script>alert(1)</script>", "PERS", 1, "<script>alert(1)</script>")]}, "m")
        entities = store.get_entities(named)

    with TestClient(create_app(db_url)) as client:
        page = client.get(f"/article/{named}").text
        assert "أسماء في الخبر" in page  # "names in the article"
        first = next(e for e in entities if e.kind != "MISC")
        href = f"/entity/{quote(first.name)}"
        assert href in page
        for other in (e for e in entities if e.kind == "MISC"):  # other names: in the API, not on the page
            assert f"/entity/{quote(other.name)}" not in page
        listing = client.get(href)
        assert listing.status_code == 200 and f"/article/{named}" in listing.text
        feed = client.get(f"/feeds/entity/{quote(first.name)}.atom")  # readers can follow a name
        assert feed.status_code == 200 and feed.headers["content-type"].startswith("application/atom+xml")
        atom = "{http://www.w3.org/2005/Atom}"
        links = [entry.find(f"{atom}link").get("href") for entry in ET.fromstring(feed.content).iter(f"{atom}entry")]
        assert any(link.endswith(f"/article/{named}") for link in links)
        assert f'href="/feeds/entity/{quote(first.name)}.atom"' in listing.text
        assert client.get(f"/feeds/entity/{quote('اسم لا يرد')}.atom").status_code == 404

        api = client.get(f"/api/v1/articles/{named}/entities").json()
        assert [e["name"] for e in api["entities"]] == [e.name for e in entities]
        assert client.get(f"/api/v1/articles/{named}").json()["entities"] == api["entities"]
        found = client.get(f"/api/v1/entities/{quote(first.name)}").json()
        assert found["entity"] == first.name and named in {a["id"] for a in found["articles"]}
        assert client.get(f"/api/v1/entities/{quote('اسم لا يرد')}").status_code == 404
        assert client.get(f"/entity/{quote('اسم لا يرد')}").status_code == 404

        story_id = client.get(f"/api/v1/articles/{named}").json()["story"]
        story = client.get(f"/api/v1/stories/{story_id}").json()
        assert first.key in {e["key"] for e in story["entities"]}  # the story lists its articles' names
        assert "أسماء في القصة" in client.get(f"/story/{story_id}").text  # "names in the story"
        assert f"/entity/{quote(first.name)}" in client.get(f"/story/{story_id}").text

        page = client.get(f"/article/{hostile}").text
        assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
        listing = client.get(f"/entity/{quote('<script>alert(1)</script>')}").text
        assert "<script>alert(1)" not in listing


# ---------------------------------------------------------------------------
# Gathering articles: fetch and follow find names when there is a model


def test_fetched_articles_get_their_names_when_there_is_a_model(outlet_records, db_url, model_path, tmp_path, monkeypatch):
    from support.outlets import Outlets

    from khabar.store import open_store

    monkeypatch.chdir(tmp_path)  # no ./khabar-entities.crf here
    monkeypatch.delenv("KHABAR_ENTITY_MODEL", raising=False)
    stamp = EntityRecognizer(model_path).stamp
    with Outlets(outlet_records, faults=False) as outlets:
        fetch = ["fetch", "--once", "--allow-private", "--db", db_url, "--json", "--feed"]
        assert runner.invoke(app, [*fetch, outlets.outlets[4].feeds[0]]).exit_code == 0
        with open_store(db_url) as store:
            assert len(store.ids_to_read_for_entities(stamp, limit=100)) == store.count() == 12  # no model: none read
        result = runner.invoke(app, [*fetch, outlets.outlets[5].feeds[0], "--entity-model", str(model_path)])
        assert result.exit_code == 0, result.output
        with open_store(db_url) as store:
            assert store.count() == 24 and store.ids_to_read_for_entities(stamp, limit=100) == []
            assert sum(len(store.get_entities(a.id)) for a in store.iter_articles()) > 24
        missing = runner.invoke(app, [*fetch, outlets.outlets[6].feeds[0], "--entity-model", str(tmp_path / "x.crf")])
        assert missing.exit_code == 2 and "no entity model" in missing.output


def test_following_outlets_finds_the_names_after_each_round(outlet_records, db_url, recognizer):
    import threading

    from support.outlets import Outlets

    from khabar.enrich.entities import read_store_entities
    from khabar.ingest.fetch import Fetcher, FetchPolicy
    from khabar.ingest.live import follow
    from khabar.ingest.sources import parse_sources
    from khabar.store import open_store

    stop = threading.Event()
    rounds: list[int] = []

    def after_poll(store) -> None:
        rounds.append(read_store_entities(store, recognizer).read)
        stop.set()

    with Outlets(outlet_records, faults=False) as outlets, open_store(db_url) as store:
        sources = parse_sources(outlets.sources_toml()).sources
        with Fetcher(FetchPolicy(timeout=10, retries=2, backoff=0.05, delay=0)) as fetcher:
            follow(store, sources, stop, fetcher, after_poll=after_poll)
        assert rounds == [store.count()] and store.count() == len(outlets.good_articles())
        assert store.ids_to_read_for_entities(recognizer.stamp) == []


def test_up_finds_the_names_of_what_it_fetches(outlet_records, db_url, recognizer):
    import threading
    import time

    from support.outlets import Outlets

    from khabar.ingest.fetch import FetchPolicy
    from khabar.ingest.sources import parse_sources
    from khabar.store import open_store
    from khabar.up import run_up

    stop = threading.Event()
    with Outlets(outlet_records, faults=False) as outlets:
        good = len(outlets.good_articles())

        failures: list[BaseException] = []

        def stop_when_all_are_read() -> None:
            deadline = time.monotonic() + 120
            try:
                with open_store(db_url) as store:
                    while time.monotonic() < deadline and not stop.is_set():
                        if store.count() == good and not store.ids_to_read_for_entities(recognizer.stamp):
                            break
                        time.sleep(0.2)
            except BaseException as exc:  # noqa: BLE001 - reported below, after khabar up has stopped
                failures.append(exc)
            finally:
                stop.set()

        watcher = threading.Thread(target=stop_when_all_are_read)
        watcher.start()
        sources = parse_sources(outlets.sources_toml()).sources
        run_up(db_url, sources, serve=False, policy=FetchPolicy(timeout=10, retries=2, backoff=0.05, delay=0), stop=stop,
               entities=recognizer)  # fmt: skip
        watcher.join()
    assert not failures, failures
    with open_store(db_url) as store:
        assert store.count() == good and store.ids_to_read_for_entities(recognizer.stamp) == []


# ---------------------------------------------------------------------------
# Word clusters as features


@pytest.fixture(scope="session")
def clustered_model_path(tmp_path_factory, saudinewsnet_sample) -> Path:
    """A model trained on ANERcorp's training split with word clusters learned from real articles."""
    from khabar.enrich.entities import words_of
    from khabar.text.clusters import learn_word_clusters

    corpus = [words_of(r["title"] + "\n" + r["content"]) for r in saudinewsnet_sample]
    clusters = learn_word_clusters(lambda: iter(corpus), clusters=100)
    path = tmp_path_factory.mktemp("clustered") / "model.crf"
    train_model([_require(ANERCORP / "ite5th_train.conll")], path, iterations=80, clusters=clusters)
    return path


def test_a_model_with_word_clusters_keeps_them_beside_it_and_reads_them(clustered_model_path, model_path):
    about = json.loads((clustered_model_path.parent / "model.crf.json").read_text(encoding="utf-8"))
    clusters = json.loads((clustered_model_path.parent / "model.crf.clusters.json").read_text(encoding="utf-8"))
    assert about["clustered_words"] == len(clusters) > 1000
    recognizer = EntityRecognizer(clustered_model_path)
    assert recognizer.clusters == clusters and recognizer.stamp != EntityRecognizer(model_path).stamp
    assert recognizer.evaluate(ANERCORP / "ite5th_test.conll").of()[2] >= 0.70
    assert EntityRecognizer(model_path).clusters is None


def test_a_model_without_its_clusters_is_refused(tmp_path, clustered_model_path):
    copy = tmp_path / "copy.crf"
    copy.write_bytes(clustered_model_path.read_bytes())
    (tmp_path / "copy.crf.json").write_bytes((clustered_model_path.parent / "model.crf.json").read_bytes())
    with pytest.raises(ConfigError, match="word clusters"):
        EntityRecognizer(copy)
    (tmp_path / "copy.crf.clusters.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(ConfigError, match="word clusters"):
        EntityRecognizer(copy)


def test_train_command_learns_clusters_from_a_store(tmp_path, saudinewsnet_sample):
    small_store = str(tmp_path / "small.db")
    big_store = str(tmp_path / "big.db")
    assert runner.invoke(app, ["ingest", str(write_jsonl(tmp_path / "a.jsonl", saudinewsnet_sample[:20])), "--db", small_store]).exit_code == 0
    assert runner.invoke(app, ["ingest", str(write_jsonl(tmp_path / "b.jsonl", saudinewsnet_sample)), "--db", big_store]).exit_code == 0
    labelled = str(ANERCORP / "ite5th_dev.conll")
    made = tmp_path / "m.crf"
    train = ["entities", "train", "--conll", labelled, "--model", str(made), "--iterations", "3"]
    result = runner.invoke(app, [*train, "--corpus-db", small_store])
    assert result.exit_code == 2 and "too few articles" in " ".join(result.output.split()) and not made.exists()
    result = runner.invoke(app, [*train, "--corpus-db", big_store])
    assert result.exit_code == 0, result.output
    assert "clusters of" in result.output and (tmp_path / "m.crf.clusters.json").is_file()
    assert EntityRecognizer(made).clusters
