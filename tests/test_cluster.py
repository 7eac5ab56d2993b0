"""Batch work on a Dask cluster: a real scheduler and worker processes on loopback, a real PostgreSQL."""

from __future__ import annotations

import gc
import gzip
import itertools
import operator
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import orjson
import pytest
from distributed import Client, LocalCluster
from typer.testing import CliRunner

from conftest import scalar, write_jsonl
from support.postgres import Cluster, free_port  # free_port: a loopback port nothing listens on
from khabar import cluster as khabar_cluster
from khabar import enrich as khabar_enrich
from khabar.cli import app
from khabar.enrich import retag, worker_store
from khabar.enrich import tags as tags_module
from khabar.enrich.tags import tagger_stamp
from khabar.errors import ConfigError
from khabar.parallel import GC_THRESHOLD
from khabar.pipeline import ingest_paths
from khabar.search import search
from khabar.store import open_store

runner = CliRunner()


@pytest.fixture(scope="module")
def dask_scheduler():
    """The address of a Dask scheduler with two single-threaded worker processes, on 127.0.0.1."""
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=":0"
    ) as local:
        yield local.scheduler_address


@pytest.fixture
def pg_url(postgres_cluster):
    """A fresh PostgreSQL store's URL."""
    url = postgres_cluster.database()
    yield url
    postgres_cluster.drop(url)


def _snapshot(url: str) -> dict:
    """Everything an ingest decides, as plain data: the articles with their tags, duplicate groups,
    stories, and what a search finds."""
    with open_store(url) as store:
        articles = [a.to_record() | {"fetched": None} for a in store.iter_articles()]
        ids = [a["id"] for a in articles]
        groups = store.duplicate_groups(ids)
        return {
            "articles": articles,
            "tags": {i: [(t.display, t.score) for t in store.get_tags(i)] for i in ids},
            "duplicates": sorted(sorted(i for i in ids if groups.get(i) == g) for g in set(groups.values())),
            "stories": store.stories_of(ids),
            "search": [hit.article.id for hit in search(store, "وزارة الصحة").hits],
        }


def _words_read_by_workers(address: str) -> dict[str, int]:
    """How many distinct words each worker of the cluster has read (its words' cache)."""
    with Client(address, set_as_default=False) as client:
        return client.run(lambda: len(__import__("khabar.text.reading", fromlist=["_FACTS"])._FACTS))


def test_an_ingest_on_a_cluster_stores_what_a_local_ingest_stores(tmp_path, postgres_cluster, dask_scheduler,
                                                                   saudinewsnet_sample, monkeypatch):
    # Tags are weighed with the statistics snapshot a process last read, kept for STATS_MIN_AGE_SECONDS
    # (khabar.enrich.stats_snapshot). Each cluster worker reads the empty store's at its first chunk and
    # does all of its chunks within seconds; a local ingest on a slow machine could pass that age and read
    # a newer one before its last chunk, so here it keeps its first snapshot as well.
    monkeypatch.setattr(khabar_enrich, "STATS_MIN_AGE_SECONDS", 3600)
    path = write_jsonl(tmp_path / "s.jsonl", saudinewsnet_sample + [{"broken": True}])
    words_read_before = _words_read_by_workers(dask_scheduler)
    reports, snapshots = {}, {}
    for where in ("local", "cluster"):
        url = postgres_cluster.database()
        with open_store(url) as store:
            scheduler = dask_scheduler if where == "cluster" else None
            reports[where] = ingest_paths(store, [str(path)], batch_size=100, scheduler=scheduler).to_dict()
        snapshots[where] = _snapshot(url)
        postgres_cluster.drop(url)
    assert reports["cluster"] == reports["local"]
    assert reports["cluster"]["read"] == 601 and reports["cluster"]["skipped_by_reason"]["unknown layout"] == 1
    assert snapshots["cluster"] == snapshots["local"]
    assert sum(bool(tags) for tags in snapshots["cluster"]["tags"].values()) > 550  # tagged on the workers
    assert any(len(group) > 1 for group in snapshots["cluster"]["duplicates"])  # and signed there
    assert snapshots["cluster"]["search"]
    # The workers did read the texts: each one's cache of words grew.
    after = _words_read_by_workers(dask_scheduler)
    assert all(after[worker] > before for worker, before in words_read_before.items())


