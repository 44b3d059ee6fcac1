"""Running one side of a benchmark in a child process while sampling its memory.

Both bench_load.py and bench_spark.py measure each side cold, in a fresh process, and report the
peak proportional set size of the whole process tree (forked workers, a JVM): pages shared by
several processes count once in total, so this is the memory the run really holds."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from pathlib import Path


def tree_pss_mb(pid: int) -> float:
    """PSS of a process and all its descendants, in MB (0 for processes that are gone)."""
    pids, total = [pid], 0.0
    while pids:
        p = pids.pop()
        try:
            for line in Path(f"/proc/{p}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1]) / 1024
                    break
            for task in Path(f"/proc/{p}/task").iterdir():
                pids += [int(c) for c in (task / "children").read_text().split()]
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
    return total


def child_result(
    script: str, args: list[str], cwd: Path, every: float | None, peak_key: str
) -> dict:
    """Run `script --child ARGS` and return the JSON object its last stdout line prints, with
    the process tree's peak PSS (sampled every `every` seconds; not sampled when None) under
    `peak_key`; a failed child ends the benchmark with its stderr.

    Sampling slows what it measures: reading /proc/PID/smaps_rollup walks the process's page
    tables under its memory-map lock, which DuckDB's allocations then wait for. Every 50 ms it
    stretched the 3M-tweet load from 18.5-19.3 s to 21.7-22.2 s wall (same CPU seconds), so a
    benchmark times one run unsampled and reads the peak memory from another."""
    proc = subprocess.Popen(
        [sys.executable, script, "--child", *args],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    peak = [0.0]

    def sample() -> None:
        while proc.poll() is None:
            peak[0] = max(peak[0], tree_pss_mb(proc.pid))
            time.sleep(every)

    sampler = threading.Thread(target=sample, daemon=True)
    if every is not None:
        sampler.start()
    out, err = proc.communicate()
    if every is not None:
        sampler.join()
    if proc.returncode != 0:
        sys.exit(f"{args[0]} failed:\n{err[-3000:]}")
    result = json.loads(out.strip().splitlines()[-1])
    if every is not None:
        result[peak_key] = peak[0]
    return result
