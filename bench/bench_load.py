"""Benchmark: load a 3,000,000-tweet TWCS file end to end, against a straightforward pandas baseline.

Ours: `warehouse.ingest.load_file("twcs", ...)` into a fresh warehouse (parse, validate, PII
masking, reply flags, signatures, categories, sentiment, cases, messages, models, publish),
in a child process; prints wall and CPU seconds per stage, rows/s and peak RSS.
Baseline, on the same file: pd.read_csv + pd.to_datetime + thread roots and first response
time with pandas group-bys + the loader's own text rules (etl/text/enrich.py: PII masking, reply
flags, signatures, resolution flags, categories) as pandas string methods on every row + daily
volume + vaderSentiment polarity_scores per row. Everything runs on the full file except VADER,
which runs on a sample (default 200,000 rows) and is extrapolated linearly (it is a per-row
loop), which the output says.

Run: ``python bench/bench_load.py [--n 3000000] [--file PATH] [--sample 200000]``.

``--daily K`` measures a daily load instead (issue 23): the latest K tweets of the file loaded
into the warehouse of all the earlier ones, against the same K loaded into an empty warehouse;
``--baseline-tree DIR`` runs the same loads with another checkout's code first (before/after in
one run): ``git worktree add /tmp/base <rev>`` then ``--baseline-tree /tmp/base``.

``--damaged K`` measures the tolerant fallback instead (etl/sources/tolerant_csv.py): the same tweets
written as pandas writes them (LF line ends), once clean and once with K texts holding bare CRs
(which DuckDB's strict reader refuses); prints the CSV read and the whole load of each (strict
path vs fallback) beside pandas' ``read_csv(lineterminator="\\n")`` of the damaged file.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench._child import child_result  # noqa: E402

TWITTER_TIME = "%a %b %d %H:%M:%S %z %Y"
TARGET_WALL_S, TARGET_MB, TARGET_SPEEDUP = 20.0, 3000.0, 10.0  # issue 3


def _cpu() -> float:
    """CPU seconds of this process and its finished children."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def _rss_mb() -> tuple[float, float]:
    """Peak resident set size of this process and of its largest finished child, in MB."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return own, kids


def run_ours(path: Path, db: Path) -> dict:
    """Child process: one load into a fresh warehouse, with per-stage timings."""
    os.environ.setdefault("SOCIALCARE_PROGRESS", "0")
    from etl.progress import timings
    from etl.settings.config import Config
    from warehouse.ingest import load_file

    started = time.perf_counter()
    cpu0 = _cpu()
    with timings() as stages:
        result = load_file("twcs", str(path), db, Config())
    wall = time.perf_counter() - started
    own, kids = _rss_mb()
    return {
        "wall": wall,
        "cpu": _cpu() - cpu0,
        "rows": result.rows_read,
        "summary": result.summary(),
        "rss_self": own,
        "rss_children": kids,
        "db_mb": db.stat().st_size / 1e6,
        "stages": [(s.name, s.rows, s.wall_s, s.cpu_s) for s in stages],
    }


def run_read(path: Path) -> dict:
    """Child process: the CSV read alone (etl.sources.io.read_csv_into into an in-memory DuckDB)."""
    import duckdb

    from etl.sources.io import read_csv_into
    from etl.sources.twcs import REQUIRED

    con = duckdb.connect()
    t = time.perf_counter()
    csv = read_csv_into(con, path, REQUIRED)
    wall = time.perf_counter() - t
    return {
        "wall": wall,
        "rows": csv.rows_read,
        "rejects": len(csv.rejects),
        "notes": list(csv.notes),
    }


def run_pandas_read(path: Path) -> dict:
    """Child process: pandas' C parser reading the file with LF as the only record end."""
    import pandas as pd

    t = time.perf_counter()
    df = pd.read_csv(path, lineterminator="\n", dtype=str, keep_default_na=False)
    return {"wall": time.perf_counter() - t, "rows": len(df)}


