"""Likely day/month swaps in a date column are named at load (issue 18), without false alarms on
the real files of tests/data/real. Hand computation: tests/golden/mapping.md."""

from __future__ import annotations

import csv
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from cli import main
from etl.sources.date_damage import swapped_dates

ROOT = Path(__file__).parents[1]
REAL = ROOT / "tests" / "data" / "real"
COMPLAINTS = ROOT / "examples" / "mappings" / "complaints_log.toml"
HEADER = [
    "Ticket #",
    "Customer Complaint",
    "Date",
    "Date_month_year",
    "Time",
    "Received Via",
    "City",
    "State",
    "Zip code",
    "Status",
    "Filing on Behalf of Someone",
]
WARNING = (
    "column 'Date' + 'Time' (opened_at): 27 of 91 dates fall outside the busiest months "
    "(Apr 2015-Jun 2015) and 27 of them on a day <= 12 that is one of those months (days 4-6), "
    "as if day and month were swapped; if the file writes the month first, set [timestamps] "
    f"format in mapping {COMPLAINTS} to that order (it is '%d-%m-%y %I:%M:%S %p'), and if it "
    "mixes both orders, dates on days <= 12 cannot be trusted."
)


def complaints_log(path: Path, swapped: bool) -> Path:
    """One complaint at 10:00 AM each day from 1 Apr to 30 Jun 2015 (91 days); with `swapped`,
    days 1-12 are written month first (as a spreadsheet that read them month-first writes them)."""
    rows = []
    for i in range(91):
        d = date(2015, 4, 1) + timedelta(days=i)
        text = d.strftime("%m-%d-%y") if swapped and d.day <= 12 else d.strftime("%d-%m-%y")
        rows.append(
            [
                str(400000 + i),
                "Internet outage",
                text,
                d.strftime("%d-%b-%y"),
                "10:00:00 AM",
                "Internet",
                "Springfield",
                "Ohio",
                "43004",
                "Open",
                "No",
            ]
        )
    with open(path, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([HEADER, *rows])
    return path


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def test_a_log_with_some_dates_month_first_is_flagged(tmp_path):
    db = tmp_path / "w.duckdb"
    out = run(
        "load",
        "csv",
        str(complaints_log(tmp_path / "log.csv", swapped=True)),
        "--mapping",
        str(COMPLAINTS),
        "--db",
        str(db),
    )
    assert out.exit_code == 0, out.output
    assert out.output.splitlines()[1:] == ["  warning: " + WARNING]
    status = run("status", "--db", str(db))
    assert " ".join(WARNING.split()) in " ".join(status.output.split())  # wrapped at 100 columns


def test_the_same_log_written_day_first_throughout_is_not(tmp_path):
    out = run(
        "load",
        "csv",
        str(complaints_log(tmp_path / "log.csv", swapped=False)),
        "--mapping",
        str(COMPLAINTS),
        "--db",
        str(tmp_path / "w.duckdb"),
    )
    assert out.exit_code == 0 and "warning" not in out.output, out.output


MAPPINGS = {  # real files through mappings: every date column checked, none flagged
    "pwc_call_centre.csv": """[source]\nname = "pwcmap"\nkind = "interactions"
[columns]\n"Call Id" = "interaction_id"\n[combine]\nopened_at = ["Date", "Time"]
[constants]\nchannel = "phone"\n[timestamps]\nformat = "%Y-%m-%d %H:%M:%S"\n""",
    "customer_support_tickets.csv": """[source]\nname = "tix"\nkind = "interactions"
[columns]\n"Ticket ID" = "interaction_id"\n"Date of Purchase" = "opened_at"
"Ticket Channel" = "channel"\n[values.channel]\n"Social media" = "social"
[timestamps]\nformat = "%Y-%m-%d"\n""",
    "nps_verbatims.csv": """[source]\nname = "npsmap"\nkind = "surveys"
[columns]\n"CUSTOMER_RESPONSE_DATE" = "responded_at"\n"text" = "survey_id"
[timestamps]\nformat = "%d/%m/%Y %H:%M"\n""",
}


@pytest.mark.parametrize("name", sorted(MAPPINGS))
def test_no_false_alarm_on_real_files_through_mappings(tmp_path, name):
    mapping = tmp_path / "m.toml"
    mapping.write_text(MAPPINGS[name], encoding="utf-8")
    cfg = tmp_path / "c.toml"
    cfg.write_text("[sources]\nmax_bad_share = 0.2\n", encoding="utf-8")
    out = run(
        "load",
        "csv",
        str(REAL / name),
        "--mapping",
        str(mapping),
        "--db",
        str(tmp_path / "w.duckdb"),
        "--config",
        str(cfg),
    )
    assert out.exit_code == 0, out.output
    assert "warning" not in out.output


@pytest.mark.parametrize(
    "name, column, fmt",
    [
        ("pwc_call_centre.csv", "Date", "%Y-%m-%d"),
        ("customer_support_tickets.csv", "Date of Purchase", "%Y-%m-%d"),
        ("customer_support_tickets.csv", "First Response Time", "%Y-%m-%d %H:%M:%S"),
        ("customer_support_tickets.csv", "Time to Resolution", "%Y-%m-%d %H:%M:%S"),
        ("nps_verbatims.csv", "CUSTOMER_RESPONSE_DATE", "%d/%m/%Y %H:%M"),
        ("nps_verbatims.csv", "CUSTOMER_RESPONSE_DATE", "%m/%d/%Y %H:%M"),  # the wrong order too
        ("twcs_head_sample.csv", "created_at", "%a %b %d %H:%M:%S %z %Y"),
    ],
)
def test_no_false_alarm_on_real_date_columns(name, column, fmt):
    text = pd.read_csv(REAL / name, dtype=str, keep_default_na=False)[column]
    assert swapped_dates(pd.to_datetime(text, format=fmt, errors="coerce")) is None


def test_stray_dates_on_any_day_are_not_flagged():
    """Strays outside the busy months on days 1-28: only those on days 4-6 could fit, so the
    share that fits stays far below 90 %."""
    busy = [pd.Timestamp(2015, m, d) for m in (4, 5, 6) for d in range(1, 29)]
    strays = [pd.Timestamp(2015, m, d) for m in (1, 2, 8, 9) for d in (3, 9, 17, 25)]
    assert swapped_dates(pd.Series(busy + strays)) is None
    fitting = [pd.Timestamp(2015, m, d) for m in (1, 2, 8, 9) for d in (4, 5, 6)]
    found = swapped_dates(pd.Series(busy + fitting))
    assert (found.strays, found.fitting, found.days) == (12, 12, (4, 5, 6))
