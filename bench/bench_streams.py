"""Benchmark: exports and drills on a large warehouse stream from DuckDB to the file (issue 23).

Each run is a child process (`python -m cli ...` or the frame path) timed for wall and CPU
seconds and its peak RSS (getrusage of the child). The frame path (`drill_cases` into pandas,
then `write_frame`) is what `socialcare drill` did before it streamed.

Run: ``python bench/bench_streams.py [--db /tmp/full9-w10m.duckdb] [--month 2024-03]
[--base DIR] [--skip-frame]``. With ``--base DIR`` (a checkout of the code before, e.g. ``git
worktree add /tmp/base <commit>``) every command also runs on that code in the same run (child
process with cwd and PYTHONPATH set to DIR), alternating with ours, and the two files are compared:
CSV byte for byte, Parquet row for row in file order (the bytes differ only where the writer's
options did).
"""

from __future__ import annotations

import argparse
import calendar
import filecmp
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


# Runs the CLI and, at exit, prints the main thread's time spent waiting for a CPU
# (/proc/self/schedstat: ns on a CPU, ns waiting in the run queue, slices): the wall time minus
# that wait is about what the run takes with a free core (DuckDB's main thread also runs tasks).
_CLI_QUEUED = """
import atexit, runpy, sys
atexit.register(lambda: print("QUEUED_NS", open("/proc/self/schedstat").read().split()[1]))
sys.argv = ["cli", *sys.argv[1:]]
runpy.run_module("cli", run_name="__main__")
"""


def timed(args: list[str], code: Path = ROOT) -> dict:
    """Run a child process on the code in `code`; wall and CPU seconds and its own peak RSS in
    MB (wait4)."""
    t = time.perf_counter()
    env = {**os.environ, "PYTHONPATH": str(code)}
    proc = subprocess.Popen(
        args, cwd=code, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    output = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        sys.exit(f"{' '.join(args)} failed:\n{output}")
    queued = [float(line.split()[1]) / 1e9 for line in output.splitlines() if "QUEUED_NS" in line]
    return {
        "wall": wall,
        "cpu": usage.ru_utime + usage.ru_stime,
        "rss_mb": usage.ru_maxrss / 1024,
        "queued": queued[0] if queued else float("nan"),
    }


def same_output(a: Path, b: Path) -> str:
    """'bytes' when the files are equal byte for byte, 'rows' when two Parquet files hold the
    same rows in the same order, else 'DIFFERENT'."""
    if filecmp.cmp(a, b, shallow=False):
        return "bytes"
    if a.suffix != ".parquet":
        return "DIFFERENT"
    import duckdb

    con = duckdb.connect()
    # each row with its position in the file, hashed: equal sums mean the same rows in order
    q = "select count(*), sum(hash(t)::hugeint) from read_parquet(?, file_row_number = true) t"
    left, right = (con.execute(q, [str(f)]).fetchall() for f in (a, b))
    return "rows" if left == right else "DIFFERENT"


def commands(args: argparse.Namespace, folder: Path) -> list[tuple[str, str, list[str], Path]]:
    """(name, target kind, command, output file) of each run."""
    y, m = map(int, args.month.split("-"))
    start, end = f"{args.month}-01", f"{args.month}-{calendar.monthrange(y, m)[1]:02d}"
    cli = [sys.executable, "-c", _CLI_QUEUED, "--db", args.db]
    out = [
        (
            "export cases parquet",
            "export",
            cli + ["export", "cases", "--format", "parquet", "--out"],
            folder / "c.parquet",
        )
    ]
    for fmt in ("parquet", "csv"):
        drill = ["drill", args.kpi, "--from", start, "--to", end, "--format", fmt, "--out"]
        out.append(
            (f"drill {args.kpi} {args.month} {fmt}", "drill", cli + drill, folder / f"d.{fmt}")
        )
    if not args.skip_frame:
        for fmt in ("parquet", "csv"):
            frame = [sys.executable, "-c", _FRAME_DRILL, args.db, args.kpi, start, end]
            out.append(
                (f"drill {args.kpi} {args.month} {fmt} (frame)", "", frame, folder / f"f.{fmt}")
            )
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", default="/tmp/full9-w10m.duckdb")
    ap.add_argument("--month", default="2024-03")
    ap.add_argument("--kpi", default="frt_median_s")
    ap.add_argument("--skip-frame", action="store_true", help="skip the frame path (before)")
    ap.add_argument("--base", type=Path, help="a checkout of the code before, run alongside")
    args = ap.parse_args(argv)
    print(
        f"machine: {os.cpu_count()} cores, load average before: {os.getloadavg()[0]:.1f}; "
        f"warehouse {args.db} ({Path(args.db).stat().st_size / 1e6:,.0f} MB)"
    )
    sides = [("now", ROOT)] + ([("before", args.base.resolve())] if args.base else [])
    rows, pairs = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for name, kind, command, out in commands(args, Path(tmp)):
            files = {}
            for side, code in sides:
                if kind == "" and side == "before":
                    continue  # the frame path is itself a "before"
                target = out.with_name(f"{side}-{out.name}")
                load = os.getloadavg()[0]
                r = timed(command + [str(target)], code)
                files[side] = target
                rows.append((f"{name} ({side})", kind, r, target, load))
            if len(files) == 2:
                pairs.append((name, files))
        # compared after every timed run: reading the files here would raise this process's
        # RSS, which a forked child's peak RSS (ru_maxrss survives exec) would then include
        for name, files in pairs:
            print(f"{name}: before and now {same_output(files['before'], files['now'])}")
        print(
            f"\n{'run':46s} {'wall s':>7s} {'queued':>7s} {'cpu s':>7s} {'peak MB':>8s} "
            f"{'file MB':>8s} {'load':>5s}  target"
        )
        for name, kind, r, out, load in rows:
            goal = ""
            if kind:
                wall, mb = TARGETS[kind]
                ok = r["wall"] <= wall and r["rss_mb"] <= mb
                goal = f"<= {wall:.0f} s, <= {mb / 1000:.0f} GB: {'met' if ok else 'NOT met'}"
            print(
                f"{name:46s} {r['wall']:7.2f} {r['queued']:7.2f} {r['cpu']:7.2f} {r['rss_mb']:8,.0f} "
                f"{out.stat().st_size / 1e6:8,.1f} {load:5.1f}  {goal}"
            )
    print(
        f"load average after: {os.getloadavg()[0]:.1f} (2 cores: wall times above a load of 2 "
        "are stretched by other work; CPU seconds are not)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
