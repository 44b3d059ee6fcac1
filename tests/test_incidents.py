"""Incidents, new activity and coverage gaps (scorecard/anomalies/incidents.py, scorecard/anomalies/coverage.py).

Hand-built flags for the grouping rules, hand-built warehouses for new activity and coverage
gaps, the demo data (sample_data/demo, whose manifest names the injected incidents) for the
acceptance, and the real TWCS sample. Provenance: tests/golden/incidents.md.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from cli import main
from etl.settings.config import Config
from scorecard.anomalies.coverage import coverage_of, gap_days, gaps_in
from scorecard.anomalies.data_anomalies import source_days
from scorecard.anomalies.find import coverage_gaps, find_anomalies
from scorecard.anomalies.incidents import (
    driver_of,
    echoes_of,
    grouped,
    incident_span,
    new_activity,
    severity_of,
)
from scorecard.anomalies.report import ECHO_KEYS, JSON_KEYS
from scorecard.kpis.data import open_warehouse
from tests.rc_fixtures import case, daily_rows, warehouse_from_rows

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "sample_data" / "demo"
COSTS = {"cost_total", "savings_vs_phone", "cost_per_interaction", "cost_per_resolution"}


def flag(kpi, slice_, day, z, window=1, observed=2.0, expected=1.0, n=50):
    return {
        "kpi": kpi,
        "slice": slice_,
        "date": day,
        "window": window,
        "observed": observed,
        "expected": expected,
        "z": z,
        "n": n,
    }


T_EMAIL, T_PHONE = {"brand": "T", "channel": "email"}, {"brand": "T", "channel": "phone"}


# --- grouping rules (hand-built flags) ----------------------------------------------------------


def test_one_event_across_sibling_slices_days_and_kpis_is_one_incident():
    # a billing defect: T's e-mail and phone volume up on days 21-23 (phone also resolution
    # down), seen again in brand T, channel phone and the whole business; a weekend in between
    flags = [
        flag("volume", T_EMAIL, "2024-02-21", 5.6),
        flag("volume", T_EMAIL, "2024-02-23", 3.6),
        flag("volume", T_PHONE, "2024-02-21", 5.0),
        flag("resolution_rate", T_PHONE, "2024-02-22", -4.9),
        flag("volume", T_PHONE, "2024-02-24", 4.0),
        flag("volume", T_PHONE, "2024-02-26", 7.5),  # Monday: 2 days after Saturday
        flag("volume", {"brand": "T"}, "2024-02-22", 6.0),
        flag("cost_total", {"brand": "T"}, "2024-02-22", 12.0),
        flag("fcr_rate", {"channel": "phone"}, "2024-02-22", -3.5),
        flag("sla_met_rate", {}, "2024-02-21", -3.9),
    ]
    groups = grouped(flags, COSTS)
    assert len(groups) == 1
    g = groups[0]
    assert g.slice == {"brand": "T"} and len(g.flags) == len(flags)  # merged under the parent
    d = driver_of(g, COSTS)
    assert (d["kpi"], d["z"]) == ("volume", 6.0)  # cost_total's 12.0 is volume again
    echoes = echoes_of(g, d, COSTS)
    assert echoes[-1].kpi == "cost_total"  # cost echoes last
    assert [(e.kpi, e.slice, e.days) for e in echoes if e.kpi == "volume"] == [
        ("volume", T_PHONE, 3),
        ("volume", T_EMAIL, 2),
    ]
    # hand-computed: distinct non-cost KPIs' strongest |z|: volume 7.5, resolution 4.9, fcr 3.5,
    # sla 3.9 -> sqrt(56.25 + 24.01 + 12.25 + 15.21) = sqrt(107.72) = 10.379
    assert severity_of(g.flags, COSTS) == pytest.approx(10.379, abs=1e-3)
    assert [d.date().isoformat() for d in incident_span(g.flags)] == ["2024-02-21", "2024-02-26"]


def test_echoes_as_strong_as_each_other_follow_their_names():
    """Two cost echoes of one volume jump whose z differ only in a sum's last digit (seen between
    two builds of the same data) come in the order of their KPI names, whichever is larger."""
    flags = [
        flag("volume", T_EMAIL, "2024-02-21", 5.6),
        flag("savings_vs_phone", T_EMAIL, "2024-02-21", 5.000000000000001),
        flag("cost_total", T_EMAIL, "2024-02-21", 5.0),
    ]
    g = grouped(flags, COSTS)[0]
    d = driver_of(g, COSTS)
    assert [e.kpi for e in echoes_of(g, d, COSTS)] == ["cost_total", "savings_vs_phone"]
    flags[1]["z"], flags[2]["z"] = 5.0, 5.000000000000001
    g = grouped(flags, COSTS)[0]
    assert [e.kpi for e in echoes_of(g, driver_of(g, COSTS), COSTS)] == [
        "cost_total",
        "savings_vs_phone",
    ]


def test_unrelated_flags_are_not_merged_through_a_coarse_slice():
    # the whole business flagged on a day both a T social outage and an unrelated A chat wobble
    # are flagged: not siblings (they differ in brand and channel), so two incidents
    flags = [
        flag("volume", {"brand": "T", "channel": "social"}, "2024-02-09", 9.9),
        flag("sla_met_rate", {"brand": "T", "channel": "social"}, "2024-02-09", -7.2),
        flag("sla_met_rate", {"brand": "A", "channel": "chat"}, "2024-02-09", -3.6),
        flag("sla_met_rate", {}, "2024-02-09", -4.0),
    ]
    groups = sorted(grouped(flags, COSTS), key=lambda g: -severity_of(g.flags, COSTS))
    assert [g.slice for g in groups] == [
        {"brand": "T", "channel": "social"},
        {"brand": "A", "channel": "chat"},
    ]
    assert {"slice": {}}.items() <= {
        "slice": groups[0].flags[-1]["slice"]
    }.items()  # 'all' joins the outage
    assert len(groups[0].flags) == 3 and len(groups[1].flags) == 1


def test_a_rolling_week_does_not_bridge_two_events():
    s = {"brand": "T", "channel": "social"}
    flags = [
        flag("runaround_rate", s, "2024-01-31", 10.1, window=7),
        flag("resolution_rate", s, "2024-02-02", -4.2, window=7),
        flag("volume", s, "2024-02-09", 9.9),
        flag("sla_met_rate", s, "2024-02-09", -6.4, window=7),
    ]  # 02-03..02-09: touches 02-02
    groups = grouped(flags, COSTS)
    assert sorted(len(g.flags) for g in groups) == [2, 2]
    outage = next(g for g in groups if any(f["kpi"] == "volume" for f in g.flags))
    # the week around the flagged day is its echo, not days of the event
    assert [d.date().isoformat() for d in incident_span(outage.flags)] == [
        "2024-02-09",
        "2024-02-09",
    ]
    runaround = next(g for g in groups if g is not outage)
    assert [d.date().isoformat() for d in incident_span(runaround.flags)] == [
        "2024-01-25",
        "2024-02-02",
    ]


def test_cost_flags_alone_are_no_incident():
    flags = [
        flag("cost_total", {"brand": "X"}, "2024-03-01", 158.0, expected=3.0),
        flag("savings_vs_phone", {"brand": "X"}, "2024-03-01", 158.0, expected=3.0),
    ]
    assert grouped(flags, COSTS) == []


def test_a_slice_without_history_is_new_activity():
    firsts = {("brand", "New"): "2024-03-20"}
    flags = [
        flag("volume", {"brand": "New"}, "2024-03-25", 20.0),  # 5 days after its first day
        flag("volume", {"brand": "New"}, "2024-04-10", 4.0),  # 21 days after: has a history
        flag("cost_total", {"brand": "Old"}, "2024-03-25", 158.0, expected=0.0),  # expected 0
        flag("volume", {"brand": "Old"}, "2024-03-26", 4.0),
    ]

    def first(f):
        return firsts.get(next(iter(f["slice"].items())), "2024-01-01")

    kept, new = new_activity(flags, first, "2024-01-01")
    assert kept == [flags[1], flags[3]]
    assert [(a.slice, a.first_day, a.kpis) for a in new] == [
        ({"brand": "New"}, "2024-03-20", ("volume",)),
        ({"brand": "Old"}, "2024-03-25", ("cost_total",)),
    ]
    # a slice whose data starts with the range is not new: the range simply starts there
    kept, new = new_activity(flags[:1], lambda f: "2024-03-20", "2024-03-20")
    assert kept == flags[:1] and new == []


# --- coverage gaps -----------------------------------------------------------------------------


def test_gap_days_are_open_days_without_rows_not_closed_sundays_or_quiet_days():
    days = pd.date_range("2024-01-01", periods=28, freq="D")  # Monday first
    counts = np.where(days.day_of_week == 6, 0.0, 30.0)  # closed on Sundays
    counts[9] = 0.0  # Wednesday 2024-01-10: nothing at all
    assert list(np.flatnonzero(gap_days(days, counts))) == [9]
    thin = np.where(np.arange(28) % 3 == 0, 0.0, 2.0)  # a source of ~2 rows a day: zeros are noise
    assert not gap_days(days, thin).any()
    frame = pd.DataFrame(
        {"source": "pwc", "day": [d.date().isoformat() for d in days], "n": counts}
    ).query("n > 0")
    gaps = gaps_in(frame, "2024-01-01", "2024-01-28")
    assert [(g.source, g.start, g.end, g.days, g.typical_rows) for g in gaps] == [
        ("pwc", "2024-01-10", "2024-01-10", 1, 30.0)
    ]
    assert "coverage gap, not a drop" in gaps[0].summary()


@pytest.fixture(scope="module")
def gap_db(tmp_path_factory):
    """daily_rows (60 days, ~100 cases a day, no spike) with every phone case (the 'phone'
    source) of 2024-02-14 and 02-15 removed, as an export that missed two days would."""
    rows = daily_rows(spike_day=None)
    rows = [dict(r, source="phone") if r["channel"] == "phone" else r for r in rows]
    rows = [
        r
        for r in rows
        if not (
            r["channel"] == "phone"
            and r["opened_at"].date().isoformat() in ("2024-02-14", "2024-02-15")
        )
    ]
    return warehouse_from_rows(tmp_path_factory.mktemp("gap") / "w.duckdb", rows)


def test_a_source_missing_two_days_is_a_coverage_gap_not_a_drop(gap_db):
    con = open_warehouse(gap_db)
    result = find_anomalies(con, Config())
    gaps = coverage_gaps(con, Config())
    con.close()
    assert [(g.source, g.start, g.end, g.days) for g in gaps] == [
        ("phone", "2024-02-14", "2024-02-15", 2)
    ]
    assert [g.to_json()["source"] for g in result.coverage_gaps] == ["phone"]
    hit = [
        a
        for a in result.anomalies
        if a.date in ("2024-02-14", "2024-02-15")
        or (a.window > 1 and "2024-02-14" <= a.date <= "2024-02-21")
    ]
    assert hit == [], [a.summary for a in hit]  # no drop on (or week over) the missing days
    assert "Coverage gaps" in result.table()


# --- the demo: each injected incident once, at the top, echoes under it ----------------------


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    from tests.rc_fixtures import load_generated

    db = load_generated(DEMO, tmp_path_factory.mktemp("demo") / "w.duckdb", Config())
    con = open_warehouse(db)
    yield find_anomalies(con, Config()), json.loads((DEMO / "manifest.json").read_text()), db
    con.close()


def _matches(incident, row) -> bool:
    """Does an incident cover a manifest row: its days overlap the row's, its flags (driver and
    echoes) stay inside the row's brand and channel (or coarser), and one of them is a KPI the
    row moves, in its direction?"""
    if incident.end < row["start"] or incident.start > row["end"]:
        return False
    where = {"brand": row["brand"], "channel": row["channel"]}
    moves = {(incident.kpi, incident.direction)} | {
        (e.kpi, "up" if e.z > 0 else "down") for e in incident.echoes
    }
    inside = all(where.get(k) == v for k, v in incident.slice.items())
    return inside and bool(moves & set(row["kpis"].items()))


def test_each_injected_incident_appears_once_at_the_top_with_its_echoes(demo):
    result, manifest, _ = demo
    found = {}
    for k, row in enumerate(manifest["incidents"]):
        hits = [i for i in result.incidents if _matches(i, row)]
        assert len(hits) == 1, (row["kind"], row["channel"], [(i.id, i.slice, i.kpi) for i in hits])
        found[k] = hits[0]
        # the row's KPI movements are the driver's or an echo's, in the row's slice or coarser
        got = {(hits[0].kpi, hits[0].direction)} | {
            (e.kpi, "up" if e.z > 0 else "down") for e in hits[0].echoes
        }
        assert set(row["kpis"].items()) & got
    ids = {i.id for i in found.values()}
    # the billing defect on e-mail and on phone is one event of TelcoCo: 4 incidents for 5 rows
    assert len(ids) == 4 and found[2].id == found[3].id and found[2].slice == {"brand": "TelcoCo"}
    assert {i.id for i in result.incidents[: len(ids)]} == ids  # at the top by severity
    severities = [i.severity for i in result.incidents]
    assert severities == sorted(severities, reverse=True)
    # echoes are listed under their incident, never as incidents of their own
    flat = [(e.kpi, tuple(e.slice.items()), e.date) for i in result.incidents for e in i.echoes]
    assert len(flat) == len(set(flat))
    assert found[0].attribution[0] == {
        "dimension": "agent",
        "segment": "DW",
        "share": found[0].attribution[0]["share"],
    }
    assert found[1].attribution[0]["segment"] == "outage"
    assert found[2].attribution[0]["segment"] == "billing"


def test_no_incident_expects_zero_and_attributions_stay_within_100_percent(demo):
    result, _, _ = demo
    assert result.incidents
    for i in result.incidents:
        assert i.expected != 0 and all(e.expected != 0 for e in i.echoes)
        assert all(0 <= a["share"] <= 1 for a in i.attribution), i.attribution
        assert i.kpi not in COSTS  # a cost KPI is never the driver


def test_examples_come_from_the_attributed_segment(demo):
    result, _, db = demo
    con = open_warehouse(db)
    for i in result.incidents[:4]:
        top = i.attribution[0]
        column = {
            "category": "issue_category",
            "agent": "agent_id",
            "brand": "brand",
            "channel": "channel",
        }.get(top["dimension"])
        if column is None or not i.examples:
            continue
        ids = [e["interaction_id"] for e in i.examples]
        got = con.execute(
            f"select distinct coalesce({column}, '(none)') from fct_cases "
            "where interaction_id in (select unnest($ids))",
            {"ids": ids},
        ).fetchall()
        assert got == [(top["segment"],)], (i.id, top, got)
    con.close()


def test_json_contract_and_table_at_100_columns(demo):
    result, _, db = demo
    out = result.to_json()
    assert list(out)[:5] == ["incidents", "new_activity", "coverage_gaps", "thin", "thresholds"]
    row = out["incidents"][0]
    assert set(JSON_KEYS) <= set(row) and row["id"] == "i1"
    assert all(set(ECHO_KEYS) <= set(e) for e in row["echoes"]) and row["echoes"]
    json.dumps(out)
    table = result.table()
    assert max(len(line) for line in table.splitlines()) <= 100
    assert table.splitlines()[0].startswith("i1  severity ")
    assert any(line.startswith("    ") for line in table.splitlines())  # echoes indented
    r = CliRunner().invoke(main, ["anomalies", "--format", "json", "--db", str(db)])
    assert r.exit_code == 0
    assert [i["id"] for i in json.loads(r.stdout)["incidents"]] == [i.id for i in result.incidents]


# --- collection windows: new activity, not a z of 158 ------------------------------------------


@pytest.fixture(scope="module")
def window_db(tmp_path_factory):
    """daily_rows (60 days, brands TelcoCo and AirCo) plus a brand 'NewCo' that appears on the
    last 5 days with 40 social cases a day, as a brand does when the export's collection window
    starts late for it."""
    rows = daily_rows(spike_day=None)
    start = datetime(2024, 1, 1) + timedelta(days=55)
    for d in range(5):
        for k in range(40):
            rows.append(
                case(
                    f"new{d}-{k}",
                    start + timedelta(days=d, hours=9, minutes=10 * k),
                    "social",
                    k % 2 == 0,
                    600.0,
                    brand="NewCo",
                    agent="N1",
                )
            )
    return warehouse_from_rows(tmp_path_factory.mktemp("window") / "w.duckdb", rows)


def test_a_brand_new_in_the_collection_window_is_new_activity(window_db):
    con = open_warehouse(window_db)
    result = find_anomalies(con, Config())
    con.close()
    assert all(i.expected != 0 for i in result.incidents)
    assert not [a for a in result.anomalies if a.slice.get("brand") == "NewCo"]
    new = [a for a in result.new_activity if a.slice.get("brand") == "NewCo"]
    assert new and new[0].first_day == "2024-02-25"
    assert "New activity" in result.table()


def test_real_twitter_collection_window_has_no_incident_expecting_zero(twcs_db):
    # the real 121-tweet sample: a few cases a day from 2017-10-23, most of them on 10-31
    con = open_warehouse(twcs_db)
    result = find_anomalies(con, Config(), sensitivity=2.0)
    days = con.execute("select min(opened_at)::date, count(*) from fct_cases").fetchone()
    cov = coverage_of(
        source_days(con, Config(), result.start, result.end), result.start, result.end
    )
    con.close()
    assert (result.start, result.end) == ("2017-10-23", "2017-10-31")
    assert all(i.expected != 0 for i in result.incidents)
    # one stray root on 10-23 (ChipotleTweets' case 156), 33 cases on 10-31, nothing between:
    # the export's collection window, reported as a coverage gap (typical day: median of 1, 33)
    assert [(g.source, g.start, g.end, g.days, g.typical_rows) for g in result.coverage_gaps] == [
        ("twcs", "2017-10-24", "2017-10-30", 7, 17.0)
    ]
    # sprintcare's three cases all open on 10-31 (tests/golden/README.md): a young slice
    assert cov.first_day({"brand": "sprintcare"}, False) == "2017-10-31"
    assert cov.first_day({"brand": "ChipotleTweets"}, False) == "2017-10-23"
    assert days[1] == 34


def test_health_page_lists_coverage_gaps(gap_db, twcs_db):
    from tests.browser import serving, texts_of

    with serving(gap_db):
        from pages import health as page

        assert texts_of(page.gaps_card("/health")) == [
            coverage_gaps(open_warehouse(gap_db), Config())[0].summary()
        ]
    with serving(twcs_db):
        from pages import health as page

        assert texts_of(page.gaps_card("/health"))[0].startswith(
            "source twcs: no rows on 2017-10-24..2017-10-30 (7 days; typically 17 a day)"
        )


@pytest.fixture(scope="module")
def swapped_db(tmp_path_factory):
    """A complaints log (one source, e-mail, brand B) whose real dates span 2024-04-01..06-30
    (30 cases a day), plus the rows whose day and month were swapped at export: they land on
    days 4-6 of the other months (12 a day), as in the real log the issue describes."""
    rng = np.random.default_rng(5)
    rows, k = [], 0
    days = list(pd.date_range("2024-04-01", "2024-06-30", freq="D"))
    days += [pd.Timestamp(2024, m, d) for m in (1, 2, 3, 7, 8, 9, 10, 11, 12) for d in (4, 5, 6)]
    for day in days:
        for _ in range(30 if 4 <= day.month <= 6 else 12):
            opened = day.to_pydatetime() + timedelta(seconds=int(rng.integers(8 * 3600, 18 * 3600)))
            rows.append(
                case(
                    f"s{k}",
                    opened,
                    "email",
                    bool(rng.random() < 0.6),
                    3600.0,
                    brand="B",
                    category=str(rng.choice(["billing", "delivery"])),
                    agent=None,
                    source="complaints",
                )
            )
            k += 1
    return warehouse_from_rows(tmp_path_factory.mktemp("swapped") / "w.duckdb", rows)


def test_day_month_swapped_dates_are_coverage_gaps_not_spikes(swapped_db):
    con = open_warehouse(swapped_db)
    result = find_anomalies(con, Config())
    con.close()
    assert (result.start, result.end) == ("2024-01-04", "2024-12-06")
    stray = {f"2024-{m:02d}-0{d}" for m in (1, 2, 3, 7, 8, 9, 10, 11, 12) for d in (4, 5, 6)}
    hits = [
        a
        for a in result.anomalies
        if a.date in stray or a.window > 1 and a.date[:7] not in ("2024-04", "2024-05", "2024-06")
    ]
    assert hits == [], [a.summary for a in hits]
    gaps = [(g.start, g.end) for g in result.coverage_gaps]
    # every empty day between the stray ones, e.g. 01-07..02-03, and none inside April-June
    assert ("2024-01-07", "2024-02-03") in gaps and ("2024-07-01", "2024-07-03") in gaps
    assert not any("2024-04-01" <= a <= "2024-06-30" for a, _ in gaps)
    assert all(g.source == "complaints" for g in result.coverage_gaps)
