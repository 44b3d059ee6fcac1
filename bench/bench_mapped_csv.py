"""Benchmark the `csv` source: parse N Zendesk-style tickets and N Sprout-style messages.

Prints, for each export, the time of the bare CSV read (etl.sources.io.read_csv_text, the baseline
measured in the same run) and of the whole mapped parse (mapping, validation, UTC times,
categories; for messages also masking, sentiment, flags and derived cases), in rows/s.
Run: ``python bench/bench_mapped_csv.py [--n N]``.
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from etl.settings.config import Config  # noqa: E402
from etl.sources.io import read_csv_text  # noqa: E402
from etl.sources.mapped_csv import parse_mapped_csv  # noqa: E402
from etl.sources.mapping import load_mapping  # noqa: E402

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "mappings"
SUBJECTS = [
    "I was charged twice",
    "Router keeps dropping",
    "Where is my parcel?",
    "hello",
    "Password reset does not work",
    "Love the new app",
]
TEXTS = [
    "my order never arrived, can you help?",
    "Please DM us your order number ^JK",
    "thanks that worked",
    "Call us on 0800 123 4567",
    "still broken!!",
    "It ships today",
]


def zendesk_csv(path: Path, n: int, rng: random.Random) -> None:
    """n Zendesk-style tickets with day-first Paris times."""
    t0 = datetime(2024, 1, 1)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(
            [
                "Id",
                "Requester id",
                "Assignee",
                "Group",
                "Subject",
                "Status",
                "Via",
                "Created at",
                "First reply at",
                "Solved at",
                "Satisfaction Score",
                "Handle time",
            ]
        )
        for i in range(n):
            opened = t0 + timedelta(minutes=rng.randrange(0, 525_600))
            reply = opened + timedelta(minutes=rng.randrange(1, 600))
            solved = reply + timedelta(minutes=rng.randrange(1, 3000))
            w.writerow(
                [
                    i,
                    f"c{rng.randrange(n // 3 + 1)}",
                    rng.choice(["Alice", "Bob", ""]),
                    rng.choice(["Billing", "Support"]),
                    rng.choice(SUBJECTS),
                    rng.choice(["Solved", "Open", "New"]),
                    rng.choice(["Mail", "Customer Care Call", "Web Widget", "Twitter"]),
                    f"{opened:%d/%m/%Y %H:%M}",
                    f"{reply:%d/%m/%Y %H:%M}",
                    f"{solved:%d/%m/%Y %H:%M}",
                    rng.choice(["Good", "Bad", "Offered", ""]),
                    rng.randrange(60, 3600),
                ]
            )


def sprout_csv(path: Path, n: int, rng: random.Random) -> None:
    """n Sprout-style messages, 4 per conversation, US times."""
    t0 = datetime(2024, 1, 1)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(
            [
                "Date",
                "Network",
                "Message Type",
                "Profile",
                "From",
                "Message",
                "Conversation ID",
                "Message ID",
            ]
        )
        for i in range(n):
            conv, k = divmod(i, 4)
            when = t0 + timedelta(minutes=conv * 7 + k * 13)
            agent = k % 2 == 1
            w.writerow(
                [
                    f"{when:%m/%d/%Y %I:%M %p}",
                    "Twitter",
                    "Sent Message" if agent else "Received Message",
                    "ShopCo",
                    "Jo" if agent else f"@u{conv}",
                    rng.choice(TEXTS),
                    f"c{conv}",
                    f"m{i}",
                ]
            )


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=200_000)
    n = ap.parse_args().n
    rng = random.Random(7)
    cfg = Config()
    with tempfile.TemporaryDirectory() as tmp:
        for name, make, mapping in (
            ("zendesk", zendesk_csv, "zendesk.toml"),
            ("sprout", sprout_csv, "sprout_social.toml"),
        ):
            path = Path(tmp) / f"{name}.csv"
            make(path, n, rng)
            cols = load_mapping(str(EXAMPLES / mapping), cfg, "csv").source_columns()
            base = timed(lambda p=path, c=cols: read_csv_text(p, c))
            full = timed(lambda p=path, m=mapping: parse_mapped_csv(p, cfg, str(EXAMPLES / m)))
            print(
                f"{name:8s} {n:>9,d} rows  read_csv_text {base:6.2f} s ({n / base:>9,.0f} rows/s)"
                f"  mapped parse {full:6.2f} s ({n / full:>9,.0f} rows/s)  overhead x{full / base:.1f}"
            )


if __name__ == "__main__":
    main()
