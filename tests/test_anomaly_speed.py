"""The anomaly scan's reads made cheaper without changing what they return (issue 18, speed):
every incident's text samples from one read of the messages, and long ranges read in parts of
CHUNK_DAYS days. Each against the one-at-a-time read it replaces, and against hand-computed
values (tests/golden/anomaly_speed.md, tests/golden/anomaly_noise.md)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import scorecard.anomalies.data_anomalies as data_anomalies
import scorecard.anomalies.scan as scan
from etl.settings.config import Config
from scorecard.anomalies.data_anomalies import (
    daily_exceedance_sets,
    daily_row_variance_sets,
    day_chunks,
    exceedance_bin_sets,
    message_days,
    sample_spec,
    sampled_message_sets,
    sampled_messages,
)
from scorecard.anomalies.scan import SLICE_DIMS, slice_data
from scorecard.kpis.catalogue import catalogue, kpi_by_id
from scorecard.kpis.data import open_warehouse
from tests.test_anomaly_noise import D1, D2, SHARE_ABOVE, VARIANCE, _as_dict, _close
from tests.test_anomaly_noise import con as noise_con  # noqa: F401 (the hand-placed cases)

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "sample_data" / "demo"


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    from tests.rc_fixtures import load_generated

    db = load_generated(DEMO, tmp_path_factory.mktemp("demo") / "w.duckdb", Config())
    con = open_warehouse(db)
    yield con
    con.close()


def test_a_year_is_read_in_four_parts_of_at_most_92_days():
    """2024 is a leap year: 2024-01-01 + 91 days is 2024-04-01 (Jan 31 + Feb 29 + Mar 31)."""
    assert data_anomalies.CHUNK_DAYS == 92
    assert day_chunks("2024-01-01", "2024-12-30") == [
        ("2024-01-01", "2024-04-01"),
        ("2024-04-02", "2024-07-02"),
        ("2024-07-03", "2024-10-02"),
        ("2024-10-03", "2024-12-30"),
    ]
    assert day_chunks("2024-03-01", "2024-05-29") == [("2024-03-01", "2024-05-29")]  # 90 days
    assert day_chunks(None, "2024-05-29") == [(None, "2024-05-29")]


def test_shares_above_read_day_by_day_keep_the_quantile_of_the_whole_window(
    noise_con,  # noqa: F811
    monkeypatch,
):
    """Read in one-day parts, each day's share is still against the slice's median over both
    days (a quantile per part would give other shares: on D1 alone TelcoCo's median is 20)."""
    monkeypatch.setattr(data_anomalies, "CHUNK_DAYS", 1)
    assert len(day_chunks(D1, D2)) == 2
    kpi = kpi_by_id("frt_median_s")
    sets = daily_exceedance_sets(noise_con, Config(), kpi, SLICE_DIMS, D1, D2, {})
    for by in SLICE_DIMS:
        assert _close(_as_dict(sets[by], by), SHARE_ABOVE[by]), by
    sets = daily_row_variance_sets(
        noise_con, Config(), kpi_by_id("frt_mean_s"), SLICE_DIMS, D1, D2, {}
    )
    for by in SLICE_DIMS:
        assert _close(_as_dict(sets[by], by), VARIANCE[by]), by


def test_daily_series_read_in_parts_equal_one_read(demo, monkeypatch):
    """Every KPI's daily series by brand and channel over the demo's last 30 days, read in
    parts (of 4 days for the values, 7 for the noise), equals the series read at once (values to 1e-12: the additive KPIs' sums
    are added by DuckDB's threads in an order that varies from run to run)."""
    start, end = "2024-03-01", "2024-03-30"
    kpis = list(catalogue())
    whole = slice_data(demo, Config(), kpis, start, end, ("brand", "channel"))
    monkeypatch.setattr(data_anomalies, "CHUNK_DAYS", 7)  # 30 days: a long range
    monkeypatch.setattr(scan, "SERIES_PART_DAYS", 4)  # KPI values in 8 parts, noise in 5
    parts = slice_data(demo, Config(), kpis, start, end, ("brand", "channel"))
    assert whole.values.keys() == parts.values.keys() and len(whole.values) > 100
    for key, (y, n) in whole.values.items():
        assert (parts.values[key][1] == n).all(), key
        assert parts.values[key][0] == pytest.approx(y, rel=1e-12, abs=1e-12, nan_ok=True), key
    for name in ("exceed", "variance"):
        a, b = getattr(whole, name), getattr(parts, name)
        assert a.keys() == b.keys() and len(a) > 10, name
        for key in a:
            x, y = (v if isinstance(v, tuple) else (v,) for v in (a[key], b[key]))
            for u, v in zip(x, y, strict=True):
                assert v == pytest.approx(u, rel=1e-12, abs=1e-12, nan_ok=True), (name, key)


SAMPLES = [  # (window, slice, excluded days): the shapes an incident's two samples take
    (("2024-03-12", "2024-03-12"), {}, ()),
    (("2024-02-27", "2024-03-26"), {}, ("2024-03-12", "2024-03-13")),
    (("2024-03-06", "2024-03-12"), {"channel": ["email"]}, ()),
    (("2024-02-20", "2024-03-26"), {"brand": ["TelcoCo"]}, ("2024-03-06",)),
    (("2024-03-01", "2024-03-30"), {"brand": ["AirCo"], "channel": ["social"]}, ()),
    (("2024-03-29", "2024-04-05"), {"brand": ["AirCo"], "channel": ["phone"]}, ()),  # past the end
]


@pytest.mark.parametrize(
    ("limit", "chunk", "bounded"), [(50, 92, False), (100_000, 92, True), (50, 5, True)]
)
def test_samples_from_one_read_equal_each_sample_read_alone(
    demo, monkeypatch, limit, chunk, bounded
):
    """Each sample of the one read holds the messages sampled_messages picks, in its order: at
    50 the hash order decides which messages (every window holds more); at 100,000 every
    customer message with text of the window's cases. Read in parts of 5 days (each part's
    lowest hashes merged) and bounded by the messages' sent_at range: the same."""
    monkeypatch.setattr(data_anomalies, "CHUNK_DAYS", chunk)  # message_days
    monkeypatch.setattr(data_anomalies, "SAMPLE_PART_DAYS", chunk)
    specs = [sample_spec(w, f, x) for w, f, x in SAMPLES]
    days = message_days(demo, Config(), "2024-01-01", "2024-03-30") if bounded else None
    got = sampled_message_sets(demo, Config(), specs, limit, days)
    assert list(got) == specs
    for (window, filters, exclude), spec in zip(SAMPLES, specs, strict=True):
        want = sampled_messages(demo, Config(), window, filters, exclude, limit=limit)
        pd.testing.assert_frame_equal(got[spec], want, check_dtype=False, check_index_type=False)
    sizes = [len(got[s]) for s in specs]
    if limit == 50:
        assert sizes[:5] == [50] * 5
    else:
        assert sizes[0] == 149 and sizes[2] == 400  # tests/golden/anomaly_speed.md
    assert len(got[specs[-1]]) <= sizes[4]


def test_a_sample_of_no_day_is_empty(demo):
    spec = sample_spec(("2024-03-12", "2024-03-12"), {}, ("2024-03-12",))
    assert spec.days == ()
    assert sampled_message_sets(demo, Config(), [spec])[spec].empty


QUANTILE_KPIS = ("frt_median_s", "frt_p90_s", "frt_business_median_s", "ttr_median_s")


def test_shares_above_counted_from_the_value_bins_hold_the_hand_values(noise_con):  # noqa: F811
    """The hand-placed cases of anomaly_noise.md through the value-bin model: D1's share above
    the nine cases' median (50) is 1 of 4 (70), and so on for every slicing."""
    kpi = kpi_by_id("frt_median_s")
    sets = exceedance_bin_sets(noise_con, Config(), kpi, SLICE_DIMS, D1, D2, {})
    assert sets is not None  # the model applies: UTC days, slices by brand and channel
    for by in SLICE_DIMS:
        assert _close(_as_dict(sets[by], by), SHARE_ABOVE[by]), by


@pytest.mark.parametrize("kpi_id", QUANTILE_KPIS)
def test_shares_above_from_the_value_bins_equal_the_case_rows(demo, monkeypatch, kpi_id):
    """Over the demo's last 90 days, per day and slice of every slicing, the share of cases
    above the slice's window quantile and their count, counted from agg_case_values, are the
    values read from the case rows, to the last bit (the same counts divided the same way)."""
    kpi, start, end = kpi_by_id(kpi_id), "2024-01-01", "2024-03-30"
    binned = exceedance_bin_sets(demo, Config(), kpi, SLICE_DIMS, start, end, {})
    assert binned is not None
    monkeypatch.setattr(data_anomalies, "exceedance_bin_sets", lambda *a, **k: None)
    rows = daily_exceedance_sets(demo, Config(), kpi, SLICE_DIMS, start, end, {})
    for by in SLICE_DIMS:
        assert len(rows[by]) > 80 and rows[by]["value"].between(0.01, 0.99).mean() > 0.5, by
        pd.testing.assert_frame_equal(binned[by], rows[by], check_exact=True)


def test_shares_above_fall_back_to_the_case_rows_where_the_bins_do_not_apply(demo):
    """Slices by category are not in the value-bin model; nor are local days off UTC."""
    kpi = kpi_by_id("frt_median_s")
    args = ("2024-03-01", "2024-03-30", {})
    assert exceedance_bin_sets(demo, Config(), kpi, [("category",)], *args) is None
    paris = Config(display_timezone="Europe/Paris")
    assert exceedance_bin_sets(demo, paris, kpi, [("brand",)], *args) is None


def test_a_quantile_kpis_attribution_reads_its_totals_without_segment_quantiles(demo):
    """attribution_tables of the median FRT takes window a's and b's medians from a read of the
    totals alone: the same values as the totals of the read by segment it used to make (the
    median of all rows does not depend on the grouping sets beside it), and b's shares above a's
    median attributed per channel, adding up to the change."""
    from scorecard.rootcause.change import attribution_tables
    from scorecard.rootcause.data_rootcause import segment_values

    kpi, cfg = kpi_by_id("frt_median_s"), Config()
    a, b, dims = ("2024-02-27", "2024-03-26"), ("2024-03-12", "2024-03-12"), ["channel", "brand"]
    exclude = ["2024-03-12"]
    t = attribution_tables(demo, cfg, [kpi], dims, a, b, {}, exclude)[kpi.id]
    full = segment_values(demo, cfg, [kpi], dims, a, b, {}, exclude)[kpi.id]
    totals = {r[0]: r[3] for r in full if r[1] == ""}
    assert (t.value_a, t.value_b) == (totals["a"], totals["b"])
    assert t.value_a != t.value_b
    channel = t.segments[t.segments["dimension"] == "channel"]
    assert len(channel) >= 3
    assert channel["total_effect"].sum() == pytest.approx(t.value_b - t.value_a, rel=1e-9)


def test_sorted_rows_order_as_sort_values_with_ties_broken_by_the_text_keys():
    """sorted_rows sorts the numeric keys with numpy and only the runs sharing them by the text
    keys (fourth round): hand-placed rows where sample 0 has two messages of hash 7 ('m2' before
    'm9') and sample 1 two sent at the same second (case 'c1' before 'c3')."""
    from scorecard.anomalies.data_anomalies import sorted_rows

    t = pd.to_datetime(["2024-03-12 10:00:05", "2024-03-12 10:00:01", "2024-03-12 10:00:05"])
    frame = pd.DataFrame(
        {
            "spec": [1, 0, 0, 1, 0],
            "sent_at": [t[0], t[1], t[2], t[0], t[1]],
            "interaction_id": ["c3", "c2", "c2", "c1", "c4"],
            "h": pd.array([5, 7, 3, 9, 7], dtype="uint64"),
            "message_id": ["m5", "m9", "m3", "m1", "m2"],
        }
    ).assign(sent_at=lambda f: f["sent_at"].dt.tz_localize("UTC"))
    by_hash = sorted_rows(frame, ["spec", "h"], ["message_id"])
    assert list(by_hash["message_id"]) == ["m3", "m2", "m9", "m5", "m1"]
    by_time = sorted_rows(frame, ["spec", "sent_at"], ["interaction_id", "h", "message_id"])
    assert list(by_time["message_id"]) == ["m9", "m2", "m3", "m1", "m5"]
    for num, rest in ((["spec", "h"], ["message_id"]), (["spec", "sent_at"], ["interaction_id"])):
        pd.testing.assert_frame_equal(
            sorted_rows(frame, num, rest), frame.sort_values([*num, *rest])
        )


def _plain_rows(rows: dict) -> dict:
    """Segment rows with NaN (no value) as None, so that equal rows compare equal."""
    return {k: [tuple(None if v != v else v for v in r) for r in rs] for k, rs in rows.items()}


def test_a_one_value_filter_reads_the_rows_of_the_list_filter(demo):
    """where_clause compares a single filter value directly (fourth round: DuckDB pushes it into
    the scan); the root-cause segment values of the demo's billing week on e-mail equal, row for
    row, those read through the list form (the same value with one that matches no row)."""
    from scorecard.rootcause.data_rootcause import segment_values

    kpis = [k for k in catalogue() if k.source == "cases" and k.is_plain]
    a, b = ("2024-02-27", "2024-03-26"), ("2024-03-12", "2024-03-18")
    dims = ["brand", "category", "agent", "hour"]
    one = segment_values(demo, Config(), kpis, dims, a, b, {"channel": ["email"]}, ["2024-03-12"])
    two = segment_values(
        demo, Config(), kpis, dims, a, b, {"channel": ["email", "no such"]}, ["2024-03-12"]
    )
    assert _plain_rows(one) == _plain_rows(two)
    assert sum(r[4] for r in one["volume"] if r[1] == "") > 100


@pytest.mark.parametrize("kpi_id", QUANTILE_KPIS)
def test_shares_above_window_a_from_one_read_equal_the_two_reads(demo, kpi_id):
    """shares_above_a (fourth round) reads a quantile KPI's value in both windows and its
    shares above window a's value per segment in one query; on the demo's billing day against
    its four weeks, e-mail only, the rows equal those of the two reads it replaces: the totals
    read, then segment_values with window a's value as the threshold."""
    from scorecard.rootcause.data_rootcause import segment_values, shares_above_a

    kpi, cfg = kpi_by_id(kpi_id), Config()
    a, b = ("2024-02-27", "2024-03-26"), ("2024-03-12", "2024-03-12")
    dims, where = ["brand", "category", "agent", "hour"], {"channel": ["email"]}
    exclude = ["2024-03-12", "2024-03-05"]
    values, shares = shares_above_a(demo, cfg, [kpi], dims, a, b, where, exclude)
    totals = segment_values(demo, cfg, [kpi], [], a, b, where, exclude)
    assert _plain_rows(values) == _plain_rows(totals)
    value_a = next(r[3] for r in totals[kpi.id] if r[0] == "a")
    read = segment_values(demo, cfg, [kpi], dims, a, b, where, exclude, {kpi.id: value_a})
    assert _plain_rows(shares) == _plain_rows(read)
    shown = [r[3] for r in shares[kpi.id] if r[3] == r[3]]  # NaN: a segment with no value
    assert len(shown) > 20 and all(0 <= v <= 1 for v in shown)


AGENT_HOUR = "interactions_per_agent_hour"


@pytest.mark.parametrize("tz", ["UTC", "Europe/Paris"])
def test_cases_per_agent_hour_from_its_cluster_read_equal_kpi_frame(demo, tz):
    """noise_data gives cases per agent-hour's daily values from the read of its cluster
    variance (fifth round): rows / clusters per day and slice. Over the demo's last 90 days,
    for every slicing, they equal kpi_frame's (the agent-hour model at UTC, the case rows
    through local dates in Paris) frame for frame, bit for bit, and n is the answered cases
    with an agent (kpi_frame's rows of n 0 aside, which no scan tests); slice_data's series
    of the KPI are those of kpi_frame's frame."""
    from scorecard.anomalies.scan import noise_data, series_arrays
    from scorecard.kpis.data import kpi_frame

    cfg, kpi = Config(display_timezone=tz), kpi_by_id(AGENT_HOUR)
    start, end = "2024-01-01", "2024-03-30"
    noise = noise_data(demo, cfg, [kpi], start, end, SLICE_DIMS)
    dates = pd.date_range(start, end, freq="D")
    for by in SLICE_DIMS:
        read = noise[by].read
        full = kpi_frame(demo, cfg, [kpi], "day", list(by), start, end, {})
        # read from the case rows (Paris), a day and slice with cases but none answered by an
        # agent has a row of no value and n 0: a series of such rows only is never tested
        empty = full["n"] == 0
        assert full.loc[empty, "value"].isna().all(), by
        want = full[~empty]
        assert set(read["kpi"]) == {AGENT_HOUR} and len(want) > 80, by
        cols = ["period", *by, "kpi", "value", "n"]
        got = read[cols].sort_values(cols[:-2]).reset_index(drop=True)
        pd.testing.assert_frame_equal(
            got, want[cols].reset_index(drop=True), check_exact=True, check_dtype=False
        )
        # an agent-hour holds one case or more, and in most slices and days some hold several
        assert (got["value"] >= 1).all() and (got["value"] > 1).mean() > 0.5, by
        series = slice_data(demo, cfg, [kpi], start, end, by).values
        assert series.keys() == series_arrays(want, ["kpi", *by], dates).keys(), by
    total = demo.execute(
        "select count(*) from fct_cases where answered and agent_id is not null "
        "and opened_at >= $lo and opened_at < $hi",
        {"lo": pd.Timestamp(start, tz=tz), "hi": pd.Timestamp("2024-03-31", tz=tz)},
    ).fetchone()[0]
    assert noise[()].read["n"].sum() == total


def test_only_counts_and_shares_are_read_for_all_slicings_at_once():
    """order_free: the KPIs whose values do not depend on the order DuckDB adds their rows in
    (a count, or an average of 0/1 rows as a share); a sum of costs is left to kpi_frame's own
    read, whose digits the scan has always used."""
    from scorecard.anomalies.scan import order_free

    free = {k.id for k in catalogue() if order_free(k)}
    assert {"opportunities", "opportunity_capture_rate", "volume", "answered_rate"} <= free
    assert not free & {"cost_per_resolution", "cost_total", "frt_mean_s", "sentiment_mean"}


SETS_DAYS = ("2024-01-01", "2024-03-30")


@pytest.mark.parametrize("tz", ["UTC", "Europe/Paris"])
def test_plain_kpis_of_all_slicings_from_one_read_equal_one_read_per_slicing(demo, tz):
    """plain_frame_sets (fifth round): the fact-row KPIs the scan reads for its four slicings in
    one GROUPING SETS read equal plain_frame's frames per slicing, frame for frame and bit for
    bit, over the demo's 90 days; at UTC the counts and shares kpi_frame reads from the fact
    rows, in Paris (local days: no model applies) every plain cases KPI that order_free keeps."""
    from scorecard.anomalies.scan import order_free
    from scorecard.kpis.data import plain_frame, plain_frame_sets

    cfg = Config(display_timezone=tz)
    if tz == "UTC":
        kpis = [kpi_by_id("opportunities"), kpi_by_id("opportunity_capture_rate")]
    else:
        kpis = [k for k in catalogue() if k.source == "cases" and k.is_plain and order_free(k)]
        assert len(kpis) >= 10
    sets = plain_frame_sets(demo, cfg, "cases", kpis, "day", SLICE_DIMS, *SETS_DAYS, {})
    for by in SLICE_DIMS:
        want = plain_frame(demo, cfg, "cases", kpis, "day", list(by), *SETS_DAYS, {})
        assert len(want) >= 90 * len(kpis), by
        pd.testing.assert_frame_equal(sets[by], want, check_exact=True)


def test_agent_spread_of_all_slicings_from_one_read_equals_one_read_per_slicing(demo):
    """spread_model_sets (fifth round): the agent spread of the four slicings from one GROUPING
    SETS read of the agent model equals spread_model_frame's frame per slicing, bit for bit
    (the same agents' medians, the same exact quantiles of them)."""
    from scorecard.kpis.data_spread import spread_model_frame, spread_model_sets

    kpi = kpi_by_id("agent_frt_spread")
    sets = spread_model_sets(demo, Config(), kpi, "day", SLICE_DIMS, *SETS_DAYS, {})
    for by in SLICE_DIMS:
        want = spread_model_frame(demo, Config(), kpi, "day", list(by), *SETS_DAYS, {})
        shown = want["value"].dropna()  # p90 / p10 of 5+ agents' medians: at least 1
        assert len(want) >= 90 and len(shown) >= 50 and (shown >= 1).all(), by
        pd.testing.assert_frame_equal(sets[by], want, check_exact=True)


def test_the_scans_series_with_shared_reads_equal_kpi_frames_series(demo):
    """slice_data with noise_data's reads (cases per agent-hour, the counts and shares of the
    fact rows, the agent spread) gives every KPI series by brand and channel that it gives
    when kpi_frame reads them all: the same n and values, bit for bit, for every series the
    scan can test."""
    from scorecard.anomalies.scan import Noise, noise_data

    kpis, by = list(catalogue()), ("brand", "channel")
    noise = noise_data(demo, Config(), kpis, *SETS_DAYS, [by])[by]
    assert {"interactions_per_agent_hour", "opportunities", "agent_frt_spread"} <= set(
        noise.read["kpi"]
    )
    got = slice_data(demo, Config(), kpis, *SETS_DAYS, by, noise=noise).values
    plain = Noise(noise.exceed, noise.variance, pd.DataFrame())
    want = slice_data(demo, Config(), kpis, *SETS_DAYS, by, noise=plain).values
    # kpi_frame's complete_kpis also gives a KPI rows of n 0 in slices where only other KPIs
    # have rows (e.g. no agent on e-mail); the scan skips a series of n 0 on every day
    assert set(got) <= set(want)
    assert all(want[key][1].sum() == 0 for key in set(want) - set(got))
    want = {key: v for key, v in want.items() if key in got}
    assert len(want) > 300
    for key, (y, n) in want.items():
        assert (got[key][1] == n).all(), key
        assert ((got[key][0] == y) | (pd.isna(y) & pd.isna(got[key][0]))).all(), key


def test_a_years_coarse_slicings_are_read_in_parts_of_92_days_brand_x_channel_of_31():
    """series_parts (fifth round): 2024-01-01..2024-12-30 (365 days) by brand or channel in the
    four parts of test_a_year_is_read_in_four_parts_of_at_most_92_days; by brand and channel in
    twelve of 31 days (11 x 31 = 341, the last 24); 90 days in one part whatever the slicing."""
    from scorecard.anomalies.scan import series_parts

    assert series_parts("2024-01-01", "2024-12-30", ("brand",)) == day_chunks(
        "2024-01-01", "2024-12-30"
    )
    assert len(series_parts("2024-01-01", "2024-12-30", ())) == 4
    fine = series_parts("2024-01-01", "2024-12-30", ("brand", "channel"))
    assert len(fine) == 12 and fine[0] == ("2024-01-01", "2024-01-31")
    assert fine[-1] == ("2024-12-07", "2024-12-30")
    assert series_parts("2024-03-01", "2024-05-29", ("brand", "channel")) == [
        ("2024-03-01", "2024-05-29")
    ]


def test_a_coarse_slicings_series_read_in_parts_equal_one_read(demo, monkeypatch):
    """By brand (read in parts of CHUNK_DAYS, here 7 days), every KPI's daily series over the
    demo's last 30 days equals the series read at once (values to 1e-12, as above)."""
    start, end = "2024-03-01", "2024-03-30"
    kpis = list(catalogue())
    whole = slice_data(demo, Config(), kpis, start, end, ("brand",))
    monkeypatch.setattr(data_anomalies, "CHUNK_DAYS", 7)
    parts = slice_data(demo, Config(), kpis, start, end, ("brand",))
    assert whole.values.keys() == parts.values.keys() and len(whole.values) > 50
    for key, (y, n) in whole.values.items():
        assert (parts.values[key][1] == n).all(), key
        assert parts.values[key][0] == pytest.approx(y, rel=1e-12, abs=1e-12, nan_ok=True), key
