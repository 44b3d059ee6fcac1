"""Root cause page: arriving from a tile, the attribution, segments, and the cases behind the
number with their transcripts, checked against the library on the shared dashboard warehouse."""

from __future__ import annotations

import json

import pytest

from scorecard.rootcause import drill_cases, explain_change
from tests.browser import components_of, dashboard_warehouse, serving, texts_of

DAY, BASE = "2024-01-22", ("2024-01-15", "2024-01-21")  # the generator's TelcoCo outage day
BY = ["channel", "brand", "category"]


@pytest.fixture(scope="module")
def svc(tmp_path_factory):
    with serving(dashboard_warehouse(tmp_path_factory.getbasetemp() / "dashboard")) as s:
        yield s


def test_layout_from_a_red_tile_link(svc):
    from pages.rootcause import layout

    page = layout(kpi="sla_met_rate", day=DAY, brand="TelcoCo")
    by_id = {c.id: c for c in components_of(page) if getattr(c, "id", None)}
    assert (by_id["rc-period"].start_date, by_id["rc-period"].end_date) == (DAY, DAY)
    assert (by_id["rc-vs"].start_date, by_id["rc-vs"].end_date) == BASE  # the 7 days before
    assert by_id["rc-kpi"].value == "sla_met_rate" and by_id["rc-brand"].value == "TelcoCo"
    shared = layout(kpi="volume", period="2024-01-20..2024-01-22", vs="2024-01-01..2024-01-07", by="brand")
    ids = {c.id: c for c in components_of(shared) if getattr(c, "id", None)}
    assert ids["rc-vs"].start_date == "2024-01-01" and ids["rc-by"].value == ["brand"]


def test_explain_matches_the_library(svc):
    from pages.rootcause import explain

    exp = explain_change(svc.reader.cursor(), svc.config, "volume", f"{DAY}..{DAY}", "..".join(BASE), BY, {})
    summary, chart, rows, columns, drivers, examples, seg_bar, _ = explain("volume", DAY, DAY, *BASE, BY, None, None)
    assert texts_of(summary) == [exp.summary()]
    assert len(rows) == len(exp.segments)
    assert abs(rows[0]["total_effect"]) == pytest.approx(exp.segments["total_effect"].abs().max())  # largest first
    bars = chart["data"]
    assert [b["name"].split(" ")[0] for b in bars] == ["mix", "rate"] and len(bars[0]["y"]) == min(12, len(exp.segments))
    assert {c["id"] for c in columns} >= {"mix_effect", "rate_effect", "share", "excess"}
    assert f"n={exp.n_a:,} -> " in texts_of(summary)[0] and exp.n_a > 0 and exp.n_b > 0
    assert texts_of(seg_bar)[0].startswith(f"{len(exp.segments)} rows")
    json.dumps(chart) and json.dumps(drivers)


def test_cases_behind_the_number_page_and_open_a_transcript(svc):
    from pages.rootcause import CASE_PAGE, cases, transcript

    frame = drill_cases(svc.reader.cursor(), svc.config, "sla_met_rate", DAY, DAY, {"brand": ["TelcoCo"]})
    data, pages, count, bar = cases("sla_met_rate", DAY, DAY, "TelcoCo", None, 1)
    assert count.startswith(f"{len(frame):,} cases behind Answered within SLA in {DAY}..{DAY}")
    assert pages == -(-len(frame) // CASE_PAGE)
    assert [r["interaction_id"] for r in data] == list(frame["interaction_id"][CASE_PAGE:2 * CASE_PAGE])
    assert texts_of(bar)[0].startswith(f"{len(frame):,} rows")
    view = transcript({"row": 0, "column": 0}, data)
    links = [c.href for c in components_of(view) if type(c).__name__ == "Link"]
    assert links == ["/conversations?case=" + data[0]["interaction_id"].replace(":", "%3A")]


def test_a_period_without_data_explains_itself(svc):
    from pages.rootcause import cases, explain

    summary, *_ = explain("volume", "2030-01-01", "2030-01-01", "2029-12-25", "2029-12-31", BY, None, None)
    assert "no data to compare" in texts_of(summary)[0]
    data, _pages, count, _bar = cases("volume", "2030-01-01", "2030-01-01", None, None, 0)
    assert data == [] and count.startswith("0 cases")


def test_segment_columns_show_a_quantile_kpis_shares_above_as_percentages():
    from pages._rootcause_data import segment_columns

    median = {c["id"]: c for c in segment_columns("seconds", "exceedance")}
    # a median is explained through each segment's share of rows above the comparison value:
    # 0.62 must read 62.0 %, not "1" second
    assert median["rate_a"]["name"] == "share above (compared)" and median["rate_a"]["format"]["specifier"] == ".1%"
    assert median["mix_effect"]["name"] == "mix effect (s)" and median["mix_effect"]["format"]["specifier"] == "+,.0f"
    volume = {c["id"]: c for c in segment_columns("count", "additive")}
    assert volume["rate_b"]["name"] == "KPI (period)" and volume["total_effect"]["name"] == "total effect (per day)"
