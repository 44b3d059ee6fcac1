"""Coverage by hour of week against [business_hours] (scorecard/operations/staffing.py): the hand-computed
fixture of tests/golden/coverage.md, the CLI and the what-if."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from cli import main
from etl.settings.config import Config
from scorecard.kpis.data import open_warehouse
from scorecard.operations.data_staffing import coverage_cases
from scorecard.operations.staffing import coverage, parsed_window
from warehouse.ingest import load_file

EN = "my order has not arrived and you have not answered my emails"


def _t(day: int, hhmm: str) -> str:
    wd = {6: "Mon", 7: "Tue", 11: "Sat", 12: "Sun", 13: "Mon"}[day]
    return f"{wd} Nov {day:02d} {hhmm}:00 +0000 2017"


# tests/golden/coverage.md: 6 cases in the week of Mon 2017-11-06 (London = UTC then)
ROWS = [
    (1, "c1", "True", _t(6, "09:00"), f"@AcmeHelp {EN}", ""),
    (2, "AcmeHelp", "False", _t(6, "09:10"), "@c1 Sorry, please DM us", "1"),
    (3, "c2", "True", _t(6, "21:30"), f"@AcmeHelp {EN}", ""),
    (4, "AcmeHelp", "False", _t(7, "08:15"), "@c2 Sorry, please DM us", "3"),
    (5, "c3", "True", _t(11, "18:00"), f"@AcmeHelp {EN}", ""),
    (6, "AcmeHelp", "False", _t(11, "18:30"), "@c3 Sorry, please DM us", "5"),
    (7, "c4", "True", _t(11, "19:30"), f"@AcmeHelp {EN}", ""),
    (8, "c5", "True", _t(12, "12:00"), f"@AcmeHelp {EN}", ""),
    (9, "AcmeHelp", "False", _t(13, "08:30"), "@c5 Sorry, please DM us", "8"),
    (
        10,
        "c6",
        "True",
        _t(11, "10:00"),
        "@AcmeHelp hola, mi pedido no ha llegado y nadie me responde",
        "",
    ),
    (11, "AcmeHelp", "False", _t(11, "10:05"), "@c6 Lo sentimos, escríbenos por DM", "10"),
]


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    import csv

    d = tmp_path_factory.mktemp("cov")
    path = d / "tweets.csv"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(
            [
                "tweet_id",
                "author_id",
                "inbound",
                "created_at",
                "text",
                "response_tweet_id",
                "in_response_to_tweet_id",
            ]
        )
        for r in ROWS:
            w.writerow([r[0], r[1], r[2], r[3], r[4], "", r[5]])
    load_file("twcs", str(path), d / "w.duckdb", Config())
    return d / "w.duckdb"


def _result(db, extend=None, filters=None):
    con = open_warehouse(db)
    return coverage(
        coverage_cases(con, Config(), None, None, filters or {}),
        Config(),
        extend=parsed_window(extend) if extend else None,
    )


def test_golden_totals_and_waits(db):
    r = _result(db)
    assert (r.cases, r.outside) == (6, 4)
    assert r.wait_inside_median_s == 450.0  # 600 and 300 s
    assert r.wait_outside_median_s == 38700.0  # 38,700, 1,800, 73,800 s; one unanswered
    assert r.answered_outside == 3
    assert r.until_open_median_s == 101700.0  # 37,800, 72,000, 131,400, 136,800 s


def test_golden_grid(db):
    g = _result(db).grid.set_index(["day", "hour"])
    busy = {k: int(v) for k, v in g["cases"].items() if v}
    assert busy == {
        ("mon", 9): 1,
        ("mon", 21): 1,
        ("sat", 10): 1,
        ("sat", 18): 1,
        ("sat", 19): 1,
        ("sun", 12): 1,
    }
    assert g.loc[("mon", 21), "frt_median_s"] == 38700.0
    staffed = g["staffed"]
    assert staffed[("mon", 8)] and staffed[("mon", 19)] and not staffed[("mon", 20)]
    assert staffed[("sat", 9)] and staffed[("sat", 16)] and not staffed[("sat", 17)]
    assert int(staffed.sum()) == 5 * 12 + 8  # Mon-Fri 08-20, Sat 09-17, Sun closed


def test_golden_languages(db):
    lang = _result(db).by_language.set_index("language")
    assert lang.loc["en", ["cases", "outside"]].tolist() == [5, 4]
    assert lang.loc["es", ["cases", "outside"]].tolist() == [1, 0]


def test_golden_what_if(db):
    r = _result(db, "sat 17:00-20:00")
    assert r.extend_covered == 2 and r.extend_share == 0.5  # cases 5 and 7 of 4 outside
    assert _result(db, "sun 00:00-00:00").extend_covered == 1  # the whole Sunday: case 8
    assert _result(db, filters={"language": ["es"]}).outside == 0


def test_cli_json_and_bad_window(db):
    run = CliRunner().invoke(
        main, ["--db", str(db), "coverage", "--extend", "sat 17:00-20:00", "--format", "json"]
    )
    assert run.exit_code == 0, run.output
    out = json.loads(run.output)
    assert (out["cases"], out["outside"], out["extend"]["covered"]) == (6, 4, 2)
    bad = CliRunner().invoke(main, ["--db", str(db), "coverage", "--extend", "saturday evening"])
    assert bad.exit_code != 0 and "Traceback" not in bad.output
    assert "e.g. 'sat 17:00-20:00'" in bad.output
    table = CliRunner().invoke(main, ["--db", str(db), "coverage"])
    assert table.exit_code == 0 and "4 (67%) arrived outside staffed hours" in table.output
