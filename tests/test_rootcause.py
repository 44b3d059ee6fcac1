"""Mix/rate attribution, drill to the cases and transcripts (hand-computed: golden/rootcause.md)."""

from __future__ import annotations

import json
from dataclasses import replace

import pandas as pd
import pytest
from click.testing import CliRunner

from cli import main
from etl.settings.config import Config
from scorecard.kpis.catalogue import catalogue, kpi_by_id
from scorecard.kpis.data import open_warehouse
from scorecard.kpis.scoring import scorecard
from scorecard.periods import day_range, parse_hours
from scorecard.rootcause.change import (
    drill_cases,
    explain_change,
    parse_period,
    segment_phrase,
    transcript,
)
from scorecard.rootcause.mixrate import REMAINDER, decompose, finish, ranked
from tests.rc_fixtures import two_day_rows, warehouse_from_rows

A, B = "2024-03-01", "2024-03-02"


@pytest.fixture(scope="module")
def two_day_db(tmp_path_factory):
    rows, msgs, svs = two_day_rows()
    return warehouse_from_rows(tmp_path_factory.mktemp("rc") / "w.duckdb", rows, msgs, svs)


@pytest.fixture
def con(two_day_db):
    c = open_warehouse(two_day_db)
    yield c
    c.close()


def _by_segment(exp, dim="channel"):
    return exp.segments[exp.segments["dimension"] == dim].set_index("segment")


def test_resolution_rate_decomposition_matches_the_hand_computation(con):
    exp = explain_change(con, Config(), "resolution_rate", B, A, ["channel"])
    assert exp.value_a == pytest.approx(1 / 2) and exp.value_b == pytest.approx(5 / 12)
    assert exp.total_change == pytest.approx(-1 / 12)
    s = _by_segment(exp)
    expected = {
        "social": (-1 / 45, -2 / 15, 28 / 15),
        "phone": (-91 / 720, 23 / 120, -47 / 60),
        "email": (1 / 144, 0.0, -1 / 12),
    }
    for seg, (mix, rate, share) in expected.items():
        assert s.at[seg, "mix_effect"] == pytest.approx(mix, abs=1e-12)
        assert s.at[seg, "rate_effect"] == pytest.approx(rate, abs=1e-12)
        assert s.at[seg, "share"] == pytest.approx(share, abs=1e-12)
    assert s.at["email", "weight_a"] == 0 and s.at["email", "rate_a"] == pytest.approx(0.5)
    assert list(exp.segments["segment"])[0] == "social"  # ranked by |total effect|
    assert exp.segments["total_effect"].sum() == pytest.approx(-1 / 12, abs=1e-12)


def test_volume_is_decomposed_per_day(con):
    one = explain_change(con, Config(), "volume", B, A, ["channel"])
    assert (one.value_a, one.value_b, one.total_change) == (10, 12, 2)
    assert _by_segment(one)["total_effect"].to_dict() == pytest.approx(
        {"social": 4, "phone": -4, "email": 2}
    )
    assert _by_segment(one)["rate_effect"].abs().max() == 0
    two = explain_change(con, Config(), "volume", B, "2024-02-29..2024-03-01", ["channel"])
    assert (two.value_a, two.total_change) == (5, 7)
    assert _by_segment(two)["total_effect"].to_dict() == pytest.approx(
        {"social": 6, "phone": -1, "email": 2}
    )


def test_median_frt_is_explained_through_the_share_above_the_old_median(con):
    exp = explain_change(con, Config(), "frt_median_s", B, A, ["channel"])
    assert (exp.value_a, exp.value_b, exp.method) == (30, 600, "exceedance")
    s = _by_segment(exp)
    assert s["total_effect"].to_dict() == pytest.approx(
        {"social": 1748 / 13, "phone": 351.5, "email": 1092.5 / 13}, abs=1e-9
    )
    assert s.at["social", "rate_a"] == 1 and s.at["phone", "rate_b"] == 0
    assert s["total_effect"].sum() == pytest.approx(570)


