"""sla.frt_clock works (issue 17 part 5): a mapped `created_at` (the case's creation in the source
tool) opens the case, the first customer message keeps its own time, and the two first-response
clocks differ where the data differs. Hand computation: tests/golden/mapping.md."""

from __future__ import annotations

import csv
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from etl.settings.config import Config
from scorecard.kpis.scoring import scorecard
from warehouse.db import connect_readonly
from warehouse.ingest import load_file

HELPDESK = """[source]
name = "desk"
kind = "interactions"
[columns]
"Ticket" = "interaction_id"
"First message" = "opened_at"
"Created" = "created_at"
"First reply" = "first_response_at"
[constants]
channel = "email"
brand = "ShopCo"
[timestamps]
format = "%Y-%m-%d %H:%M"
timezone = "UTC"
"""
HELPDESK_ROWS = [  # ticket, first customer message, created, first reply
    ["1", "2024-03-04 09:00", "2024-03-04 09:20", "2024-03-04 10:00"],  # 3600 s / 2400 s
    ["2", "2024-03-04 08:30", "2024-03-04 08:00", "2024-03-04 08:45"],  # 900 s / 2700 s
    ["3", "2024-03-04 12:00", "", "2024-03-04 12:10"],  # 600 s / 600 s
]

INBOX = """[source]
name = "inbox"
kind = "messages"
[columns]
"Msg" = "message_id"
"Conv" = "interaction_id"
"Role" = "author_role"
"At" = "sent_at"
"Text" = "text"
"Case created" = "created_at"
[constants]
channel = "social"
brand = "ShopCo"
[timestamps]
format = "%Y-%m-%d %H:%M"
"""
INBOX_ROWS = [  # msg, conversation, role, sent, text, case created
    ["m1", "c1", "customer", "2024-03-05 10:00", "my order is late", "2024-03-05 10:30"],
    ["m2", "c1", "agent", "2024-03-05 11:00", "sorry, checking now", "2024-03-05 10:30"],
    ["m3", "c2", "customer", "2024-03-05 14:00", "wrong size", ""],
    ["m4", "c2", "agent", "2024-03-05 14:20", "we can swap it", ""],
]


def write(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path


def loaded(tmp_path: Path) -> Path:
    db = tmp_path / "w.duckdb"
    (tmp_path / "desk.toml").write_text(HELPDESK, encoding="utf-8")
    (tmp_path / "inbox.toml").write_text(INBOX, encoding="utf-8")
    desk = write(
        tmp_path / "desk.csv", ["Ticket", "First message", "Created", "First reply"], HELPDESK_ROWS
    )
    inbox = write(
        tmp_path / "inbox.csv", ["Msg", "Conv", "Role", "At", "Text", "Case created"], INBOX_ROWS
    )
    for src, mapping in ((desk, "desk.toml"), (inbox, "inbox.toml")):
        r = load_file("csv", str(src), db, Config(), str(tmp_path / mapping))
        assert r.rows_quarantined == 0, r.summary()
    return db


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_created_at_opens_the_case_and_the_first_message_keeps_its_time(tmp_path):
    con = duckdb.connect(str(loaded(tmp_path)), read_only=True)
    got = con.execute(
        "select interaction_id, opened_at, first_customer_at, frt_s, frt_created_s "
        "from fct_cases order by 1"
    ).fetchall()
    con.close()
    assert got == [
        ("desk:1", utc(2024, 3, 4, 9, 20), utc(2024, 3, 4, 9), 3600.0, 2400.0),
        ("desk:2", utc(2024, 3, 4, 8), utc(2024, 3, 4, 8, 30), 900.0, 2700.0),
        ("desk:3", utc(2024, 3, 4, 12), utc(2024, 3, 4, 12), 600.0, 600.0),  # no creation time
        ("inbox:c1", utc(2024, 3, 5, 10, 30), utc(2024, 3, 5, 10), 3600.0, 1800.0),
        ("inbox:c2", utc(2024, 3, 5, 14), utc(2024, 3, 5, 14), 1200.0, 1200.0),
    ]


def test_the_two_clocks_give_different_medians_and_sla(tmp_path):
    db = loaded(tmp_path)
    con = connect_readonly(db)
    try:
        by_message = scorecard(con, Config(), kpi_ids=["frt_median_s", "sla_met_rate"])
        by_created = scorecard(
            con,
            replace(Config(), frt_clock="case_created", sla_first_response_s=2500.0),
            kpi_ids=["frt_median_s", "sla_met_rate"],
        )
        by_message_2500 = scorecard(
            con,
            replace(Config(), sla_first_response_s=2500.0),
            kpi_ids=["frt_median_s", "sla_met_rate"],
        )
    finally:
        con.close()
    # first customer message: 3600, 900, 600, 3600, 1200 -> sorted 600 900 1200 3600 3600
    assert by_message.value("frt_median_s").value == 1200.0
    # case creation: 2400, 2700, 600, 1800, 1200 -> sorted 600 1200 1800 2400 2700
    assert by_created.value("frt_median_s").value == 1800.0
    # SLA 2500 s: by message 900, 600, 1200 within = 3/5; by creation 2400, 600, 1800, 1200 = 4/5
    assert by_message_2500.value("sla_met_rate").value == 0.6
    assert by_created.value("sla_met_rate").value == 0.8
