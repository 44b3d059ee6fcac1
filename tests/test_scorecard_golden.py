"""Every KPI on the hand-built multichannel week against tests/golden/scorecard.md."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import pytest

from scorecard.kpis.catalogue import THIN_N, catalogue, kpi_by_id, status_of
from scorecard.kpis.data import kpi_frame, open_warehouse
from scorecard.kpis.scoring import scorecard
from tests.fixtures_multichannel import GOLDEN_CONFIG, build_multichannel, frames
from warehouse.build import build
from warehouse.db import snapshot_writer

WEEK = ("2024-03-04", "2024-03-10")

# kpi: (value, n, status) — each computed by hand in tests/golden/scorecard.md
GOLDEN = {
    "csat_score": (0.625, 8, "red"),
    "csat_mean": (3.5, 8, "amber"),
    "nps": (12.5, 8, "amber"),
    "recommend_rate": (0.625, 8, "green"),
    "sentiment_mean": (0.2 / 17, 17, "green"),
    "positive_share": (8 / 17, 17, "green"),
    "negative_share": (9 / 17, 17, "red"),
    "net_sentiment_weighted": (-3700 / 17, 17, "red"),
    "sentiment_recovery": (2.6 / 6, 6, "green"),
    "volume": (16, 16, "n/a"),
    "answered_rate": (14 / 16, 16, "red"),
    "frt_median_s": (300, 13, "green"),
    "frt_p90_s": (7200, 13, "green"),
    "frt_mean_s": (165065 / 13, 13, "red"),
    "frt_business_median_s": (90, 13, "green"),
    "sla_met_rate": (12 / 15, 15, "amber"),
    "resolution_rate": (0.5, 16, "red"),
    "ttr_median_s": (1350, 8, "green"),
    "fcr_rate": (6 / 16, 16, "red"),
    "reopen_rate": (1 / 16, 16, "amber"),
    "private_handoff_rate": (1 / 7, 7, "n/a"),
    "runaround_rate": (1 / 9, 9, "red"),
    "transfer_rate": (1 / 14, 14, "green"),
    "cost_total": (58.8, 16, "n/a"),
    "cost_per_interaction": (3.675, 16, "green"),
    "cost_per_resolution": (9.8, 6, "red"),  # resolutions once: S1, E1 come back (scorecard.md)
    "savings_vs_phone": (53.2, 16, "green"),
    "interactions_per_agent_hour": (14 / 13, 14, "red"),
    "agent_frt_spread": (1624.5 / 220.5, 2, "red"),
    "playbook_adherence": (0.5, 6, "red"),
}
# time KPIs: (median, p90, mean) of their measure
STATS = {
    "frt_median_s": (300, 7200, 165065 / 13),
    "frt_p90_s": (300, 7200, 165065 / 13),
    "frt_mean_s": (300, 7200, 165065 / 13),
    "frt_business_median_s": (90, 4680, 1145),
    "ttr_median_s": (1350, 56880, 21550),
}


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    db = build_multichannel(tmp_path_factory.mktemp("golden") / "w.duckdb")
    c = open_warehouse(db)
    yield c
    c.close()


@pytest.fixture(scope="module")
def week(con):
    return scorecard(con, GOLDEN_CONFIG, *WEEK)


# Issue 20's opportunity KPIs: the golden week's texts ("message N of X") name no competitor,
# purchase intent or stock-out, so it has none (hand-computed cases: tests/golden/opportunities.md)
NO_OPPORTUNITIES = {"opportunities": 0.0, "opportunity_capture_rate": None}


def test_golden_covers_the_whole_catalogue():
    assert set(GOLDEN) | set(NO_OPPORTUNITIES) == {k.id for k in catalogue()}
    assert set(STATS) == {k.id for k in catalogue() if k.unit == "seconds"}


@pytest.mark.parametrize("kpi", list(GOLDEN))
def test_every_kpi_equals_the_hand_computation(week, kpi):
    value, n, status = GOLDEN[kpi]
    got = week.value(kpi)
    assert got.value == pytest.approx(value, abs=1e-9), kpi
    # every value of the 16-case week is thin (n < 30): never red or green, n/a with the reason;
    # `status` is what the target would say at n >= THIN_N (tests/golden/scorecard.md)
    assert (got.n, got.status, got.thin) == (n, "n/a", True)
    assert got.reason == f"thin: n={n}, fewer than {THIN_N}"
    assert status_of(kpi_by_id(kpi), got.value, THIN_N, GOLDEN_CONFIG) == status


@pytest.mark.parametrize("kpi", list(NO_OPPORTUNITIES))
def test_the_golden_week_has_no_opportunities(week, kpi):
    got = week.value(kpi)
    assert (got.value, got.n, got.status) == (NO_OPPORTUNITIES[kpi], 0, "n/a")


@pytest.mark.parametrize("kpi", list(STATS))
def test_every_time_kpi_reports_median_p90_mean_and_n(week, kpi):
    got = week.value(kpi)
    assert [got.stat("median"), got.stat("p90"), got.stat("mean")] == pytest.approx(STATS[kpi])
    row = got.to_row()
    assert {"median", "p90", "mean", "n"} <= set(row)


def test_agent_spread_reports_the_agent_percentiles(week):
    got = week.value("agent_frt_spread")
    assert (got.stat("agent_p10_s"), got.stat("agent_p90_s")) == pytest.approx((220.5, 1624.5))


def test_thin_values_count_as_n_a_in_the_roll_up(week):
    # all thin: nothing is rated (weighted roll-ups on n >= 30: tests/test_scorecard_targets.py)
    scores = {p.perspective: (p.score, p.rated, p.kpis) for p in week.perspectives}
    assert scores == {
        "customer": (None, 0, 9),
        "internal": (None, 0, 11),
        "financial": (None, 0, 3),
        "learning": (None, 0, 4),
    }
    assert week.overall is None and week.rollups[0].slice == ()


def test_first_response_from_case_creation_differs_where_documented(con):
    cfg = replace(GOLDEN_CONFIG, frt_clock="case_created")
    res = scorecard(con, cfg, *WEEK)
    assert res.value("frt_median_s").value == 300
    assert res.value("frt_p90_s").value == pytest.approx(8640)
    assert status_of(kpi_by_id("frt_p90_s"), res.value("frt_p90_s").value, THIN_N, cfg) == "amber"
    assert res.value("frt_mean_s").value == pytest.approx(166865 / 13)
    assert res.value("sla_met_rate").value == pytest.approx(11 / 15)
    assert res.value("frt_business_median_s").value == 90
    assert res.value("agent_frt_spread").value == pytest.approx(1624.5 / 220.5)


def test_slices_by_brand_with_their_own_roll_up(con):
    res = scorecard(con, GOLDEN_CONFIG, *WEEK, by=["brand"], kpi_ids=["volume", "resolution_rate"])
    assert res.value("volume", brand="TelcoCo").value == 10
    assert res.value("resolution_rate", brand="TelcoCo").value == pytest.approx(0.3)
    assert res.value("volume", brand="ShopCo").value == 6
    assert res.value("resolution_rate", brand="ShopCo").value == pytest.approx(5 / 6)
    assert res.perspectives == () and res.overall is None
    shop = next(r for r in res.rollups if r.slice == (("brand", "ShopCo"),))
    assert shop.overall is None  # resolution 0.83 >= 0.70 but on 6 cases: thin, not green
    assert res.value("resolution_rate", brand="ShopCo").status == "n/a"


# [compare] baseline = "previous_period": the day before (same-weekday deltas: test_shortfall.py)
DAY_BEFORE = replace(GOLDEN_CONFIG, compare_baseline="previous_period")


def test_daily_deltas_reach_back_before_the_range(con):
    res = scorecard(con, DAY_BEFORE, "2024-03-05", "2024-03-10", grain="day", kpi_ids=["volume"])
    days = {v.period: (v.value, v.previous, v.delta) for v in res.kpis}
    assert days["2024-03-05"] == (2, 4, -2)
    assert days["2024-03-06"] == (3, 2, 1)
    assert [days[d][0] for d in sorted(days)] == [2, 3, 3, 2, 1, 1]


def test_weekly_grain_labels_the_monday(con):
    res = scorecard(con, GOLDEN_CONFIG, *WEEK, grain="week", kpi_ids=["volume", "frt_median_s"])
    assert [(v.period, v.kpi, v.value) for v in res.kpis] == [
        ("2024-03-04", "volume", 16),
        ("2024-03-04", "frt_median_s", 300),
    ]


def test_total_delta_against_the_window_before(con):
    res = scorecard(con, DAY_BEFORE, "2024-03-07", "2024-03-10", kpi_ids=["volume"])
    v = res.kpis[0]
    assert (v.value, v.previous, v.delta) == (7, 9, -2)


def test_filters_restrict_every_source(con):
    res = scorecard(
        con,
        GOLDEN_CONFIG,
        *WEEK,
        filters={"channel": ["email"]},
        kpi_ids=["volume", "recommend_rate", "sentiment_mean"],
    )
    got = {v.kpi: (v.value, v.n) for v in res.kpis}
    # e-mail: E1, E2; surveys sv7 (yes) and the unlinked sv8 (yes); messages -0.2 and +0.1
    assert got == {
        "volume": (2, 2),
        "recommend_rate": (1.0, 2),
        "sentiment_mean": (pytest.approx(-0.05), 2),
    }


# --- variant: phone calls without a customer id, and a case still waiting on Monday 11 ---------

W1 = {
    "interaction_id": "W1",
    "source": "fx",
    "channel": "email",
    "platform": "email",
    "brand": "TelcoCo",
    "customer_id": "X15",
    "agent_id": None,
    "issue_category": "billing",
    "opened_at": pd.Timestamp("2024-03-11 06:30", tz="UTC"),
    "first_customer_at": pd.Timestamp("2024-03-11 07:30", tz="UTC"),
    "first_response_at": pd.NaT,
    "resolved_at": pd.NaT,
    "last_activity_at": pd.NaT,
    "status": "unanswered",
    "handled_privately": False,
    "transfers": 0,
    "handle_seconds": None,
    "reopened": False,
    "dq_flags": None,
    "load_id": "fixture",
}


@pytest.fixture(scope="module")
def variant(tmp_path_factory):
    """The golden week with P1-P6 stripped of their customer id (as in the PwC export) and W1:
    an e-mail case created Mon 11 06:30 whose customer wrote at 07:30, still unanswered at the
    data's last activity (Mon 11 09:00)."""
    rows = frames()
    cases = rows["interactions"]
    cases.loc[cases["channel"] == "phone", "customer_id"] = None
    rows["interactions"] = pd.concat([cases, pd.DataFrame([W1])], ignore_index=True)
    db = tmp_path_factory.mktemp("variant") / "w.duckdb"
    with snapshot_writer(db) as w:
        for table, frame in rows.items():
            w.register("_rows", frame)
            cols = ", ".join(frame.columns)
            w.execute(f"insert into {table} ({cols}) select {cols} from _rows")
            w.unregister("_rows")
        build(w)
    c = open_warehouse(db)
    yield c
    c.close()