def damaged_figures(n: int, seed: int, bad: int) -> int:
    """Print strict path vs fallback on a clean and a damaged copy of the same n tweets."""
    from bench.make_twcs import write_twcs_damaged

    clean = Path(tempfile.gettempdir()) / f"socialcare-bench-twcs-lf-{n}-{seed}.csv"
    t = time.perf_counter()
    _, damaged = write_twcs_damaged(clean, n, seed, bad)
    print(
        f"generated {clean} and {damaged.name} ({clean.stat().st_size / 1e6:,.0f} MB each, "
        f"LF line ends, {bad} texts with bare CRs in the second) in {time.perf_counter() - t:.1f} s"
    )
    print(f"machine: {os.cpu_count()} cores, load average before: {_load_average()}")
    try:
        reads = {
            k: _child("read", str(p), every=None)
            for k, p in (("clean", clean), ("damaged", damaged))
        }
        with tempfile.TemporaryDirectory() as tmp:
            loads = {
                k: _child("ours", str(p), str(Path(tmp) / f"{k}.duckdb"), every=None)
                for k, p in (("clean", clean), ("damaged", damaged))
            }
        base = _child("pandas_read", str(damaged), every=None)
    finally:
        clean.unlink(missing_ok=True)
        damaged.unlink(missing_ok=True)
    print(f"\n{'':34s} {'strict (clean)':>15s} {'fallback (damaged)':>19s} {'ratio':>6s}")
    for what, res in (
        ("CSV read (etl.sources.io.read_csv_into)", reads),
        ("whole load (load_file)", loads),
    ):
        a, b = res["clean"]["wall"], res["damaged"]["wall"]
        print(f"{what:34s} {a:13.2f} s {b:17.2f} s {b / a:5.2f}x")
    print(
        f"rows read: {reads['clean']['rows']:,} / {reads['damaged']['rows']:,}; "
        f"quarantined: {reads['clean']['rejects']} / {reads['damaged']['rejects']}; "
        f"fallback notes: {'; '.join(reads['damaged']['notes'])}"
    )
    print(
        f"pandas read_csv(lineterminator='\\n', dtype=str) of the damaged file: "
        f"{base['wall']:.2f} s ({base['rows']:,} rows)"
    )
    ratio = loads["damaged"]["wall"] / loads["clean"]["wall"]
    print(f"target: fallback load <= 2x the strict path {_verdict(ratio <= 2.0)} ({ratio:.2f}x)")
    print(f"load average after: {_load_average()}")
    return 0


def _daily_side(script: Path, history: Path, day: Path, tmp: Path) -> dict[str, dict]:
    """One code tree's daily-load figures: the history into a fresh warehouse, then the latest
    tweets into it, then the same tweets into an empty one (each load a child process of the
    tree's own bench_load.py, so that it imports that tree's code)."""
    tmp.mkdir()

    def child(*args: str, every: float | None = None) -> dict:
        return child_result(str(script), ["ours", *args], script.parents[1], every, "pss")

    full = child(str(history), str(tmp / "w.duckdb"))
    shutil.copyfile(tmp / "w.duckdb", tmp / "m.duckdb")  # the same history, for the memory run
    os.sync()  # written out before the timed load, whose fsync would otherwise wait for the copy
    into = child(str(day), str(tmp / "w.duckdb"))
    empty = child(str(day), str(tmp / "e.duckdb"))
    # peak memory from runs of their own (the sampler slows what it samples: bench/_child.py)
    into["pss"] = child(str(day), str(tmp / "m.duckdb"), every=0.05)["pss"]
    empty["pss"] = child(str(day), str(tmp / "e2.duckdb"), every=0.05)["pss"]
    return {"full": full, "into": into, "empty": empty}


