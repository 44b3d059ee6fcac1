"""Anomaly detection on generated data: speed, incidents found, false alarms per KPI per 90 days.

    python bench/bench_anomalies.py [--interactions 30000] [--seeds 1,2,3] [--out /tmp/rc_bench]
    python bench/bench_anomalies.py --speed [--db W.duckdb] [--days 90,365] [--baseline REV] [--keep DIR]

--speed times `find_anomalies` cold (a fresh process per run, its peak RSS measured) on a
warehouse (default: sample_data/demo loaded into --out) for the last N days of its data, with
this tree's code and, in the same run, with the code of git revision --baseline (default
640a627, the scan before the value bins served its exceedance shares (third round); 3455e47 the
scan before its text samples were read in one query and long ranges in parts; cec333b is the
incident scan before any speed work, 95ed1ae~1 the row-per-anomaly scan before incidents; extracted with `git archive` into a temp folder, nothing in the work tree changes),
and prints both beside the targets (demo 90 days <= 10 s; 10M interactions 90 days <= 15 s, a
year <= 60 s and <= 1.5 GB), each run with the machine's 1-minute load average when it ended.
Judge by CPU seconds on a shared machine: wall time stretches with the load. Figures:
docs/performance.md, "Anomaly scan at 10M interactions".

For each seed: generate incident-free data and data with the manifest's incidents (sample_data
generator), load the four files with the real loaders, run find_anomalies, and print
- false alarms on the incident-free data: distinct (KPI, day, direction) alarms per KPI per 90
  days, overall and for the worst KPI;
- per manifest incident and KPI: found on its dates with the right direction, and whether the
  attribution names the incident's category, channel, agent or brand first;
- the time of find_anomalies against the baseline of this run: the daily scorecard of the same
  KPIs and slices (the data it needs), measured on the same warehouse.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tarfile
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from etl.settings.config import Config  # noqa: E402
from sample_data.generator import generate  # noqa: E402
from scorecard.anomalies.find import SLICE_DIMS, find_anomalies  # noqa: E402
from scorecard.kpis.catalogue import catalogue  # noqa: E402
from scorecard.kpis.data import open_warehouse  # noqa: E402
from scorecard.kpis.scoring import scorecard  # noqa: E402
from tests.rc_fixtures import false_alarm_rate, incident_report, load_generated  # noqa: E402


def _warehouse(out: Path, interactions: int, seed: int, incidents: bool) -> tuple[Path, dict]:
    folder = out / f"{'inc' if incidents else 'free'}-{seed}-{interactions}"
    db = folder / "w.duckdb"
    if not db.exists():
        result = generate(
            folder, interactions=interactions, days=90, seed=seed, incidents=incidents
        )
        load_generated(folder, db, Config())
        return db, result.manifest
    return db, json.loads((folder / "manifest.json").read_text())


def incident_cover(result, manifest: dict) -> pd.DataFrame:
    """Per manifest row: the incidents covering it (days overlap, slice inside the row's brand
    and channel or coarser, the driver or an echo moving one of the row's KPIs its way), the
    covering incident's rank by severity, and the rank of the first incident covering no row."""

    def covers(i, row) -> bool:
        where = {"brand": row["brand"], "channel": row["channel"]}
        moves = {(i.kpi, i.direction)} | {(e.kpi, "up" if e.z > 0 else "down") for e in i.echoes}
        return (
            not (i.end < row["start"] or i.start > row["end"])
            and all(where.get(k) == v for k, v in i.slice.items())
            and bool(moves & set(row["kpis"].items()))
        )

    rank = {i.id: r for r, i in enumerate(result.incidents, 1)}
    hits = [[i.id for i in result.incidents if covers(i, row)] for row in manifest["incidents"]]
    injected = {x for h in hits for x in h}
    first_other = next((r for i, r in rank.items() if i not in injected), None)
    return pd.DataFrame(
        [
            {
                "kind": row["kind"],
                "channel": row["channel"],
                "incidents": ",".join(h),
                "rank": min((rank[x] for x in h), default=None),
                "first_uninjected_rank": first_other,
            }
            for row, h in zip(manifest["incidents"], hits, strict=True)
        ]
    )


def _timed(fn, *args, **kwargs):
    t = time.perf_counter()
    out = fn(*args, **kwargs)
    return out, time.perf_counter() - t


ROOT = Path(__file__).resolve().parents[1]
# one cold run in a fresh process: prints seconds, peak RSS (MB) and incidents/anomalies found
_RUN = """
import hashlib, json, resource, sys, time
sys.path.insert(0, sys.argv[1])
try:  # the rooms layout (issue 22), else the flat one of earlier revisions
    from etl.settings.config import Config
    from scorecard.anomalies.find import find_anomalies
    from scorecard.kpis.data import open_warehouse
except ImportError:
    from etl.config import Config
    from scorecard.anomalies import find_anomalies
    from scorecard.data import open_warehouse
con = open_warehouse(sys.argv[2])
def cpu():
    u = resource.getrusage(resource.RUSAGE_SELF)
    return u.ru_utime + u.ru_stime
t, c = time.perf_counter(), cpu()
r = find_anomalies(con, Config(), sys.argv[3], sys.argv[4])
secs, cpus = time.perf_counter() - t, cpu() - c
found = len(getattr(r, "incidents", r.anomalies))
text = json.dumps(r.to_json(), sort_keys=True, default=str, indent=1)
digest = hashlib.sha256(text.encode()).hexdigest()
if len(sys.argv) > 5:  # --keep: the result's JSON, to compare two revisions' results
    open(sys.argv[5], "w").write(text)
print(json.dumps({"seconds": secs, "cpu": cpus, "found": found, "flags": len(r.anomalies),
                  "digest": digest[:10],
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def _baseline_tree(rev: str, into: Path) -> Path:
    """The packages of git revision `rev` extracted into `into` (git archive; no checkout)."""
    blob = subprocess.run(
        ["git", "-C", str(ROOT), "archive", rev, "etl", "warehouse", "scorecard"],
        check=True,
        capture_output=True,
    ).stdout
    tar = into / "rev.tar"
    tar.write_bytes(blob)
    with tarfile.open(tar) as t:
        t.extractall(into, filter="data")
    return into


def _cold(tree: Path, db: Path, start: str, end: str, keep: Path | None = None) -> dict:
    env = {**os.environ, "PYTHONPATH": str(tree), "SOCIALCARE_PROGRESS": "0"}
    args = [str(tree), str(db), start, end] + ([str(keep)] if keep else [])
    out = subprocess.run(
        [sys.executable, "-c", _RUN, *args],
        env=env,
        capture_output=True,
        text=True,
        cwd=tempfile.gettempdir(),
    )
    if out.returncode:
        raise SystemExit(f"the run of {tree} failed:\n{out.stderr[-3000:]}")
    # the last line can follow DuckDB's progress bar (drawn on stdout when a query runs long)
    return json.loads(out.stdout[out.stdout.rindex('{"seconds"') :].strip())


def speed(db: Path, days: list[int], rev: str, keep: Path | None = None) -> None:
    """Cold find_anomalies on `db` for the last `days` of its data: this tree vs revision `rev`
    (with `keep`, each result's JSON is written there as <days>-<code>.json)."""
    con = open_warehouse(db)
    last = con.execute("select max(opened_at)::date from fct_cases").fetchone()[0]
    cases = con.execute("select count(*) from fct_cases").fetchone()[0]
    con.close()
    with tempfile.TemporaryDirectory() as tmp:
        old = _baseline_tree(rev, Path(tmp))
        print(f"{db}: {cases:,} cases, data to {last}; baseline code: {rev}")
        print(
            f"{'days':>5} {'code':<9} {'seconds':>8} {'cpu s':>7} {'peak MB':>8} {'found':>6} "
            f"{'flags':>6} {'result':>10} {'load':>5}"
        )
        for n in days:
            start = (last - timedelta(days=n - 1)).isoformat()
            for name, tree in (("baseline", old), ("this", ROOT)):
                r = _cold(
                    tree, db, start, last.isoformat(), keep / f"{n}-{name}.json" if keep else None
                )
                print(
                    f"{n:>5} {name:<9} {r['seconds']:>8.1f} {r['cpu']:>7.1f} {r['peak_mb']:>8.0f} "
                    f"{r['found']:>6} {r['flags']:>6} {r['digest']:>10} "
                    f"{os.getloadavg()[0]:>5.1f}",
                    flush=True,
                )
    print(
        f"targets: demo 90 days <= 10 s; 10M interactions 90 days <= 15 s, 365 days <= 60 s and "
        f"<= 1.5 GB ('found': incidents, or anomalies for a revision before incidents; 'result': "
        f"sha256 of the result's JSON, the same when the results are; cpu s: user + "
        f"system of the process, its DuckDB threads included; load average now "
        f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)"
    )


def _demo(out: Path) -> Path:
    db = out / "demo" / "w.duckdb"
    if not db.exists():
        db.parent.mkdir(parents=True, exist_ok=True)
        load_generated(ROOT / "sample_data" / "demo", db, Config())
    return db


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--interactions", type=int, default=30000)
    ap.add_argument("--seeds", default="1,2,3")
    ap.add_argument("--out", default="/tmp/rc_bench")
    ap.add_argument("--speed", action="store_true", help="time find_anomalies against --baseline")
    ap.add_argument("--db", default=None, help="warehouse for --speed (default: the demo)")
    ap.add_argument("--days", default="90", help="--speed: comma-separated window lengths")
    ap.add_argument("--baseline", default="640a627", help="--speed: git revision to compare with")
    ap.add_argument("--keep", default=None, help="--speed: folder for each result's JSON")
    args = ap.parse_args()
    out = Path(args.out)
    if args.speed:
        speed(
            Path(args.db) if args.db else _demo(out),
            [int(d) for d in args.days.split(",")],
            args.baseline,
            Path(args.keep) if args.keep else None,
        )
        return
    kpis = len(catalogue())
    pd.set_option("display.width", 200)
    rates, reports = [], []
    for seed in [int(s) for s in args.seeds.split(",")]:
        db, _ = _warehouse(out, args.interactions, seed, incidents=False)
        con = open_warehouse(db)
        result, secs = _timed(find_anomalies, con, Config())
        _, base = _timed(
            lambda c=con: [scorecard(c, Config(), grain="day", by=list(by)) for by in SLICE_DIMS]
        )
        days = pd.Timestamp(result.end) - pd.Timestamp(result.start)
        rate = false_alarm_rate(result, kpis, days.days + 1)
        per_kpi = pd.Series([a.kpi for a in result.anomalies]).value_counts()
        worst = (
            f"{per_kpi.index[0]} {per_kpi.iloc[0] * 90 / (days.days + 1):.2f}"
            if len(per_kpi)
            else "none"
        )
        rates.append(rate)
        print(
            f"seed {seed} incident-free: {len(result.anomalies)} alarms in {result.series_tested} "
            f"series, {rate:.2f} per KPI per 90 days (worst KPI: {worst}); find_anomalies "
            f"{secs:.1f} s vs daily scorecard of the same slices {base:.1f} s"
        )
        con.close()
        db, manifest = _warehouse(out, args.interactions, seed, incidents=True)
        con = open_warehouse(db)
        result, secs = _timed(find_anomalies, con, Config())
        report = incident_report(result, manifest).assign(seed=seed)
        reports.append(report)
        print(
            f"seed {seed} with incidents: {len(result.incidents)} incidents "
            f"({len(result.anomalies)} flags), find_anomalies {secs:.1f} s"
        )
        print(report.drop(columns=["seed"]).to_string(index=False))
        cover = incident_cover(result, manifest)
        once = cover["incidents"].str.count(",").eq(0) & cover["incidents"].ne("")
        top = cover["rank"].max() < (cover["first_uninjected_rank"].iloc[0] or 10**6)
        print(
            f"incidents: each manifest row covered by one incident: {bool(once.all())}; all "
            f"injected ones above every other: {bool(top)}"
        )
        print(cover.to_string(index=False))
        con.close()
    allr = pd.concat(reports, ignore_index=True)
    print(
        "\nper seed: rows found / named first (of those with something left to name) / false alarms"
    )
    for (seed, report), rate in zip(allr.groupby("seed"), rates, strict=True):
        named = report[report["named"].notna()]
        print(
            f"seed {seed}: found {int(report['found'].sum())}/{len(report)}, named "
            f"{int(named['named'].astype(bool).sum())}/{len(named)}, {rate:.2f} false alarms per KPI "
            f"per 90 days; weakest: "
            + ", ".join(
                f"{k} {kpi} z {z:+.2f}"
                for k, kpi, z in report.assign(a=report["z"].abs())
                .nsmallest(2, "a")[["kind", "kpi", "z"]]
                .itertuples(index=False)
            )
        )
    found = allr.groupby("kind")["found"].mean()
    named = allr[allr["named"].notna()].groupby("kind")["named"].mean()
    print(
        f"\nfalse alarms per KPI per 90 days: mean {sum(rates) / len(rates):.2f}, "
        f"max {max(rates):.2f} over seeds {args.seeds}"
    )
    print("share of (incident, KPI) found on its dates with the right direction:")
    print(found.round(2).to_string())
    print("share of found ones whose attribution names the manifest cause first:")
    print(named.round(2).to_string())


if __name__ == "__main__":
    main()