def _exact(con, config, kpi, start, end, by=()):
    """The KPI from its row-level SQL over fct_cases (no pre-aggregates), as {slice: (value, n)}."""
    f = kpi_frame(con, config, [kpi_by_id(kpi)], "total", list(by), start, end, {}, use_fast=False)
    return {
        tuple(r[d] for d in by): (None if pd.isna(r["value"]) else r["value"], r["n"])
        for r in f.to_dict("records")
    }


def test_fcr_leaves_out_cases_without_a_customer(variant):
    # S5, S7, E1 (its repeat contact P4 has no customer now), C1 of the 10 cases with a customer
    got = scorecard(variant, GOLDEN_CONFIG, *WEEK, kpi_ids=["fcr_rate", "resolution_rate"])
    assert (got.value("fcr_rate").value, got.value("fcr_rate").n) == (pytest.approx(0.4), 10)
    assert got.value("resolution_rate").value == 0.5  # the population of other KPIs is unchanged
    assert _exact(variant, GOLDEN_CONFIG, "fcr_rate", *WEEK) == {(): (pytest.approx(0.4), 10)}
    by = scorecard(variant, GOLDEN_CONFIG, *WEEK, by=["channel"], kpi_ids=["fcr_rate"])
    phone = by.value("fcr_rate", channel="phone")
    assert (phone.value, phone.n, phone.status) == (None, 0, "n/a")
    assert by.value("fcr_rate", channel="email").value == 0.5  # E1 yes, E2 open
    # resolutions once: S1 comes back in S7; E1's call P4 has no customer now, so E1 counts; the
    # calls without a customer count when resolved (P1, P3, P4) -> 7 of the 8 resolved
    cpr = scorecard(variant, GOLDEN_CONFIG, *WEEK, kpi_ids=["cost_per_resolution"]).value(
        "cost_per_resolution"
    )
    assert (cpr.value, cpr.n) == (pytest.approx(58.8 / 7), 7)


def test_sla_wait_is_measured_on_the_configured_clock(variant):
    span = ("2024-03-04", "2024-03-11")
    customer = scorecard(variant, GOLDEN_CONFIG, *span, kpi_ids=["sla_met_rate"]).value(
        "sla_met_rate"
    )
    # W1's customer wrote 1.5 h before the last activity: inside the SLA, not counted yet
    assert (customer.value, customer.n) == (pytest.approx(12 / 15), 15)
    created_cfg = replace(GOLDEN_CONFIG, frt_clock="case_created")
    created = scorecard(variant, created_cfg, *span, kpi_ids=["sla_met_rate"]).value("sla_met_rate")
    # created 2.5 h before it: missed, beside E1 (9 000 s from creation)
    assert (created.value, created.n) == (pytest.approx(11 / 16), 16)
    assert _exact(variant, created_cfg, "sla_met_rate", *span) == {(): (pytest.approx(11 / 16), 16)}
    assert _exact(variant, GOLDEN_CONFIG, "sla_met_rate", *span) == {
        (): (pytest.approx(12 / 15), 15)
    }
