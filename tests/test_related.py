"""Related articles ("read also", "similar articles") and pair scoring."""

from __future__ import annotations

import json

from conftest import write_jsonl
from typer.testing import CliRunner

from khabar.cli import app
from khabar.link.related import related
from khabar.pipeline import ingest_paths

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
