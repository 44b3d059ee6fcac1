"""Root cause page: arriving from a red tile (why is it off target), the change mode one click
away, segments and the ranked failing cases with their transcripts, checked against the library
on the shared dashboard warehouse."""

from __future__ import annotations

import json
import re

import pytest

from scorecard.rootcause.change import drill_cases, explain_change
from scorecard.rootcause.shortfall import explain_shortfall
from tests.browser import components_of, dashboard_warehouse, serving, texts_of

DAY = "2024-01-22"  # the generator's TelcoCo outage day, a Monday
BASE = ("2023-12-25", "2024-01-15")  # the last 4 Mondays (the window; other weekdays left out)
BY = ["channel", "brand", "category"]
DIMS = ["channel", "brand", "category", "agent", "hour"]


@pytest.fixture(scope="module")
def svc(tmp_path_factory):
    with serving(dashboard_warehouse(tmp_path_factory.getbasetemp() / "dashboard")) as s:
        yield s


def test_layout_from_a_red_tile_link(svc):
    from pages.rootcause import layout

    page = layout(kpi="sla_met_rate", day=DAY, brand="TelcoCo", mode="target")
    by_id = {c.id: c for c in components_of(page) if getattr(c, "id", None)}
    assert (by_id["rc-period"].start_date, by_id["rc-period"].end_date) == (DAY, DAY)
    assert by_id["rc-mode"].value == "target"
    assert (by_id["rc-vs"].start_date, by_id["rc-vs"].end_date) == BASE and by_id[
        "rc-weekday"
    ].value == ["on"]
    assert by_id["rc-kpi"].value == "sla_met_rate" and by_id["rc-brand"].value == "TelcoCo"
    shared = layout(
        kpi="volume", period="2024-01-20..2024-01-22", vs="2024-01-01..2024-01-07", by="brand"
    )
    ids = {c.id: c for c in components_of(shared) if getattr(c, "id", None)}
    assert ids["rc-vs"].start_date == "2024-01-01" and ids["rc-by"].value == ["brand"]
    assert (
        ids["rc-mode"].value == "change" and ids["rc-weekday"].value == []
    )  # volume has no target
    opened = {c.id: c for c in components_of(layout()) if getattr(c, "id", None)}  # from the menu
    assert opened["rc-mode"].value == "target" and opened["rc-kpi"].value == "sla_met_rate"
    anomaly = {
        c.id: c
        for c in components_of(layout(kpi="sla_met_rate", day=DAY))
        if getattr(c, "id", None)
    }
    assert anomaly["rc-mode"].value == "change"  # a link without mode=target (e.g. an anomaly's)


def test_target_mode_matches_the_library(svc):
    from pages.rootcause import explain

    res = explain_shortfall(
        svc.reader.cursor(), svc.config, "sla_met_rate", f"{DAY}..{DAY}", (), {"brand": ["TelcoCo"]}
    )
    summary, chart, rows, columns, terms, examples, _, _, note = explain(
        "target", "sla_met_rate", DAY, DAY, *BASE, DIMS, "TelcoCo", None, []
    )
    assert texts_of(summary) == [res.summary] and res.shortfall > 0
    assert texts_of(summary)[0].startswith("Answered within SLA for brand TelcoCo is ")
    assert [c["headerName"] for c in columns] == [
        "Breakdown",
        "Segment",
        "Cases",
        "Failing",
        "Value",
        "Contribution to the shortfall",
        "Share of the shortfall",
    ]
    assert len(rows) == len(res.segments)
    channel = res.segments[res.segments["dimension"] == "channel"]
    assert channel["contribution"].sum() == pytest.approx(res.shortfall)
    assert rows[0]["contribution"].startswith("+") and rows[0]["contribution"].endswith(" points")
    for r in rows:  # shares within 0-100 %, or a note saying why not
        share = int(r["share"].rstrip(" %")) if r["share"] != "–" else 0
        assert 0 <= share <= 100 or note
        assert not re.search(r"(^|[^0-9])-0( |$)", r["contribution"])
    assert len(chart["data"][0]["y"]) == min(
        12, len(res.segments[res.segments["dimension"] != "term"])
    )
    json.dumps(chart) and json.dumps(terms)
    # what the first failing cases' customers wrote: their first message, in ranking order
    wrote = [
        (iid, t)
        for iid, t in zip(res.cases["interaction_id"], res.cases["transcript"], strict=True)
        if isinstance(t, str)
    ]
    assert wrote, "the outage day's failing TelcoCo cases include social ones with messages"
    links = [c.children for c in components_of(examples) if type(c).__name__ == "Link"]
    assert links[0] == wrote[0][0] and wrote[0][1].split("\n")[0].split(": ", 1)[1] in texts_of(
        examples
    )