def test_a_retag_on_a_cluster_gives_the_tags_a_local_retag_gives(tmp_path, pg_url, dask_scheduler, saudinewsnet_sample):
    path = write_jsonl(tmp_path / "s.jsonl", saudinewsnet_sample[:300])
    tags = {}
    with open_store(pg_url) as store:
        ingest_paths(store, [str(path)], batch_size=50)
        for where, scheduler in (("local", None), ("cluster", dask_scheduler)):
            report = retag(store, scheduler=scheduler)
            assert (report.documents, report.tagged) == (300, 300)
            tags[where] = {a.id: [(t.display, t.score) for t in store.get_tags(a.id)] for a in store.iter_articles()}
    assert tags["cluster"] == tags["local"]
    assert sum(bool(t) for t in tags["cluster"].values()) > 280


def test_the_cli_ingests_and_retags_through_a_cluster(tmp_path, pg_url, dask_scheduler, saudinewsnet_sample):
    path = write_jsonl(tmp_path / "s.jsonl", saudinewsnet_sample[:120])
    result = runner.invoke(app, ["ingest", str(path), "--db", pg_url, "--scheduler", dask_scheduler, "--retag"])
    assert result.exit_code == 0, result.output
    assert scalar(pg_url, "SELECT count(*) FROM articles") == 120
    result = runner.invoke(app, ["retag", "--db", pg_url], env={"KHABAR_SCHEDULER": dask_scheduler})
    assert result.exit_code == 0, result.output
    assert "retagged 120 articles" in result.output


def test_an_unreachable_scheduler_is_a_clear_error_and_nothing_is_stored(tmp_path, pg_url, saudinewsnet_sample,
                                                                       monkeypatch):
    monkeypatch.setattr(khabar_cluster, "CONNECT_SECONDS", 1)
    path = write_jsonl(tmp_path / "s.jsonl", saudinewsnet_sample[:20])
    address = f"tcp://127.0.0.1:{free_port()}"
    with open_store(pg_url) as store, pytest.raises(ConfigError) as raised:
        ingest_paths(store, [str(path)], scheduler=address)
    assert address in str(raised.value) and "dask scheduler" in str(raised.value)
    assert scalar(pg_url, "SELECT count(*) FROM articles") == 0
    result = runner.invoke(app, ["ingest", str(path), "--db", pg_url, "--scheduler", "not an address"])
    assert result.exit_code != 0
    assert "could not reach the Dask scheduler at 'not an address'" in result.output


def test_a_retag_that_cannot_reach_its_scheduler_leaves_the_statistics_as_they_were(tmp_path, pg_url,
                                                                                  saudinewsnet_sample, monkeypatch):
    monkeypatch.setattr(khabar_cluster, "CONNECT_SECONDS", 1)
    path = write_jsonl(tmp_path / "s.jsonl", saudinewsnet_sample[:50])
    with open_store(pg_url) as store:
        ingest_paths(store, [str(path)])
        before = (store.corpus_documents(), dict(store.load_term_stats().counts))
        with pytest.raises(ConfigError, match="could not reach"):
            retag(store, scheduler=f"tcp://127.0.0.1:{free_port()}")
        assert (store.corpus_documents(), dict(store.load_term_stats().counts)) == before
    assert before[0] == 50


def test_a_scheduler_without_workers_is_a_clear_error(pg_url, monkeypatch):
    monkeypatch.setattr(khabar_cluster, "WORKERS_SECONDS", 1)
    with LocalCluster(n_workers=0, host="127.0.0.1", dashboard_address=":0") as empty:
        with open_store(pg_url) as store, pytest.raises(ConfigError, match="has no workers"):
            ingest_paths(store, [], scheduler=empty.scheduler_address)


def test_a_sqlite_store_is_refused_before_any_work(tmp_path, saudinewsnet_sample):
    path = write_jsonl(tmp_path / "s.jsonl", saudinewsnet_sample[:5])
    with open_store(str(tmp_path / "k.db")) as store:
        with pytest.raises(ConfigError, match="postgresql"):
            ingest_paths(store, [str(path)], scheduler="tcp://127.0.0.1:1")
        with pytest.raises(ConfigError, match="postgresql"):
            retag(store, scheduler="tcp://127.0.0.1:1")
        assert store.corpus_documents() == 0


