"""`socialcare drill` streams from DuckDB to the file (COPY, no frame) and writes exactly the rows
of drill_cases: same columns, values, order, local times and neutralised formula cells.
Hand-computed values: tests/golden/streams.md (fixture: tests/golden/rootcause.md, two days)."""

from __future__ import annotations

import csv
from dataclasses import replace
from datetime import datetime, timedelta

import pandas as pd
import pytest

from etl.settings.config import Config
from scorecard.export import export_drill
from scorecard.kpis.data import open_warehouse
from scorecard.rootcause.change import drill_cases
from tests.rc_fixtures import case, message, two_day_rows, warehouse_from_rows

B = "2024-03-02"
PARIS = replace(Config(), display_timezone="Europe/Paris")


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    rows, msgs, svs = two_day_rows()
    b = datetime(2024, 3, 2, 10)
    # a case whose brand and last message a spreadsheet would run as formulas
    rows.append(case("b-f0", b + timedelta(minutes=30), "social", False, 60, brand="=HYPERLINK(1)"))
    msgs.append(
        message("m9", "b-f0", 1, "customer", b + timedelta(minutes=30), "@TelcoCo help", -0.1)
    )
    return warehouse_from_rows(tmp_path_factory.mktemp("drill") / "w.duckdb", rows, msgs, svs)


def _expected(db, config: Config, kpi: str) -> pd.DataFrame:
    con = open_warehouse(db)
    try:
        return drill_cases(con, config, kpi, B, B)
    finally:
        con.close()


@pytest.mark.parametrize("kpi", ["volume", "frt_median_s", "sentiment_mean", "recommend_rate"])
def test_streamed_parquet_equals_the_drill_frame_cell_for_cell(db, tmp_path, kpi):
    out = tmp_path / "d.parquet"
    n = export_drill(db, PARIS, kpi, B, B, {}, "parquet", out)
    expected = _expected(db, PARIS, kpi)
    written = pd.read_parquet(out)
    assert n == len(expected) == len(written) > 0
    assert list(written.columns) == list(expected.columns)
    for col in expected.columns:
        got, want = written[col], expected[col]
        if isinstance(want.dtype, pd.DatetimeTZDtype):  # the same instants
            assert got.dt.tz_convert("UTC").tolist() == want.dt.tz_convert("UTC").tolist(), col
        elif want.dtype == object or pd.api.types.is_string_dtype(want):
            neutral = want.map(lambda v: "'" + v if isinstance(v, str) and v.startswith("=") else v)
            assert got.fillna("<na>").tolist() == neutral.fillna("<na>").tolist(), col
        else:  # numbers and flags: equal values, missing where the frame has them missing
            assert [None if pd.isna(v) else v for v in got] == [
                None if pd.isna(v) else v for v in want
            ], col


def test_streamed_csv_has_local_times_transcripts_and_quoted_formulas(db, tmp_path):
    out = tmp_path / "d.csv"
    assert export_drill(db, PARIS, "volume", B, B, {"channel": ["social"]}, "csv", out) == 9
    raw = out.read_bytes()
    assert raw.count(b"\r\n") >= 10  # CRLF rows (RFC 4180)
    with open(out, newline="", encoding="utf-8") as fh:
        rows = {r["interaction_id"]: r for r in csv.DictReader(fh)}
    s0 = rows["b-s0"]
    # opened 2024-03-02 10:00 UTC = 11:00 in Paris (UTC+1 in March before the DST change)
    assert s0["opened_at"] == "2024-03-02 11:00:00+01" and s0["hour"] == "11"
    assert s0["transcript"].split("\n") == [
        "2024-03-02 11:00 customer cust [-0.50]: No signal again @TelcoCo",
        "2024-03-02 11:10 agent AB [+0.10]: Sorry, we are on it ^AB",
        "2024-03-02 11:15 customer cust [+0.60]: thanks, fixed",
    ]
    assert rows["b-f0"]["brand"] == "'=HYPERLINK(1)"
    assert list(rows) == ["b-s0", "b-s1", "b-s2", "b-s3", "b-s4", "b-s5", "b-s6", "b-s7", "b-f0"]


def test_excel_drill_still_goes_through_the_frame(db, tmp_path):
    out = tmp_path / "d.xlsx"
    assert export_drill(db, PARIS, "volume", B, B, {}, "xlsx", out) == len(
        _expected(db, PARIS, "volume")
    )
    assert pd.read_excel(out)["brand"].tolist()[-1] == "'=HYPERLINK(1)"


VARIANTS = [
    "=1+1",
    "+33 1",
    "-2",
    "@SUM(A1)",
    "\t=1",
    "\r1",
    "\n1",
    "  =1",
    "\u00a0=1",
    "\u3000+1",
    "\u2003@x",
    "\x1c=1",
    "\uff1d1",
    "\uff0b1",
    "\uff0d1",
    "\uff201",
    " \uff1d1",
    "",
    " ",
    "a=1",
    "1=1",
    "Abc",
    "~=",
    "\u00e9=1",
    "\u00a0a",
    "- ",
    "-",
    None,
]


def test_the_sql_formula_rule_agrees_with_the_python_rule_on_every_variant():
    import duckdb

    from scorecard.export import _neutral
    from scorecard.kpis.data import FORMULA_RE2, neutral_column

    con = duckdb.connect()
    con.execute("create table t (v varchar, i integer)")
    con.executemany("insert into t values (?, ?)", [(v, i) for i, v in enumerate(VARIANTS)])
    got = [
        r[0]
        for r in con.execute(
            f"select {neutral_column('v', 'VARCHAR')} from t order by i", {"formula": FORMULA_RE2}
        ).fetchall()
    ]
    assert got == [_neutral(v) for v in VARIANTS]
    # formulas: the first 17 variants, and "- " and "-" (a leading minus, as in the Python rule)
    assert [i for i, (g, v) in enumerate(zip(got, VARIANTS, strict=True)) if g != v] == [
        *range(17),
        25,
        26,
    ]
