"""The pipeline's parallel map: ordered results, and no worker left behind when its owner is killed."""

from __future__ import annotations

import gc
import operator
import os
import signal
import subprocess
import sys
import time

import pytest

from khabar.parallel import GC_THRESHOLD, WORKER_NICENESS, chunked, seldom_collections, worker_pool


def ordered_map(fn, items, workers):
    """``fn`` over ``items`` on a pool of ``workers`` local processes, in input order, as a list."""
    with worker_pool(workers) as pool:
        return list(pool.map(fn, items))


def test_ordered_map_keeps_input_order_across_workers():
    assert list(ordered_map(sum, chunked(range(1000), 7), workers=2)) == [sum(c) for c in chunked(range(1000), 7)]


def test_workers_yield_the_cpu_to_their_owner():
    # the owner stores what the workers prepare: when they compete for the cores, it goes first
    niceness = set(ordered_map(os.nice, [0] * 8, workers=2))
    assert niceness == {min(os.nice(0) + WORKER_NICENESS, 19)}  # 19 is the lowest priority there is


def test_workers_collect_garbage_seldom_and_never_walk_what_they_started_with():
    # operator.call(f) is f(): the workers report their own collector's settings
    thresholds = set(ordered_map(operator.call, [gc.get_threshold] * 8, workers=2))
    assert {t[0] for t in thresholds} == {GC_THRESHOLD} != {gc.get_threshold()[0]}
    assert min(ordered_map(operator.call, [gc.get_freeze_count] * 8, workers=2)) > 1000  # the modules loaded


def test_seldom_collections_gives_the_old_setting_back_even_on_error():
    before = gc.get_threshold()
    with pytest.raises(KeyError):
        with seldom_collections():
            assert gc.get_threshold() == (GC_THRESHOLD, *before[1:])
            raise KeyError("boom")
    assert gc.get_threshold() == before


CHILD = r"""
import sys, time
from khabar.parallel import worker_pool
from tests_support_worker import pid_after_a_while
with worker_pool(2) as pool:
    for done, pid in enumerate(pool.map(pid_after_a_while, range(1000)), 1):
        print(pid, flush=True)
        if done == 8:
            time.sleep(60)  # inside the loop, so the pool is still open when this process is killed
"""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as stat:  # a zombie has ended; only its parent has not reaped it
        return stat.read().split(") ")[1][0] != "Z"


def _state(pid: int) -> str:
    """A process's command line and state, for a failure message."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as cmdline, open(f"/proc/{pid}/stat") as stat:
            return f"{cmdline.read()[:80]!r} {stat.read().split(') ')[1][:1]}"
    except OSError:
        return "gone"


def test_workers_end_when_their_owner_is_killed(tmp_path):
    (tmp_path / "tests_support_worker.py").write_text(
        "import os, time\n\ndef pid_after_a_while(n):\n    time.sleep(0.05)\n    return (os.getpid(), os.getppid())\n"
    )
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(tmp_path), *sys.path]))
    owner = subprocess.Popen([sys.executable, "-c", CHILD], env=env, stdout=subprocess.PIPE, text=True)
    lines = [owner.stdout.readline() for _ in range(8)]
    pids = {int(part) for line in lines for part in line.strip("()\n").split(", ")}  # workers and their forkserver
    assert len(pids) >= 2 and all(_alive(pid) for pid in pids), (lines, {pid: _state(pid) for pid in pids})
    owner.send_signal(signal.SIGKILL)
    owner.wait()
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and any(_alive(pid) for pid in pids):
        time.sleep(0.1)
    assert not [pid for pid in pids if _alive(pid)], "workers outlived the process that owned them"
