"""Live ingestion end to end: 14 local outlets on loopback serving real articles, with faults.

Every good article must land exactly once with its text intact; every bad
feed or page is logged with its reason; an edited article is updated in
place; a process killed mid-fetch loses and duplicates nothing; `khabar up`
serves while it fetches and stops cleanly on SIGTERM.
"""

from __future__ import annotations

import html
import json
import logging
import signal
import subprocess
import sys
import time

import httpx
from typer.testing import CliRunner

from khabar.cli import app
from khabar.ingest.fetch import Fetcher, FetchPolicy
from khabar.ingest.live import fetch_once, problems_of
from khabar.ingest.sources import parse_sources
from khabar.model import article_id
from khabar.store import open_store
from khabar.text import display_form, match_key
from support.outlets import FAULTS, Outlets

FAST = FetchPolicy(timeout=1.5, retries=1, backoff=0.05, delay=0)
runner = CliRunner()


def assert_all_good_articles_landed_once(store, outlets) -> None:
    good = outlets.good_articles()
    for url, (outlet, story) in good.items():
        article = store.get_article(article_id(url, "", "", ""))
        assert article is not None, f"missing {url}"
        assert article.outlet == outlet and article.title == display_form(html.unescape(story.title))
        assert match_key(article.text) == match_key(story.text), f"text of {url} not intact"
    assert store.count() == len(good), "nothing but the good articles, each once"
    urls = [a.url for a in store.iter_articles()]
    assert len(urls) == len(set(urls))


def test_fetch_lands_every_good_article_once_and_logs_each_fault(outlet_records, db_url, caplog):
    caplog.set_level(logging.WARNING, logger="khabar.ingest.live")
    with Outlets(outlet_records) as outlets, open_store(db_url) as store:
        sources = parse_sources(outlets.sources_toml()).sources
        with Fetcher(FAST) as fetcher:
            reports = fetch_once(store, sources, fetcher)
        assert_all_good_articles_landed_once(store, outlets)
        assert sum(r.stored for r in reports) == len(outlets.good_articles())

        problems = {p.url.split(":", 2)[-1].split("/", 1)[-1]: p.reason for p in problems_of(reports)}
        for path, (_, reason) in FAULTS.items():
            assert problems.get(path.lstrip("/")) == reason, path
            assert any(path in r.message and reason in r.message for r in caplog.records), f"{path} not logged"
        assert problems.get("broken.xml") == "malformed feed"
        assert len(problems) == len(FAULTS) + 1, "no good article reported as a problem"

        published = store.get_article(article_id(next(iter(outlets.good_articles())), "", "", "")).published
        assert published is not None and published.tzinfo is not None

        # Polling again fetches the feeds but no page already handled (only passing failures are retried).
        pages_before = [p for _, p in outlets.requests if p.startswith("/article/")]
        with Fetcher(FAST) as fetcher:
            again = fetch_once(store, sources, fetcher)
        assert sum(r.stored + r.updated for r in again) == 0
        assert [p for _, p in outlets.requests if p.startswith("/article/")] == pages_before
        retried = {p.reason for p in problems_of(again)} - {"malformed feed"}
        assert retried == {"http 500", "timeout", "truncated"}

        # An article edited after its first fetch is updated in place.
        outlet = outlets.outlets[5]
        url = outlets.edit(outlet, 2, outlet.articles[2].text + "\nوأضاف المتحدث أن التحقيقات مستمرة.")
        with Fetcher(FAST) as fetcher:
            edited = fetch_once(store, sources, fetcher)
        assert sum(r.updated for r in edited) == 1 and sum(r.stored for r in edited) == 0
        assert "التحقيقات مستمرة" in store.get_article(article_id(url, "", "", "")).text
        assert store.count() == len(outlets.good_articles())

        states = store.source_states()
        assert states[outlets.outlets[0].name].last_error and states[outlets.outlets[2].name].last_error is None
        assert all(s.last_success and s.items_seen >= 12 and s.next_poll for s in states.values())


def test_fetch_once_command_with_a_feed_url_and_the_sources_command(outlet_records, tmp_path, db_url):
    db = db_url
    with Outlets(outlet_records, faults=False) as outlets:
        feed = outlets.outlets[4].feeds[0]
        refused = runner.invoke(app, ["fetch", "--once", "--feed", feed, "--db", db, "--json"])
        assert refused.exit_code == 0
        assert "private address" in json.loads(refused.stdout)[0]["problems"][0]
        result = runner.invoke(app, ["fetch", "--once", "--feed", feed, "--allow-private", "--db", db, "--json"])
        assert result.exit_code == 0, result.output
        assert json.loads(result.stdout)[0]["stored"] == 12
        sources_file = tmp_path / "sources.toml"
        sources_file.write_text(outlets.sources_toml(), encoding="utf-8")
        shown = runner.invoke(app, ["sources", "--sources", str(sources_file), "--db", db, "--json"])
        assert shown.exit_code == 0 and len(json.loads(shown.stdout)) == 14
    bad = runner.invoke(app, ["fetch", "--once", "--feed", "ftp://example.com/feed", "--db", db])
    assert bad.exit_code == 2 and "http" in bad.output


def khabar(*args: str, **kwargs) -> subprocess.Popen:  # noqa: ANN003
    return subprocess.Popen([sys.executable, "-m", "khabar", *args], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, **kwargs)


def count(db: str) -> int:
    with open_store(db) as store:
        return store.count()


def test_a_restart_after_a_kill_loses_nothing_and_duplicates_nothing(outlet_records, tmp_path, db_url):
    db = db_url
    with Outlets(outlet_records) as outlets:
        sources_file = tmp_path / "sources.toml"
        sources_file.write_text(outlets.sources_toml(), encoding="utf-8")
        total = len(outlets.good_articles())
        first = khabar("fetch", "--once", "--sources", str(sources_file), "--db", db)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and first.poll() is None:
            if sum(p.startswith("/article/") for _, p in outlets.requests) >= total // 2:
                break  # half of the pages fetched: kill it mid-fetch
            time.sleep(0.02)
        first.send_signal(signal.SIGKILL)
        first.wait()
        assert first.returncode == -signal.SIGKILL, "killed before it finished"
        assert count(db) < total
        second = khabar("fetch", "--once", "--sources", str(sources_file), "--db", db)
        assert second.wait(timeout=300) == 0, second.stdout.read().decode()
        with open_store(db) as store:
            assert_all_good_articles_landed_once(store, outlets)


def test_up_serves_while_fetching_and_stops_cleanly_on_sigterm(outlet_records, tmp_path, db_url):
    db = db_url
    port = free_port()
    with Outlets(outlet_records, faults=False) as outlets:
        sources_file = tmp_path / "sources.toml"
        sources_file.write_text(outlets.sources_toml(), encoding="utf-8")
        process = khabar("up", "--sources", str(sources_file), "--db", db, "--port", str(port))
        total, deadline = 0, time.monotonic() + 180
        while time.monotonic() < deadline and total < len(outlets.good_articles()):
            assert process.poll() is None, process.stdout.read().decode()
            try:
                total = httpx.get(f"http://127.0.0.1:{port}/api/v1/articles", timeout=2).json()["total"]
            except httpx.TransportError:
                pass
            time.sleep(0.3)
        assert total == len(outlets.good_articles())
        assert httpx.get(f"http://127.0.0.1:{port}/", timeout=5).status_code == 200
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
        output = process.stdout.read().decode()
        assert "SIGTERM received" in output and "stopped after" in output
        with open_store(db) as store:
            assert_all_good_articles_landed_once(store, outlets)
            assert all(s.last_success for s in store.source_states().values())


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