@pytest.mark.parametrize("kpi", [k.id for k in catalogue() if k.is_plain])
def test_every_dimension_adds_up_exactly_to_the_total_change(con, kpi):
    exp = explain_change(con, Config(), kpi, B, A)
    if exp.total_change is None:  # no data for this KPI in one of the days (e.g. NPS)
        assert exp.segments.empty
        return
    for dim, part in exp.segments.groupby("dimension"):
        assert part["total_effect"].sum() == pytest.approx(exp.total_change, abs=1e-9), dim
    # only KPIs whose definition is not a weighted mean of segments may need a remainder row
    if REMAINDER in set(exp.segments["segment"]):
        assert kpi in {"interactions_per_agent_hour", "cost_per_resolution"}


def test_a_spread_across_agents_is_not_decomposed(con):
    spread = [k.id for k in catalogue() if not k.is_plain]
    for kpi in spread:
        with pytest.raises(ValueError, match="spread across agents"):
            explain_change(con, Config(), kpi, B, A)


def test_value_a_and_b_equal_the_scorecard_values(con):
    for kpi in ("resolution_rate", "frt_median_s", "sentiment_mean", "recommend_rate"):
        exp = explain_change(con, Config(), kpi, B, A, ["brand"])
        for day, value in ((A, exp.value_a), (B, exp.value_b)):
            sc = scorecard(con, Config(), day, day, kpi_ids=[kpi]).kpis[0].value
            assert value == pytest.approx(sc), (kpi, day)


def test_hour_is_the_local_hour_of_the_display_timezone(con):
    exp = explain_change(
        con, replace(Config(), display_timezone="America/New_York"), "volume", B, A, ["hour"]
    )
    assert set(exp.segments["segment"]) == {"5"}  # 10:00 UTC is 05:00 EST on 1-2 March


def test_filters_restrict_the_population(con):
    exp = explain_change(
        con, Config(), "resolution_rate", B, A, ["category"], {"channel": ["social"]}
    )
    assert (exp.value_a, exp.value_b) == (pytest.approx(0.5), pytest.approx(0.25))
    assert set(exp.segments["segment"]) == {"billing", "outage"}


def test_text_drivers_and_examples_come_from_customer_messages_of_the_period(con):
    exp = explain_change(con, Config(), "resolution_rate", B, A)
    assert exp.examples.columns.tolist() == ["interaction_id", "sent_at", "text"]
    assert exp.text_drivers.columns.tolist() == ["term", "z", "count_focus", "count_base"]
    assert exp.text_drivers.empty  # 3 focus messages cannot reach min_count=3 with z >= 1.96
    # no driver, yet the period's messages are shown, one per case in time order (m1, then m4)
    assert list(exp.examples["interaction_id"]) == ["b-s0", "b-s1"]


def test_explanation_json_and_summary(con):
    exp = explain_change(con, Config(), "resolution_rate", B, A, ["channel"])
    out = exp.to_json()
    assert out["period"] == f"{B}..{B}" and out["versus"] == f"{A}..{A}"
    assert out["segments"][0]["segment"] == "social" and json.dumps(out)
    assert (out["n_a"], out["n_b"], out["thin"]) == (10, 12, True)
    lines = exp.summary().splitlines()
    # golden/rootcause.md "Explain's summary": n per period, thin warning, units, honest shares
    assert lines[0] == f"Resolved fell from 50 % to 42 % (worse) ({A}, n=10 -> {B}, n=12)."
    assert lines[1] == (
        f"  Thin data: 10 cases in {A} and 12 in {B} (fewer than 30 on a side): "
        "the change and its split are mostly noise."
    )
    assert out["warnings"] == [lines[1].strip()]
    assert lines[3] == (
        "  the social channel: 187 % of the change (other segments offset), 40 % of "
        "the cases before; mix -2.2 points, rate -13.3 points"
    )
    assert len(lines) == 4  # phone and e-mail moved against the change: not drivers


