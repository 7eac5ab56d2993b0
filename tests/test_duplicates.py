"""Near-duplicates: MinHash signatures, LSH candidates, groups with a canonical article."""

from __future__ import annotations

import json

from conftest import write_jsonl
from typer.testing import CliRunner

from khabar.cli import app
from khabar.link.duplicates import NUM_PERM, SIGNATURE_SCHEME, THRESHOLD, bands, fingerprint, similarity
from khabar.pipeline import ingest_paths
from khabar.store import open_store

runner = CliRunner()


def long_record(sample: list[dict]) -> dict:
    return next(r for r in sample if len(r["content"].split()) > 200)


def copy_of(record: dict, outlet: str, date: str, text: str | None = None) -> dict:
    return {
        "url": record["url"].rstrip("/") + f"/{outlet}",
        "outlet": outlet,
        "title": "عنوان آخر: " + record["title"],
        "text": text if text is not None else record["content"],
        "published": date,
    }


def test_signature_ignores_spelling_noise_and_separates_different_texts(saudinewsnet_sample):
    a = long_record(saudinewsnet_sample)
    noisy = a["content"].replace("ي", "ی").replace("ك", "ک") + "\n\nالمصدر: وكالة"
    other = next(r for r in saudinewsnet_sample if len(r["content"].split()) > 200 and r["id"] != a["id"])
    assert similarity(fingerprint(a["content"]), fingerprint(noisy)) >= 0.9
    assert similarity(fingerprint(a["content"]), fingerprint(other["content"])) < THRESHOLD
    assert fingerprint("خبر قصير جدا") is None


def test_copies_form_one_group_with_the_earliest_as_canonical(tmp_path, store, saudinewsnet_sample):
    original = long_record(saudinewsnet_sample)
    paragraphs = [p for p in original["content"].split("\n") if p.strip()]
    records = [
        copy_of(original, "late-copy", "2015-07-22T12:00:00Z"),
        copy_of(original, "wire", "2015-07-21T08:00:00Z"),
        copy_of(original, "trimmed", "2015-07-21T09:00:00Z", "\n".join(paragraphs[:-1])),
        copy_of(original, "weeks-later", "2015-08-30T09:00:00Z"),  # the same template weeks later: not a copy
        {"url": "http://other.example/1", "outlet": "x", "title": "t", "published": "2015-07-21T08:00:00Z",
         "text": next(r["content"] for r in saudinewsnet_sample if r["id"] != original["id"] and len(r["content"]) > 800)},
    ]
    report = ingest_paths(store, [str(write_jsonl(tmp_path / "d.jsonl", records))])
    ids = {a.outlet: a.id for a in store.iter_articles()}
    group = store.duplicates_of(ids["late-copy"])
    assert [a.outlet for a in group][0] == "wire"  # the earliest published is canonical
    assert {a.outlet for a in group} == {"wire", "late-copy", "trimmed"}
    assert store.duplicates_of(ids["weeks-later"]) == [] and store.duplicates_of(ids["x"]) == []
    assert report.duplicate_pairs >= 2


def test_groups_merge_when_a_bridge_arrives_later(tmp_path, store, saudinewsnet_sample):
    original = long_record(saudinewsnet_sample)
    first = copy_of(original, "a", "2015-07-21T10:00:00Z")
    ingest_paths(store, [str(write_jsonl(tmp_path / "1.jsonl", [first]))])
    earlier = copy_of(original, "b", "2015-07-21T07:00:00Z")
    ingest_paths(store, [str(write_jsonl(tmp_path / "2.jsonl", [earlier]))])
    ids = {a.outlet: a.id for a in store.iter_articles()}
    assert [a.outlet for a in store.duplicates_of(ids["a"])] == ["b", "a"]  # canonical moved to the earlier one


def test_reingest_is_idempotent_for_groups(tmp_path, store, saudinewsnet_sample):
    original = long_record(saudinewsnet_sample)
    dump = write_jsonl(tmp_path / "d.jsonl", [copy_of(original, "a", "2015-07-21T10:00:00Z"),
                                               copy_of(original, "b", "2015-07-21T11:00:00Z")])
    ingest_paths(store, [str(dump)])
    before = store.duplicate_groups([a.id for a in store.iter_articles()])
    again = ingest_paths(store, [str(dump)])
    assert again.duplicate_pairs == 0 and store.duplicate_groups(list(before)) == before


