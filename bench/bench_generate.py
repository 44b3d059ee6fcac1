"""Benchmark of sample_data.generator: 10 million interactions, files and surveys written.

    python bench/bench_generate.py [--interactions 10000000] [--baseline 1000000] [--out DIR]

Runs the generator at the baseline size first and then at the target size, in this process,
into a temporary directory (removed afterwards unless --out is given), and prints for each:
wall seconds, CPU seconds, interactions/s, messages/s (tweets + ticket texts) and rows/s (all
CSV rows), file sizes, and the peak RSS so far (getrusage of this process and its children).
The per-interaction cost of the two runs shows whether time scales linearly. Target: 10M in
<= 30 s on the 2-core machine; the load average is printed because other work on the machine
slows the wall clock (CPU seconds are the steadier figure).
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sample_data.generator import generate  # noqa: E402

TARGET_S = 30.0


def _rss_mb() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, kids) / 1024  # ru_maxrss is in KiB on Linux


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def run(n: int, out: Path) -> dict:
    """Generate n interactions into out; return the measured figures."""
    shutil.rmtree(out, ignore_errors=True)
    c0, t0 = _cpu(), time.perf_counter()
    res = generate(out, interactions=n)
    wall, cpu = time.perf_counter() - t0, _cpu() - c0
    k = res.counts
    messages = k["tweets"] + k["email"] + k["chat"]
    rows = k["tweets"] + k["phone"] + k["email"] + k["chat"] + k["surveys"]
    sizes = {p.name: p.stat().st_size for p in res.paths.values()}
    return {"n": n, "wall": wall, "cpu": cpu, "messages": messages, "rows": rows, "sizes": sizes,
            "bytes": sum(sizes.values()), "rss": _rss_mb(), "counts": k}  # fmt: skip


def report(r: dict) -> None:
    """Print one run."""
    print(f"\n== {r['n']:,} interactions ==")
    print(f"wall {r['wall']:.2f} s   cpu {r['cpu']:.2f} s   peak RSS so far {r['rss']:,.0f} MiB")
    print(f"interactions/s {r['n'] / r['wall']:,.0f}   messages/s {r['messages'] / r['wall']:,.0f}   "
          f"rows/s {r['rows'] / r['wall']:,.0f}   MB/s {r['bytes'] / 1e6 / r['wall']:,.0f}")  # fmt: skip
    k = r["counts"]
    print(
        "counts: "
        + ", ".join(
            f"{x} {k[x]:,}" for x in ("social", "phone", "email", "chat", "tweets", "surveys")
        )
    )
    for name, size in r["sizes"].items():
        print(f"  {name:18s} {size / 1e6:10.1f} MB")
    print(f"  {'total':18s} {r['bytes'] / 1e6:10.1f} MB")


def main(argv: list[str] | None = None) -> int:
    """Run the baseline and the target size; exit 1 if the target size misses the time target."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--interactions", type=int, default=10_000_000)
    ap.add_argument("--baseline", type=int, default=1_000_000)
    ap.add_argument(
        "--out", type=Path, default=None, help="keep the files here (default: a temp dir)"
    )
    a = ap.parse_args(argv)
    print(f"cores {os.cpu_count()}   load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    tmp = Path(tempfile.mkdtemp(prefix="bench_generate_"))
    try:
        base = run(a.baseline, (a.out or tmp) / "baseline")
        report(base)
        main_run = run(a.interactions, (a.out or tmp) / "target")
        report(main_run)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    per_base = base["wall"] / base["n"] * 1e6
    per_main = main_run["wall"] / main_run["n"] * 1e6
    print(f"\nscaling: {per_base:.2f} s per million at {base['n']:,}, {per_main:.2f} s per million at "
          f"{main_run['n']:,} (ratio {per_main / per_base:.2f}; 1.0 = linear)")  # fmt: skip
    print(f"load average after {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    ok = main_run["wall"] <= TARGET_S or main_run["n"] != 10_000_000
    print(
        f"target {main_run['n']:,} in <= {TARGET_S:.0f} s: {'met' if ok else 'MISSED'} ({main_run['wall']:.1f} s)"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
