"""Cold timings of the economics view, `socialcare lift`, the business case and the daily report,
today's code beside a baseline checkout, each in a fresh process (wall seconds, peak RSS).

Run: ``python bench/bench_reports.py --db /tmp/socialcare-10m.duckdb --baseline /path/to/old/checkout``
(build the warehouse with bench/synthetic_warehouse.py; the baseline is any earlier checkout of
this repository, e.g. ``git worktree add --detach /tmp/old <commit>``). Without --baseline only
today's code is measured. The daily report runs twice per code: first after removing what an
earlier report kept beside the warehouse (``.<db name>.kept/``, scorecard/reports/kept.py), so the
first run computes everything, then again, reading what the first kept. ``--only`` picks tasks.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
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
print(json.dumps({"s": time.perf_counter() - t0, "cpu_s": use.ru_utime + use.ru_stime,
                  "rss_mb": use.ru_maxrss / 1024}))
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
from scorecard.reports.business_case import business_case
from scorecard.reports.render import pdf_bytes
pdf_bytes(business_case(open_warehouse(db), Config(), start, end).html())
""",
    "daily_report": """
from scorecard.reports.daily import daily_report
from scorecard.reports.render import pdf_bytes
pdf_bytes(daily_report(open_warehouse(db), Config(), None).html())
""",
}


def measure(tree: Path, task: str, db: str, start: str, end: str) -> dict | None:
    """One cold run of `task` with the code of `tree` (None when that code lacks it)."""
    if task in ("business_case", "daily_report") and not (tree / "scorecard" / "reports").exists():
        return {"error": "not in this code"}
    code = PRELUDE + TASKS[task] + EPILOGUE
    env = {**os.environ, "PYTHONPATH": str(tree)}
    done = subprocess.run(
        [sys.executable, "-c", code, db, start, end],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode:
        tail = done.stderr.strip().splitlines()[-1:] or ["?"]
        return {"error": tail[0][:160]}
    return json.loads(re.findall(r'\{"s": [^}]*\}', done.stdout)[-1])  # after DuckDB's progress bar


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
        f"{'task':<16}{'range':<15}{'code':<10}{'wall s':>8}{'CPU s':>8}{'peak RSS MB':>13}{'load':>7}"
    )
    for task, (start, end), label in runs:
        for name, tree in trees:
            repeats = [label]
            if task == "daily_report":  # cold (nothing kept yet), then reading what it kept
                db = Path(args.db)
                shutil.rmtree(db.with_name(f".{db.name}.kept"), ignore_errors=True)
                repeats = [label, "2nd, kept"]
            for shown in repeats:
                r = measure(tree, task, args.db, start, end)
                if "error" in r:
                    print(f"{task:<16}{shown:<15}{name:<10}  {r['error']}")
                else:
                    print(
                        f"{task:<16}{shown:<15}{name:<10}{r['s']:>8.1f}{r.get('cpu_s', 0):>8.1f}"
                        f"{r['rss_mb']:>13,.0f}{os.getloadavg()[0]:>7.1f}",
                        flush=True,
                    )


if __name__ == "__main__":
    main()
