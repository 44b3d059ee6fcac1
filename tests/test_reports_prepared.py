"""A load prepares the next daily report (scorecard/reports/daily.py `prepared_daily`, called by
`socialcare load` after it publishes and after the alerts): the report of the new snapshot then
reads the kept incident scan and red KPIs' reasons instead of computing them, and prints what a
cold computation prints; the next load prepares again and the older files go. Kept results are
never served for another snapshot, also to a connection opened before a load published.

Provenance: tests/golden/reports.md, "Prepared by the load"."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli import main
from etl.settings.config import Config
from scorecard.kpis.data import open_warehouse
from scorecard.reports.daily import DailyReport, daily_report
from scorecard.reports.kept import PROC_FDS, kept, kept_dir, kept_path, snapshot_id
from scorecard.service import open_snapshot
from tests.browser import dashboard_warehouse
from tests.conftest import TWCS_SAMPLE
from warehouse.ingest import load_file


def without_clock(html: str) -> str:
    return re.sub(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2} [A-Za-z/_]+", "", html)


def kept_files(db: Path) -> dict[str, tuple[int, int]]:
    """The kept files by name, with inode and mtime (a rewrite changes both)."""
    return {p.name: (p.stat().st_ino, p.stat().st_mtime_ns) for p in kept_dir(db).glob("*.json")}


def cold(db: Path, tmp: Path) -> DailyReport:
    """The daily report of the same data computed from nothing: a copy with no kept folder."""
    tmp.mkdir()
    copy = tmp / "cold.duckdb"
    shutil.copyfile(db, copy)
    con = open_warehouse(copy)
    report = daily_report(con, Config())
    con.close()
    return report


def tweets(make_twcs, name: str, first_id: int, hour: int) -> Path:
    """Ten customer tweets to ShopCo on the dashboard data's last day, half answered."""
    rows = []
    for i in range(10):
        tid, when = first_id + 2 * i, f"Sun Feb 11 {hour:02d}:{2 * i:02d}:00 +0000 2024"
        rows.append((str(tid), str(990000 + i), "True", when, "@ShopCo my order is late", ""))
        if i % 2 == 0:
            answer = f"Sun Feb 11 {hour:02d}:{2 * i + 1:02d}:00 +0000 2024"
            rows.append((str(tid + 1), "ShopCo", "False", answer, "@x sorry, looking", str(tid)))
    return make_twcs(rows, name=name)


