"""Benchmark: exports and drills on a large warehouse stream from DuckDB to the file (issue 23).

Each run is a child process (`python -m cli ...` or the frame path) timed for wall and CPU
seconds and its peak RSS (getrusage of the child). The frame path (`drill_cases` into pandas,
then `write_frame`) is what `socialcare drill` did before it streamed.

Run: ``python bench/bench_streams.py [--db /tmp/full9-w10m.duckdb] [--month 2024-03]``.
"""

from __future__ import annotations

import argparse
import calendar
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGETS = {"export": (20.0, 1000.0), "drill": (5.0, 1000.0)}  # wall s, peak MB (issue 23)

_FRAME_DRILL = """
import sys
from pathlib import Path
from etl.settings.config import Config
from scorecard.export import write_frame
from scorecard.kpis.data import open_warehouse
from scorecard.rootcause.change import drill_cases
db, kpi, start, end, out = sys.argv[1:]
write_frame(drill_cases(open_warehouse(db), Config(), kpi, start, end, {}), Path(out).suffix[1:], Path(out))
"""


def timed(args: list[str]) -> dict:
    """Run a child process; wall and CPU seconds and its own peak RSS in MB (wait4)."""
    t = time.perf_counter()
    proc = subprocess.Popen(
        args, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    output = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        sys.exit(f"{' '.join(args)} failed:\n{output}")
    return {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "rss_mb": usage.ru_maxrss / 1024}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", default="/tmp/full9-w10m.duckdb")
    ap.add_argument("--month", default="2024-03")
    ap.add_argument("--kpi", default="frt_median_s")
    ap.add_argument("--skip-frame", action="store_true", help="skip the frame path (before)")
    args = ap.parse_args(argv)
    y, m = map(int, args.month.split("-"))
    start, end = f"{args.month}-01", f"{args.month}-{calendar.monthrange(y, m)[1]:02d}"
    print(
        f"machine: {os.cpu_count()} cores, load average before: {os.getloadavg()[0]:.1f}; "
        f"warehouse {args.db} ({Path(args.db).stat().st_size / 1e6:,.0f} MB)"
    )
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        cli = [sys.executable, "-m", "cli", "--db", args.db]
        runs.append(
            (
                "export cases parquet (COPY)",
                "export",
                timed(
                    cli + ["export", "cases", "--format", "parquet", "--out", f"{tmp}/c.parquet"]
                ),
                Path(f"{tmp}/c.parquet"),
            )
        )
        for fmt in ("parquet", "csv"):
            out = Path(f"{tmp}/d.{fmt}")
            runs.append(
                (
                    f"drill {args.kpi} {args.month} {fmt} (COPY)",
                    "drill",
                    timed(
                        cli
                        + [
                            "drill",
                            args.kpi,
                            "--from",
                            start,
                            "--to",
                            end,
                            "--format",
                            fmt,
                            "--out",
                            str(out),
                        ]
                    ),
                    out,
                )
            )
            if not args.skip_frame:
                out2 = Path(f"{tmp}/f.{fmt}")
                runs.append(
                    (
                        f"drill {args.kpi} {args.month} {fmt} (frame, before)",
                        "",
                        timed(
                            [
                                sys.executable,
                                "-c",
                                _FRAME_DRILL,
                                args.db,
                                args.kpi,
                                start,
                                end,
                                str(out2),
                            ]
                        ),
                        out2,
                    )
                )
        print(f"\n{'run':46s} {'wall s':>7s} {'cpu s':>7s} {'peak MB':>8s} {'file MB':>8s}  target")
        for name, kind, r, out in runs:
            goal = ""
            if kind:
                wall, mb = TARGETS[kind]
                ok = r["wall"] <= wall and r["rss_mb"] <= mb
                goal = f"<= {wall:.0f} s, <= {mb / 1000:.0f} GB: {'met' if ok else 'NOT met'}"
            print(
                f"{name:46s} {r['wall']:7.2f} {r['cpu']:7.2f} {r['rss_mb']:8,.0f} "
                f"{out.stat().st_size / 1e6:8,.1f}  {goal}"
            )
    print(
        f"load average after: {os.getloadavg()[0]:.1f} (2 cores: wall times above a load of 2 "
        "are stretched by other work; CPU seconds are not)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
