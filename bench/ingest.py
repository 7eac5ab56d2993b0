"""Ingest benchmark: the 31,030-article SaudiNewsNet dump into a fresh store.

Reports records per second with one process and with the CPU-bound work
spread over worker processes, in three modes: ``plain`` (parse, normalize,
store), ``tags`` (also keyword tags and corpus statistics, read from the
store as it grows) and ``full`` (also the search index and linking: what
``khabar ingest`` does), the time tagging adds per article, the peak resident
memory of the main process and of all the job's processes together, the CPU
time of the main process, of the workers and (PostgreSQL) of the server, and
the store's size on disk with its largest tables (PostgreSQL: with their indexes).
Run from the project root:

    python bench/ingest.py [--dump PATH] [--repeat N] [--workers 1 2] [--modes plain tags full]

With ``--dask`` (PostgreSQL only), the workers' part runs on a Dask cluster started on this machine as
docs/cluster.md says (``dask scheduler``, and ``dask worker --nthreads 1 --nworkers N`` at niceness 10,
as the local workers run), the ingest given its address: what the ``--scheduler`` path costs against
local processes, in the same run.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from khabar import compiled

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DUMP = ROOT.parent / "shared" / "data" / "saudinewsnet" / "saudinewsnet.jsonl.gz"

CHILD = r"""
import json, resource, sys, time
from khabar.pipeline import ingest_paths
from khabar.store import open_store
start = time.perf_counter()
with open_store(sys.argv[1]) as store:
    mode = sys.argv[4]
    report = ingest_paths(store, [sys.argv[2]], workers=int(sys.argv[3]), enrich=mode != "plain", link=mode == "full",
                          search=mode == "full", scheduler=sys.argv[5] or None)
    count = store.count()
    elapsed = time.perf_counter() - start
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if store.dialect == "sqlite":  # the file once the WAL is folded in, and its largest tables and indexes
        store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        disk = store.path.stat().st_size
        largest = store.conn.execute(
            "SELECT name, SUM(pgsize) FROM dbstat GROUP BY name ORDER BY 2 DESC LIMIT 6").fetchall()
    else:
        disk = store.conn.execute("SELECT pg_database_size(current_database())").fetchone()[0]
        largest = store.conn.execute(
            "SELECT relname, pg_total_relation_size(oid) FROM pg_class WHERE relkind = 'r' "
            "AND relnamespace = 'public'::regnamespace ORDER BY 2 DESC LIMIT 6").fetchall()
print(json.dumps({"seconds": elapsed, "read": report.read, "stored": report.stored,
                  "skipped": report.skipped_total, "count": count, "peak_rss_mb": rss,
                  "disk_mb": disk / 1e6, "largest": [[n, b / 1e6] for n, b in largest]}))
"""


PAGE_MB = os.sysconf("SC_PAGE_SIZE") / 2**20
TICK = os.sysconf("SC_CLK_TCK")  # the unit of the CPU times in /proc/<pid>/stat


def _cpu_seconds(pid: int, reaped: bool = False) -> float:
    """A process's CPU time so far, user and system, from /proc (Linux); with ``reaped``, also that of
    its children that have ended and been waited for. 0 when the process is gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            fields = stat.read().rsplit(b")", 1)[1].split()  # after the name, which may hold spaces
    except OSError:
        return 0.0
    used = int(fields[11]) + int(fields[12]) + (int(fields[13]) + int(fields[14]) if reaped else 0)
    return used / TICK


def _tree_sample(root: int) -> dict[int, tuple[float, float]]:
    """Resident memory (MB) and CPU time (s) of a process and each of its descendants, from /proc (Linux).

    The tree is walked down through each process's ``children`` and each one's size read from ``statm``
    and its time from ``stat``: a few small files a sample. Reading the status of every process on the
    machine took 2.3 ms a sample, 5% of a core at 20 samples a second, taken from the job being measured.
    """
    sample, frontier = {}, [root]
    while frontier:
        pid = frontier.pop()
        try:
            with open(f"/proc/{pid}/statm", "rb") as statm:
                rss = int(statm.read().split()[1]) * PAGE_MB
            sample[pid] = (rss, _cpu_seconds(pid))
            for task in os.listdir(f"/proc/{pid}/task"):
                with open(f"/proc/{pid}/task/{task}/children", "rb") as children:
                    frontier.extend(int(child) for child in children.read().split())
        except (OSError, ValueError):  # the process ended meanwhile
            continue
    return sample


