"""Benchmark: the cost of language detection at load (etl/text_sql.add_language).

Two measures: (1) add_language on the distinct texts of a generated TWCS table (bench/make_twcs.py,
default 3,000,000 tweets; its English phrase pools are mostly decided by the SQL hint), and
(2) the detector alone (etl/language.predicted_codes, on texts cleaned beforehand as SQL does)) on the 120 real tweets of
tests/golden/language_tweets.csv made distinct, the worst case where no text is hinted, as
texts/s (extrapolated to the distinct texts of (1), which the output says).

Run: ``python bench/bench_language.py [--n 3000000]``.
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from make_twcs import twcs_table  # noqa: E402

from etl.text.language import cleaned_text, predicted_codes  # noqa: E402
from etl.text.text_sql import add_language  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=3_000_000)
    n = ap.parse_args().n
    con = duckdb.connect()
    con.register("tweets", twcs_table(n))
    con.execute("create table texts as select distinct text from tweets where text is not null")
    distinct = con.execute("select count(*) from texts").fetchone()[0]
    t = time.perf_counter()
    detected = add_language(con, "texts", "language")
    took = time.perf_counter() - t
    print(
        f"{n:,} tweets, {distinct:,} distinct texts: add_language {took:.1f} s "
        f"({detected:,} texts through the detector)"
    )
    print(
        con.execute(
            "select language, count(*) from texts group by all order by 2 desc limit 6"
        ).fetchall()
    )
    with open(ROOT / "tests" / "golden" / "language_tweets.csv", encoding="utf-8") as fh:
        real = [r["text"] for r in csv.DictReader(fh)]
    sample = [f"{cleaned_text(t)} n{i}" for i in range(1700) for t in real]  # ~200k, as in SQL
    t = time.perf_counter()
    predicted_codes(sample)
    rate = len(sample) / (time.perf_counter() - t)
    print(
        f"detector alone, one core, real tweets: {rate:,.0f} texts/s -> "
        f"{distinct / rate:.1f} s for {distinct:,} distinct texts if none were hinted"
    )


if __name__ == "__main__":
    main()
