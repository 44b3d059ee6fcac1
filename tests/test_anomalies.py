"""Anomaly detection: the baseline model, volume awareness, attribution, JSON and CLI contracts.

Synthetic data (tests/rc_fixtures.py:daily_rows): two brands x social/phone, ~25-30 cases per
slice and day for 60 days; the 'spike' variant adds, on 2024-02-10, 80 TelcoCo social outage
cases answered ~6x slower and resolved 10 % of the time (vs 60 %).
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from cli import main
from etl.settings.config import Config
from scorecard.anomalies.baseline import midmean, seasonal_baseline
from scorecard.anomalies.baseline_weekly import outlier_runs, rolling_baseline
from scorecard.anomalies.find import (
    HOUR_BAND_MAX,
    JSON_KEYS,
    MIN_DAYS,
    attribution_of,
    daily_baseline,
    find_anomalies,
    kind_of,
    most_specific,
)  # fmt: skip
from scorecard.anomalies.scan import _without_echoes, unsettled
from scorecard.kpis.catalogue import catalogue, kpi_by_id
from scorecard.kpis.data import open_warehouse
from tests.rc_fixtures import daily_rows, warehouse_from_rows

SPIKE = "2024-02-10"
OUTAGE_SLICE = {"brand": "TelcoCo", "channel": "social"}


@pytest.fixture(scope="module")
def spike_db(tmp_path_factory):
    return warehouse_from_rows(tmp_path_factory.mktemp("spike") / "w.duckdb", daily_rows())


@pytest.fixture(scope="module")
def calm_db(tmp_path_factory):
    return warehouse_from_rows(
        tmp_path_factory.mktemp("calm") / "w.duckdb", daily_rows(spike_day=None)
    )


@pytest.fixture(scope="module")
def spike_result(spike_db):
    con = open_warehouse(spike_db)
    yield find_anomalies(con, Config())
    con.close()


# --- the baseline model -----------------------------------------------------------------------


def test_midmean_trims_a_quarter_each_side():
    rows = np.array([[1, 2, 3, 4, 100, np.nan, np.nan, np.nan], [0, 0, 0, 1, 0, 0, 0, 1.0]])
    assert midmean(rows).tolist() == [3.0, 0.0]  # 5 values: cut 1 each side; 8: cut 2 each side


def test_seasonal_baseline_learns_the_week_and_flags_only_the_spike():
    dates = pd.date_range("2024-01-01", periods=70, freq="D")
    rng = np.random.default_rng(1)
    y = np.where(dates.day_of_week >= 5, 60.0, 100.0) + rng.normal(0, 3, 70).round()
    y[40] += 60  # a Saturday (2024-02-10): 60 expected
    b = seasonal_baseline(dates, y, y, "count")
    assert b.loc[40, "z"] > 3.5 and b["z"].drop(40).abs().max() < 3.5
    assert b.loc[41, "expected"] == pytest.approx(60, abs=4)  # Sunday: the weekend level
    assert b.loc[42, "expected"] == pytest.approx(100, abs=4)  # Monday


def test_binomial_noise_keeps_a_rare_event_quiet_at_small_n():
    dates = pd.date_range("2024-01-01", periods=60, freq="D")
    rng = np.random.default_rng(2)
    n = np.full(60, 30.0)
    k = rng.binomial(30, 0.03, 60).astype(float)
    k[30] = 3  # 10 % on one day: P(X >= 3 | n=30, p=0.03) = 0.06, not an anomaly
    b = seasonal_baseline(dates, k / n, n, "proportion")
    assert b.loc[30, "z"] < 3.5
    k[30] = 12  # 40 %: an anomaly
    assert seasonal_baseline(dates, k / n, n, "proportion").loc[30, "z"] > 3.5


def test_thin_days_are_neither_used_nor_tested():
    dates = pd.date_range("2024-01-01", periods=40, freq="D")
    n = np.full(40, 50.0)
    n[10] = 5
    y = np.full(40, 0.5) + np.random.default_rng(3).normal(0, 0.05, 40)
    y[10] = 1.0
    b = seasonal_baseline(dates, y, n, "proportion")
    assert not b.loc[10, "tested"] and np.isnan(b.loc[10, "z"])
    few = seasonal_baseline(
        dates[: MIN_DAYS - 1], y[: MIN_DAYS - 1], n[: MIN_DAYS - 1], "proportion"
    )
    assert not few["tested"].any()


def test_small_counts_are_tested_by_their_poisson_tail_and_closed_days_are_not():
    # a slice with ~2.2 cases a day (below the floor of 20 rows that shares and averages need),
    # closed on Sundays, with 14 cases on Friday 2024-02-09 (the demo's outage, TelcoCo social)
    dates = pd.date_range("2024-01-01", periods=90, freq="D")
    rng = np.random.default_rng(6)
    y = np.where(dates.day_of_week == 6, 0, rng.poisson(2.2, 90)).astype(float)
    y[39] = 14
    b = seasonal_baseline(dates, y, y, "count")
    assert b.loc[39, "z"] > 3.5  # P(X >= 14 | 2.2) ~ 1e-7
    assert (b["z"].drop(39).dropna().abs() < 3.5).all()  # days of 5-6 cases stay quiet
    sunday = b[dates.day_of_week == 6]
    assert not sunday["tested"].any() and (sunday["expected"] == 0).all()


def test_rolling_weeks_see_a_sustained_shift_in_a_thin_slice():
    dates = pd.date_range("2024-01-01", periods=90, freq="D")
    rng = np.random.default_rng(4)
    n = rng.poisson(12, 90).astype(float)  # always below the daily floor of 20
    k = rng.binomial(n.astype(int), 0.85).astype(float)
    k[60:67] = rng.binomial(n[60:67].astype(int), 0.45)  # a week at 45 % instead of 85 %
    daily = seasonal_baseline(dates, k / n, n, "proportion")
    weekly = rolling_baseline(dates, k / n, n, "proportion")
    assert not daily["tested"].any()
    flagged = weekly.index[weekly["z"] <= -3.5]
    assert len(flagged) and 60 <= weekly["z"].idxmin() <= 72
    assert (weekly["z"].drop(range(58, 75)).dropna().abs() < 3.5).all()


def test_a_long_incident_in_a_thin_slice_does_not_raise_its_own_baseline():
    dates = pd.date_range("2024-01-01", periods=90, freq="D")
    rng = np.random.default_rng(5)
    n = rng.poisson(7, 90).astype(float)  # ~7 cases a day: no day is an outlier on its own
    p = np.full(90, 0.1)
    p[40:49] = 0.4  # 9 days (2024-02-10..18), longer than the +-3 days each level leaves out
    share = rng.binomial(n.astype(int), p) / np.maximum(n, 1)
    runs = outlier_runs(share, n, 7)
    # the pools centred on days 40..48 are > 3 SE from the median pool (0.099; z 3.4 to 8.3,
    # day 39's 0.4 and day 49's 2.5 are not): their days, 37..51, are left out
    assert np.flatnonzero(runs).tolist() == list(range(37, 52))
    weekly = rolling_baseline(dates, share, n, "proportion")
    inside = weekly.loc[44:50]
    # measured: expected 0.092-0.095 (the clean level); 0.10-0.12 if the incident's days stay in
    assert inside["expected"].between(0.07, 0.10).all(), inside
    assert weekly["z"].max() == pytest.approx(6.51, abs=0.01) and weekly["z"].idxmax() == 48
    assert (weekly["z"].drop(range(38, 56)).dropna().abs() < 2.94).all()


def test_a_coarser_daily_flag_does_not_hide_a_finer_weekly_one():
    social = {
        "kpi": "runaround_rate",
        "slice": {"channel": "social"},
        "date": "2024-01-27",
        "window": 1,
        "z": 3.6,
    }
    air = {
        "kpi": "runaround_rate",
        "slice": {"brand": "AirCo", "channel": "social"},
        "date": "2024-01-31",
        "window": 7,
        "z": 4.2,
    }
    assert _without_echoes([social, air]) == [social, air]  # when (all social) and where (AirCo)
    finer = {**social, "slice": {"brand": "AirCo", "channel": "social"}}
    assert _without_echoes([finer, air]) == [finer]  # the same slice's day says it more precisely
    assert _without_echoes([{**finer, "z": -3.6}, air]) == [{**finer, "z": -3.6}, air]


def _segments(rows: list[tuple]) -> pd.DataFrame:
    """A segment table of scorecard.rootcause.mixrate: (dimension, segment, weight_a, share) rows."""
    return pd.DataFrame(
        [
            {"dimension": d, "segment": s, "weight_a": w, "weight_b": w, "share": x}
            for d, s, w, x in rows
        ]
    )


def test_attribution_ranks_what_drove_the_change_beyond_its_size():
    # a staffing gap: the late shift's hours take the change; the biggest category takes only
    # its proportional part (share 0.40 of a 0.40 weight: excess 0), a small one a bit more
    rows = [
        ("category", "order", 0.40, 0.40),
        ("category", "store", 0.10, 0.35),
        ("category", "refund", 0.50, 0.25),
        ("agent", "MFC", 0.30, 0.45),
        ("agent", "GT", 0.70, 0.55),
    ]
    rows += [("hour", str(h), 1 / 24, 0.0) for h in range(24) if not 15 <= h <= 22]
    rows += [
        ("hour", str(h), 1 / 24, x)
        for h, x in zip(range(15, 23), (0.05, 0.1, 0.1, 0.15, 0.2, 0.2, 0.15, 0.05), strict=True)
    ]
    out = attribution_of(_segments(rows))
    # hand-computed scores (excess = share - weight; a run of L hours: its excess / sqrt(L)):
    # hours 18-21: (0.70 - 4/24) / 2 = 0.267, better than 17-21: (0.80 - 5/24) / sqrt(5) = 0.265,
    # 15-22: (1.0 - 8/24) / sqrt(8) = 0.236 or 19-20: (0.40 - 2/24) / sqrt(2) = 0.224; store 0.25;
    # MFC 0.15; order 0; refund -0.25 (not the best category)
    assert out == [
        {"dimension": "hour", "segment": "18-21", "share": 0.7},
        {"dimension": "category", "segment": "store", "share": 0.35},
        {"dimension": "agent", "segment": "MFC", "share": 0.45},
    ]
    # ranked by share alone, 'order' (0.40) would have beaten 'store' (0.35)
    one = attribution_of(
        _segments(
            [
                ("agent", "(none)", 1.0, 1.0),
                ("category", "a", 0.2, 0.9),
                ("category", "b", 0.8, 0.1),
            ]
        )
    )
    assert one == [{"dimension": "category", "segment": "a", "share": 0.9}]  # one agent: skipped


def test_a_long_run_of_hours_does_not_outrank_a_segment():
    # a change spread thinly over the day (each of hours 8-19 a little above its weight: noise,
    # or a change of the whole business) against a category that took a fifth of it beyond its
    # size: summed, the 12 hours' excess (12 x 0.025 = 0.30) beat the category's 0.20; now a run
    # is at most HOUR_BAND_MAX = 9 hours and scores (9 x 0.025) / 3 = 0.075
    rows = [("category", "billing", 0.10, 0.30), ("category", "other", 0.90, 0.70)]
    rows += [("hour", str(h), 0.05, 0.075 if 8 <= h <= 19 else 0.05 - 0.3 / 12) for h in range(20)]
    out = attribution_of(_segments(rows))
    assert [x["dimension"] for x in out] == ["category", "hour"]
    assert out[0]["segment"] == "billing"
    first, _, last = out[1]["segment"].partition("-")
    assert int(last) - int(first) + 1 == HOUR_BAND_MAX


def test_outcome_kpis_are_not_tested_before_their_cases_settle():
    dates = pd.date_range("2024-03-01", periods=10, freq="D")
    late = unsettled(kpi_by_id("resolution_rate"), dates, "2024-03-07")
    assert late.tolist() == [False] * 7 + [True] * 3
    assert not unsettled(kpi_by_id("volume"), dates, "2024-03-07").any()


def test_noise_models_by_kpi():
    kinds = {
        k: kind_of(kpi_by_id(k))
        for k in (
            "volume",
            "cost_total",
            "resolution_rate",
            "sla_met_rate",
            "net_sentiment_weighted",
            "frt_median_s",
            "sentiment_mean",
        )
    }
    assert kinds == {
        "volume": "count",
        "cost_total": "sum",
        "resolution_rate": "proportion",
        "sla_met_rate": "proportion",
        "net_sentiment_weighted": "mean",
        "frt_median_s": "mean",
        "sentiment_mean": "mean",
    }


def test_most_specific_keeps_the_finest_flagged_slice():
    f = [
        {"kpi": "volume", "date": "d", "z": 5.0, "slice": {}},
        {"kpi": "volume", "date": "d", "z": 6.0, "slice": {"brand": "T"}},
        {"kpi": "volume", "date": "d", "z": 9.0, "slice": {"brand": "T", "channel": "social"}},
        {"kpi": "volume", "date": "d", "z": 4.0, "slice": {"channel": "phone"}},
        {"kpi": "volume", "date": "d", "z": -4.0, "slice": {"brand": "A"}},
    ]
    kept = most_specific(f)
    assert [x["slice"] for x in kept] == [
        {"brand": "T", "channel": "social"},
        {"channel": "phone"},
        {"brand": "A"},
    ]


# --- detection and attribution on synthetic data ----------------------------------------------


def _found(result, kpi, slice_=OUTAGE_SLICE, day=SPIKE):
    return [a for a in result.anomalies if a.kpi == kpi and a.date == day and a.slice == slice_]


def test_the_outage_is_found_with_its_direction_and_cause(spike_result):
    for kpi, direction in (
        ("volume", "up"),
        ("frt_median_s", "up"),
        ("resolution_rate", "down"),
        ("sla_met_rate", "down"),
    ):
        hits = _found(spike_result, kpi)
        assert hits, kpi
        a = hits[0]
        assert a.direction == direction and abs(a.z) >= 3.5
        assert (a.attribution[0]["dimension"], a.attribution[0]["segment"]) == (
            "category",
            "outage",
        )
        assert 0.5 < a.attribution[0]["share"] <= 1  # of the movement in the change's direction
        assert {"brand", "channel"}.isdisjoint(x["dimension"] for x in a.attribution)
    volume = _found(spike_result, "volume")[0]
    assert volume.observed > 80 and volume.expected == pytest.approx(20, abs=6) and volume.n > 80
    outage = spike_result.incidents[0]
    assert outage.slice == OUTAGE_SLICE and outage.summary.startswith(
        f"{kpi_by_id(outage.kpi).label} on social for TelcoCo "
    )
    assert "% of the change came from the outage category" in outage.summary


def test_coarser_slices_of_the_same_event_are_its_echoes(spike_result):
    # the outage shows again in TelcoCo's and the whole business's volume: echoes of the one
    # incident, never incidents of their own
    outage = spike_result.incidents[0]
    coarser = {
        tuple(e.slice.items())
        for e in outage.echoes
        if e.kpi == "volume" and e.slice != OUTAGE_SLICE
    }
    assert coarser <= {(("brand", "TelcoCo"),), (("channel", "social"),), ()} and coarser
    assert all(
        i.slice != {"brand": "TelcoCo"} or i.end < SPIKE or i.start > SPIKE
        for i in spike_result.incidents[1:]
    )


def test_json_contract(spike_result):
    out = spike_result.to_json()
    assert list(out) == [
        "incidents",
        "new_activity",
        "coverage_gaps",
        "thin",
        "thresholds",
        "from",
        "to",
    ]
    assert out["thresholds"]["daily"] == spike_result.sensitivity
    assert all(set(t) == {"kpi", "slice", "reason", "usable_days", "median_n"} for t in out["thin"])
    row = out["incidents"][0]
    assert tuple(row)[: len(JSON_KEYS)] == JSON_KEYS
    assert (
        set(row["attribution"][0]) == {"dimension", "segment", "share"}
        if row["attribution"]
        else True
    )
    assert row["direction"] in ("up", "down") and json.dumps(out)
    frame = spike_result.to_frame()
    assert len(frame) == len(spike_result.incidents) and "n" in frame


def test_false_alarms_on_calm_synthetic_data_are_rare(calm_db):
    con = open_warehouse(calm_db)
    result = find_anomalies(con, Config())
    con.close()
    # 28 KPIs x 60 days x 9 slices: measured 1 alarm at the default sensitivity
    assert len(result.anomalies) <= 3, result.summary()
    assert result.series_tested > 100


def test_daily_baseline_for_the_trends_chart(spike_db):
    con = open_warehouse(spike_db)
    b = daily_baseline(
        con, Config(), "volume", None, None, {"brand": ["TelcoCo"], "channel": ["social"]}
    )
    con.close()
    assert b.columns.tolist() == [
        "date",
        "observed",
        "expected",
        "lower",
        "upper",
        "n",
        "is_anomaly",
    ]
    assert len(b) == 60 and b["date"].iloc[0] == "2024-01-01"
    spike = b.set_index("date").loc[SPIKE]
    assert spike["is_anomaly"] and spike["observed"] > spike["upper"]
    assert b["is_anomaly"].sum() == 1
    ok = b.dropna(subset=["expected"])
    assert (ok["lower"] <= ok["expected"]).all() and (ok["expected"] <= ok["upper"]).all()


def test_quantile_kpis_are_tested_by_the_share_above_their_median(spike_db):
    con = open_warehouse(spike_db)
    b = daily_baseline(
        con, Config(), "frt_median_s", None, None, {"brand": ["TelcoCo"], "channel": ["social"]}
    )
    con.close()
    assert b.set_index("date").loc[SPIKE, "is_anomaly"]
    assert b["is_anomaly"].sum() == 1


def test_sensitivity_must_be_positive(spike_db):
    con = open_warehouse(spike_db)
    with pytest.raises(ValueError, match="sensitivity"):
        find_anomalies(con, Config(), sensitivity=0)
    fewer = find_anomalies(con, Config(), kpi_ids=["volume"], sensitivity=8)
    con.close()
    # one incident, its volume in TelcoCo social, echoed in coarser slices
    assert len(fewer.incidents) == 1 and {a.kpi for a in fewer.anomalies} == {"volume"}


def test_cli_anomalies_json_and_table(spike_db):
    r = CliRunner().invoke(
        main,
        ["anomalies", "--kpi", "volume,resolution_rate", "--format", "json", "--db", str(spike_db)],
    )
    assert r.exit_code == 0, r.output
    rows = json.loads(r.stdout)["incidents"]
    moved = {(x["kpi"], x["date"]) for x in rows} | {
        (e["kpi"], e["date"]) for x in rows for e in x["echoes"]
    }
    assert moved >= {("volume", SPIKE), ("resolution_rate", SPIKE)}
    t = CliRunner().invoke(main, ["anomalies", "--kpi", "volume", "--db", str(spike_db)])
    assert t.exit_code == 0 and "series-days tested" in t.stdout and SPIKE in t.stdout


def test_real_twitter_sample_is_thin_and_raises_no_alarm(twcs_db):
    con = open_warehouse(twcs_db)
    result = find_anomalies(con, Config())
    baseline = daily_baseline(con, Config(), "frt_median_s", None, None)
    con.close()
    assert result.anomalies == () and len(result.thin) > 0
    assert "thin series flagged" in result.summary()
    assert not baseline["is_anomaly"].any() and baseline["expected"].isna().all()


# --- acceptance on generated data (sample_data generator + the real loaders) -------------------

# Measured (bench/bench_anomalies.py, README "Root cause"): at 30k interactions every manifest
# row is found and named in seeds 1, 2, 3, 5 and 7; the closest call is the run-around agent's
# resolution drop in seed 1 (TelcoCo social, rolling week z -3.0 against 2.94). Each seed takes
# about 20 s here (two generations and loads, two scans).
SEEDS = (1, 2, 3)


@pytest.fixture(scope="module", params=SEEDS, ids=[f"seed{s}" for s in SEEDS])
def generated(request, tmp_path_factory):
    """Anomalies of 90 days of generated data (30k interactions) of one seed, with and without
    incidents: {True: (result, manifest), False: (result, manifest)}."""
    from sample_data.generator import generate
    from tests.rc_fixtures import load_generated

    out = {}
    for incidents in (True, False):
        folder = tmp_path_factory.mktemp(
            f"gen-{'incidents' if incidents else 'free'}-{request.param}"
        )
        manifest = generate(
            folder, interactions=30000, days=90, seed=request.param, incidents=incidents
        ).manifest
        con = open_warehouse(load_generated(folder, folder / "w.duckdb", Config()))
        out[incidents] = (find_anomalies(con, Config()), manifest)
        con.close()
    return out


@pytest.mark.slow
def test_generated_incidents_are_found_on_their_dates_and_attributed(generated):
    from tests.rc_fixtures import incident_report

    result, manifest = generated[True]
    report = incident_report(result, manifest)
    assert len(report) == 14  # 2 + 5 + 2 + 3 + 2 KPI movements of the five manifest rows
    # every KPI movement of every incident, on its dates, in the right direction ...
    assert report["found"].all(), report[~report["found"]]
    # ... its strongest anomaly naming the manifest's category, channel, agent, brand or shift
    # first (names_cause) wherever the slice leaves something to name
    assert (report["named"] != False).all(), report[report["named"] == False]  # noqa: E712
    volume = report[report["kpi"] == "volume"]
    assert volume["first"].isin(["category=outage", "category=billing"]).all()
    # the billing defect's lower answered rate on the phone is the flooded billing queue's
    answered = report[report["kpi"] == "answered_rate"].iloc[0]
    assert answered["first"] == "category=billing"
    # the staffing gap, found in ShopCo's social slice, is put on its late shift: one of the
    # shift's agents or a run of hours mostly inside 15-23 h (seed 1: agent MFC twice)
    gap = report[report["kind"] == "staffing_gap"]
    assert (gap["named"] == True).all() and gap["first"].str.match(r"hour=|agent=").all()  # noqa: E712


@pytest.mark.slow
def test_generated_runaround_agent_is_found(generated):
    from tests.rc_fixtures import incident_report

    result, manifest = generated[True]
    report = incident_report(result, manifest)
    rows = report[report["kind"] == "runaround_agent"].set_index("kpi")
    # TelcoCo social (thin at 30k: rolling weeks), the agent named first for both KPIs; seeds
    # 1-3: run-around rate z 9.0 to 10.9, resolution rate z -3.0 to -6.1
    for kpi in ("runaround_rate", "resolution_rate"):
        row = rows.loc[kpi]
        assert row["slice"] == {"brand": "TelcoCo", "channel": "social"}, row
        assert row["first"] == f"agent={manifest['incidents'][0]['agent']}" and abs(row["z"]) > 2.94


@pytest.mark.slow
def test_false_alarms_on_incident_free_generated_data(generated):
    from tests.rc_fixtures import false_alarm_rate

    result, _ = generated[False]
    rate = false_alarm_rate(result, len(catalogue()), 90)
    # measured: seed 1 0.73, seed 2 0.87, seed 3 0.93 (seeds 5 and 7: 0.77, 0.37)
    assert rate < 1.0, result.summary()
