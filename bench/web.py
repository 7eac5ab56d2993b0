"""Throughput and latency of `khabar serve` under concurrent clients on loopback.

    python bench/web.py --db PATH [--workers 2] [--connections 8 16] [--seconds 20]

The store is one built by ``khabar ingest`` of the 31,030-record dump. The
server runs in its own processes (uvicorn, ``--workers``); the load comes from
wrk (Debian's ``wrk`` package), each request for a page picked at random
among 2,000 random articles (``bench/web_paths.lua``), so in-memory caches
cannot help. Both share this machine's two cores, as a reverse proxy would.

Article pages and the related API show each article's related lists, which
the store keeps once computed (``khabar.link.related``). They are measured
twice: "first views" walk every stored article in a shuffled order, each
asked for once (``bench/web_walk.lua``), after every kept list is forgotten,
so each request computes its lists; the other rows ask for the 2,000
articles at random once their lists are kept.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from khabar.store import open_store

HERE = Path(__file__).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wrk(base: str, paths_file: Path, connections: int, seconds: int, script: str = "web_paths.lua") -> dict:
    """Run wrk with paths from the file (random, or walked by ``web_walk.lua``); requests/s, p50 and p99
    in ms, and errors."""
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", str(HERE / script), base],
        env=os.environ | {"PATHS_FILE": str(paths_file)}, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip

    def ms(label: str) -> float:
        value, unit = re.search(rf"{label}\s+([\d.]+)(us|ms|s)", out).groups()
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50": ms("50%"),
        "p99": ms("99%"),
        "errors": int(errors.group(1)) if errors else 0,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", required=True)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--connections", type=int, nargs="+", default=[8, 16])
    parser.add_argument("--seconds", type=int, default=20)
    args = parser.parse_args()

    with open_store(args.db) as store:
        count = store.count()
        every = [a.id for a in store.latest_articles(count)]
        random.Random(5).shuffle(every)
        ids = random.Random(11).sample(every, min(2000, count))
        tags = sorted({t.display for i in ids[:300] for t in store.get_tags(i)})[:300]
        stories = [sid for sid in store.stories_of(ids).values()]
    quote = httpx.URL
    kinds = {
        "article page, first views": [f"/article/{i}" for i in every],
        "article page": [f"/article/{i}" for i in ids],
        "API article": [f"/api/v1/articles/{i}" for i in ids],
        "API related": [f"/api/v1/articles/{i}/related" for i in ids],
        "story page": [f"/story/{s}" for s in stories],
        "tag page": [str(quote(f"/tag/{t}").raw_path, "ascii") for t in tags],
        "home page": ["/"],
    }
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [sys.executable, "-m", "khabar", "serve", "--db", args.db, "--port", str(port), "--workers", str(args.workers)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        for _ in range(100):
            try:
                httpx.get(base + "/api/v1/outlets", timeout=2)
                break
            except httpx.TransportError:
                time.sleep(0.3)
        print(f"store: {count:,} articles; server: {args.workers} uvicorn worker(s); client: wrk, 2 threads, on the same 2 cores")
        print(f"{'endpoint':<26} {'conns':>5} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'non-2xx':>8}")
        with tempfile.TemporaryDirectory() as folder:
            for kind, paths in kinds.items():
                paths_file = Path(folder) / "paths.txt"
                paths_file.write_text("\n".join(paths) + "\n")
                first_views = kind.endswith("first views")
                if first_views:
                    wrk(base, paths_file, 8, 3, "web_walk.lua")  # warm up: imports, page cache
                    with open_store(args.db) as store:
                        store.forget_kept_related()
                else:
                    with httpx.Client(base_url=base, timeout=30) as client:  # every list asked for once, so kept
                        for path in paths if "related" in kind or "article page" in kind else paths[:1]:
                            client.get(path)
                    wrk(base, paths_file, 8, 3)  # warm up: imports, page cache
                for run, connections in enumerate(args.connections, start=1):
                    if first_views:  # each run's walks start a sixth further on, past the last run's
                        shift = run * len(paths) // 6
                        paths_file.write_text("\n".join(paths[shift:] + paths[:shift]) + "\n")
                        r = wrk(base, paths_file, connections, args.seconds, "web_walk.lua")
                    else:
                        r = wrk(base, paths_file, connections, args.seconds)
                    print(f"{kind:<26} {connections:>5} {r['rps']:>8.1f} {r['p50']:>8.1f} {r['p99']:>8.1f} {r['errors']:>8}")
    finally:
        server.terminate()
        server.wait(timeout=20)


if __name__ == "__main__":
    main()
