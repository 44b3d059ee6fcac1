"""The `calls` source (PwC call-centre CSV and XLSX).

Hand-computed values: the fixture's source zone is Europe/London, UTC+1 (BST) on 2024-07-01 and
UTC+0 (GMT) on 2024-01-15. Real-file figures are recomputed independently with pandas; see
tests/golden/sources.md.
"""

from __future__ import annotations

import csv
import json
from dataclasses import replace
from datetime import date, time
from pathlib import Path

import duckdb
import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner

from cli import main
from etl.settings.config import Config
from etl.sources.calls import REQUIRED, parse_calls
from etl.sources.io import SourceError
from warehouse.ingest import load_file

REAL = Path(__file__).parent / "data" / "real"
HEADER = list(REQUIRED) + ["Customer Id", "Brand"]
LONDON = Config(source_timezone="Europe/London", max_bad_share=1.0)
GOOD = [  # CSV lines 2..6
    [
        "ID1",
        "Jim",
        "2024-07-01",
        "9:00:00",
        "Payment related",
        "Y",
        "Y",
        "30",
        "0:02:00",
        "4",
        "c1",
        "TelcoCo",
    ],
    [
        "ID2",
        "Ann",
        "2024-07-01",
        "9:05:00",
        "Streaming",
        "Y",
        "N",
        "45",
        "0:01:15",
        "",
        "c2",
        "TelcoCo",
    ],
    ["ID3", "Jim", "2024-07-01", "23:30:00", "Admin Support", "N", "N", "", "", "", "", ""],
    ["ID4", "Ann", "2024-01-15", "10:00:00", "Bill query", "N", "N", "", "", "2", "c1", ""],
    ["ID5", "Ann", "2024-01-15", "10:10:00", "Compliment", "Y", "Y", "10", "", "5", "", ""],
]
BAD = [  # lines 7..16, each with the reason it must be quarantined for
    (
        ["", "Jim", "2024-07-01", "9:00:00", "Streaming", "Y", "Y", "30", "0:02:00", "4"],
        "missing key: Call Id is empty",
    ),
    (
        ["ID6", "Jim", "2024-13-01", "9:00:00", "Streaming", "Y", "Y", "30", "0:02:00", "4"],
        "bad timestamp: Date '2024-13-01' is not a date YYYY-MM-DD (or DD/MM/YYYY, MM/DD/YYYY when a "
        "day above 12 shows the order, DD.MM.YYYY)",
    ),
    (
        ["ID7", "Jim", "2024-07-01", "25:00:00", "Streaming", "Y", "Y", "30", "0:02:00", "4"],
        "bad timestamp: Time '25:00:00' is not a time of day h:mm:ss",
    ),
    (
        ["ID8", "Jim", "2024-07-01", "9:00:00", "Streaming", "maybe", "Y", "30", "0:02:00", "4"],
        "not in map: Answered (Y/N) 'maybe' is not Y or N",
    ),
    (
        ["ID9", "Jim", "2024-07-01", "9:00:00", "Streaming", "Y", "Y", "fast", "0:02:00", "4"],
        "wrong type: Speed of answer in seconds 'fast' is not a number",
    ),
    (
        ["ID10", "Jim", "2024-07-01", "9:00:00", "Streaming", "Y", "Y", "-5", "0:02:00", "4"],
        "out of range: Speed of answer in seconds '-5' is not from 0 to 86400",
    ),
    (
        ["ID11", "Jim", "2024-07-01", "9:00:00", "Streaming", "Y", "Y", "30", "0:02:00", "6"],
        "out of range: Satisfaction rating '6' is not from 1 to 5",
    ),
    (
        ["ID12", "Jim", "2024-07-01", "9:00:00", "Streaming", "Y", "Y", "", "0:02:00", "4"],
        "missing value: answered call has no Speed of answer in seconds",
    ),
    (
        ["ID13", "Jim", "2024-07-01", "9:00:00", "Streaming", "Y", "Y", "30", "two minutes", "4"],
        "wrong type: AvgTalkDuration 'two minutes' is not h:mm:ss (or seconds) up to one day",
    ),
    (
        ["ID14", "Jim", "2024-07-01", "9:00:00", "Streaming", "Y", "", "30", "0:02:00", "4"],
        "not in map: Resolved None is not Y or N",
    ),
]
REPEAT = [
    "ID1",
    "Jim",
    "2024-07-01",
    "9:00:00",
    "Payment related",
    "Y",
    "Y",
    "30",
    "0:02:00",
    "5",
    "c1",
    "TelcoCo",
]


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path