def _print_daily(label: str, side: dict[str, dict]) -> tuple[float, float]:
    """Print one tree's stages and ratios; returns (wall ratio, MB grown)."""
    full, into, empty = side["full"], side["into"], side["empty"]
    print(f"\n[{label}] history load: {full['wall']:.2f} s wall, warehouse {full['db_mb']:,.0f} MB")
    print(f"{'stage':30s} {'into history':>13s} {'into empty':>11s}  (wall s)")
    first = dict((name, wall) for name, _, wall, _ in empty["stages"])
    for name, _, wall, _ in into["stages"]:
        print(f"{name:30s} {wall:13.2f} {first.get(name, 0.0):11.2f}")
    print(f"{'total (end to end)':30s} {into['wall']:13.2f} {empty['wall']:11.2f}")
    print(f"{'CPU s (user+sys, all threads)':30s} {into['cpu']:13.2f} {empty['cpu']:11.2f}")
    print(f"{'peak PSS MB (process tree)':30s} {into['pss']:13.0f} {empty['pss']:11.0f}")
    ratio, grew = into["wall"] / empty["wall"], into["db_mb"] - full["db_mb"]
    print(
        f"cost ratio: {ratio:.2f}x wall, {into['cpu'] / empty['cpu']:.2f}x CPU; the file grew by "
        f"{grew:,.0f} MB ({full['db_mb']:,.0f} -> {into['db_mb']:,.0f} MB) where the same tweets "
        f"alone make a {empty['db_mb']:,.0f} MB warehouse"
    )
    return ratio, grew


def daily_figures(n: int, seed: int, latest: int, baseline: Path | None = None) -> int:
    """Print what a daily load costs: the latest `latest` tweets of an n-tweet file loaded into
    the warehouse of all the earlier ones, against the same tweets loaded into an empty one
    (issue 23: at most 1.5x, and the file grows by no more than the new data). With `baseline`
    (another checkout, e.g. `git worktree add /tmp/base <rev>`), the same loads run with its
    code first, in the same run."""
    from bench.make_twcs import write_twcs_days

    with tempfile.TemporaryDirectory() as tmp:
        history, day = Path(tmp) / "history.csv", Path(tmp) / "latest.csv"
        t = time.perf_counter()
        rows = write_twcs_days(history, day, n, latest, seed)
        print(
            f"generated {rows[0]:,} earlier and {rows[1]:,} latest tweets "
            f"({history.stat().st_size / 1e6:,.0f} + {day.stat().st_size / 1e6:,.0f} MB) "
            f"in {time.perf_counter() - t:.1f} s"
        )
        print(f"machine: {os.cpu_count()} cores, load average before: {_load_average()}")
        sides = {}
        if baseline is not None:
            script = baseline / "bench" / "bench_load.py"
            sides["baseline"] = _daily_side(script, history, day, Path(tmp) / "base")
            print(f"load average after the baseline: {_load_average()}")
        sides["this tree"] = _daily_side(Path(__file__), history, day, Path(tmp) / "ours")
    figures = {label: _print_daily(label, side) for label, side in sides.items()}
    ratio, grew = figures["this tree"]
    empty_mb = sides["this tree"]["empty"]["db_mb"]
    print(
        f"\ntargets: ratio <= 1.5x {_verdict(ratio <= 1.5)}; growth <= the new data "
        f"{_verdict(grew <= empty_mb)}"
    )
    print(f"load average after: {_load_average()}")
    return 0


