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
