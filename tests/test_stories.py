"""Stories: one event across outlets and days, incremental and stable."""

from __future__ import annotations

import json

import numpy as np
from conftest import write_jsonl
from typer.testing import CliRunner

from khabar.cli import app
from khabar.link.stories import JOIN, close_pairs
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


def _random_vectors(rng, rows: int, terms: int, common: int, common_only: int):  # noqa: ANN001, ANN202
    """L2-normalized sparse rows: each with a few of the ``common`` first terms and some rare ones, the
    first ``common_only`` rows with common terms alone, and every fifth row a near-copy of the one before."""
    from scipy import sparse

    dense = np.zeros((rows, terms), dtype=np.float32)
    for row in range(rows):
        if row % 5 == 4:
            dense[row] = dense[row - 1] + rng.random(terms).astype(np.float32) * (dense[row - 1] > 0) * 0.3
            continue
        dense[row, rng.choice(common, size=3, replace=False)] = rng.random(3) + 0.2
        if row >= common_only:
            rare = rng.choice(np.arange(common, terms), size=int(rng.integers(1, 9)), replace=False)
            dense[row, rare] = rng.random(len(rare)) + 0.2
    dense /= np.linalg.norm(dense, axis=1, keepdims=True)
    return sparse.csr_matrix(dense)


def test_close_pairs_are_the_whole_product_above_the_threshold():
    """The split product finds every pair the whole product puts at or above the threshold, with its
    score, and nothing else: pairs that share rare terms, and pairs of rows made of common terms alone."""
    rng = np.random.default_rng(20150721)
    vectors = _random_vectors(rng, rows=400, terms=300, common=6, common_only=60)
    left, right = vectors[:150], vectors[150:]
    before = (left.data.copy(), left.indices.copy(), right.indices.copy())
    for a, b in ((left, right), (left, left), (right, left)):
        whole = (a @ b.T).toarray()
        wanted = np.where(whole >= JOIN, whole, 0)
        found = close_pairs(a, b, JOIN).toarray()
        assert np.allclose(found, wanted, atol=1e-6)
        assert ((found > 0) == (wanted > 0)).all()
    # Both ways of being close were met: through rare terms, and through common terms alone.
    whole = (vectors @ vectors.T).toarray()
    assert (whole[:60, :60][~np.eye(60, dtype=bool)] >= JOIN).any()
    assert (whole[60:, 60:][~np.eye(340, dtype=bool)] >= JOIN).sum() > 50
    # The inputs are left as they were.
    assert np.array_equal(left.data, before[0]) and np.array_equal(left.indices, before[1])
    assert np.array_equal(right.indices, before[2])


def test_a_placed_article_keeps_its_story_when_placed_again_in_a_batch_of_new_ones(store):
    """Placing writes new rows straight in on PostgreSQL; one already there makes it merge instead, which
    leaves that article's story alone and still places the others."""
    store.assign_stories({"a1": "story-1"})
    store.assign_stories({"a1": "story-2", "a2": "story-2", "a3": "story-3"})
    assert store.stories_of(["a1", "a2", "a3"]) == {"a1": "story-1", "a2": "story-2", "a3": "story-3"}