def run_baseline(path: Path, sample: int) -> dict:
    """Child process: the pandas + vaderSentiment way of doing the core of the same work."""
    import numpy as np
    import pandas as pd
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    out: dict = {}
    cpu0 = _cpu()
    t = time.perf_counter()
    df = pd.read_csv(path, dtype={"author_id": str, "text": str, "response_tweet_id": str})
    out["read_csv"] = time.perf_counter() - t
    t = time.perf_counter()
    df["created_at"] = pd.to_datetime(df["created_at"], format=TWITTER_TIME)
    out["to_datetime"] = time.perf_counter() - t
    t = time.perf_counter()
    df = df.drop_duplicates("tweet_id", keep="last")
    parent = df.set_index("tweet_id")["in_response_to_tweet_id"]
    root = pd.Series(df["tweet_id"].to_numpy(), index=df["tweet_id"].to_numpy())
    up = parent.reindex(root.to_numpy())
    for _ in range(64):  # climb parent links until every tweet points at a tweet without one
        has = up.notna().to_numpy() & np.isin(up.to_numpy(), parent.index.to_numpy())
        if not has.any():
            break
        root[has] = up[has].astype("int64").to_numpy()
        up = parent.reindex(root.to_numpy())
    df["root"] = root.reindex(df["tweet_id"]).to_numpy()
    inbound = df["inbound"].astype(str).str.lower() == "true"
    first_in = df[inbound].groupby("root")["created_at"].min()
    first_out = df[~inbound].groupby("root")["created_at"].min()
    frt = (first_out - first_in).dt.total_seconds().dropna()
    out["threads"] = time.perf_counter() - t
    out["cases"] = int(first_in.size)
    out["frt_median_s"] = float(frt.median())
    # the same text rules as the loader, as plain pandas string methods on every row
    from etl.text import enrich

    t = time.perf_counter()
    text = enrich.masked_texts(df["text"].fillna("")).fillna("")
    out["masking"] = time.perf_counter() - t
    t = time.perf_counter()
    outbound = text[~inbound.to_numpy()]
    private = enrich.asks_private_flags(outbound)
    runaround = enrich.runaround_flags(outbound)
    signature = enrich.agent_signatures(outbound)
    customer = text[inbound.to_numpy()]
    resolves = enrich.resolution_flags(customer)
    category = enrich.categories_from_text(customer, enrich.load_playbook())
    out["flags_categories"] = time.perf_counter() - t
    t = time.perf_counter()
    day = df.loc[inbound.to_numpy() & df["tweet_id"].isin(first_in.index).to_numpy(), "created_at"]
    volume = day.dt.floor("D").value_counts()
    out["aggregates"] = time.perf_counter() - t
    out["flag_counts"] = [
        int(private.sum()),
        int(runaround.sum()),
        int(signature.notna().sum()),
        int(resolves.sum()),
        int((category != "other").sum()),
        int(volume.sum()),
    ]
    n = min(sample, len(df))
    texts = df["text"].fillna("").iloc[:n].tolist()
    analyzer = SentimentIntensityAnalyzer()
    t, c = time.perf_counter(), time.process_time()
    scores = [analyzer.polarity_scores(x)["compound"] for x in texts]
    out["vader_sample"] = time.perf_counter() - t
    out["vader_sample_cpu"] = time.process_time() - c
    out["vader_n"] = n
    out["rows"] = len(df)
    out["vader_full_estimate"] = out["vader_sample"] * len(df) / n
    out["cpu_without_vader"] = _cpu() - cpu0 - out["vader_sample_cpu"]
    out["vader_full_estimate_cpu"] = out["vader_sample_cpu"] * len(df) / n
    out["mean_compound_sample"] = float(np.mean(scores))
    out["rss_self"], out["rss_children"] = _rss_mb()
    return out


def _child(mode: str, *args: str, every: float | None = 0.05) -> dict:
    """Run one side in a child process, sampling its process tree's PSS every 50 ms (`every`;
    None: not sampled, for the timed run of the load: bench/_child.py)."""
    return child_result(__file__, [mode, *args], ROOT, every, "pss_tree_peak")


def _verdict(ok: bool) -> str:
    return "met" if ok else "NOT met"