def _server_cpu_seconds(cluster) -> float:  # noqa: ANN001 - a support.postgres.Cluster
    """CPU time of a PostgreSQL cluster's processes so far: the postmaster's own and that of the
    backends it has reaped (every connection that has closed), plus its processes still running."""
    try:
        postmaster = int((cluster.folder / "data" / "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):  # no cluster of our own (KHABAR_TEST_POSTGRES): not counted
        return 0.0
    return _cpu_seconds(postmaster, reaped=True) + sum(
        cpu for pid, (_, cpu) in _tree_sample(postmaster).items() if pid != postmaster
    )


def run_once(dump: Path, workers: int, mode: str, cluster=None, dask=None) -> dict:  # noqa: ANN001
    """Ingest the dump into a new store in a fresh Python process; return its figures. ``cluster`` is a
    support.postgres.Cluster (else SQLite), ``dask`` a :class:`DaskCluster` to prepare the articles.

    Memory is sampled every 50 ms over the whole process tree (main process,
    forkserver and workers), so the peak counts every process of the job.
    """
    with tempfile.TemporaryDirectory() as tmp:
        db = cluster.database() if cluster else str(Path(tmp) / "bench.db")
        proc = subprocess.Popen(
            [sys.executable, "-c", CHILD, db, str(dump), str(workers), mode, dask.address if dask else ""],
            stdout=subprocess.PIPE, text=True,
        )
        server_before = _server_cpu_seconds(cluster) if cluster else 0.0
        dask_before = dask.cpu_seconds() if dask else 0.0
        tree_peak, cpu_seen = 0.0, {}
        while proc.poll() is None:
            sample = _tree_sample(proc.pid)
            tree_peak = max(tree_peak, sum(rss for rss, _ in sample.values()))
            cpu_seen.update((pid, cpu) for pid, (_, cpu) in sample.items())  # the last time seen of each
            time.sleep(0.05)
        result = json.loads(proc.stdout.read())
        result["tree_peak_rss_mb"] = max(tree_peak, result["peak_rss_mb"])
        # CPU of the main process, of the others of the job (forkserver and workers; each as last sampled,
        # so up to 50 ms of each may be missed), and of the PostgreSQL server over the run: unlike the wall
        # time, which moves with this machine's speed from hour to hour, it tells two versions of the code apart.
        result["cpu_main"] = cpu_seen.pop(proc.pid, 0.0)
        result["cpu_others"] = sum(cpu_seen.values())
        result["cpu_server"] = _server_cpu_seconds(cluster) - server_before if cluster else 0.0
        result["cpu_dask"] = dask.cpu_seconds() - dask_before if dask else 0.0
        result["db"] = db
        if cluster and not KEEP:
            cluster.drop(db)
        return result


class DaskCluster:
    """A Dask scheduler and ``workers`` single-threaded workers at niceness 10, started as docs/cluster.md
    says, on 127.0.0.1; its processes' CPU is counted apart."""

    def __init__(self, workers: int) -> None:
        from support.postgres import free_port  # --dask comes with --backend postgres, which put it on the path

        port = free_port()
        self.address = f"tcp://127.0.0.1:{port}"
        bin_dir = Path(sys.executable).parent
        quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
        self.scheduler = subprocess.Popen(
            [bin_dir / "dask", "scheduler", "--host", "127.0.0.1", "--port", str(port), "--dashboard-address", ":0"],
            **quiet)
        self.workers = subprocess.Popen(
            ["nice", "-n", "10", bin_dir / "dask", "worker", self.address, "--nthreads", "1", "--nworkers",
             str(workers), "--host", "127.0.0.1", "--dashboard-address", ":0"], **quiet)
        from distributed import Client

        with Client(self.address, timeout=60, set_as_default=False) as client:
            client.wait_for_workers(workers, timeout=120)

    def cpu_seconds(self) -> float:
        """CPU time so far of the scheduler and every worker process (their nannies included)."""
        return sum(cpu for root in (self.scheduler.pid, self.workers.pid) for _, cpu in _tree_sample(root).values())

    def stop(self) -> None:
        """End the workers, then the scheduler."""
        for proc in (self.workers, self.scheduler):
            proc.terminate()
            proc.wait(timeout=60)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dump", type=Path, default=DEFAULT_DUMP)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2], help="normalizing processes to try")
    parser.add_argument("--modes", nargs="+", default=["plain", "tags", "full"], choices=["plain", "tags", "full"],
                        help="plain: parse, normalize, store; tags: also tags and corpus statistics; "
                        "full: also the search index and linking (what khabar ingest does)")
    parser.add_argument("--backend", choices=["sqlite", "postgres"], default="sqlite",
                        help="postgres: a throwaway PostgreSQL 15 cluster on loopback (tests/support/postgres.py); "
                        "its server processes are not counted in the memory figures")
    parser.add_argument("--keep", action="store_true", help="keep the last PostgreSQL database and print its URL")
    parser.add_argument("--dask", action="store_true",
                        help="also each run with the workers' part on a local Dask cluster of as many workers, "
                        "alternating with local processes (PostgreSQL only)")
    args = parser.parse_args()
    if args.dask and args.backend != "postgres":
        parser.error("--dask needs --backend postgres (the cluster's workers read the store)")
    global KEEP
    KEEP = args.keep
    cluster = None
    if args.backend == "postgres":
        sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
        from support.postgres import Cluster

        cluster = Cluster().start()
        print(f"backend: PostgreSQL at {cluster.admin_url.rsplit('/', 1)[0]}")
    print(f"machine: {platform.processor() or platform.machine()}, python {platform.python_version()}, "
          f"khabar {'compiled' if compiled() else 'pure Python'} (setup.py)")
    medians: dict[tuple[str, int], float] = {}
    for mode in args.modes:
        for workers in args.workers:
            dask = DaskCluster(workers) if args.dask else None
            runs, dask_runs = [], []
            for n in range(args.repeat):
                if dask:  # alternating: a run on the Dask cluster, then one with local processes
                    r = run_once(args.dump, workers, mode, cluster, dask)
                    dask_runs.append(r)
                    print(
                        f"{mode:<7} dask workers={workers} run {n + 1}: {r['read']:,} read, {r['stored']:,} stored, "
                        f"{r['skipped']:,} skipped in {r['seconds']:.2f}s = {r['read'] / r['seconds']:,.0f} records/s; "
                        f"peak RSS {r['peak_rss_mb']:.0f} MB main"
                    )
                    print(f"        CPU: main process {r['cpu_main']:.1f} s, Dask scheduler and workers "
                          f"{r['cpu_dask']:.1f}, server {r['cpu_server']:.1f}; "
                          f"in all {r['cpu_main'] + r['cpu_dask'] + r['cpu_server']:.1f} s")
                r = run_once(args.dump, workers, mode, cluster)
                runs.append(r)
                print(
                    f"{mode:<7} workers={workers} run {n + 1}: {r['read']:,} read, {r['stored']:,} stored, "
                    f"{r['skipped']:,} skipped in {r['seconds']:.2f}s = {r['read'] / r['seconds']:,.0f} records/s; "
                    f"peak RSS {r['peak_rss_mb']:.0f} MB main, {r['tree_peak_rss_mb']:.0f} MB all processes"
                )
                print("        store on disk: {:,.0f} MB; largest: {}".format(
                    r["disk_mb"], ", ".join(f"{name} {mb:,.1f}" for name, mb in r["largest"])))
                server = f", server {r['cpu_server']:.1f}" if cluster and not cluster.external else ""
                print(f"        CPU: main process {r['cpu_main']:.1f} s, workers (and forkserver) {r['cpu_others']:.1f}{server}; "
                      f"in all {r['cpu_main'] + r['cpu_others'] + r['cpu_server']:.1f} s")
            if dask:
                dask.stop()
                seconds = sorted(r["seconds"] for r in dask_runs)[len(dask_runs) // 2]
                print(f"{mode:<7} dask workers={workers} median: {dask_runs[0]['read'] / seconds:,.0f} records/s")
            seconds = sorted(r["seconds"] for r in runs)[len(runs) // 2]
            medians[(mode, workers)] = seconds
            stored = runs[0]["stored"]
            print(f"{mode:<7} workers={workers} median: {runs[0]['read'] / seconds:,.0f} records/s")
    for workers in args.workers:
        if ("plain", workers) in medians and ("tags", workers) in medians:
            added = (medians[("tags", workers)] - medians[("plain", workers)]) / stored * 1000
            print(f"workers={workers}: tagging adds {added:.2f} ms per stored article (target ≤ 1 ms)")
        if ("full", workers) in medians:
            print(f"workers={workers}: full pipeline {stored / medians[('full', workers)]:,.0f} stored articles/s "
                  "(issue 4 asks ≥ 1,000/s once stories and related articles are linked too)")
    if cluster and KEEP:
        print(f"kept the last store: {r['db']} (the cluster in {cluster.folder} keeps running)")
    elif cluster:
        cluster.stop()

KEEP = False

if __name__ == "__main__":
    main()
