"""etl/forked.py split_map: worker processes on 2 cores, except under an address-space cap.

Under RLIMIT_AS a forked worker starts at its parent's virtual size and can allocate next to
nothing; in CI a load under a 1.5 GB cap hung for 600 s with a sentiment worker waiting on a lock
(a single-threaded process in futex_wait, its parent reading the result pipe). Under a cap the
work is done in the calling process; each item's value here is the pid that computed it."""

from __future__ import annotations

import resource
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parents[1]
SCRIPT = """
import os
from etl.forked import split_map
pids = split_map(lambda xs: [os.getpid()] * len(xs), list(range(30_000)), workers=2, threshold=20_000)
print(len(pids), len(set(pids.tolist())), int(os.getpid() in set(pids.tolist())))
"""


def _pids(cap_bytes: int | None) -> str:
    def cap() -> None:
        if cap_bytes is not None:
            resource.setrlimit(resource.RLIMIT_AS, (cap_bytes, cap_bytes))

    done = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        cwd=ROOT,
        preexec_fn=cap,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-800:]
    return done.stdout.split("\n")[0]


def test_without_a_cap_two_workers_compute_the_items():
    # 30,000 items above the 20,000 threshold: two forked workers, neither is the caller
    assert _pids(None) == "30000 2 0"


def test_under_an_address_space_cap_the_caller_computes_every_item():
    # 6 GB of address space is plenty for this script, but it is a cap: no worker is forked
    assert _pids(6 << 30) == "30000 1 1"


KILLED = """
import os, sys, time
from etl.forked import split_map

def slow(xs):
    os.write(1, f"worker {os.getpid()}\\n".encode())  # one write: the two workers' lines never mix
    time.sleep(600)
    return xs

split_map(slow, list(range(30_000)), workers=2, threshold=20_000)
"""


def test_workers_die_with_the_process_that_started_them():
    # a killed load (SIGKILL from the system or `kill`) must not leave its workers behind
    import os
    import signal
    import time

    proc = subprocess.Popen(
        [sys.executable, "-c", KILLED], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    workers = [int(proc.stdout.readline().split()[1]) for _ in range(2)]
    proc.kill()
    proc.wait(timeout=30)
    deadline = time.monotonic() + 30
    alive = workers
    while alive and time.monotonic() < deadline:
        time.sleep(0.2)
        alive = [w for w in workers if _running(w)]
    for w in alive:  # never leave them behind, even when the test fails
        os.kill(w, signal.SIGKILL)
    assert alive == []


def _running(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(") ")[1][0] != "Z"
    except FileNotFoundError:
        return False