def _load_average() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def main(argv: list[str] | None = None) -> int:
    """Generate (or reuse) the file, run both sides in child processes, print the figures."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=3_000_000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument(
        "--file", type=Path, default=None, help="TWCS file to use (generated if absent)"
    )
    ap.add_argument("--sample", type=int, default=200_000, help="rows scored by the VADER baseline")
    ap.add_argument("--skip-baseline", action="store_true")
    ap.add_argument(
        "--damaged",
        type=int,
        default=0,
        metavar="K",
        help="measure the tolerant fallback on a copy with K texts holding bare CRs",
    )
    ap.add_argument(
        "--daily",
        type=int,
        default=0,
        metavar="K",
        help="measure a daily load: the latest K of the --n tweets into the warehouse "
        "of the others vs into an empty one",
    )
    ap.add_argument(
        "--baseline-tree",
        type=Path,
        default=None,
        metavar="DIR",
        help="with --daily: run the same loads with the code of another checkout first",
    )
    ap.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        mode, *rest = args.child
        runs = {
            "ours": lambda: run_ours(Path(rest[0]), Path(rest[1])),
            "baseline": lambda: run_baseline(Path(rest[0]), int(rest[1])),
            "read": lambda: run_read(Path(rest[0])),
            "pandas_read": lambda: run_pandas_read(Path(rest[0])),
        }
        print(json.dumps(runs[mode]()))
        return 0
    if args.damaged:
        return damaged_figures(args.n, args.seed, args.damaged)
    if args.daily:
        return daily_figures(args.n, args.seed, args.daily, args.baseline_tree)
    path = (
        args.file or Path(tempfile.gettempdir()) / f"socialcare-bench-twcs-{args.n}-{args.seed}.csv"
    )
    if not path.exists():
        from bench.make_twcs import write_twcs

        t = time.perf_counter()
        write_twcs(path, args.n, args.seed)
        print(
            f"generated {path} ({path.stat().st_size / 1e6:,.0f} MB) in {time.perf_counter() - t:.1f} s"
        )
    print(f"machine: {os.cpu_count()} cores, load average before: {_load_average()}")
    with tempfile.TemporaryDirectory() as tmp:
        ours = _child("ours", str(path), str(Path(tmp) / "bench.duckdb"), every=None)
        sampled = _child("ours", str(path), str(Path(tmp) / "sampled.duckdb"))
        ours["pss_tree_peak"] = sampled["pss_tree_peak"]
    print(f"\nours: {ours['summary']}")
    print(f"{'stage':30s} {'wall s':>7s} {'cpu s':>7s} {'rows/s':>12s}")
    for name, rows, wall, cpu in ours["stages"]:
        rate = f"{rows / wall:12,.0f}" if rows and wall > 0 else " " * 12
        print(f"{name:30s} {wall:7.2f} {cpu:7.2f} {rate}")
    print(
        f"{'total (end to end)':30s} {ours['wall']:7.2f} {ours['cpu']:7.2f} "
        f"{ours['rows'] / ours['wall']:12,.0f}"
    )
    print(
        f"peak RSS: {ours['rss_self']:,.0f} MB (load process), {ours['rss_children']:,.0f} MB "
        f"(largest worker; forked, so it shares most pages with the load process); "
        f"warehouse {ours['db_mb']:,.0f} MB"
    )
    print(
        f"peak memory of the whole load (PSS of the process tree, sampled every 50 ms in a "
        f"second run, which took {sampled['wall']:.2f} s wall): {ours['pss_tree_peak']:,.0f} MB"
    )
    print(
        f"targets: wall <= {TARGET_WALL_S:.0f} s {_verdict(ours['wall'] <= TARGET_WALL_S)}; "
        f"peak memory <= {TARGET_MB / 1000:.0f} GB {_verdict(ours['pss_tree_peak'] <= TARGET_MB)}"
    )
    print(f"load average after: {_load_average()}")
    if args.skip_baseline:
        return 0
    base = _child("baseline", str(path), str(args.sample), every=None)
    measured = ("read_csv", "to_datetime", "threads", "masking", "flags_categories", "aggregates")
    total = sum(base[k] for k in measured) + base["vader_full_estimate"]
    print(f"\nbaseline (pandas + vaderSentiment), {base['rows']:,} rows:")
    print(
        f"  pd.read_csv {base['read_csv']:.1f} s, pd.to_datetime {base['to_datetime']:.1f} s, "
        f"thread roots + first response {base['threads']:.1f} s ({base['cases']:,} cases)"
    )
    print(
        f"  PII masking (Series.str.replace) {base['masking']:.1f} s, reply flags + signatures + "
        f"resolution + categories (Series.str.contains/extract) {base['flags_categories']:.1f} s, "
        f"daily volume {base['aggregates']:.1f} s"
    )
    print(
        f"  polarity_scores per row: {base['vader_sample']:.1f} s for {base['vader_n']:,} rows, "
        f"EXTRAPOLATED linearly to {base['vader_full_estimate']:.0f} s for all rows"
    )
    cpu_total = base["cpu_without_vader"] + base["vader_full_estimate_cpu"]
    print(
        f"  total {total:.0f} s wall, {cpu_total:.0f} s CPU (estimates); "
        f"peak RSS {base['rss_self']:,.0f} MB"
    )
    print(
        f"\nspeed-up: {total / ours['wall']:.1f}x wall, {cpu_total / ours['cpu']:.1f}x CPU time "
        f"(the baseline does the same parsing, masking, flags, categories, sentiment and threads, "
        f"but no validation, quarantine, storage or models)"
    )
    print(
        f"target: speed-up >= {TARGET_SPEEDUP:.0f}x wall {_verdict(total / ours['wall'] >= TARGET_SPEEDUP)}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
