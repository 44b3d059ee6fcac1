"""The anomaly results objects: incidents with echoes in JSON and in a 100-column table, the
footer, and example messages of a real incident (hand-built values: tests/golden/incidents.md)."""

from __future__ import annotations

import json

import pytest

from etl.settings.config import Config
from scorecard.anomalies.coverage import CoverageGap
from scorecard.anomalies.find import find_anomalies
from scorecard.anomalies.incidents import Echo, Incident, NewActivity
from scorecard.anomalies.report import ECHO_KEYS, JSON_KEYS, AnomalyResult
from scorecard.anomalies.scan import ThinSlice
from scorecard.kpis.data import open_warehouse
from tests.rc_fixtures import daily_rows, message, warehouse_from_rows

HOURS = [{"dimension": "hour", "segment": "8-13", "share": 0.74}]
BILLING = Incident(
    "i1",
    "2024-02-21",
    "2024-02-27",
    "volume",
    {"channel": "email"},
    "up",
    7.21,
    32.0,
    12.0,
    4.5,
    "2024-02-21",
    1,
    32,
    "Cases on e-mail rose from 12 to 32 on 2024-02-21.",
    HOURS,
    [{"interaction_id": "t:1", "sent_at": "2024-02-21T09:00:00", "text": "my bill is wrong"}],
    (
        Echo(
            "resolution_rate",
            {"brand": "TelcoCo", "channel": "phone"},
            0.34,
            0.68,
            -5.64,
            "2024-02-27",
            7,
            2,
        ),
        Echo(
            "frt_median_s", {"channel": "email"}, 0.71, 0.5, 3.9, "2024-02-25", 7, 1, "share_above"
        ),
        Echo("cost_total", {"channel": "email"}, 120.0, 38.95, 6.7, "2024-02-21", 1, 1),
    ),
)
LONE = Incident(
    "i2",
    "2024-03-23",
    "2024-03-29",
    "volume",
    {"brand": "AirCo", "channel": "email"},
    "up",
    3.4,
    4.7,
    2.9,
    3.4,
    "2024-03-29",
    7,
    33,
    "Cases on e-mail for AirCo rose.",
)
THIN = (ThinSlice("nps", {"brand": "AirCo"}, 0, 1.0), ThinSlice("agent_frt_spread", {}, 2, 11.0))
NEW = (NewActivity({"brand": "NewCo"}, "2024-03-25", ("volume",), "2024-03-27"),)
GAP = (CoverageGap("pwc", "2024-02-14", "2024-02-15", 2, 61.0),)


def test_table_shows_incidents_with_their_echoes_indented_in_units():
    table = AnomalyResult(
        "2024-01-01", "2024-03-31", 3.5, (BILLING, LONE), new_activity=NEW, coverage_gaps=GAP
    ).table()
    assert table.splitlines() == [
        "i1  severity 7.2  2024-02-21..2024-02-27  channel=email",
        "  Cases on e-mail rose from 12 to 32 on 2024-02-21.",
        "  attribution: hour=8-13 (74 %)",
        "    resolution_rate [brand=TelcoCo, channel=phone] 34 % vs 68 %, z -5.6 (week to 2024-02-27, 2",
        "      flags)",
        "    frt_median_s [channel=email] 71 % vs 50 % of cases above its usual level, z +3.9 (week to",
        "      2024-02-25)",
        "    cost_total [channel=email] 120.00 vs 38.95, z +6.7 (2024-02-21)",
        "  e.g. \u201cmy bill is wrong\u201d",
        "",
        "i2  severity 3.4  2024-03-23..2024-03-29  brand=AirCo, channel=email",
        "  Cases on e-mail for AirCo rose.",
        "",
        "New activity (no history before, not tested):",
        "  brand=NewCo: activity from 2024-03-25 with no rows in the weeks before (no baseline to test",
        "    against); 1 KPI(s) moved from nothing.",
        "Coverage gaps (no rows at all; not counted as drops):",
        "  source pwc: no rows on 2024-02-14..2024-02-15 (2 days; typically 61 a day): a coverage gap, not a",
        "    drop.",
    ]
    assert max(len(line) for line in table.splitlines()) <= 100
    assert AnomalyResult(None, None, 3.5).table() == "No incidents."


def test_footer_states_the_thresholds_severity_and_the_thin_series():
    result = AnomalyResult(
        "2024-01-01", "2024-03-31", 3.5, (BILLING, LONE), THIN, 120, 9000, 1, cost_only=2
    )
    footer = result.footer()
    # weekly_threshold(3.5) = isf(7 x sf(3.5)) = isf(7 x 2.3263e-4 = 1.6284e-3) = 2.9424
    assert result.weekly_threshold == pytest.approx(2.9424, abs=1e-4)
    flat = " ".join(footer.split())
    assert flat.startswith(
        "2 incidents (5 KPI-slice flags) in 120 series (9000 series-days "
        "tested), 2024-01-01..2024-03-31; severity = root sum of squares"
    )
    assert "a rolling week (7 days, for series too thin to test day by day) at |z| >= 2.94" in flat
    assert "The last 1 day is not tested for outcome KPIs" in flat
    assert "2 flags of cost KPIs alone" in flat and "2 thin series flagged, not tested" in flat
    assert max(len(line) for line in footer.splitlines()) <= 100


