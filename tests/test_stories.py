"""Stories: one event across outlets and days, incremental and stable."""

from __future__ import annotations

import json

from conftest import write_jsonl
from typer.testing import CliRunner

from khabar.cli import app
from khabar.pipeline import ingest_paths

runner = CliRunner()

FLOOD = "غرقت شوارع مدينة جدة بمياه الأمطار الغزيرة وأعلن الدفاع المدني إنقاذ عشرات المحتجزين في السيول"
FLOOD_2 = "أعلن الدفاع المدني في جدة إنقاذ عشرات المحتجزين في السيول بعد أن غرقت شوارع المدينة بمياه الأمطار الغزيرة"
MATCH = "فاز فريق الهلال على النصر في مباراة الدوري السعودي لكرة القدم وسجل المهاجم هدفين في الشوط الثاني"


def article(n: int, outlet: str, text: str, when: str) -> dict:
    return {"url": f"http://e.com/{n}", "outlet": outlet, "title": text.split()[3] + " " + text.split()[4],
            "text": text, "published": when}


def test_one_event_across_outlets_is_one_story_and_others_are_not(tmp_path, store):
    records = [
        article(1, "a", FLOOD, "2015-07-21T08:00:00Z"),
        article(2, "b", FLOOD_2, "2015-07-21T15:00:00Z"),
        article(3, "c", MATCH, "2015-07-21T16:00:00Z"),
    ]
    ingest_paths(store, [str(write_jsonl(tmp_path / "a.jsonl", records))])
    ids = {a.outlet: a.id for a in store.iter_articles()}
    stories = store.stories_of(list(ids.values()))
    assert stories[ids["a"]] == stories[ids["b"]] == ids["a"]  # the story's id is its first article's
    assert stories[ids["c"]] == ids["c"]


def test_incremental_stable_and_time_aware(tmp_path, store):
    ingest_paths(store, [str(write_jsonl(tmp_path / "1.jsonl", [article(1, "a", FLOOD, "2015-07-21T08:00:00Z")]))])
    first = next(store.iter_articles()).id
    later = [article(2, "b", FLOOD_2, "2015-07-22T09:00:00Z"),  # next day: joins
             article(3, "c", FLOOD_2 + " جديدة", "2015-08-15T09:00:00Z")]  # three weeks later: a new story
    ingest_paths(store, [str(write_jsonl(tmp_path / "2.jsonl", later))])
    ids = {a.outlet: a.id for a in store.iter_articles()}
    stories = store.stories_of(list(ids.values()))
    assert stories[ids["a"]] == first and stories[ids["b"]] == first
    assert stories[ids["c"]] == ids["c"]
    # Re-ingesting changes no story.
    ingest_paths(store, [str(write_jsonl(tmp_path / "2.jsonl", later))])
    assert store.stories_of(list(ids.values())) == stories


def test_every_article_gets_a_story_and_duplicates_share_it(tmp_path, store, saudinewsnet_sample):
    records = saudinewsnet_sample[:200]
    copy = dict(records[5], url=records[5]["url"] + "/copy", source="copy")
    ingest_paths(store, [str(write_jsonl(tmp_path / "s.jsonl", records + [copy]))])
    ids = [a.id for a in store.iter_articles()]
    stories = store.stories_of(ids)
    assert len(stories) == len(ids)
    for a in store.iter_articles():
        members = store.duplicates_of(a.id)
        if members:
            assert len({stories[m.id] for m in members}) == 1


def test_cli_story_timeline(tmp_path, db_url):
    db = db_url
    records = [article(1, "a", FLOOD, "2015-07-21T08:00:00Z"), article(2, "b", FLOOD_2, "2015-07-21T15:00:00Z")]
    runner.invoke(app, ["ingest", str(write_jsonl(tmp_path / "a.jsonl", records)), "--db", db])
    exported = tmp_path / "e.jsonl"
    runner.invoke(app, ["export", "--db", db, "--output", str(exported)])
    some = json.loads(exported.read_text(encoding="utf-8").splitlines()[0])["id"]
    found = json.loads(runner.invoke(app, ["story", some, "--db", db, "--json"]).stdout)
    assert found["articles"] == 2 and set(found["outlets"]) == {"a", "b"}
    times = [a["published"] for a in found["timeline"]]
    assert times == sorted(times)