def test_workers_that_run_another_khabar_are_refused(pg_url, dask_scheduler, monkeypatch):
    # This process runs another tagger (its format bumped) than the workers do.
    real = tagger_stamp()
    monkeypatch.setattr(tags_module, "TAGGER_FORMAT", tags_module.TAGGER_FORMAT + 1)
    tagger_stamp.cache_clear()
    try:
        with open_store(pg_url) as store, pytest.raises(ConfigError) as raised:
            ingest_paths(store, [], scheduler=dask_scheduler)
        message = str(raised.value)
        assert message.count(f"has tagger {real!r} where this process has {tagger_stamp()!r}") == 2
        assert "Install this version on every worker" in message
    finally:
        monkeypatch.undo()
        tagger_stamp.cache_clear()
    assert tagger_stamp() == real


def test_the_workers_identity_is_this_process_identity(dask_scheduler):
    with Client(dask_scheduler, set_as_default=False) as client:
        identities = client.run(khabar_cluster.worker_identity)
    assert len(identities) == 2
    assert khabar_cluster.differences(khabar_cluster.worker_identity(), identities) == []
    changed = {address: identity | {"python": "2.7"} for address, identity in identities.items()}
    assert len(khabar_cluster.differences(khabar_cluster.worker_identity(), changed)) == 2