def test_explain_ranks_drivers_beyond_their_size(con):
    # golden/rootcause.md: by channel and category; billing takes 25 % of the change but held
    # 100 % of the cases before (excess -75 %), outage 75 % from nothing (excess +75 %)
    exp = explain_change(con, Config(), "resolution_rate", B, A, ["channel", "category"])
    cat = _by_segment(exp, "category")
    assert cat["share"].to_dict() == pytest.approx({"outage": 3 / 4, "billing": 1 / 4})
    assert cat["excess"].to_dict() == pytest.approx({"outage": 3 / 4, "billing": -3 / 4})
    assert _by_segment(exp).at["social", "excess"] == pytest.approx(28 / 15 - 2 / 5)
    assert [tuple(r) for r in exp.top(5)[["dimension", "segment"]].to_numpy()] == [
        ("channel", "social"),
        ("category", "outage"),
    ]
    assert exp.summary().splitlines()[4] == (
        "  the outage category: 75 % of the change, 0 % of the "
        "cases before; mix -6.2 points, rate 0"
    )
    # a dimension with one segment (agent AB, hour 10) drives nothing, whatever its share
    lone = explain_change(con, Config(), "resolution_rate", B, A, ["agent", "hour"])
    assert lone.top(5).empty and "no breakdown has more than one segment" in lone.summary()


def test_a_thin_quantile_change_says_what_it_cannot_split(twcs_db):
    # the TWCS sample: one case with an FRT on 2017-10-23..30 (758,994 s), 33 on 10-31 (median
    # 433 s; tests/golden/README.md); the share above 758,994 s is 0 before and after, so the
    # exceedance split has nothing to scale and the whole change is the remainder
    con = open_warehouse(twcs_db)
    exp = explain_change(con, Config(), "frt_median_s", "2017-10-31", "2017-10-23..2017-10-30")
    con.close()
    assert (exp.n_a, exp.n_b, exp.value_a, exp.value_b) == (1, 33, 758994, 433)
    lines = exp.summary().splitlines()
    assert lines[0].startswith("First response (median) fell from 8 d 19 h to 7 min (better) ")
    assert lines[1].startswith("  Thin data: 1 case in 2017-10-23..2017-10-30 and 33 in 2017-10-31")
    assert lines[2].startswith(
        "  Not attributable to segments: 100 % of the change in every breakdown"
    )
    assert not any("-0 %" in line for line in lines) and exp.top(5).empty


def test_user_errors_are_one_sentence(con):
    with pytest.raises(ValueError, match="must be YYYY-MM-DD..YYYY-MM-DD"):
        parse_period("last week")
    with pytest.raises(ValueError, match=r"^--from: 'notadate' is not a date \(YYYY-MM-DD\)\.$"):
        day_range("notadate", None, ("--from", "--to"))
    with pytest.raises(
        ValueError, match="start 2024-03-02 is after end 2024-03-01; put the earlier"
    ):
        drill_cases(con, Config(), "volume", B, A)
    with pytest.raises(ValueError, match=r"--hour: '25' is not an hour of day"):
        parse_hours("9,25", "--hour")
    assert parse_hours("9, 15-17,16") == ["9", "15", "16", "17"] and parse_hours(None) == []
    with pytest.raises(ValueError, match="start first"):
        parse_period("2024-03-02..2024-03-01")
    with pytest.raises(ValueError, match="unknown dimension 'colour'"):
        explain_change(con, Config(), "volume", B, A, ["colour"])
    with pytest.raises(ValueError, match="unknown KPI"):
        drill_cases(con, Config(), "happiness", A, B)


