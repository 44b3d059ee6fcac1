"""The TWCS build on Spark (local[N]) beside the DuckDB load, in the same run (issue 23 item 6).

Each side runs in its own child process from a cold start: DuckDB is `load_file("twcs", ...)`
into a fresh warehouse; Spark is session start + `build_lake` into a fresh lake + publish into a
fresh DuckDB file (what a user runs before the dashboard can read it). Wall and CPU seconds,
the peak PSS of the process tree (the JVM and Python workers included) and the stage timings
are printed, with the cases and messages each side made (they must agree).

Run: ``python bench/bench_spark.py [--n 3000000] [--file F] [--master local[2]]
[--head 300000 ...]`` (``--head`` also measures the first K rows of the file, to see where Spark
starts paying off). The 3M file is bench/make_twcs.py's (reused from /tmp when present).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._child import child_result  # noqa: E402


def _cpu() -> float:
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def _facts(db: Path) -> dict:
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    try:
        return {
            t: con.execute(f"select count(*) from {t}").fetchone()[0]
            for t in ("interactions", "messages", "fct_cases", "agg_case_values")
        }
    finally:
        con.close()


def run_duckdb(path: str, work: str) -> dict:
    """Child: one DuckDB load of the file into a fresh warehouse."""
    os.environ.setdefault("SOCIALCARE_PROGRESS", "0")
    from etl.progress import timings
    from etl.settings.config import Config
    from warehouse.ingest import load_file

    db = Path(work) / "duck.duckdb"
    started, cpu0 = time.perf_counter(), _cpu()
    with timings() as stages:
        load_file("twcs", path, db, Config())
    return {
        "wall": time.perf_counter() - started,
        "cpu": _cpu() - cpu0,
        "facts": _facts(db),
        "stages": [(s.name, round(s.wall_s, 2)) for s in stages],
    }


def run_spark(path: str, work: str, master: str) -> dict:
    """Child: Spark session, build_lake into a fresh lake, publish into a fresh warehouse."""
    from etl.progress import timings
    from etl.settings.config import Config
    from warehouse.spark.build import build_lake
    from warehouse.spark.publish import publish_from_lake
    from warehouse.spark.session import spark_session

    started, cpu0 = time.perf_counter(), _cpu()
    spark = spark_session(master)
    spark.sparkContext.setLogLevel("ERROR")
    spark.sql("select 1").collect()
    session_s = time.perf_counter() - started
    with timings() as stages:
        build_lake(spark, [("twcs", path)], str(Path(work) / "lake"), Config())
    built_s = time.perf_counter() - started
    spark.stop()
    db = Path(work) / "spark.duckdb"
    with timings() as published:
        publish_from_lake(str(Path(work) / "lake"), db, Config())
    return {
        "wall": time.perf_counter() - started,
        "cpu": _cpu() - cpu0,
        "session": session_s,
        "build": built_s - session_s,
        "publish": time.perf_counter() - started - built_s,
        "facts": _facts(db),
        "stages": [(s.name, round(s.wall_s, 2)) for s in [*stages, *published]],
    }


def _child(*args: str) -> dict:
    """Run one side in a child process, sampling its tree's PSS every 200 ms."""
    return child_result(__file__, list(args), ROOT, 0.2, "pss_peak_mb")


def _head(path: Path, rows: int, out: Path) -> Path:
    """The first `rows` tweets of a TWCS file (records, not lines: texts hold newlines)."""
    import duckdb

    con = duckdb.connect()
    con.execute(
        f"copy (select * from read_csv('{path}', all_varchar = true, header = true) "
        f"limit {int(rows)}) to '{out}' (header, quote '\"')"
    )
    con.close()
    return out


def _measure(path: Path, master: str) -> dict:
    with tempfile.TemporaryDirectory(prefix="bench-spark-") as work:
        duck = _child("duckdb", str(path), work)
        shutil.rmtree(Path(work) / "lake", ignore_errors=True)
        spark = _child("spark", str(path), work, master)
    return {"duckdb": duck, "spark": spark}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=3_000_000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--file", type=Path, default=None)
    ap.add_argument("--master", default="local[2]")
    ap.add_argument("--head", type=int, nargs="*", default=[], help="also measure the first K rows")
    ap.add_argument("--heads-only", action="store_true", help="skip the whole file")
    ap.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    if a.child:
        mode, *rest = a.child
        out = run_duckdb(*rest) if mode == "duckdb" else run_spark(*rest)
        print(json.dumps(out))
        return 0
    path = a.file or Path(tempfile.gettempdir()) / f"socialcare-bench-twcs-{a.n}-{a.seed}.csv"
    if not path.exists():
        from bench.make_twcs import write_twcs

        write_twcs(path, a.n, a.seed)
    print(
        f"file {path} ({path.stat().st_size / 1e6:.0f} MB), master {a.master}, "
        f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}"
    )
    files = [path]
    with tempfile.TemporaryDirectory(prefix="bench-spark-heads-") as heads:
        files = [_head(path, k, Path(heads) / f"head-{k}.csv") for k in a.head] + (
            [] if a.heads_only else files
        )
        for f in files:
            r = _measure(f, a.master)
            d, s = r["duckdb"], r["spark"]
            same = "equal" if d["facts"] == s["facts"] else f"DIFFER {d['facts']} vs {s['facts']}"
            print(f"\n{f.name}: cases and messages {same} ({d['facts']})")
            print(
                f"  DuckDB load        {d['wall']:7.1f} s wall {d['cpu']:7.1f} s CPU "
                f"{d['pss_peak_mb']:7.0f} MB peak"
            )
            print(
                f"  Spark {a.master:11s} {s['wall']:7.1f} s wall {s['cpu']:7.1f} s CPU (driver) "
                f"{s['pss_peak_mb']:7.0f} MB peak: session {s['session']:.1f} s, build "
                f"{s['build']:.1f} s, publish {s['publish']:.1f} s"
            )
            print(f"  Spark / DuckDB wall: {s['wall'] / d['wall']:.1f}x")
            print("  Spark stages: " + ", ".join(f"{n} {w:.1f}" for n, w in s["stages"]))
    print(f"load average at the end {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
