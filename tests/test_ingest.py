"""Bulk ingest of dumps: formats, layouts, bad input, idempotence, and a kill mid-ingest."""

from __future__ import annotations

import bz2
import csv
import gzip
import io
import json
import lzma
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import datetime, timedelta

import pytest
from conftest import scalar, write_jsonl

from khabar.dates import parse_datetime
from khabar.ingest.dumps import Problem, Record, read_dump, record_to_article
from khabar.pipeline import ingest_paths
from khabar.store import open_store

GENERIC = [
    {
        "url": f"https://outlet.example/news/{n}",
        "outlet": "وكالة الأنباء",
        "title": f"التحالف الدولی فی العراق {n}",
        "text": f"أعلنت وزارة الخارجية العراقية محادثات جديدة رقم {n}.",
        "published": "2024-01-25T10:00:00+03:00",
        "tags": ["العراق", "العراق", "التحالف الدولی"],
    }
    for n in range(5)
]


def test_saudinewsnet_layout_is_recognised(saudinewsnet_sample):
    raw = next(r for r in saudinewsnet_sample if r["content"])
    article = record_to_article(raw)
    assert article.outlet == raw["source"]
    assert article.url and article.id.startswith("u")
    assert article.published_raw == raw["date_extracted"]
    # SaudiNewsNet times are Riyadh time (UTC+3): 02:51 there is 23:51 UTC the day before.
    assert article.published.utcoffset().total_seconds() == 0
    assert article.author == (raw["author"].strip() or None)


def test_generic_layout_with_publisher_tags(tmp_path, store):
    report = ingest_paths(store, [str(write_jsonl(tmp_path / "g.jsonl", GENERIC))])
    assert (report.read, report.stored, report.skipped_total) == (5, 5, 0)
    article = store.get_article(record_to_article(GENERIC[0]).id)
    assert article.title == "التحالف الدولي في العراق 0"
    assert article.publisher_tags == ["العراق", "التحالف الدولي"]
    assert article.published.isoformat() == "2024-01-25T07:00:00+00:00"


def _pending_search_pages(url: str) -> int:
    """Merge PostgreSQL's GIN pending list of search entries now; how many pages it held."""
    return scalar(url, "SELECT gin_clean_pending_list('search_index_document'::regclass)")


def test_an_ingest_leaves_no_search_entries_pending_on_postgresql(tmp_path, postgres_cluster, saudinewsnet_sample):
    """PostgreSQL keeps a GIN index's new entries in a list that every query reads until it is merged: the
    ingest merges it when it ends. Storing the same articles without the pipeline leaves them there."""
    path = write_jsonl(tmp_path / "s.jsonl", saudinewsnet_sample[:200])
    for merged_by_ingest in (True, False):
        url = postgres_cluster.database()
        with open_store(url) as store:
            if merged_by_ingest:
                assert ingest_paths(store, [str(path)]).stored > 150
                assert _pending_search_pages(url) == 0
            else:
                store.upsert_articles([record_to_article(r) for r in saudinewsnet_sample[:200] if r["content"]])
                assert _pending_search_pages(url) > 0
        postgres_cluster.drop(url)


def test_every_format_gives_the_same_store(tmp_path, saudinewsnet_sample):
    records = [r for r in saudinewsnet_sample[:40]]
    paths = {
        "jsonl": write_jsonl(tmp_path / "a.jsonl", records),
        "jsonl.gz": write_jsonl(tmp_path / "a.jsonl.gz", records, compress=True),
        "json": tmp_path / "a.json",
        "csv.gz": tmp_path / "a.csv.gz",
        "noext": tmp_path / "dump",
        "jsonl.bz2": tmp_path / "a.jsonl.bz2",
        "jsonl.xz": tmp_path / "a.jsonl.xz",
    }
    paths["json"].write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(records[0]))
    writer.writeheader()
    writer.writerows(records)
    paths["csv.gz"].write_bytes(gzip.compress(buffer.getvalue().encode("utf-8")))
    paths["noext"].write_bytes(gzip.compress(json.dumps(records).encode()))
    lines = b"".join(json.dumps(r).encode() + b"\n" for r in records)
    paths["jsonl.bz2"].write_bytes(bz2.compress(lines))
    paths["jsonl.xz"].write_bytes(lzma.compress(lines))
    exported = {}
    for name, path in paths.items():
        with open_store(str(tmp_path / f"{name}.db")) as s:
            report = ingest_paths(s, [str(path)])
            assert report.read == 40, name
            exported[name] = sorted((a.id, a.title, a.text, a.published) for a in s.iter_articles())
    assert len({repr(v) for v in exported.values()}) == 1


