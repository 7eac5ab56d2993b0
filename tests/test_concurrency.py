"""Several processes on one store at once: two fetchers with overlapping outlets, the web server and a
re-tag job. Nothing may be lost or duplicated, and tag counts must stay exact."""

from __future__ import annotations

import subprocess
import sys
import time

import httpx

from khabar.ingest.sources import parse_sources
from khabar.store import open_store
from support.outlets import Outlets
from test_live import assert_all_good_articles_landed_once, free_port


def sources_toml(outlets: Outlets, chosen) -> str:  # noqa: ANN001
    """A sources file for some of the outlets."""
    names = {o.name for o in chosen}
    full = outlets.sources_toml()
    parsed = parse_sources(full).sources
    assert names <= {s.name for s in parsed}
    head, *blocks = full.split("[[outlet]]")
    return head + "".join("[[outlet]]" + b for b in blocks if b.split('"')[1] in names)


def khabar(*args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "khabar", *args], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def test_two_fetchers_the_web_server_and_a_retag_job_share_one_store(outlet_records, tmp_path, db_url):
    with open_store(db_url):
        pass  # create the schema once, as a deployment's first command would
    port = free_port()
    with Outlets(outlet_records, faults=False) as outlets:
        first, second = tmp_path / "a.toml", tmp_path / "b.toml"
        first.write_text(sources_toml(outlets, outlets.outlets[:9]), encoding="utf-8")
        second.write_text(sources_toml(outlets, outlets.outlets[5:]), encoding="utf-8")  # five outlets in both
        web = khabar("serve", "--db", db_url, "--port", str(port))
        fetchers = [khabar("fetch", "--once", "--sources", str(f), "--db", db_url) for f in (first, second)]
        answers = []
        retag = None
        deadline = time.monotonic() + 300
        while any(f.poll() is None for f in fetchers) and time.monotonic() < deadline:
            try:
                answers.append(httpx.get(f"http://127.0.0.1:{port}/api/v1/articles?limit=5", timeout=5).status_code)
            except httpx.TransportError:
                pass
            if retag is None and answers and answers[-1] == 200:
                retag = khabar("retag", "--db", db_url)
            time.sleep(0.2)
        for process in fetchers:
            assert process.wait(timeout=60) == 0, process.stdout.read().decode()
        assert retag is not None and retag.wait(timeout=300) == 0, retag.stdout.read().decode() if retag else ""
        assert answers and set(answers) == {200}, "the web server answered throughout"
        page = httpx.get(f"http://127.0.0.1:{port}/", timeout=10)
        assert page.status_code == 200
        web.terminate()
        web.wait(timeout=20)

        with open_store(db_url) as store:
            assert_all_good_articles_landed_once(store, outlets)
            forms = dict(((k, d), n) for k, d, n in store._x("SELECT key, display, uses FROM tag_forms WHERE uses != 0"))
            counted = dict(
                ((k, d), n) for k, d, n in store._x("SELECT key, display, COUNT(*) FROM article_tags GROUP BY key, display")
            )
            assert forms == counted, "every display form's use count matches the tags stored"
            tagged = {row[0] for row in store._x("SELECT DISTINCT article_id FROM article_tags")}
            assert len(tagged) >= store.count() * 0.9