def test_failing_cases_ranked_by_contribution_with_transcripts(svc):
    from pages.rootcause import CASE_PAGE, cases, transcript

    res = explain_shortfall(
        svc.reader.cursor(), svc.config, "sla_met_rate", f"{DAY}..{DAY}", (), {"brand": ["TelcoCo"]}
    )
    request = {"startRow": 0, "endRow": CASE_PAGE, "sortModel": [], "filterModel": {}}
    response, count, bar = cases(request, "target", "sla_met_rate", DAY, DAY, "TelcoCo", None)
    data = response["rowData"]
    assert count.startswith(
        f"{len(res.cases):,} failing cases behind Answered within SLA in {DAY}..{DAY}, "
        "largest contribution to the shortfall first"
    )
    assert [r["interaction_id"] for r in data] == list(res.cases["interaction_id"][:CASE_PAGE])
    assert response["rowCount"] == len(res.cases) and data[0]["rank"] == "1"
    first = res.cases.iloc[0]
    assert (
        first["contribution"] == res.cases["contribution"].max() and first["value"] == 0
    )  # a real miss
    view = transcript([data[0]])
    links = [c.href for c in components_of(view) if type(c).__name__ == "Link"]
    assert "/conversations?case=" + data[0]["interaction_id"].replace(":", "%3A") in links
    assert texts_of(bar)[0].startswith(f"{len(res.cases):,} rows")


def test_change_mode_one_click_away_reads_in_units(svc):
    from pages.rootcause import cases, explain

    exp = explain_change(
        svc.reader.cursor(),
        svc.config,
        "frt_median_s",
        f"{DAY}..{DAY}",
        "..".join(BASE),
        BY,
        {},
        True,
    )
    summary, chart, rows, columns, drivers, _, _, _, _ = explain(
        "change", "frt_median_s", DAY, DAY, *BASE, BY, None, None, ["on"]
    )
    assert (
        texts_of(summary) == [exp.summary()]
        and "(the Mondays (2023-12-25..2024-01-15), n=" in exp.summary()
    )
    assert exp.versus_days == ["2023-12-25", "2024-01-01", "2024-01-08", "2024-01-15"]
    names = [c["headerName"] for c in columns]
    assert "beyond its size" not in names and not any("share above" in n for n in names)
    assert len(rows) == len(exp.segments)
    for r in rows:  # durations read as durations, never '-0'
        for key in ("mix_effect", "rate_effect", "total_effect"):
            assert re.fullmatch(
                r"0|0 s|[+-]\d+ (s|min)|[+-]\d+ h( \d+ min)?|[+-]\d+ d( \d+ h)?", r[key]
            ), r[key]
    response, count, _bar = cases(
        {"startRow": 0, "endRow": 10}, "change", "frt_median_s", DAY, DAY, None, None
    )
    data = response["rowData"]
    frame = drill_cases(svc.reader.cursor(), svc.config, "frt_median_s", DAY, DAY, {})
    assert count.startswith(
        f"{len(frame):,} cases behind First response (median) in {DAY}..{DAY}, worst first"
    )
    assert data[0]["value"] == _longest(frame)
    json.dumps(chart) and json.dumps(drivers)


def _longest(frame) -> str:
    from scorecard.kpis.catalogue import kpi_by_id
    from scorecard.rootcause.shortfall_text import level_text

    return level_text(kpi_by_id("frt_median_s"), frame["kpi_value"].max())


def test_a_period_without_data_explains_itself(svc):
    from pages.rootcause import cases, explain

    summary, *_ = explain(
        "change",
        "volume",
        "2030-01-01",
        "2030-01-01",
        "2029-12-25",
        "2029-12-31",
        BY,
        None,
        None,
        [],
    )
    assert "no data to compare" in texts_of(summary)[0]
    summary, *_ = explain(
        "target", "sla_met_rate", "2030-01-01", "2030-01-01", None, None, BY, None, None, []
    )
    assert texts_of(summary) == [
        "Answered within SLA: no cases on 2030-01-01, so nothing to explain."
    ]
    response, count, _bar = cases(
        {"startRow": 0, "endRow": 10}, "change", "volume", "2030-01-01", "2030-01-01", None, None
    )
    assert response == {"rowData": [], "rowCount": 0} and count.startswith("0 cases")