def _typed_cell(column: str, value: str, row: int):
    """The value as Excel would type it: real times, integers, a real date on even rows."""
    if value == "":
        return None
    if column in ("Time", "AvgTalkDuration") and value.count(":") == 2 and value[:2] != "25":
        h, m, s = (int(x) for x in value.split(":"))
        return time(h, m, s)
    if column == "Date" and row % 2 == 0 and value.startswith("2024-0"):
        return date.fromisoformat(value)
    if (
        column in ("Speed of answer in seconds", "Satisfaction rating")
        and value.lstrip("-").isdigit()
    ):
        return int(value)
    return value


def write_xlsx(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(header)
    for i, r in enumerate(rows, start=2):
        ws.append([_typed_cell(c, v, i) for c, v in zip(header, r, strict=True)])
    wb.save(path)
    return path


@pytest.fixture
def calls_csv(tmp_path: Path) -> Path:
    rows = GOOD + [r + ["", ""] for r, _ in BAD] + [REPEAT]
    return write_csv(tmp_path / "calls.csv", HEADER, rows)


def _ts(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz="UTC")


def test_rules_on_hand_computed_calls(calls_csv):
    p = parse_calls(calls_csv, LONDON)
    cases = p.tables["interactions"].set_index("interaction_id")
    assert sorted(cases.index) == ["pwc:ID1", "pwc:ID2", "pwc:ID3", "pwc:ID4", "pwc:ID5"]
    one = cases.loc["pwc:ID1"]  # 09:00 BST = 08:00Z; answered after 30 s; talked 120 s
    assert (one.opened_at, one.first_response_at, one.resolved_at) == (
        _ts("2024-07-01 08:00:00"),
        _ts("2024-07-01 08:00:30"),
        _ts("2024-07-01 08:02:30"),
    )
    assert (one.status, one.handle_seconds, one.agent_id, one.issue_category) == (
        "resolved",
        120.0,
        "Jim",
        "billing",
    )
    assert (one.source, one.channel, one.platform, one.customer_id, one.brand) == (
        "pwc",
        "phone",
        "phone",
        "c1",
        "TelcoCo",
    )
    two = cases.loc["pwc:ID2"]  # answered 09:05:45 BST, not resolved, talk 75 s
    assert (two.status, two.first_response_at, two.handle_seconds) == (
        "open",
        _ts("2024-07-01 08:05:45"),
        75.0,
    )
    assert pd.isna(two.resolved_at) and two.last_activity_at == _ts("2024-07-01 08:07:00")
    assert two.issue_category == "technical"
    three = cases.loc["pwc:ID3"]  # 23:30 BST = 22:30Z the same day; abandoned: blanks stay NaN
    assert (three.status, three.opened_at, three.issue_category) == (
        "abandoned",
        _ts("2024-07-01 22:30:00"),
        "account",
    )
    assert (
        pd.isna(three.first_response_at)
        and pd.isna(three.handle_seconds)
        and pd.isna(three.resolved_at)
    )
    assert three.customer_id is None and three.brand is None
    four = cases.loc["pwc:ID4"]  # January: GMT = UTC; keyword fallback of an unknown topic label
    assert (four.opened_at, four.issue_category) == (_ts("2024-01-15 10:00:00"), "billing")
    five = cases.loc["pwc:ID5"]  # resolved but no talk time: flagged, no resolution time invented
    assert (five.status, five.dq_flags, five.issue_category) == (
        "resolved",
        "talk_missing",
        "praise",
    )
    assert pd.isna(five.resolved_at) and five.first_response_at == _ts("2024-01-15 10:10:10")
    surveys = p.tables["surveys"].set_index("survey_id")
    assert sorted(surveys.index) == ["pwc:ID1:csat", "pwc:ID4:csat", "pwc:ID5:csat"]
    # the repeated ID1 (line 17) wins: rating 5; answered at the end of the call
    assert surveys.loc["pwc:ID1:csat", "csat"] == 5.0
    assert surveys.loc["pwc:ID1:csat", "responded_at"] == _ts("2024-07-01 08:02:30")
    assert surveys.loc["pwc:ID4:csat", "responded_at"] == _ts(
        "2024-01-15 10:00:00"
    )  # abandoned: at the call
    assert set(surveys["channel"]) == {"phone"} and surveys["nps"].isna().all()
    assert p.notes == ("1 repeated Call Id(s): the later row wins",)


def test_quarantine_reasons(calls_csv):
    q = parse_calls(calls_csv, LONDON).quarantine
    assert q["line"].tolist() == list(range(7, 17))
    assert q["reason"].tolist() == [reason for _, reason in BAD]
    assert q["raw"].iloc[1].startswith("ID6,Jim,2024-13-01,9:00:00")


def test_xlsx_and_csv_give_identical_tables(tmp_path, calls_csv):
    rows = GOOD + [r + ["", ""] for r, _ in BAD] + [REPEAT]
    book = write_xlsx(tmp_path / "calls.xlsx", HEADER, rows)
    a, b = parse_calls(calls_csv, LONDON), parse_calls(book, LONDON)
    for table in ("interactions", "surveys"):
        pd.testing.assert_frame_equal(a.tables[table], b.tables[table])
    assert a.quarantine[["line", "reason"]].equals(b.quarantine[["line", "reason"]])
    assert a.rows_read == b.rows_read == 16


def test_missing_column_names_file_line_and_column(tmp_path):
    header = [c for c in HEADER if c != "Answered (Y/N)"]
    for path in (
        write_csv(tmp_path / "c.csv", header, [["x"] * len(header)]),
        write_xlsx(tmp_path / "c.xlsx", header, [["x"] * len(header)]),
    ):
        with pytest.raises(
            SourceError, match=rf"^{path}, line 1: missing column\(s\) Answered \(Y/N\);"
        ):
            parse_calls(path, Config())


def test_blanks_are_null_in_the_warehouse(tmp_path, calls_csv):
    db = tmp_path / "w.duckdb"
    result = load_file("calls", str(calls_csv), db, LONDON)
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (16, 6, 10)
    con = duckdb.connect(str(db), read_only=True)
    row = con.execute(
        "select handle_seconds, first_response_at, frt_s, answered from fct_cases "
        "where interaction_id = 'pwc:ID3'"
    ).fetchone()
    assert row == (None, None, None, False)
    assert con.execute("select count(*), count(csat) from fct_surveys").fetchone() == (3, 3)
    assert con.execute("select count(*) from quarantine").fetchone() == (10,)
    con.close()


# --- the real PwC file ---------------------------------------------------------------------
@pytest.fixture(scope="module")
def pwc_db(tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("pwc") / "w.duckdb"
    load_file("calls", str(REAL / "pwc_call_centre.csv"), db, Config())
    return db


def test_real_xlsx_equals_real_csv():
    a = parse_calls(REAL / "pwc_call_centre.csv", Config())
    b = parse_calls(REAL / "pwc_call_centre_original.xlsx", Config())
    assert a.rows_read == b.rows_read == 5000 and a.quarantine.empty and b.quarantine.empty
    for table in ("interactions", "surveys"):
        pd.testing.assert_frame_equal(a.tables[table], b.tables[table])


def test_real_file_against_independent_pandas(pwc_db):
    raw = pd.read_csv(REAL / "pwc_call_centre.csv")
    answered = raw["Answered (Y/N)"] == "Y"
    expected = {  # recomputed from the raw file, never from the loader
        "volume": float(len(raw)),
        "answered_rate": answered.mean(),
        "resolution_rate": (answered & (raw["Resolved"] == "Y")).mean(),
        "csat_mean": raw["Satisfaction rating"].mean(),  # blanks skipped, never 0
        "frt_median_s": raw.loc[answered, "Speed of answer in seconds"].median(),
        "ttr_median_s": (
            raw.loc[answered & (raw["Resolved"] == "Y"), "Speed of answer in seconds"]
            + pd.to_timedelta(raw["AvgTalkDuration"]).dt.total_seconds()
        ).median(),
    }
    assert (len(raw), int((~answered).sum())) == (5000, 946)  # README of the data
    out = CliRunner().invoke(
        main,
        [
            "scorecard",
            "--db",
            str(pwc_db),
            "--channel",
            "phone",
            "--kpi",
            ",".join(expected),
            "--format",
            "json",
        ],
    )
    assert out.exit_code == 0, out.output
    got = {r["kpi"]: r["value"] for r in json.loads(out.output)["rows"]}
    assert got == pytest.approx(expected, rel=1e-12)
    # golden (tests/golden/sources.md): 4054 / 5000, 3646 / 5000, 3.4035520473606313, 68 s
    assert (got["answered_rate"], got["resolution_rate"], got["frt_median_s"]) == (
        0.8108,
        0.7292,
        68.0,
    )


def test_real_file_keeps_blanks_null(pwc_db):
    con = duckdb.connect(str(pwc_db), read_only=True)
    row = con.execute("""
        select count(*) filter (where status = 'abandoned'),
               count(*) filter (where status = 'abandoned' and (handle_seconds is not null
                                or first_response_at is not null)),
               count(*) filter (where handle_seconds = 0),
               (select count(*) from surveys), (select min(csat) from surveys)
        from interactions""").fetchone()
    con.close()
    assert row == (946, 0, 0, 4054, 1.0)


def test_load_refuses_a_mostly_bad_file(tmp_path, calls_csv):
    with pytest.raises(SourceError, match="refused, 10 of 16 rows"):
        load_file(
            "calls", str(calls_csv), tmp_path / "w.duckdb", replace(LONDON, max_bad_share=0.05)
        )
