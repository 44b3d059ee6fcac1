"""Anomaly detection on generated data: speed, incidents found, false alarms per KPI per 90 days.

    python bench/bench_anomalies.py [--interactions 30000] [--seeds 1,2,3] [--out /tmp/rc_bench]

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
import sys
import time
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from etl.config import Config  # noqa: E402
from sample_data.generator import generate  # noqa: E402
from scorecard.anomalies import SLICE_DIMS, find_anomalies  # noqa: E402
from scorecard.catalogue import catalogue  # noqa: E402
from scorecard.data import open_warehouse  # noqa: E402
from scorecard.kpis import scorecard  # noqa: E402
from tests.rc_fixtures import false_alarm_rate, incident_report, load_generated  # noqa: E402


def _warehouse(out: Path, interactions: int, seed: int, incidents: bool) -> tuple[Path, dict]:
    folder = out / f"{'inc' if incidents else 'free'}-{seed}-{interactions}"
    db = folder / "w.duckdb"
    if not db.exists():
        result = generate(folder, interactions=interactions, days=90, seed=seed, incidents=incidents)
        load_generated(folder, db, Config())
        return db, result.manifest
    return db, json.loads((folder / "manifest.json").read_text())


def _timed(fn, *args, **kwargs):
    t = time.perf_counter()
    out = fn(*args, **kwargs)
    return out, time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--interactions", type=int, default=30000)
    ap.add_argument("--seeds", default="1,2,3")
    ap.add_argument("--out", default="/tmp/rc_bench")
    args = ap.parse_args()
    out = Path(args.out)
    kpis = len(catalogue())
    pd.set_option("display.width", 200)
    rates, reports = [], []
    for seed in [int(s) for s in args.seeds.split(",")]:
        db, _ = _warehouse(out, args.interactions, seed, incidents=False)
        con = open_warehouse(db)
        result, secs = _timed(find_anomalies, con, Config())
        _, base = _timed(lambda c=con: [scorecard(c, Config(), grain="day", by=list(by))
                                        for by in SLICE_DIMS])
        days = pd.Timestamp(result.end) - pd.Timestamp(result.start)
        rate = false_alarm_rate(result, kpis, days.days + 1)
        per_kpi = pd.Series([a.kpi for a in result.anomalies]).value_counts()
        worst = f"{per_kpi.index[0]} {per_kpi.iloc[0] * 90 / (days.days + 1):.2f}" if len(per_kpi) else "none"
        rates.append(rate)
        print(f"seed {seed} incident-free: {len(result.anomalies)} alarms in {result.series_tested} "
              f"series, {rate:.2f} per KPI per 90 days (worst KPI: {worst}); find_anomalies "
              f"{secs:.1f} s vs daily scorecard of the same slices {base:.1f} s")
        con.close()
        db, manifest = _warehouse(out, args.interactions, seed, incidents=True)
        con = open_warehouse(db)
        result, secs = _timed(find_anomalies, con, Config())
        report = incident_report(result, manifest).assign(seed=seed)
        reports.append(report)
        print(f"seed {seed} with incidents: {len(result.anomalies)} anomalies, find_anomalies {secs:.1f} s")
        print(report.drop(columns=["seed"]).to_string(index=False))
        con.close()
    allr = pd.concat(reports, ignore_index=True)
    print("\nper seed: rows found / named first (of those with something left to name) / false alarms")
    for (seed, report), rate in zip(allr.groupby("seed"), rates, strict=True):
        named = report[report["named"].notna()]
        print(f"seed {seed}: found {int(report['found'].sum())}/{len(report)}, named "
              f"{int(named['named'].astype(bool).sum())}/{len(named)}, {rate:.2f} false alarms per KPI "
              f"per 90 days; weakest: " + ", ".join(
                  f"{k} {kpi} z {z:+.2f}" for k, kpi, z in report.assign(a=report["z"].abs())
                  .nsmallest(2, "a")[["kind", "kpi", "z"]].itertuples(index=False)))
    found = allr.groupby("kind")["found"].mean()
    named = allr[allr["named"].notna()].groupby("kind")["named"].mean()
    print(f"\nfalse alarms per KPI per 90 days: mean {sum(rates) / len(rates):.2f}, "
          f"max {max(rates):.2f} over seeds {args.seeds}")
    print("share of (incident, KPI) found on its dates with the right direction:")
    print(found.round(2).to_string())
    print("share of found ones whose attribution names the manifest cause first:")
    print(named.round(2).to_string())


if __name__ == "__main__":
    main()
