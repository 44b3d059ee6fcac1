"""Benchmark etl.text.sentiment.compound_scores on N synthetic TWCS-like tweets (default 3,000,000).

Texts are real tweets (twcs_head_sample.csv) and NPS verbatims, some with a fresh customer
handle (distinct raw text, same cleaned text) or a random order/ticket number (distinct after
cleaning).  Prints the distinct shares, the speed with 2 workers and on one core, the
reference vaderSentiment speed on a 20k subsample (extrapolated), the agreement on the real
samples and the peak RSS.  Run: ``python bench/bench_sentiment.py [--n N] [--workers W]``.
"""

from __future__ import annotations

import argparse
import csv
import resource
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from etl.text import sentiment  # noqa: E402

REAL = Path("/work/shared/data/real")


def read_column(name: str, *columns: str) -> list[str]:
    """Non-empty values of some columns of a real-sample CSV."""
    with open(REAL / name, newline="", encoding="utf-8") as f:
        return [r[c] for r in csv.DictReader(f) for c in columns if r[c]]


def make_texts(n: int, seed: int = 7) -> list[str]:
    """n tweet-like texts: 15% new handle, 25% random number, the rest exact repeats."""
    base = read_column("twcs_head_sample.csv", "text") * 8 + read_column(
        "nps_verbatims.csv", "text"
    )
    rng = np.random.default_rng(seed)
    pick = rng.integers(0, len(base), n).tolist()
    kind = rng.random(n).tolist()
    num = rng.integers(100_000, 10_000_000, n).tolist()
    out = []
    for b, k, x in zip(pick, kind, num, strict=True):
        t = base[b]
        if k < 0.15:
            t = f"@{x} {t}"
        elif k < 0.40:
            t = f"{t} order #{x}" if x % 2 else f"Ticket {x}: {t}"
        out.append(t)
    return out


def cpu_seconds() -> float:
    """User + system CPU seconds of this process and its waited-for children so far."""
    own, kids = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def load_average() -> str:
    """The 1-minute load average (other work on the machine slows every number here)."""
    try:
        return Path("/proc/loadavg").read_text().split()[0]
    except OSError:
        return "?"


def peak_rss_mb() -> float:
    """Peak resident set size of this process and of its (waited-for) children, in MB."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return (own + kids) / 1024


def main() -> None:
    """Run the benchmark and print one line per measurement."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=3_000_000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--ref-sample", type=int, default=20_000)
    args = ap.parse_args()

    t0 = time.perf_counter()
    texts = make_texts(args.n)
    print(f"built {len(texts):,} texts in {time.perf_counter() - t0:.1f} s")
    cleaned = {sentiment.clean_for_sentiment(t) for t in set(texts)}
    print(
        f"distinct share: raw {len(set(texts)) / len(texts):.1%}, "
        f"after cleaning {len(cleaned) / len(texts):.1%}"
    )

    print(f"load average before timing: {load_average()}")
    t0, c0 = time.perf_counter(), cpu_seconds()
    scores = sentiment.compound_scores(texts, workers=args.workers)
    dt, cpu = time.perf_counter() - t0, cpu_seconds() - c0
    print(
        f"compound_scores, {args.workers} workers: {dt:.2f} s wall = {len(texts) / dt:,.0f} texts/s "
        f"({cpu:.1f} CPU-s incl. workers; NaN {np.isnan(scores).sum():,})"
    )

    t0, c0 = time.perf_counter(), cpu_seconds()
    one = sentiment.compound_scores(texts, workers=1)
    dt1, cpu1 = time.perf_counter() - t0, cpu_seconds() - c0
    same = np.array_equal(one, scores, equal_nan=True)
    print(
        f"compound_scores, 1 process: {dt1:.2f} s wall = {len(texts) / dt1:,.0f} texts/s "
        f"({cpu1:.1f} CPU-s; identical to the pool result: {same})"
    )

    rng = np.random.default_rng(1)
    distinct = sorted(cleaned - {""})
    sub = [
        distinct[i]
        for i in rng.choice(len(distinct), min(args.ref_sample, len(distinct)), replace=False)
    ]
    t0 = time.process_time()
    sentiment.score_cleaned(sub)
    fast_rate = len(sub) / (time.process_time() - t0)
    pol = sentiment._reference_analyzer().polarity_scores
    t0 = time.process_time()
    for t in sub:
        pol(t)
    ref_rate = len(sub) / (time.process_time() - t0)
    n_distinct = len(cleaned)
    print(
        f"one core, {len(sub):,} distinct cleaned texts, per CPU-second: fast {fast_rate:,.0f}/s, "
        f"reference {ref_rate:,.0f}/s, ratio {fast_rate / ref_rate:.1f}x"
    )
    print(
        f"reference extrapolated: {n_distinct / ref_rate:.0f} s for the {n_distinct:,} distinct texts "
        f"on one core, {len(texts) / ref_rate:.0f} s without de-duplication"
    )

    samples = {
        "twcs_head_sample": read_column("twcs_head_sample.csv", "text"),
        "nps_verbatims": read_column("nps_verbatims.csv", "text"),
        "customer_support_tickets": read_column(
            "customer_support_tickets.csv", "Ticket Description", "Resolution"
        ),
    }
    for name, col in samples.items():
        print(
            f"agreement vs reference (|diff| <= 0.05) on {name} ({len(col):,} texts): "
            f"{sentiment.agreement_share(col):.2%}"
        )
    print(f"peak RSS (self + children): {peak_rss_mb():,.0f} MB")


if __name__ == "__main__":
    main()