def test_cli_dupes(tmp_path, saudinewsnet_sample, db_url):
    original = long_record(saudinewsnet_sample)
    db = db_url
    dump = write_jsonl(tmp_path / "d.jsonl", [copy_of(original, "a", "2015-07-21T10:00:00Z"),
                                               copy_of(original, "b", "2015-07-21T11:00:00Z")])
    runner.invoke(app, ["ingest", str(dump), "--db", db])
    exported = tmp_path / "e.jsonl"
    runner.invoke(app, ["export", "--db", db, "--output", str(exported)])
    some = json.loads(exported.read_text(encoding="utf-8").splitlines()[0])["id"]
    group = json.loads(runner.invoke(app, ["dupes", some, "--db", db, "--json"]).stdout)
    assert len(group["members"]) == 2 and group["canonical"] == group["members"][0]["id"]
    assert runner.invoke(app, ["dupes", "--help"]).exit_code == 0


def test_band_candidates_of_a_whole_batch_come_back_per_article(tmp_path, store, saudinewsnet_sample):
    original = long_record(saudinewsnet_sample)
    other = next(r for r in saudinewsnet_sample if len(r["content"].split()) > 200 and r["id"] != original["id"])
    records = [copy_of(original, "wire", "2015-07-21T08:00:00Z"), copy_of(original, "copy", "2015-07-21T09:00:00Z"),
               copy_of(other, "alone", "2015-07-21T09:00:00Z")]
    ingest_paths(store, [str(write_jsonl(tmp_path / "d.jsonl", records))])
    ids = {a.outlet: a.id for a in store.iter_articles()}
    signature = fingerprint(original["content"])
    asked = {ids["wire"]: bands(signature), ids["alone"]: bands(fingerprint(other["content"])), "new": bands(signature)}
    found = store.fingerprint_candidates(asked)
    assert [i for i, _, _ in found[ids["wire"]]] == [ids["copy"]]  # never the article itself
    assert found[ids["alone"]] == []
    assert sorted(i for i, _, _ in found["new"]) == sorted([ids["wire"], ids["copy"]])
    assert all(sig == signature and published is not None for _, sig, published in found["new"])


def test_fingerprints_stored_with_a_batch_find_stored_copies_and_each_other(tmp_path, store, saudinewsnet_sample):
    original = long_record(saudinewsnet_sample)
    other = next(r for r in saudinewsnet_sample if len(r["content"].split()) > 200 and r["id"] != original["id"])
    ingest_paths(store, [str(write_jsonl(tmp_path / "a.jsonl", [copy_of(original, "wire", "2015-07-21T08:00:00Z")]))])
    (stored,) = [a.id for a in store.iter_articles()]
    later = [copy_of(original, "copy1", "2015-07-21T09:00:00Z"), copy_of(original, "copy2", "2015-07-21T10:00:00Z"),
             copy_of(other, "other", "2015-07-21T10:00:00Z")]
    ingest_paths(store, [str(write_jsonl(tmp_path / "b.jsonl", later))], link=False)  # stored, not yet linked
    ids = {a.outlet: a.id for a in store.iter_articles()}
    signature, different = fingerprint(original["content"]), fingerprint(other["content"])
    batch = {ids["copy1"]: (signature, bands(signature)), ids["copy2"]: (signature, bands(signature)),
             ids["other"]: (different, bands(different))}
    found = store.put_fingerprints_and_find_candidates(batch)
    assert sorted(i for i, _, _ in found[ids["copy1"]]) == sorted([stored, ids["copy2"]])  # the store's and the batch's
    assert sorted(i for i, _, _ in found[ids["copy2"]]) == sorted([stored, ids["copy1"]])
    assert found[ids["other"]] == []
    assert store.signatures(list(batch)) == {i: sig for i, (sig, _) in batch.items()}
    # stored as put_fingerprints stores them: asked again, the bands find the batch's articles
    assert [i for i, _, _ in store.fingerprint_candidates({"asker": bands(different)})["asker"]] == [ids["other"]]


