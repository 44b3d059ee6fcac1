"""The daily report's expensive parts kept per snapshot beside the warehouse
(scorecard/reports/kept.py): a second report of the same snapshot reads them and prints the same
report; another configuration or a new snapshot computes again; nothing is kept in memory.

Provenance: tests/golden/reports.md, "Kept per snapshot"."""

from __future__ import annotations

import re
import shutil
from dataclasses import replace
from pathlib import Path

import duckdb
import pytest

from etl.settings.config import Config
from scorecard.kpis.data import open_warehouse
from scorecard.reports.daily import daily_report
from scorecard.reports.kept import kept, kept_dir, kept_path
from scorecard.service import open_snapshot
from tests.browser import dashboard_warehouse

DAY = "2024-02-05"  # four red KPIs in the generated data (tests/test_reports.py)


@pytest.fixture()
def db(tmp_path_factory, tmp_path) -> Path:
    shared = dashboard_warehouse(tmp_path_factory.getbasetemp() / "dashboard")
    own = tmp_path / "w.duckdb"
    shutil.copyfile(shared, own)
    return own


def without_clock(html: str) -> str:
    return re.sub(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2} [A-Za-z/_]+", "", html)


def test_a_second_daily_report_reads_what_the_first_kept(db):
    con = open_warehouse(db)
    first = daily_report(con, Config(), DAY)
    files = sorted(p.name for p in (db.parent / ".w.duckdb.kept").glob("*.json"))
    # the scan, each red reason, the KPI lines and the backlog
    assert len(first.red) == 4 and len(files) == 1 + len(first.red) + 2
    for name in ("incidents", "kpi_lines", "backlog"):
        assert sum(f".{name}." in f for f in files) == 1
    second = daily_report(con, Config(), DAY)
    con.close()
    assert second.kpis == first.kpis and second.incidents == first.incidents
    assert without_clock(second.html()) == without_clock(first.html())


def test_kept_values_are_read_not_computed_until_the_snapshot_or_config_changes(db):
    con = open_warehouse(db)
    assert kept(con, Config(), "probe", [1], lambda: {"v": 1}) == {"v": 1}
    assert (
        kept_path(con, Config(), "probe", [1]).parent
        == kept_dir(db)
        == db.parent / ".w.duckdb.kept"
    )
    assert kept(con, Config(), "probe", [1], lambda: 1 / 0) == {"v": 1}  # read, compute not called
    other = replace(Config(), fcr_window_days=3)
    assert kept(con, other, "probe", [1], lambda: {"v": 2}) == {"v": 2}
    old = kept_path(con, Config(), "probe", [1])
    con.close()
    fresh = db.parent / "fresh.duckdb"  # a load publishes a new file in place of the old one
    shutil.copyfile(db, fresh)
    fresh.replace(db)
    con = open_warehouse(db)
    assert kept(con, Config(), "probe", [1], lambda: {"v": 3}) == {"v": 3}
    con.close()
    assert not old.exists()  # the older snapshot's files are gone


def test_nothing_is_kept_for_an_in_memory_database_or_a_brand_scope(db):
    con = duckdb.connect()
    assert kept_path(con, Config(), "probe", [1]) is None
    assert kept(con, Config(), "probe", [1], lambda: (1, 2)) == [1, 2]  # JSON types either way
    whole = open_snapshot(db)  # the dashboard's reader: the file attached read-only
    assert kept_path(whole, Config(), "probe", [1]).parent == kept_dir(db)
    whole.close()
    scoped = open_snapshot(db, ("AirCo",))  # a brand scope's views: never shared with other scopes
    assert kept_path(scoped, Config(), "probe", [1]) is None
    scoped.close()