@pytest.mark.slow
def test_a_load_prepares_the_report_which_reads_it_until_the_next_load(
    tmp_path, tmp_path_factory, make_twcs
):
    db = tmp_path / "w.duckdb"
    shutil.copyfile(dashboard_warehouse(tmp_path_factory.getbasetemp() / "dashboard"), db)
    kept_dir(db).mkdir()  # this warehouse's daily report has been made before
    run = CliRunner()

    first = tweets(make_twcs, "a.csv", 900000, 15)
    r = run.invoke(main, ["--db", str(db), "load", "twcs", str(first)])
    assert r.exit_code == 0, r.output
    truth = cold(db, tmp_path / "cold1")
    assert (truth.day, len(truth.incidents), len(truth.red)) == ("2024-02-11", 1, 1)
    assert (
        "daily report of 2024-02-11 prepared in" in r.output
        and "(1 incident in the last week), the scorecard with the reasons of 1 red KPI and the "
        "backlog kept."
        in r.output
    )
    files = kept_files(db)
    assert len(files) == 1 + 1 + 2  # the scan, the red KPI's reason, the KPI lines, the backlog
    assert {n.split(".", 1)[0] for n in files} == {snapshot_id(db)}  # of the published file

    out = tmp_path / "daily.html"
    r = run.invoke(main, ["--db", str(db), "report", "daily", "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert kept_files(db) == files  # read, not computed again (a rewrite renames a new file)
    assert without_clock(out.read_text()) == without_clock(truth.html())

    second = tweets(make_twcs, "b.csv", 910000, 18)
    r = run.invoke(main, ["--db", str(db), "load", "twcs", str(second)])
    assert r.exit_code == 0 and "daily report of 2024-02-11 prepared in" in r.output, r.output
    now = kept_files(db)
    assert now and not set(now) & set(files)  # the first snapshot's files are gone
    assert {n.split(".", 1)[0] for n in now} == {snapshot_id(db)}
    r = run.invoke(main, ["--db", str(db), "report", "daily", "--out", str(out)])
    assert r.exit_code == 0 and kept_files(db) == now
    truth = cold(db, tmp_path / "cold2")
    assert len(now) == 1 + len(truth.red) + 2
    assert without_clock(out.read_text()) == without_clock(truth.html())


def test_a_warehouse_nobody_reports_on_is_not_prepared(tmp_path):
    db = tmp_path / "w.duckdb"
    r = CliRunner().invoke(main, ["--db", str(db), "load", "twcs", str(TWCS_SAMPLE)])
    assert r.exit_code == 0 and "loaded 121 of 121 rows" in r.output, r.output
    assert "daily report" not in r.output and not kept_dir(db).exists()
    # once reported on, `alerts run` (which may publish the alerts' state) prepares too: the
    # real sample's last day, 2017-10-31, has 6 red KPIs and no incident (tests/golden/reports.md)
    kept_dir(db).mkdir()
    r = CliRunner().invoke(main, ["--db", str(db), "alerts", "run"])
    assert r.exit_code == 0, r.output
    assert "alerts: none configured" in r.output
    assert "daily report of 2017-10-31 prepared in" in r.output
    assert (
        "(0 incidents in the last week), the scorecard with the reasons of 6 red KPIs" in r.output
    )
    assert len(list(kept_dir(db).glob(f"{snapshot_id(db)}.*.json"))) == 1 + 6 + 2


@pytest.mark.skipif(
    not PROC_FDS.is_dir(), reason="open files are listed through /proc/self/fd (Linux)"
)
def test_a_connection_opened_before_a_publish_is_never_given_the_new_snapshots_results(tmp_path):
    db = tmp_path / "w.duckdb"
    load_file("twcs", str(TWCS_SAMPLE), db, Config())
    old = open_warehouse(db)
    old_id = snapshot_id(db)
    assert kept(old, Config(), "probe", [1], lambda: "old") == "old"
    assert kept_path(old, Config(), "probe", [1]).name.startswith(old_id)

    fresh = tmp_path / "fresh.duckdb"  # a load publishes a new file in place of the old one
    shutil.copyfile(db, fresh)
    fresh.replace(db)
    assert snapshot_id(db) != old_id
    # the old connection still reads the replaced file, and is told so
    assert kept_path(old, Config(), "probe", [1]).name.startswith(old_id)
    assert kept(old, Config(), "probe", [2], lambda: "old 2") == "old 2"
    assert not kept_path(old, Config(), "probe", [2]).exists()  # not written: no longer published
    again = open_warehouse(db)  # DuckDB hands this process the instance it holds: the old file
    assert kept_path(again, Config(), "probe", [1]).name.startswith(old_id)
    both = open_snapshot(db)  # now the process holds both files: which one is read is unknown
    assert kept_path(both, Config(), "probe", [1]) is None
    assert kept(both, Config(), "probe", [1], lambda: "new") == "new"
    for con in (old, again):
        con.close()
    assert kept_path(both, Config(), "probe", [1]).name.startswith(snapshot_id(db))
    assert kept(both, Config(), "probe", [1], lambda: "new") == "new"
    assert [p.name.split(".", 1)[0] for p in kept_dir(db).glob("*.json")] == [snapshot_id(db)]
    both.close()


def test_a_kept_file_left_half_written_is_never_read(tmp_path):
    db = tmp_path / "w.duckdb"
    load_file("twcs", str(TWCS_SAMPLE), db, Config())
    con = open_warehouse(db)
    kept(con, Config(), "probe", [1], lambda: {"v": 1})
    target = kept_path(con, Config(), "probe", [1])
    target.write_text('{"v": ')  # what a writer without the rename could leave
    assert kept(con, Config(), "probe", [1], lambda: {"v": 2}) == {"v": 2}
    assert kept(con, Config(), "probe", [1], lambda: 1 / 0) == {"v": 2}  # rewritten whole
    stale = kept_dir(db) / "x.tmp"  # a killed writer's temporary file, an hour old
    stale.write_text("{")
    os.utime(stale, (0, 0))
    kept(con, Config(), "probe", [3], lambda: 3)
    con.close()
    assert not stale.exists() and not list(kept_dir(db).glob("*.tmp"))