def test_a_changed_text_replaces_its_bands(tmp_path, store, saudinewsnet_sample):
    original = long_record(saudinewsnet_sample)
    other = next(r for r in saudinewsnet_sample if len(r["content"].split()) > 200 and r["id"] != original["id"])
    first = copy_of(original, "wire", "2015-07-21T08:00:00Z")
    ingest_paths(store, [str(write_jsonl(tmp_path / "a.jsonl", [first]))])
    (article_id,) = [a.id for a in store.iter_articles()]
    old_bands = bands(store.signatures([article_id])[article_id])
    ingest_paths(store, [str(write_jsonl(tmp_path / "b.jsonl", [dict(first, text=other["content"])]))])
    new_signature = fingerprint(other["content"])
    assert store.signatures([article_id]) == {article_id: new_signature}
    # the old bands find nothing any more; the new ones find the article
    assert store.fingerprint_candidates({"asker": old_bands})["asker"] == []
    assert [i for i, _, _ in store.fingerprint_candidates({"asker": bands(new_signature)})["asker"]] == [article_id]


def test_a_newcomer_joining_one_member_keeps_the_whole_group(tmp_path, store, saudinewsnet_sample):
    # A is a long text, B its first 70% and C its last 70%: A–B and A–C are copies (Jaccard 0.7), B–C not
    # (0.4). B and A are grouped first; C arrives later and matches A only. B must stay in the group.
    words = next(r for r in saudinewsnet_sample if len(r["content"].split()) > 300)["content"].split()
    cut = len(words) * 7 // 10
    texts = {"a": " ".join(words), "b": " ".join(words[:cut]), "c": " ".join(words[-cut:])}
    assert similarity(fingerprint(texts["b"]), fingerprint(texts["c"])) < THRESHOLD
    record = {"url": "http://wire.example/story", "title": "خبر", "content": texts["a"]}
    ingest_paths(store, [str(write_jsonl(tmp_path / "1.jsonl", [copy_of(record, "a", "2015-07-21T08:00:00Z"),
                                                                 copy_of(record, "b", "2015-07-21T09:00:00Z", texts["b"])]))])
    ingest_paths(store, [str(write_jsonl(tmp_path / "2.jsonl", [copy_of(record, "c", "2015-07-21T10:00:00Z", texts["c"])]))])
    ids = {a.outlet: a.id for a in store.iter_articles()}
    assert {a.outlet for a in store.duplicates_of(ids["b"])} == {"a", "b", "c"}
    assert len(set(store.duplicate_groups(list(ids.values())).values())) == 1


def test_signatures_of_another_scheme_are_made_again_when_the_store_opens(tmp_path, db_url, saudinewsnet_sample):
    original = long_record(saudinewsnet_sample)
    with open_store(db_url) as store:
        ingest_paths(store, [str(write_jsonl(tmp_path / "1.jsonl", [copy_of(original, "a", "2015-07-21T08:00:00Z")]))])
        (first,) = [a.id for a in store.iter_articles()]
        assert store.signature_scheme() == SIGNATURE_SCHEME
        # What a store written by older code holds: signatures and bands of another scheme.
        stale = bytes(range(NUM_PERM)) * 4
        store.put_fingerprints({first: (stale, bands(stale))}, {first: bands(store.signatures([first])[first])})
        store._x("UPDATE signature_meta SET scheme = 'old'")
        assert store.fingerprint_candidates({"asker": bands(fingerprint(original["content"]))})["asker"] == []
    with open_store(db_url) as store:
        assert store.signature_scheme() == SIGNATURE_SCHEME
        assert store.signatures([first]) == {first: fingerprint(original["content"])}
        assert store.ensure_signature_scheme() == 0  # nothing to do the second time
        # a copy arriving now finds the article through the remade bands
        ingest_paths(store, [str(write_jsonl(tmp_path / "2.jsonl", [copy_of(original, "b", "2015-07-21T09:00:00Z")]))])
        assert {a.outlet for a in store.duplicates_of(first)} == {"a", "b"}
