"""Trends: the KPI series by grain and dimension, the seasonal baseline band and the anomaly list,
on the shared dashboard warehouse (generated data with injected incidents)."""

from __future__ import annotations

import json
from datetime import date

import pytest

from scorecard.anomalies import find as anomalies
from scorecard.kpis.scoring import scorecard
from tests.browser import components_of, dashboard_warehouse, serving, texts_of

START, END = "2024-01-01", "2024-02-11"


@pytest.fixture(scope="module")
def svc(tmp_path_factory):
    with serving(dashboard_warehouse(tmp_path_factory.getbasetemp() / "dashboard")) as s:
        yield s


def test_daily_chart_shows_series_baseline_and_anomalies(svc):
    from pages.trends import chart

    fig, bar = chart("volume", "day", "", START, END, None, None, 3.5)
    expected = scorecard(
        svc.reader.cursor(), svc.config, START, END, "day", (), {}, ["volume"]
    ).to_frame()
    series = fig["data"][0]
    assert series["x"] == list(expected["period"]) and series["y"] == list(expected["value"])
    names = [t.get("name") for t in fig["data"]]
    assert "expected range" in names and "seasonal baseline" in names
    assert (
        fig["layout"]["title"]["text"] == "Cases per day"
        and fig["layout"]["yaxis"]["title"]["text"] == "cases"
    )
    assert [t.split(":")[0] for t in texts_of(bar) if "rows" in t] == [
        "chart data",
        "baseline and expected range",
    ]
    json.dumps(fig)


def test_grain_and_breakdown(svc):
    from pages.trends import TOP_SLICES, chart, tables

    fig, _ = chart("frt_median_s", "week", "channel", START, END, None, None, 3.5)
    assert sorted(t["name"] for t in fig["data"]) == ["chat", "email", "phone", "social"]
    assert all(
        date.fromisoformat(x).weekday() == 0 for t in fig["data"] for x in t["x"]
    )  # weeks start Monday
    assert fig["layout"]["yaxis"]["title"]["text"] == "minutes"  # seconds are plotted in minutes
    assert not any(
        t.get("name") == "seasonal baseline" for t in fig["data"]
    )  # the band is daily, overall
    agents = tables("volume", "month", "agent", START, END, None, None, 3.5)
    assert (
        agents["_slices"] > TOP_SLICES
        and agents["series"]["agent"].nunique(dropna=False) == TOP_SLICES
    )
    fig, _ = chart("volume", "month", "agent", START, END, None, None, 3.5)
    assert f"(top {TOP_SLICES} of {agents['_slices']} by cases)" in fig["layout"]["title"]["text"]


def test_anomaly_list_is_the_baselines_flagged_days_with_explain_links(svc):
    from pages.trends import anomaly_list

    flagged_total = 0
    for kpi in ("answered_rate", "volume", "frt_median_s", "sla_met_rate", "resolution_rate"):
        base = anomalies.daily_baseline(svc.reader.cursor(), svc.config, kpi, START, END, {}, 2.0)
        days = sorted(base.loc[base["is_anomaly"], "date"], reverse=True)
        flagged_total += len(days)
        body, _bar = anomaly_list(kpi, "day", "", START, END, None, None, 2.0)
        links = [c.href for c in components_of(body) if type(c).__name__ == "Link"]
        assert links == [f"/rootcause?kpi={kpi}&day={d}" for d in days]
        if not days:
            assert "No anomalous days" in texts_of(body)[0]
    assert flagged_total > 0  # the fixture's incidents give at least one flagged day at z >= 2


def test_url_and_empty_period(svc):
    from pages.trends import chart, url_search

    assert (
        url_search("volume", "week", "", START, END, "TelcoCo", None, 3.5)
        == f"?kpi=volume&grain=week&start={START}&end={END}&brand=TelcoCo&sensitivity=3.5"
    )
    fig, _ = chart("volume", "day", "", "2030-01-01", "2030-01-31", None, None, 3.5)
    assert "No values for this KPI" in fig["layout"]["annotations"][0]["text"]


def test_scan_of_every_slice_lists_incidents_severity_first_with_echoes(svc):
    from pages._trends_data import week_start
    from pages.trends import scan, tables

    found = anomalies.find_anomalies(svc.reader.cursor(), svc.config, START, END, ["volume"], 2.5)
    body = scan(1, "volume", "day", "", START, END, None, None, 2.5)
    links = [c.href for c in components_of(body) if type(c).__name__ == "Link"]
    assert found.incidents and len(links) == len(found.incidents)  # one entry per incident
    texts = texts_of(body)
    for i in found.incidents:
        assert i.summary in texts
        assert any(
            f"day={i.date}" in h and all(f"{k}={v}" in h for k, v in i.slice.items()) for h in links
        )
        assert any(t.startswith(f"{i.id} · severity {i.severity:.1f} · ") for t in texts)
        assert sum(t.startswith("echo: ") for t in texts) >= len(i.echoes) > 0 or not i.echoes
    assert not any("nan" in h.lower() or "none" in h.lower() for h in links)
    frame = tables("volume", "day", "", START, END, None, None, 2.5, scan=True)["scan"]
    assert frame["id"].tolist() == [i.id for i in found.incidents]  # severity first
    assert frame["severity"].is_monotonic_decreasing
    # example messages: plain text (a Div's string child: Dash escapes it), never Markdown/HTML
    shown = [e["text"] for i in found.incidents for e in i.examples]
    assert shown and all(f"“{t}”" in texts for t in shown)
    assert not any(type(c).__name__ in ("Markdown", "Iframe") for c in components_of(body))
    for i in found.incidents:  # a rolling week says so and links to its whole week
        if i.window > 1:
            assert f"{i.window} days to {i.date} · " in " ".join(texts)
            assert any(
                f"period={week_start(i.date, i.window)}..{i.date}" in h.replace("%2E", ".")
                for h in links
            )
    if found.thin:
        assert any(t.startswith(f"Too thin to test ({len(found.thin)}): ") for t in texts)


def test_a_rolling_week_links_to_its_whole_week(svc):
    from pages._trends_data import week_start
    from pages.rootcause import layout
    from pages.trends import _explain_link

    assert week_start("2024-01-31", 7) == "2024-01-25"
    link = _explain_link(
        "runaround_rate", "2024-01-31", "AirCo", "social", "2024-01-25..2024-01-31"
    )
    assert link.href == (
        "/rootcause?kpi=runaround_rate&day=2024-01-31&period=2024-01-25..2024-01-31"
        "&brand=AirCo&channel=social"
    )
    page = {
        c.id: c
        for c in components_of(
            layout(kpi="runaround_rate", day="2024-01-31", period="2024-01-25..2024-01-31")
        )
        if getattr(c, "id", None)
    }
    assert (page["rc-period"].start_date, page["rc-period"].end_date) == (
        "2024-01-25",
        "2024-01-31",
    )
    assert (page["rc-vs"].start_date, page["rc-vs"].end_date) == ("2024-01-18", "2024-01-24")
