"""The anomaly results objects: JSON (window, n, examples, thin), the table and its footer, and
example messages of a real anomaly (hand-built values: tests/golden/rootcause.md)."""

from __future__ import annotations

import json

import pytest

from etl.config import Config
from scorecard.anomalies import find_anomalies
from scorecard.anomaly_report import JSON_KEYS, TABLE_COLUMNS, Anomaly, AnomalyResult
from scorecard.anomaly_scan import ThinSlice
from scorecard.data import open_warehouse
from tests.rc_fixtures import daily_rows, message, warehouse_from_rows

HOURS = [{"dimension": "hour", "segment": "8-13", "share": 0.74}]
FOUR = (
    Anomaly("2024-02-21", "cost_total", {"channel": "email"}, 120.0, 38.95, 6.7, "up", HOURS, "", 40),
    Anomaly("2024-02-21", "volume", {"channel": "email"}, 32.0, 12.0, 4.5, "up", HOURS, "", 32),
    Anomaly("2024-02-27", "resolution_rate", {"brand": "TelcoCo", "channel": "phone"}, 0.34, 0.68,
            -6.2, "down", [{"dimension": "category", "segment": "billing", "share": 1.12}], "", 55, 7),
    Anomaly("2024-03-29", "volume", {"brand": "AirCo", "channel": "email"}, 4.7, 2.9, 3.4, "up", [],
            "", 33, 7),
)
THIN = (ThinSlice("nps", {"brand": "AirCo"}, 0, 1.0), ThinSlice("agent_frt_spread", {}, 2, 11.0))


def test_table_groups_one_events_kpis_and_shows_units_and_windows():
    table = AnomalyResult("2024-01-01", "2024-03-31", 3.5, FOUR).table_frame()
    assert table.columns.tolist() == TABLE_COLUMNS
    assert table.to_dict("records") == [
        {"date": "2024-02-21", "window": "day", "kpi": "cost_total", "slice": "channel=email",
         "observed": "120.00", "expected": "38.95", "z": "+6.7", "attribution": "hour=8-13 (74 %)"},
        {"date": "", "window": "", "kpi": "volume", "slice": "",  # the same event, echoed
         "observed": "32", "expected": "12", "z": "+4.5", "attribution": "hour=8-13 (74 %)"},
        {"date": "2024-02-27", "window": "7 days", "kpi": "resolution_rate",
         "slice": "brand=TelcoCo, channel=phone", "observed": "34 %", "expected": "68 %",
         "z": "-6.2", "attribution": "category=billing (112 %)"},
        {"date": "2024-03-29", "window": "7 days", "kpi": "volume", "slice": "brand=AirCo, channel=email",
         "observed": "4.7 /day", "expected": "2.9 /day", "z": "+3.4", "attribution": ""}]


def test_footer_states_both_thresholds_and_the_thin_series():
    result = AnomalyResult("2024-01-01", "2024-03-31", 3.5, FOUR, THIN, 120, 9000, 1)
    footer = result.footer().splitlines()
    # weekly_threshold(3.5) = isf(7 x sf(3.5)) = isf(7 x 2.3263e-4 = 1.6284e-3) = 2.9424
    assert result.weekly_threshold == pytest.approx(2.9424, abs=1e-4)
    assert footer[0] == ("4 anomalies in 120 series (9000 series-days tested), 2024-01-01..2024-03-31: "
                         "a day is flagged at |z| >= 3.5 (--sensitivity), a rolling week (7 days, for "
                         "series too thin to test day by day) at |z| >= 2.94 (the false-alarm chance "
                         "of its 7 daily tests); the rolling weeks of a share also tested day by day "
                         "at |z| >= 4.5.")
    assert footer[1] == "The last 1 day is not tested for outcome KPIs: their cases have not settled yet."
    assert footer[2].startswith("2 thin series flagged, not tested")
    assert result.table().splitlines()[0].split() == TABLE_COLUMNS  # left-aligned text table
    assert AnomalyResult(None, None, 3.5, ()).table() == "No anomalies."


def test_json_adds_window_n_examples_and_the_thin_list():
    out = AnomalyResult("2024-01-01", "2024-03-31", 3.0, FOUR, THIN).to_json()
    assert list(out)[:2] == ["anomalies", "thin"] and json.dumps(out)
    first = out["anomalies"][0]
    assert tuple(first) == JSON_KEYS and (first["window"], first["n"], first["examples"]) == (1, 40, [])
    assert out["anomalies"][2]["window"] == 7
    # isf(7 x sf(3.0)) = isf(7 x 1.3499e-3 = 9.4492e-3) = 2.3475
    assert out["thresholds"] == {"daily": 3.0, "rolling_week": 2.35, "rolling_week_of_daily_series": 4.0}
    assert out["thin"][0] == {"kpi": "nps", "slice": {"brand": "AirCo"}, "usable_days": 0, "median_n": 1.0,
                              "reason": "0 days with n >= 20 answers (day-by-day tests need 14) and no "
                                        "rolling week with a baseline (median 1 answers a day)."}
    assert out["thin"][1]["reason"] == ("2 days with n >= 20 agents, and a spread across agents is "
                                        "tested day by day only.")


@pytest.fixture(scope="module")
def outage_db(tmp_path_factory):
    """daily_rows' TelcoCo social outage (80 extra cases on 2024-02-10) with customer messages:
    every outage case says 'No signal since this morning, is there an outage?', every tenth
    other social case 'question about my bill'."""
    rows = daily_rows()
    msgs = []
    for i, r in enumerate(r for r in rows if r["channel"] == "social"):
        text = ("No signal since this morning, is there an outage?" if r["issue_category"] == "outage"
                else "question about my bill" if i % 10 == 0 else None)
        if text:
            at = r["opened_at"].tz_localize(None).to_pydatetime()
            msgs.append(message(f"m{i}", r["interaction_id"], 1, "customer", at, text, None))
    return warehouse_from_rows(tmp_path_factory.mktemp("outage") / "w.duckdb", rows, msgs)


def test_an_anomaly_carries_up_to_three_example_messages(outage_db):
    con = open_warehouse(outage_db)
    result = find_anomalies(con, Config(), kpi_ids=["volume"])
    con.close()
    spike = next(a for a in result.anomalies if a.date == "2024-02-10"
                 and a.slice == {"brand": "TelcoCo", "channel": "social"})
    assert (spike.window, spike.direction) == (1, "up") and spike.n > 80
    assert len(spike.examples) == 3 and len({e["interaction_id"] for e in spike.examples}) == 3
    for e in spike.examples:  # the top terms ('outage', 'signal', ...) pick outage messages
        assert e["text"] == "No signal since this morning, is there an outage?"
        assert e["sent_at"].startswith("2024-02-10T")
    assert spike.to_json()["examples"] == spike.examples and "top terms: " in spike.summary
    frame = result.to_frame()
    row = frame[(frame["date"] == "2024-02-10") & (frame["slice"] == "brand=TelcoCo, channel=social")]
    assert row["examples"].iloc[0].split("\n") == [e["text"] for e in spike.examples]
