"""Live ingestion speed: from feed to linked and stored, page extraction included.

    python bench/live.py [--per-outlet 200] [--runs 3]

Serves the first N SaudiNewsNet articles of each of the 14 outlets from
local servers on loopback, in a separate process (``tests/support/outlets.py``:
RSS/Atom/news sitemaps, pages with boilerplate, some in windows-1256; no
faults), then runs one ``khabar.ingest.live.fetch_once`` into a fresh SQLite
store with the whole pipeline (extraction, tags, search, near-duplicates,
related vectors, stories). The politeness delay is off, as these outlets are
local; per-host concurrency stays at the default. The servers share this
machine's two cores with khabar.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from khabar.ingest.fetch import Fetcher, FetchPolicy
from khabar.ingest.live import fetch_once
from khabar.ingest.sources import parse_sources
from khabar.store import open_store

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--per-outlet", type=int, default=200)
    parser.add_argument("--data", default=str(ROOT.parent / "shared" / "data" / "saudinewsnet" / "saudinewsnet.jsonl.gz"))
    parser.add_argument("--runs", type=int, default=3, help="Runs, each into a fresh store; the median is reported.")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        sources_file = Path(folder) / "sources.toml"
        server = subprocess.Popen(
            [sys.executable, str(ROOT / "tests" / "support" / "outlets.py"), "--data", args.data,
             "--per-outlet", str(args.per_outlet), "--sources-out", str(sources_file)],
            stdout=subprocess.PIPE, text=True, env={"PYTHONPATH": str(ROOT / "src")},
        )  # fmt: skip
        try:
            total = int(server.stdout.readline())
            sources = parse_sources(sources_file.read_text(encoding="utf-8")).sources
            print(f"{len(sources)} outlets serving {total:,} articles (feeds and pages) from another process")
            rates = []
            for run in range(1, args.runs + 1):
                with open_store(str(Path(folder) / f"live{run}.db")) as store, Fetcher(FetchPolicy(delay=0)) as fetcher:
                    started = time.perf_counter()
                    reports = fetch_once(store, sources, fetcher)
                    elapsed = time.perf_counter() - started
                    stored = sum(r.stored for r in reports)
                    problems = [str(p) for r in reports for p in r.problems]
                    assert store.count() + len(problems) == total, "every article stored, or reported"
                rates.append(stored / elapsed)
                print(f"run {run}: stored {stored:,} of {total:,} in {elapsed:.1f} s = {stored / elapsed:,.0f} articles/s; "
                      f"problems: {problems}")  # fmt: skip
            print(f"median: {statistics.median(rates):,.0f} articles/s (target: at least 200)")
        finally:
            server.kill()


if __name__ == "__main__":
    main()