def test_each_thread_opens_its_own_store(tmp_path):
    # A Dask worker may run tasks in several threads; a store's connection must not cross them.
    url = str(tmp_path / "k.db")
    open_store(url).close()
    seen = []
    threads = [threading.Thread(target=lambda: seen.append(worker_store(url))) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert seen[0] is not seen[1]
    assert worker_store(url) is worker_store(url)
    for s in seen + [worker_store(url)]:
        s.close()


def test_a_task_collects_garbage_seldom_and_the_worker_gets_its_setting_back(dask_scheduler):
    with khabar_cluster.dask_pool(dask_scheduler) as pool:
        during = set(pool.map(operator.call, [gc.get_threshold] * 4))  # operator.call(f) is f()
        assert pool.slots == 2
    assert {t[0] for t in during} == {GC_THRESHOLD}
    with Client(dask_scheduler, set_as_default=False) as client:
        after = set(client.run(gc.get_threshold).values())
    assert {t[0] for t in after} == {gc.get_threshold()[0]} != {GC_THRESHOLD}


@pytest.fixture
def second_host():
    """Another host on a network of its own: a network namespace joined to this one by a veth link, at
    10.X.Y.2, this side at 10.X.Y.1 (X.Y from this process's id). Its processes reach this side only
    through that link: nothing of this side's loopback."""
    net = f"10.{200 + os.getpid() % 50}.{os.getpid() // 50 % 250}"
    name, here, there = f"khabar-{os.getpid()}", f"khv{os.getpid()}a"[-15:], f"khv{os.getpid()}b"[-15:]

    def ip(*args: str) -> None:
        done = subprocess.run(["ip", *args], capture_output=True, text=True)
        assert done.returncode == 0, f"ip {' '.join(args)}: {done.stderr} (the test makes a network namespace, as root)"

    ip("netns", "add", name)
    try:
        ip("link", "add", here, "type", "veth", "peer", "name", there)
        ip("link", "set", there, "netns", name)
        ip("addr", "add", f"{net}.1/24", "dev", here)
        ip("link", "set", here, "up")
        ip("netns", "exec", name, "ip", "addr", "add", f"{net}.2/24", "dev", there)
        ip("netns", "exec", name, "ip", "link", "set", there, "up")
        ip("netns", "exec", name, "ip", "link", "set", "lo", "up")
        yield {"namespace": name, "network": f"{net}.0/24", "here": f"{net}.1", "there": f"{net}.2"}
    finally:
        subprocess.run(["ip", "netns", "del", name], capture_output=True)  # takes the veth pair with it


def test_workers_on_another_host_prepare_what_a_local_ingest_prepares(tmp_path, second_host, saudinewsnet_sample):
    # The store and the scheduler listen on this side's address; the workers run on the other host.
    postgres = Cluster(host=second_host["here"], clients=second_host["network"]).start()
    workers = None
    try:
        with LocalCluster(n_workers=0, host=second_host["here"], dashboard_address=":0") as scheduler_only:
            address = scheduler_only.scheduler_address
            dask = Path(sys.executable).parent / "dask"
            workers = subprocess.Popen(
                ["ip", "netns", "exec", second_host["namespace"], str(dask), "worker", address, "--host",
                 second_host["there"], "--nthreads", "1", "--nworkers", "2", "--dashboard-address", ":0"],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )
            with Client(address, set_as_default=False) as client:
                client.wait_for_workers(2, timeout=120)
                hosts = {w.split("://")[1].rsplit(":", 1)[0] for w in client.scheduler_info()["workers"]}
            assert hosts == {second_host["there"]}
            path = write_jsonl(tmp_path / "s.jsonl", saudinewsnet_sample[:300])
            snapshots = {}
            for where, scheduler in (("local", None), ("other host", address)):
                url = postgres.database()
                with open_store(url) as store:
                    report = ingest_paths(store, [str(path)], batch_size=100, scheduler=scheduler)
                assert report.stored == 300
                snapshots[where] = _snapshot(url)
            assert snapshots["other host"] == snapshots["local"]
            assert sum(bool(tags) for tags in snapshots["other host"]["tags"].values()) > 280
            assert min(_words_read_by_workers(address).values()) > 1000  # they did read the texts
    finally:
        if workers:
            workers.terminate()
            workers.wait(timeout=60)
        postgres.stop()


def test_a_worker_killed_mid_ingest_has_its_work_done_again(tmp_path, postgres_cluster, saudinewsnet_path):
    with gzip.open(saudinewsnet_path) as dump:
        records = [orjson.loads(line) for line in itertools.islice(dump, 3000)]
    path = write_jsonl(tmp_path / "s.jsonl", records)
    killed: list[int] = []
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=":0"
    ) as local, Client(local.scheduler_address, set_as_default=False) as client:

        def kill_a_busy_worker(report) -> None:  # noqa: ANN001 - after each stored batch
            busy = [worker for worker, keys in client.processing().items() if keys]
            if not killed and busy:
                pid = client.run(os.getpid, workers=busy[:1])[busy[0]]
                os.kill(pid, signal.SIGKILL)  # in the middle of a chunk; its nanny starts another worker
                killed.append(pid)

        reports, snapshots = {}, {}
        for where, scheduler in (("local", None), ("cluster", local.scheduler_address)):
            url = postgres_cluster.database()
            with open_store(url) as store:
                reports[where] = ingest_paths(store, [str(path)], batch_size=100, scheduler=scheduler,
                                              on_batch=kill_a_busy_worker if scheduler else None).to_dict()
            snapshots[where] = _snapshot(url)
            postgres_cluster.drop(url)
        assert killed, "no worker was busy after a batch: nothing was killed"
        assert killed[0] not in client.run(os.getpid).values()
    assert reports["cluster"] == reports["local"] and reports["cluster"]["stored"] > 2900
    # Tags and story vectors are weighed with the statistics a worker last read, which a restarted worker
    # reads afresh, so they may differ from run to run; what does not depend on them must not.
    for part in ("articles", "duplicates", "search"):
        assert snapshots["cluster"][part] == snapshots["local"][part], part
    assert sum(bool(tags) for tags in snapshots["cluster"]["tags"].values()) > 2800
    assert set(snapshots["cluster"]["stories"]) == {a["id"] for a in snapshots["cluster"]["articles"]}


def test_a_task_on_a_worker_that_runs_another_khabar_fails_with_what_differs(dask_scheduler):
    # A worker that joins after the pool's check is checked by each task: here the caller claims a tagger
    # the workers do not run.
    expected = khabar_cluster.worker_identity() | {"tagger": "1:another"}
    with Client(dask_scheduler, set_as_default=False) as client:
        future = client.submit(khabar_cluster.checked_task, expected, operator.call, gc.get_threshold, pure=False)
        with pytest.raises(ConfigError, match="has tagger .* where this process has '1:another'"):
            future.result()
        same = client.submit(khabar_cluster.checked_task, khabar_cluster.worker_identity(), operator.call,
                             gc.get_threshold, pure=False)
        assert same.result()[0] == GC_THRESHOLD