def test_bad_records_are_reported_with_file_and_line_and_skipped(tmp_path, store):
    path = tmp_path / "mixed.jsonl"
    lines = [
        json.dumps(GENERIC[0], ensure_ascii=False),
        "{not json",
        json.dumps([1, 2]),
        json.dumps({"outlet": "x", "title": "t", "text": "   "}),
        json.dumps({"foo": "bar"}),
        json.dumps({"outlet": "x", "title": "t", "text": "نص", "published": "yesterday-ish"}),
        "",
        json.dumps(GENERIC[1], ensure_ascii=False),
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = ingest_paths(store, [str(path)])
    assert report.stored == 2 and store.count() == 2
    where = {p.where: p.reason for p in report.problems}
    assert "malformed JSON" in where[f"{path}:2"]
    assert "expected a JSON object" in where[f"{path}:3"]
    assert where[f"{path}:4"] == "empty text"
    assert "unknown layout" in where[f"{path}:5"]
    assert "unreadable time" in where[f"{path}:6"]
    assert report.skipped["empty text"] == 1 and report.skipped_total == 5


def test_unix_times_in_seconds_or_milliseconds_are_read_as_utc(tmp_path, store):
    """JSON APIs and exports often give the time as a Unix time, a number or a string of digits."""
    times = [1437465600, "1437465600000", 1437465600.5]
    records = [{"outlet": "x", "title": f"خبر {n}", "text": f"نص رقم {n} عن الاقتصاد", "published": t} for n, t in enumerate(times)]
    report = ingest_paths(store, [str(write_jsonl(tmp_path / "unix.jsonl", records))])
    assert (report.stored, report.skipped_total) == (3, 0)
    published = sorted(a.published.isoformat() for a in store.iter_articles())
    assert published == ["2015-07-21T08:00:00+00:00", "2015-07-21T08:00:00+00:00", "2015-07-21T08:00:00+00:00"]


def test_a_time_outside_the_plausible_years_is_a_bad_record_not_a_failed_ingest(tmp_path, store):
    """0001-01-01 (a source's "no date") and year 9999 stopped the whole ingest: linking's window of
    days around them left Python's dates. Now such a record is skipped with its reason, the rest stored."""
    path = tmp_path / "times.jsonl"
    odd = ["0001-01-01T00:00:00Z", "0001-01-01", "9999-12-31T23:00:00-05:00", "1799-12-31T00:00:00Z"]
    records = [GENERIC[0], *({"outlet": "x", "title": f"خبر {n}", "text": f"نص رقم {n}", "published": t}
                             for n, t in enumerate(odd)), GENERIC[1]]
    write_jsonl(path, records)
    report = ingest_paths(store, [str(path)])
    assert (report.stored, report.skipped_total) == (2, 4)
    assert all("in the years 1800 to 2200" in p.reason for p in report.problems)
    assert parse_datetime("1800-01-01T00:00:00Z") and parse_datetime("2200-12-31T00:00:00Z")


def test_keys_too_long_for_an_index_are_bad_records_and_junk_words_are_no_terms(tmp_path, store):
    """An address, outlet or id of 9,000 characters, and a 5,000-letter run without spaces in the title,
    each failed the whole batch on PostgreSQL (a B-tree entry holds at most 2,704 bytes). Now the first
    three are records skipped with their reason; the run is no term and no part of a tag."""
    import random

    rng = random.Random(7)
    junk = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(9000))
    arabic = "".join(rng.choice("ابتثجحخدذرزسشصضطظعغفقكلمنهوي") for _ in range(5000))
    base = {"outlet": "x", "title": "خبر عن الاقتصاد", "text": "نص عادي عن الاقتصاد السعودي والنفط. " * 5}
    records = [
        {**base, "url": "http://e.com/" + junk},
        {**base, "url": "http://e.com/2", "outlet": junk},
        {**base, "url": "http://e.com/3", "id": junk},
        {**base, "url": "http://e.com/4", "title": f"خبر {arabic} عاجل", "text": f"{arabic} {base['text']} {arabic}"},
        {**base, "url": "http://e.com/5", "outlet": "y", "text": "خبر آخر عن الرياضة والكرة في الرياض. " * 5},
    ]
    report = ingest_paths(store, [str(write_jsonl(tmp_path / "long.jsonl", records))])
    assert (report.stored, report.skipped_total) == (2, 3)
    assert sorted(p.reason for p in report.problems) == [
        "id of 9,000 characters; at most 256", "outlet of 9,000 characters; at most 256",
        f"url of {len('http://e.com/' + junk):,} characters; at most 2,048",
    ]
    (article,) = [a for a in store.iter_articles() if a.url == "http://e.com/4"]
    assert arabic in article.text  # the text is kept whole
    tags = store.get_tags(article.id)
    assert tags and all(len(word) <= 64 for tag in tags for word in tag.key.split())
    assert all(len(term) <= 64 for term in store.term_vectors([article.id])[article.id])