def test_segment_phrases_name_hours_and_runs_of_hours():
    assert segment_phrase("agent", "(none)") == "cases without an agent"
    assert segment_phrase("hour", "9") == "the 09:00 hour"
    assert segment_phrase("hour", "15-22") == "the 15:00-23:00 hours"  # a band of anomalies.py
    assert segment_phrase("category", "outage") == "the outage category"
    assert segment_phrase("agent", "AH") == "agent AH"


def test_mixrate_handles_a_segment_missing_in_the_focus_period():
    a = [("x", 0.2, 50), ("y", 0.6, 50)]
    b = [("x", 0.4, 100)]
    out = ranked([finish(decompose(a, b), "d", 0.4 - 0.4)]).set_index("segment")
    # y vanished: its rate in b is its rate in a; KPI 0.4 -> 0.4, x's rate +0.2 is offset by mix
    assert out.at["y", "rate_b"] == 0.6 and out.at["y", "rate_effect"] == 0
    assert out["total_effect"].sum() == pytest.approx(0.0, abs=1e-12)
    assert out.at["x", "rate_effect"] == pytest.approx(0.2 * 0.75)
    assert REMAINDER not in out.index


# --- drill to the cases -----------------------------------------------------------------------


def test_drill_returns_exactly_the_kpi_population(con):
    res = drill_cases(con, Config(), "resolution_rate", B, B)
    assert len(res) == 12 and res["kpi_value"].mean() == pytest.approx(5 / 12)
    frt = drill_cases(con, Config(), "frt_median_s", B, B, {"channel": ["social", "email"]})
    assert len(frt) == 10 and set(frt["channel"]) == {"social", "email"}
    sent = drill_cases(con, Config(), "sentiment_mean", B, B)
    assert sent["interaction_id"].tolist() == ["b-s0"]
    assert (sent.at[0, "n_scored"], sent.at[0, "kpi_value"]) == (2, pytest.approx(0.05))
    rec = drill_cases(con, Config(), "recommend_rate", B, B)
    assert sorted(rec["survey_id"]) == ["sv1", "sv2", "sv3"]
    assert rec["kpi_value"].mean() == pytest.approx(2 / 3)
    assert rec.set_index("survey_id").at["sv3", "channel"] == "email"  # unlinked survey


@pytest.mark.parametrize("kpi", [k.id for k in catalogue()])
def test_drill_row_count_equals_the_kpi_n(con, kpi):
    rows = drill_cases(con, Config(), kpi, A, B)
    n = scorecard(con, Config(), A, B, kpi_ids=[kpi]).kpis
    n = n[0].n if n else 0
    if kpi_by_id(kpi).kind == "agent_spread":  # n counts the agents behind the spread
        assert rows["agent"].nunique() == n and len(rows) >= 5 * n
    else:
        assert (rows["n_scored"].sum() if "n_scored" in rows else len(rows)) == n


def test_drill_rows_carry_transcript_flags_and_local_times(con):
    rows = drill_cases(
        con,
        replace(Config(), display_timezone="Europe/Paris"),
        "volume",
        B,
        B,
        {"channel": ["social"]},
    )
    row = rows.set_index("interaction_id").loc["b-s0"]
    assert str(row["opened_at"].tz) == "Europe/Paris" and row["opened_at"].hour == 11
    lines = row["transcript"].split("\n")
    assert lines[0] == "2024-03-02 11:00 customer cust [-0.50]: No signal again @TelcoCo"
    assert lines[1].startswith("2024-03-02 11:10 agent AB [+0.10]: Sorry")
    assert len(lines) == 3 and row["category"] == "outage" and row["hour"] == 11
    for col in ("private_handoff", "runaround", "dq_flags", "flags", "frt_s", "status"):
        assert col in rows.columns


