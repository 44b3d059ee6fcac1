"""Cold timings of the economics view, `socialcare lift`, the business case and the daily report,
today's code beside a baseline checkout, each in a fresh process (wall seconds, peak RSS).

Run: ``python bench/bench_reports.py --db /tmp/socialcare-10m.duckdb --baseline /path/to/old/checkout``
(build the warehouse with bench/synthetic_warehouse.py; the baseline is any earlier checkout of
this repository, e.g. ``git worktree add --detach /tmp/old <commit>``). Without --baseline only
today's code is measured. The daily report runs per code: first after removing what an earlier
report kept beside the warehouse (``.<db name>.kept/``, scorecard/reports/kept.py), so the run
computes everything; then (code that has it) what a load adds after publishing, `prepared_daily`
on an empty kept folder, and the first report after it; then a report of the same snapshot
again. ``--only`` picks tasks. "wall s" counts from the task's start (after the prelude's
imports; for the economics view after the app's import), "process s" is the whole process as
a command-line user waits for it (interpreter start, every import, exit), "queue s" the time
its main thread waited for a CPU (/proc/self/schedstat): on a busy machine, process s minus
queue s is close to what a machine with a free core gives.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PRELUDE = """
import json, os, resource, sys, time, warnings
warnings.simplefilter("ignore")
from etl.settings.config import Config
from scorecard.kpis.data import open_warehouse
db, start, end = sys.argv[1], sys.argv[2], sys.argv[3]
t0 = time.perf_counter()
"""
EPILOGUE = """
use = resource.getrusage(resource.RUSAGE_SELF)
try:  # the main thread's time waiting for a CPU since the process started (Linux)
    queue_s = int(open("/proc/self/schedstat").read().split()[1]) / 1e9
except OSError:
    queue_s = 0.0
print(json.dumps({"s": time.perf_counter() - t0, "cpu_s": use.ru_utime + use.ru_stime,
                  "rss_mb": use.ru_maxrss / 1024, "queue_s": queue_s}))
"""
TASKS = {
    "lift": """
from scorecard.economics.lift import lift_report
lift_report(open_warehouse(db), Config(), start, end, {}, 0.2)
""",
    "economics_view": """
os.environ["SOCIALCARE_DB"] = db
import app  # noqa: F401
from pages import economics as page
from scorecard.options import default_range
from scorecard.service import service
t0 = time.perf_counter()  # the click, not the app's import
lo, hi = service().cached(default_range, None, None)
page.economics(lo, hi, None)
page.whatif(lo, hi, None, 20)
""",
    "business_case": """
from cli import main  # the command as a user runs it: socialcare report business-case
out = os.path.join(os.environ.get("TMPDIR", "/tmp"), f"bench-bc-{os.getpid()}.pdf")
main(["--db", db, "report", "business-case", "--from", start, "--to", end, "--out", out],
     standalone_mode=False)
os.unlink(out)
""",
    "daily_report": """
from cli import main  # socialcare report daily --out FILE.pdf
out = os.path.join(os.environ.get("TMPDIR", "/tmp"), f"bench-daily-{os.getpid()}.pdf")
main(["--db", db, "report", "daily", "--out", out], standalone_mode=False)
os.unlink(out)
""",
    "prepare_daily": """
from scorecard.reports.daily import prepared_daily  # what a load adds after it publishes
print(prepared_daily(open_warehouse(db), Config()).summary())
""",
}


def in_code(tree: Path, task: str) -> bool:
    """Whether the code of `tree` has what `task` runs."""
    if task == "prepare_daily":
        daily = tree / "scorecard" / "reports" / "daily.py"
        return daily.exists() and "def prepared_daily" in daily.read_text(encoding="utf-8")
    if task in ("business_case", "daily_report"):
        return (tree / "scorecard" / "reports").exists()
    return True


def measure(tree: Path, task: str, db: str, start: str, end: str) -> dict:
    """One cold run of `task` with the code of `tree` ({"error": ...} when that code lacks it)."""
    if not in_code(tree, task):
        return {"error": "not in this code"}
    code = PRELUDE + TASKS[task] + EPILOGUE
    env = {**os.environ, "PYTHONPATH": str(tree)}
    began = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", code, db, start, end],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
    )
    process_s = time.perf_counter() - began
    if done.returncode:
        tail = done.stderr.strip().splitlines()[-1:] or ["?"]
        return {"error": tail[0][:160]}
    found = json.loads(re.findall(r'\{"s": [^}]*\}', done.stdout)[-1])  # after the progress bar
    return {**found, "process_s": process_s}


def daily_runs(tree: Path) -> list[tuple[str, str]]:
    """The daily report's runs for one code, (task, shown label), each preceded by what it needs
    of the kept folder: cold, a load's preparation and the report after it, the same again."""
    runs = [("daily_report", "latest day, cold")]
    if in_code(tree, "prepare_daily"):
        runs += [("prepare_daily", "after a load"), ("daily_report", "1st after load")]
    return runs + [("daily_report", "2nd, kept")]


def main() -> None:
    """Print one line per measurement: task, range, code, wall and CPU seconds (the process's
    threads, from its start: CPU is what a busy machine does not stretch), peak RSS, load."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--db", required=True)
    ap.add_argument(
        "--baseline", default=None, help="Checkout of the earlier code to measure beside."
    )
    ap.add_argument("--year", default="2024-01-01..2024-12-31")
    ap.add_argument("--days90", default="2024-10-02..2024-12-30")
    ap.add_argument("--only", default="", help="Comma-separated tasks to run (default: all).")
    ap.add_argument(
        "--repeat", type=int, default=1, help="Runs of each task and code, alternating codes."
    )
    args = ap.parse_args()
    year, days90 = args.year.split(".."), args.days90.split("..")
    runs = [
        ("economics_view", ("", ""), "default range"),
        ("lift", year, "year"),
        ("lift", days90, "90 days"),
        ("business_case", days90, "90 days"),
        ("business_case", year, "year"),
        ("daily_report", ("", ""), "latest day"),
    ]
    if args.only:
        runs = [r for r in runs if r[0] in args.only.split(",")]
    trees = [("today", ROOT)] + ([("baseline", Path(args.baseline))] if args.baseline else [])
    print(
        f"{'task':<16}{'range':<18}{'code':<10}{'wall s':>8}{'process s':>11}{'queue s':>9}"
        f"{'CPU s':>8}{'peak RSS MB':>13}{'load':>7}"
    )
    folder = Path(args.db).with_name(f".{Path(args.db).name}.kept")
    for task, (start, end), label in [r for r in runs for _ in range(args.repeat)]:
        for name, tree in trees:
            repeats = [(task, label)]
            if task == "daily_report":
                repeats = daily_runs(tree)
            for step, shown in repeats:
                if shown.endswith(("cold", "after a load")):  # nothing kept before these
                    shutil.rmtree(folder, ignore_errors=True)
                r = measure(tree, step, args.db, start, end)
                if "error" in r:
                    print(f"{step:<16}{shown:<18}{name:<10}  {r['error']}")
                else:
                    print(
                        f"{step:<16}{shown:<18}{name:<10}{r['s']:>8.1f}{r['process_s']:>11.1f}"
                        f"{r.get('queue_s', 0):>9.1f}{r.get('cpu_s', 0):>8.1f}{r['rss_mb']:>13,.0f}"
                        f"{os.getloadavg()[0]:>7.1f}",
                        flush=True,
                    )


if __name__ == "__main__":
    main()