def test_a_text_or_title_past_its_limit_is_a_bad_record(tmp_path, store):
    """A 48 MB text took 53 s to ingest and would be served whole: past MAX_TEXT_CHARS (or a title past
    MAX_TITLE_CHARS) a record is skipped with its reason, before any of the work; the rest is stored."""
    from khabar.ingest.dumps import MAX_TEXT_CHARS, MAX_TITLE_CHARS

    base = {"outlet": "x", "title": "خبر عن الاقتصاد", "text": "نص عادي عن الاقتصاد السعودي والنفط. " * 5}
    long_text = ("كلمة " * (MAX_TEXT_CHARS // 5 + 1))[: MAX_TEXT_CHARS + 1]
    records = [
        {**base, "url": "http://e.com/text", "text": long_text},
        {**base, "url": "http://e.com/title", "title": "ع" * (MAX_TITLE_CHARS + 1)},
        {**base, "url": "http://e.com/fits", "text": long_text[:MAX_TEXT_CHARS], "title": "ع " * (MAX_TITLE_CHARS // 2)},
        {**base, "url": "http://e.com/plain"},
    ]
    report = ingest_paths(store, [str(write_jsonl(tmp_path / "big.jsonl", records))])
    assert (report.stored, report.skipped_total) == (2, 2)
    assert sorted(p.reason for p in report.problems) == [
        f"text of {MAX_TEXT_CHARS + 1:,} characters; at most {MAX_TEXT_CHARS:,} (an article, not a whole book or site)",
        f"title of {MAX_TITLE_CHARS + 1:,} characters; at most {MAX_TITLE_CHARS:,} (an article, not a whole book or site)",
    ]
    assert sorted(a.url for a in store.iter_articles()) == ["http://e.com/fits", "http://e.com/plain"]


def test_a_time_in_the_future_is_kept_as_written_but_not_believed(tmp_path, store):
    """An outlet's wrong clock or a placeholder (2099-01-01) put an article at the top of every list by
    date for years. A time more than MAX_AHEAD_OF_FETCH past the fetch is now unknown (its text is kept
    in published_raw); a few hours ahead (a time zone written wrong) is believed; and a second ingest
    changes nothing."""
    from khabar.dates import UTC

    ahead = (datetime.now(UTC) + timedelta(hours=5)).strftime("%Y-%m-%dT%H:%M:%SZ")
    base = {"outlet": "x", "title": "خبر", "text": "نص عادي عن الاقتصاد. " * 5}
    records = [
        {**base, "url": "http://e.com/2099", "published": "2099-01-01T00:00:00Z"},
        {**base, "url": "http://e.com/fetched", "published": "2015-07-30T00:00:00Z", "fetched": "2015-07-21T00:00:00Z"},
        {**base, "url": "http://e.com/hours", "published": ahead},
    ]
    path = write_jsonl(tmp_path / "future.jsonl", records)
    assert ingest_paths(store, [str(path)]).stored == 3
    stored = {a.url: a for a in store.iter_articles()}
    assert stored["http://e.com/2099"].published is None and stored["http://e.com/2099"].published_raw == "2099-01-01T00:00:00Z"
    assert stored["http://e.com/fetched"].published is None  # nine days after the fetch it states
    assert stored["http://e.com/hours"].published == parse_datetime(ahead)
    again = ingest_paths(store, [str(path)])
    assert (again.stored, again.updated, again.unchanged) == (0, 0, 3)


def test_publisher_tags_past_their_limits_are_left_out(tmp_path, store):
    """200,000 publisher tags took 16 s; the first MAX_PUBLISHER_TAGS that fit MAX_PUBLISHER_TAG_CHARS are kept."""
    from khabar.ingest.dumps import MAX_PUBLISHER_TAG_CHARS, MAX_PUBLISHER_TAGS

    tags = ["كلمة " * MAX_PUBLISHER_TAG_CHARS] + [f"وسم رقم {i}" for i in range(5 * MAX_PUBLISHER_TAGS)]
    record = {"url": "http://e.com/t", "outlet": "x", "title": "خبر", "text": "نص عادي عن الاقتصاد. " * 5, "tags": tags}
    ingest_paths(store, [str(write_jsonl(tmp_path / "tags.jsonl", [record]))])
    (article,) = store.iter_articles()
    assert article.publisher_tags == [f"وسم رقم {i}" for i in range(MAX_PUBLISHER_TAGS)]


def test_nul_characters_and_lone_surrogates_are_stored_without_them(tmp_path, store):
    """A NUL in any field (PostgreSQL refuses one in text) and a lone surrogate escape (no UTF-8 encoder
    writes one) used to fail the whole batch; now each record is stored, without them."""
    path = tmp_path / "odd.jsonl"
    nul = {"url": "http://e.com/n\u0000ul", "outlet": "صحيفة\u0000 الرياض", "author": "كاتب\u0000",
           "title": "خبر\u0000 عاجل", "text": "نص فيه\u0000 صفر في وسطه", "tags": ["وسم\u0000", "\u0000"]}
    lone = {"url": "http://e.com/lone", "outlet": "عكاظ", "title": "خبر آخر", "text": "نص فيه \ud800 بديل"}
    lines = [json.dumps(GENERIC[0], ensure_ascii=False), json.dumps(nul), json.dumps(lone)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert "\\ud800" in path.read_text(encoding="utf-8")  # a lone surrogate escape in the file
    report = ingest_paths(store, [str(path)])
    assert (report.stored, report.skipped_total) == (3, 0)
    articles = {a.url: a for a in store.iter_articles()}
    odd = articles["http://e.com/nul"]
    assert (odd.outlet, odd.author, odd.title, odd.text) == ("صحيفة الرياض", "كاتب", "خبر عاجل", "نص فيه صفر في وسطه")
    assert odd.publisher_tags == ["وسم"]
    assert articles["http://e.com/lone"].text == "نص فيه \ufffd بديل"


@pytest.mark.parametrize(("suffix", "compress"), [(".gz", gzip.compress), (".bz2", bz2.compress), (".xz", lzma.compress)])
def test_half_written_compressed_dump_keeps_what_it_holds(tmp_path, store, saudinewsnet_sample, suffix, compress):
    whole = compress(b"".join(json.dumps(r).encode() + b"\n" for r in saudinewsnet_sample[:300]))
    path = tmp_path / f"cut.jsonl{suffix}"
    path.write_bytes(whole[: len(whole) * 2 // 3])
    report = ingest_paths(store, [str(path)])
    assert 0 < report.read < 300
    assert any("half-written" in p.reason for p in report.problems)
    assert store.count() == report.stored


def test_half_written_json_array_keeps_its_whole_records(tmp_path, store, saudinewsnet_sample):
    """A JSON array cut off mid-record (an export killed part way) lost every record; now the whole
    records are stored and the break is reported with its line. One that goes wrong in the middle keeps
    the records before the fault."""
    records = [r for r in saudinewsnet_sample[:12] if r["content"].strip()][:10]
    whole = json.dumps(records, ensure_ascii=False, indent=1)
    cut = tmp_path / "cut.json"
    cut.write_text(whole[: whole.index(records[7]["content"][:20])], encoding="utf-8")  # inside the 8th record
    report = ingest_paths(store, [str(cut)])
    assert report.read == 7 and store.count() == 7
    (problem,) = report.problems
    assert problem.reason.startswith("malformed JSON array after record 7") and problem.where.startswith(f"{cut}:")
    broken = tmp_path / "broken.json"
    texts = [json.dumps(r, ensure_ascii=False) for r in records[:3]]
    broken.write_text("[" + texts[0] + ",\n" + texts[1].replace('",', '"', 1) + ",\n" + texts[2] + "]", encoding="utf-8")
    report = ingest_paths(store, [str(broken)])
    assert report.read == 1 and report.problems[0].where == f"{broken}:2"


def test_a_json_array_is_read_a_record_at_a_time(tmp_path):
    """A JSON array export was read whole and parsed whole: 380 MB for a 107 MB array of the dump, so an
    export of a few gigabytes could not be read at all. Reading all of a 20 MB array now takes the memory
    of a record or two (traced allocations), and gives every record in order."""
    import tracemalloc

    record = dict(GENERIC[0], text="نص خبر عن الاقتصاد والنفط في الرياض. " * 10)
    count = 40_000
    path = tmp_path / "big.json"
    with path.open("w", encoding="utf-8") as handle:
        handle.write("[\n" + ",\n".join(json.dumps(dict(record, title=f"خبر {n}"), ensure_ascii=False) for n in range(count)) + "\n]\n")
    assert path.stat().st_size > 20 * 2**20
    tracemalloc.start()
    try:
        titles = [item.data["title"] for item in read_dump(path)]
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert titles == [f"خبر {n}" for n in range(count)]
    assert peak < 8 * 2**20, f"{peak / 2**20:.1f} MB traced while reading a {path.stat().st_size / 2**20:.0f} MB array"


def test_a_json_array_the_streaming_parser_stops_at_is_read_whole(tmp_path):
    """Text in the Arabic legacy encoding (not UTF-8) and a number past a float stop the streaming
    parser; the file is then read whole, as before, and the records not yet given follow."""
    records = [{"url": f"http://e.com/{n}", "outlet": "الرياض", "title": f"خبر {n}", "text": "نص عربي قديم الترميز"}
               for n in range(3)]
    legacy = tmp_path / "legacy.json"
    legacy.write_bytes(json.dumps(records, ensure_ascii=False).encode("windows-1256"))
    assert [r.data["title"] for r in read_dump(legacy)] == ["خبر 0", "خبر 1", "خبر 2"]
    huge = tmp_path / "huge.json"
    texts = [json.dumps(r, ensure_ascii=False) for r in records]
    huge.write_text("[" + texts[0] + ", " + texts[1][:-1] + ', "score": 1e400}, ' + texts[2] + "]", encoding="utf-8")
    read = list(read_dump(huge))
    assert [r.data["title"] for r in read] == ["خبر 0", "خبر 1", "خبر 2"] and read[1].data["score"] == float("inf")


def test_a_line_past_its_limit_is_passed_over_without_being_held(tmp_path, monkeypatch):
    """A JSON Lines dump whose line never ends (binary data, a whole export on one line) was read into
    memory whole; past MAX_LINE_BYTES (64 MiB; 1 MiB here, so that the test stays small) a line is one
    problem, passed over in pieces, and the next lines are read."""
    import tracemalloc

    from khabar.ingest import dumps

    monkeypatch.setattr(dumps, "MAX_LINE_BYTES", 2**20)
    records = [json.dumps(dict(GENERIC[0], title=f"خبر {n}"), ensure_ascii=False).encode() for n in range(2)]
    path = tmp_path / "long-line.jsonl"
    path.write_bytes(records[0] + b"\n" + b'{"text": "' + b"x" * (16 * 2**20) + b'"}\n' + records[1] + b"\n")
    tracemalloc.start()
    try:
        read = list(read_dump(path))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert [type(r).__name__ for r in read] == ["Record", "Problem", "Record"]
    assert read[1].where == f"{path}:2" and "longer than 1 MiB" in read[1].reason and read[2].where == f"{path}:3"
    assert peak < 8 * 2**20, f"{peak / 2**20:.1f} MB traced: the 16 MiB line was held whole"
    table = tmp_path / "long-line.csv"
    table.write_bytes(b"url,outlet,title,text\nhttp://e.com/1,x,t,a\n" + b"y" * (16 * 2**20) + b"\nhttp://e.com/2,x,t,b\n")
    read = list(read_dump(table))
    assert [type(r).__name__ for r in read] == ["Record", "Problem", "Record"] and read[1].where == f"{table}:3"
    assert read[2].data["url"] == "http://e.com/2"


def test_a_value_nested_too_deeply_is_a_bad_record_not_a_crash(tmp_path, store):
    """50,000 nested objects: orjson refuses them, and the json fallback raised RecursionError out of the
    ingest. Now the line (JSON Lines) or the array's value (a JSON array, read one value at a time) is
    a problem, and the records around it are stored."""
    deep = '{"a": ' * 50_000 + "1" + "}" * 50_000
    records = [json.dumps(dict(GENERIC[0], title=f"خبر {n}"), ensure_ascii=False) for n in range(2)]
    lines = tmp_path / "deep.jsonl"
    lines.write_text(f"{records[0]}\n{deep}\n{records[1]}\n", encoding="utf-8")
    report = ingest_paths(store, [str(lines)])
    assert (report.read, report.skipped_total) == (2, 1) and report.problems[0].where == f"{lines}:2"
    array = tmp_path / "deep.json"
    array.write_text(f"[{records[0]}, {deep}, {records[1]}]", encoding="utf-8")
    read = list(read_dump(array))
    assert [type(r).__name__ for r in read] == ["Record", "Problem", "Record"] and "nested too deeply" in read[1].reason
    assert read[1].where == f"{array}:record 2" and read[2].data["title"] == "خبر 1"


def test_a_byte_order_mark_does_not_cost_the_first_record(tmp_path):
    """Windows tools begin a UTF-8 file with a byte-order mark, which neither JSON parser takes: the first
    record of a JSON Lines file was a problem, and a JSON array file was lost whole."""
    bom = b"\xef\xbb\xbf"
    records = [dict(GENERIC[0], title=f"خبر {n}") for n in range(3)]
    files = {
        "a.jsonl": bom + b"".join(json.dumps(r, ensure_ascii=False).encode() + b"\n" for r in records),
        "a.json": bom + json.dumps(records, ensure_ascii=False).encode(),
    }
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
        read = list(read_dump(tmp_path / name))
        assert [type(r).__name__ for r in read] == ["Record"] * 3, name
        assert [r.data["title"] for r in read] == ["خبر 0", "خبر 1", "خبر 2"], name


def test_windows_1256_files_come_out_as_arabic(tmp_path, store):
    path = tmp_path / "legacy.csv"
    text = "url,outlet,title,text,published\nhttp://e.com/1,الرياض,العراق والتحالف,نص عربي قديم الترميز,2015-07-21\n"
    path.write_bytes(text.encode("windows-1256"))
    report = ingest_paths(store, [str(path)])
    assert report.stored == 1
    (article,) = list(store.iter_articles())
    assert article.title == "العراق والتحالف" and article.outlet == "الرياض"


def test_csv_with_wrong_field_count_is_skipped_with_its_line(tmp_path, store):
    path = tmp_path / "bad.csv"
    path.write_text('url,outlet,title,text\nhttp://e.com/1,o,t,"نص\nعلى سطرين"\nhttp://e.com/2,o,t\nhttp://e.com/3,o,t,نص\n', encoding="utf-8")
    report = ingest_paths(store, [str(path)])
    assert report.stored == 2
    assert [p.where for p in report.problems] == [f"{path}:4"]


def test_ingest_is_idempotent_and_updates_changed_articles(tmp_path, store):
    path = write_jsonl(tmp_path / "g.jsonl", GENERIC)
    ingest_paths(store, [str(path)])
    before = sorted(a.to_record().items().__repr__() for a in store.iter_articles())
    again = ingest_paths(store, [str(path)])
    assert (again.stored, again.updated, again.unchanged) == (0, 0, 5)
    assert sorted(a.to_record().items().__repr__() for a in store.iter_articles()) == before
    changed = [dict(r) for r in GENERIC]
    changed[2]["text"] = "نص معدل بعد النشر"
    report = ingest_paths(store, [str(write_jsonl(tmp_path / "g2.jsonl", changed))])
    assert (report.stored, report.updated, report.unchanged) == (0, 1, 4)
    assert store.count() == 5
    assert store.get_article(record_to_article(changed[2]).id).text == "نص معدل بعد النشر"


def test_parallel_normalization_gives_the_same_store_and_report(tmp_path, saudinewsnet_sample):
    path = write_jsonl(tmp_path / "s.jsonl", saudinewsnet_sample + [{"broken": True}])
    results = {}
    for workers in (1, 2):
        with open_store(str(tmp_path / f"w{workers}.db")) as s:
            report = ingest_paths(s, [str(path)], workers=workers, batch_size=100)
            results[workers] = (report.to_dict(), [a.to_record() | {"fetched": None} for a in s.iter_articles()])
    assert results[1] == results[2]
    assert results[2][0]["read"] == 601 and results[2][0]["skipped_by_reason"]["unknown layout"] == 1


def test_a_chunk_is_prepared_in_input_order_as_each_article_alone_would_be(tmp_path, store, saudinewsnet_sample):
    """The workers run each step over a whole chunk (kinder to the processor's caches); the result must
    be what each record gives alone, with the problems in their places."""
    from khabar.enrich import EnrichSettings, enrich_article, stats_snapshot
    from khabar.enrich.tags import document_of
    from khabar.link.duplicates import fingerprint_of_words
    from khabar.link.similarity import weigh_terms
    from khabar.pipeline import _prepare_chunk
    from khabar.search import index_fields, word_pairs
    from khabar.text.reading import read_text

    ingest_paths(store, [str(write_jsonl(tmp_path / "before.jsonl", saudinewsnet_sample[100:300]))])
    settings = EnrichSettings(store.url)
    stats = stats_snapshot(settings)
    good = [Record(data, f"d:{n}") for n, data in enumerate(saudinewsnet_sample[:30])]
    chunk = good[:10] + [Problem("d:x", "malformed JSON")] + good[10:20] + [Record({"foo": "bar"}, "d:y")] + good[20:]
    prepared = _prepare_chunk(chunk, settings, link=True, search=True, pairs=True)

    assert prepared.items[10].where == "d:x" and prepared.items[21].where == "d:y"
    articles = [item for item in prepared.items if not isinstance(item, Problem)]
    assert len(articles) == 30 and prepared.new_documents == 30
    keys = Counter()
    for article, record in zip(articles, good):
        alone = record_to_article(record.data)
        title, text = read_text(alone.title), read_text(alone.text)
        assert article.id == alone.id
        pairs = word_pairs(title.word_hashes(), text.word_hashes())
        assert article.search_fields == index_fields(alone, title.terms(), text.terms(), pairs)
        assert article.fingerprint == fingerprint_of_words(text.word_hashes())
        assert article.vector == weigh_terms(title.terms(), text.terms(), stats)
        keys.update(enrich_article(alone, stats, settings.k, document_of(title, text)))
        assert article.tags == alone.tags and article.tags
    assert prepared.term_counts == keys


def test_batches_double_from_the_first_size_up_to_the_largest(tmp_path, store, saudinewsnet_sample):
    """Small first batches (statistics reach the workers soon), larger ones later (fewer page rewrites);
    a batch ends where a chunk of 250 records does."""
    dump = write_jsonl(tmp_path / "d.jsonl", saudinewsnet_sample[:600])
    seen: list[int] = []
    ingest_paths(store, [str(dump)], batch_size=250, max_batch_size=500, on_batch=lambda r: seen.append(r.read))
    assert seen == [250, 600]  # 250, then 500 asked for: the last two chunks (250 + 100)
    with open_store(str(tmp_path / "capped.db")) as capped:
        seen.clear()
        ingest_paths(capped, [str(dump)], batch_size=250, max_batch_size=250, on_batch=lambda r: seen.append(r.read))
    assert seen == [250, 500, 600]


def test_batches_are_small_again_once_every_record_is_with_the_workers(tmp_path, store, saudinewsnet_sample, monkeypatch):
    """At the end of the input the main process stores what the workers hand back in small batches,
    while they finish the last chunks, instead of one large batch alone at the end."""
    import khabar.pipeline

    monkeypatch.setattr(khabar.pipeline, "TAIL_BATCH_SIZE", 250)
    dump = write_jsonl(tmp_path / "d.jsonl", saudinewsnet_sample[:600])
    seen: list[int] = []
    # Three chunks of 250 fit in what two workers are given at once, so the input is handed out
    # before the first batch: 500 would be asked for after the first 250, and 250 is.
    ingest_paths(store, [str(dump)], batch_size=250, max_batch_size=500, workers=2, on_batch=lambda r: seen.append(r.read))
    assert seen == [250, 500, 600]
    assert store.count() == 600


def test_read_dump_yields_records_and_problems_in_order(tmp_path):
    path = tmp_path / "x.jsonl"
    path.write_text('{"a": 1}\n[\n{"b": 2}\n', encoding="utf-8")
    items = list(read_dump(path))
    assert [type(i) for i in items] == [Record, Problem, Record]
    assert items[2].where.endswith(":3")


def test_a_batch_that_fails_while_linking_is_not_half_stored(tmp_path, store, saudinewsnet_sample, monkeypatch):
    """A failure after the articles are written but before they are linked (as a kill there would be)
    leaves none of the batch behind, so a rerun stores, counts and links every article."""
    import khabar.link

    dump = write_jsonl(tmp_path / "d.jsonl", saudinewsnet_sample[:300])

    def fail(*args, **kwargs):
        raise RuntimeError("killed while linking")

    monkeypatch.setattr(khabar.link, "link_duplicates", fail)
    try:
        ingest_paths(store, [str(dump)], batch_size=100)
    except RuntimeError:
        pass
    assert store.count() == 0 and store.corpus_documents() == 0
    monkeypatch.undo()
    report = ingest_paths(store, [str(dump)], batch_size=100)
    ids = [a.id for a in store.iter_articles()]
    assert report.stored == len(ids) == store.count() > 250
    assert store.corpus_documents() == len(ids)
    assert set(store.stories_of(ids)) == set(ids)  # every article placed in a story
    assert all(store.term_vectors(ids).values())  # and indexed for related articles


def test_killed_mid_ingest_then_rerun_completes(tmp_path, saudinewsnet_path, db_url):
    """SIGKILL an ingest of the real dump mid-way; the store is consistent and a rerun completes it.

    On PostgreSQL a batch is several statements (copies into staging tables, merges) in one transaction,
    which the server rolls back when the killed process's connection drops."""
    env = dict(os.environ, KHABAR_DB=db_url)
    command = [sys.executable, "-m", "khabar", "ingest", str(saudinewsnet_path)]
    proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    stored = 0
    while time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.2)
        try:
            stored = scalar(db_url, "SELECT COUNT(*) FROM articles")
        except Exception:  # noqa: BLE001 - the store may not exist yet, or be locked for a moment
            continue
        if stored >= 3000:
            break
    assert proc.poll() is None, "ingest finished before it could be killed"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    if "://" not in db_url:
        assert scalar(db_url, "PRAGMA integrity_check") == "ok"
    partial = scalar(db_url, "SELECT COUNT(*) FROM articles")
    # whole batches only: every stored article counted in the statistics and placed in a story
    assert scalar(db_url, "SELECT value FROM corpus_stats WHERE name = 'documents'") == partial
    assert scalar(db_url, "SELECT COUNT(*) FROM story_members") == partial
    assert 3000 <= partial < 30676
    done = subprocess.run(command + ["--json"], env=env, capture_output=True, text=True, check=True)
    summary = json.loads(done.stdout)
    assert summary["stored"] + summary["unchanged"] + summary["updated"] == 30676
    assert scalar(db_url, "SELECT COUNT(*) FROM articles") == 30676
    assert scalar(db_url, "SELECT COUNT(DISTINCT url) FROM articles") == 30676
    # nothing stored before the kill was left uncounted or unlinked
    assert scalar(db_url, "SELECT value FROM corpus_stats WHERE name = 'documents'") == 30676
    assert scalar(db_url, "SELECT COUNT(*) FROM story_members") == 30676
