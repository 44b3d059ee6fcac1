"""Shared fixtures: real sample paths, a factory for small TWCS files, loaded warehouses."""

from __future__ import annotations

import csv
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from etl.settings.config import Config
from warehouse.ingest import load_file

REAL = Path(__file__).parent / "data" / "real"
TWCS_SAMPLE = REAL / "twcs_head_sample.csv"
TWCS_HEADER = [
    "tweet_id",
    "author_id",
    "inbound",
    "created_at",
    "text",
    "response_tweet_id",
    "in_response_to_tweet_id",
]
SLOW_TIERS = ("slow", "browser", "spark")  # acceptance tests that plain `pytest` leaves out
_DESELECTED = pytest.StashKey[int]()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--all",
        action="store_true",
        dest="run_all",
        default=False,
        help=f"run every test, including those marked {', '.join(SLOW_TIERS)} "
        "(deselected by default; .ci/run passes --all)",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The fast tier by default: tests marked slow, browser or spark are deselected unless
    --all is given or a -m expression chooses the tests itself."""
    if config.getoption("run_all") or config.getoption("markexpr"):
        return
    kept, slow = [], []
    for item in items:
        (slow if any(item.get_closest_marker(m) for m in SLOW_TIERS) else kept).append(item)
    if slow:
        config.hook.pytest_deselected(items=slow)
        items[:] = kept
        config.stash[_DESELECTED] = len(slow)


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    n = config.stash.get(_DESELECTED, 0)
    if n:
        terminalreporter.write_line(
            f"{n} slow acceptance tests ({', '.join(SLOW_TIERS)}) were deselected: "
            "run `python -m pytest --all` for the whole suite.",
            yellow=True,
        )


@pytest.fixture(autouse=True, scope="session")
def _audit_log_outside_the_repository(tmp_path_factory):
    """Audit lines written by in-process page calls go to a temporary file, never into the
    working tree (the default is beside the warehouse, ./socialcare.duckdb without one)."""
    if "SOCIALCARE_AUDIT_LOG" not in os.environ:
        os.environ["SOCIALCARE_AUDIT_LOG"] = str(tmp_path_factory.mktemp("audit") / "audit.jsonl")
    yield


@pytest.fixture
def make_twcs(tmp_path: Path) -> Callable[..., Path]:
    """Factory: write tweets (tuples in TWCS column order, minus response_tweet_id) to a CSV."""

    def make(
        rows,
        name="tweets.csv",
        header=TWCS_HEADER,
        encoding="utf-8",
        newline="\r\n",
        index_column=False,
    ):
        path = tmp_path / name
        with open(path, "w", encoding=encoding, newline="") as fh:
            w = csv.writer(fh, lineterminator=newline)
            w.writerow(([""] if index_column else []) + list(header))
            for i, r in enumerate(rows):
                tweet_id, author, inbound, created, text, parent = r
                row = [tweet_id, author, inbound, created, text, "", parent]
                w.writerow(([str(i)] if index_column else []) + row)
        return path

    return make


@pytest.fixture(scope="session")
def twcs_db(tmp_path_factory) -> Path:
    """A warehouse with the real 121-tweet TWCS sample loaded."""
    db = tmp_path_factory.mktemp("twcs") / "w.duckdb"
    load_file("twcs", str(TWCS_SAMPLE), db, Config())
    return db