def test_json_is_incidents_with_echoes_then_new_activity_gaps_thin_thresholds():
    out = AnomalyResult(
        "2024-01-01", "2024-03-31", 3.0, (BILLING, LONE), THIN, new_activity=NEW, coverage_gaps=GAP
    ).to_json()
    assert list(out) == [
        "incidents",
        "new_activity",
        "coverage_gaps",
        "thin",
        "thresholds",
        "from",
        "to",
    ]
    assert json.dumps(out)
    first = out["incidents"][0]
    assert tuple(first)[: len(JSON_KEYS)] == JSON_KEYS
    assert (first["id"], first["severity"], first["window"], first["n"]) == ("i1", 7.21, 1, 32)
    assert [tuple(e)[: len(ECHO_KEYS)] for e in first["echoes"]] == [ECHO_KEYS] * 3
    assert first["echoes"][1]["measure"] == "share_above"
    assert out["new_activity"][0]["first_day"] == "2024-03-25"
    assert out["coverage_gaps"][0] == {
        "source": "pwc",
        "start": "2024-02-14",
        "end": "2024-02-15",
        "days": 2,
        "typical_rows": 61.0,
        "summary": GAP[0].summary(),
    }
    # isf(7 x sf(3.0)) = isf(7 x 1.3499e-3 = 9.4492e-3) = 2.3475
    assert out["thresholds"] == {
        "daily": 3.0,
        "rolling_week": 2.35,
        "rolling_week_of_daily_series": 4.0,
    }
    assert out["thin"][0] == {
        "kpi": "nps",
        "slice": {"brand": "AirCo"},
        "usable_days": 0,
        "median_n": 1.0,
        "reason": "0 days with n >= 20 answers (day-by-day tests need 14) and no "
        "rolling week with a baseline (median 1 answers a day).",
    }
    assert out["thin"][1]["reason"] == (
        "2 days with n >= 20 agents, and a spread across agents is tested day by day only."
    )


def test_flat_anomalies_are_each_incidents_driver_then_echoes():
    result = AnomalyResult("2024-01-01", "2024-03-31", 3.5, (BILLING, LONE))
    flat = result.anomalies
    assert [(a.kpi, a.date, a.window) for a in flat] == [
        ("volume", "2024-02-21", 1),
        ("resolution_rate", "2024-02-27", 7),
        ("frt_median_s", "2024-02-25", 7),
        ("cost_total", "2024-02-21", 1),
        ("volume", "2024-03-29", 7),
    ]
    assert flat[1].attribution == HOURS and flat[1].direction == "down"
    assert result.to_frame()["echoes"].tolist() == [3, 0]
    assert len(result.echo_frame()) == 3


@pytest.fixture(scope="module")
def outage_db(tmp_path_factory):
    """daily_rows' TelcoCo social outage (80 extra cases on 2024-02-10) with customer messages:
    every outage case says 'No signal since this morning, is there an outage?', every tenth
    other social case 'question about my bill'."""
    rows = daily_rows()
    msgs = []
    for i, r in enumerate(r for r in rows if r["channel"] == "social"):
        text = (
            "No signal since this morning, is there an outage?"
            if r["issue_category"] == "outage"
            else "question about my bill"
            if i % 10 == 0
            else None
        )
        if text:
            at = r["opened_at"].tz_localize(None).to_pydatetime()
            msgs.append(message(f"m{i}", r["interaction_id"], 1, "customer", at, text, None))
    return warehouse_from_rows(tmp_path_factory.mktemp("outage") / "w.duckdb", rows, msgs)


def test_an_incident_carries_up_to_three_example_messages(outage_db):
    con = open_warehouse(outage_db)
    result = find_anomalies(con, Config(), kpi_ids=["volume"])
    con.close()
    spike = result.incidents[0]
    assert (spike.date, spike.slice) == ("2024-02-10", {"brand": "TelcoCo", "channel": "social"})
    assert (spike.window, spike.direction) == (1, "up") and spike.n > 80
    assert spike.attribution[0]["segment"] == "outage"
    assert len(spike.examples) == 3 and len({e["interaction_id"] for e in spike.examples}) == 3
    for e in spike.examples:  # drawn from the attributed segment: outage cases only
        assert e["text"] == "No signal since this morning, is there an outage?"
        assert e["sent_at"].startswith("2024-02-10T")
    assert spike.to_json()["examples"] == spike.examples and "top terms: " in spike.summary
    assert result.to_frame()["examples"].iloc[0].split("\n") == [e["text"] for e in spike.examples]