def test_transcript_lists_messages_in_order(con):
    t = transcript(con, Config(), "b-s0")
    assert t.columns.tolist() == [
        "seq",
        "sent_at",
        "author_role",
        "author_id",
        "text",
        "sentiment",
        "asks_private",
        "is_runaround",
    ]
    assert t["seq"].tolist() == [1, 2, 3] and t["author_role"].tolist()[1] == "agent"
    assert transcript(con, Config(), "nope").empty


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "parquet"])
def test_cli_drill_writes_exactly_the_drilled_rows(two_day_db, tmp_path, fmt):
    out = tmp_path / f"cases.{fmt}"
    result = CliRunner().invoke(
        main,
        [
            "drill",
            "frt_median_s",
            "--from",
            B,
            "--to",
            B,
            "--channel",
            "social,email",
            "--format",
            fmt,
            "--out",
            str(out),
            "--db",
            str(two_day_db),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "wrote 10 rows" in result.output
    read = {"csv": pd.read_csv, "xlsx": pd.read_excel, "parquet": pd.read_parquet}[fmt]
    written = read(out)
    con = open_warehouse(two_day_db)
    expected = drill_cases(con, Config(), "frt_median_s", B, B, {"channel": ["social", "email"]})
    con.close()
    assert written["interaction_id"].tolist() == expected["interaction_id"].tolist()
    assert written["frt_s"].tolist() == expected["frt_s"].tolist()


def test_cli_explain_json_and_errors(two_day_db):
    r = CliRunner().invoke(
        main,
        [
            "explain",
            "resolution_rate",
            "--period",
            B,
            "--vs",
            A,
            "--by",
            "channel",
            "--format",
            "json",
            "--db",
            str(two_day_db),
        ],
    )
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["total_change"] == pytest.approx(-1 / 12)
    bad = CliRunner().invoke(
        main,
        ["explain", "resolution_rate", "--period", "yesterday", "--vs", A, "--db", str(two_day_db)],
    )
    assert bad.exit_code == 1 and "Traceback" not in bad.output
    assert "must be YYYY-MM-DD..YYYY-MM-DD" in bad.output


def test_cli_explain_and_drill_filter_a_slice(two_day_db, tmp_path):
    # explain within channel=social: resolution 2/4 -> 2/8 (test_filters_restrict_the_population)
    r = CliRunner().invoke(
        main,
        [
            "explain",
            "resolution_rate",
            "--period",
            B,
            "--vs",
            A,
            "--by",
            "category",
            "--channel",
            "social",
            "--format",
            "json",
            "--db",
            str(two_day_db),
        ],
    )
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    assert (out["value_a"], out["value_b"], out["n_a"], out["n_b"]) == (0.5, 0.25, 4, 8)
    assert out["filters"] == {"channel": ["social"]}
    # every case of the fixture opened at 10:xx UTC: --hour 10 keeps day b's 12, 11-23 none
    for hours, rows in (("10", 12), ("9-10", 12), ("11-23", 0)):
        res = CliRunner().invoke(
            main,
            [
                "drill",
                "volume",
                "--from",
                B,
                "--to",
                B,
                "--hour",
                hours,
                "--out",
                str(tmp_path / "c.csv"),
                "--db",
                str(two_day_db),
            ],
        )
        assert res.exit_code == 0 and f"wrote {rows} rows" in res.output, res.output


def test_explain_runs_on_the_real_twitter_sample(twcs_db):
    con = open_warehouse(twcs_db)
    exp = explain_change(con, Config(), "frt_median_s", "2017-10-31", "2017-10-01..2017-10-30")
    assert exp.value_b is not None and "First response (median)" in exp.summary()
    if exp.total_change is not None and not exp.segments.empty:
        for _, part in exp.segments.groupby("dimension"):
            assert part["total_effect"].sum() == pytest.approx(exp.total_change, abs=1e-6)
    rows = drill_cases(con, Config(), "frt_median_s", None, None, {"brand": ["VerizonSupport"]})
    assert len(rows) == 6 and rows["frt_s"].median() == pytest.approx(190.5)  # golden/README.md
    con.close()
