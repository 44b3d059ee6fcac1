"""The daily scorecard page's callbacks and components, called directly on the real TWCS sample.

Hand counts from tests/data/real/twcs_head_sample.csv (cases by root tweet, brand = first
outbound author): 2017-10-31 has 33 cases (ChipotleTweets 14, VerizonSupport 6,
marksandspencer 4, AskPlayStation 3, Ask_Spectrum 3, sprintcare 3); 2017-10-23 has 1
(ChipotleTweets). One case of 2017-10-31 is resolved, so resolution is 1/33 = 3 %, red against
the catalogue target of 70 % (amber band 10 points).
"""

from __future__ import annotations

import base64
import json

import pytest

from scorecard.kpis.catalogue import catalogue
from tests.browser import components_of, serving, texts_of


@pytest.fixture(scope="module")
def svc(twcs_db):
    with serving(twcs_db) as s:
        yield s


def _tile(rows, kpi: str):
    return next(c for c in components_of(rows) if getattr(c, "id", None) == f"tile-{kpi}")


def test_tiles_show_value_target_status_and_n(svc):
    from pages.scorecard import tiles

    rows, bar = tiles("2017-10-31", None, None)
    volume = texts_of(_tile(rows, "volume"))
    assert volume[:3] == ["Cases", "33", "target – · n=33"]
    resolution = _tile(rows, "resolution_rate")
    assert texts_of(resolution)[1] == "3%"
    assert "status-red" in resolution.children.className
    assert resolution.title.startswith("Resolved: ")  # the definition on hover
    headers = [t for c in components_of(rows) if type(c).__name__ == "H5" for t in texts_of(c)]
    assert [h.split(" · ")[0] for h in headers] == [
        "Customer",
        "Internal process",
        "Financial",
        "Learning and growth",
    ]
    assert texts_of(bar)[0].startswith(
        f"{len(catalogue())} rows"
    )  # one row per KPI in the catalogue


def test_red_tiles_link_to_their_root_cause_with_the_filters(svc):
    from pages.scorecard import tiles

    thin, _ = tiles("2017-10-31", "VerizonSupport", None)  # 6 cases: thin, nothing red
    assert texts_of(_tile(thin, "volume"))[1] == "6"
    assert not [c for c in components_of(thin) if type(c).__name__ == "Link"]
    rows, _ = tiles("2017-10-31", None, "social")
    links = [c.href for c in components_of(rows) if type(c).__name__ == "Link"]
    assert links and all(h.startswith("/rootcause?kpi=") for h in links)
    assert all("day=2017-10-31" in h and "channel=social" in h for h in links)
    reds = {
        c.id.removeprefix("tile-")
        for c in components_of(rows)
        if getattr(c, "id", "") and "status-red" in str(getattr(c.children, "className", ""))
    }
    assert {h.split("kpi=")[1].split("&")[0] for h in links} == reds


def test_a_day_without_cases_explains_itself(svc):
    from pages.scorecard import tiles

    rows, bar = tiles("2017-10-25", None, None)
    assert "No cases on 2017-10-25" in texts_of(rows)[0] and bar is None
    assert "Pick a day" in texts_of(tiles(None, None, None)[0])[0]


def test_trend_figure_has_title_axis_labels_and_the_28_days(svc):
    from pages.scorecard import tables, trend

    fig, bar = trend("volume", "2017-10-31", None, None)
    layout = fig["layout"]
    assert layout["title"]["text"] == "Cases per day, 28 days to 2017-10-31"
    assert layout["xaxis"]["title"]["text"] == "day" and layout["yaxis"]["title"]["text"] == "cases"
    assert fig["data"][0]["x"] == ["2017-10-23", "2017-10-31"]  # the two days with cases
    assert fig["data"][0]["y"] == [1.0, 33.0]
    json.dumps(fig)  # plain JSON, as sent
    # no day picked (an empty warehouse has none): the title says so instead of "28 days to –"
    assert trend("volume", None, None, None)[0]["layout"]["title"]["text"] == (
        "Cases per day (no day to show yet)"
    )
    frame = tables("2017-10-31", None, None, "volume")["trend"]
    assert texts_of(bar)[0].startswith(f"{len(frame)} rows")


def test_sparkline_points_are_scaled_into_the_box():
    from pages._components import sparkline

    img = sparkline([0.0, 1.0, None, 2.0], "red")
    svg = base64.b64decode(img.src.split(",", 1)[1]).decode()
    # width 132, height 30, 3 px padding: step (132-6)/3 = 42; y = 27 - v/2 * 24
    assert 'points="3.0,27.0 45.0,15.0 129.0,3.0"' in svg
    assert 'fill="#e74c3c"' in svg and "<text" not in svg
    assert sparkline([None, 1.0]) is None


def test_url_holds_the_filters(svc):
    from pages.scorecard import url_search

    assert (
        url_search("2017-10-31", "VerizonSupport", None, "volume")
        == "?day=2017-10-31&brand=VerizonSupport"
    )
    assert (
        url_search("2017-10-31", None, "social", "frt_median_s")
        == "?day=2017-10-31&channel=social&kpi=frt_median_s"
    )


def test_layout_reads_the_url_and_defaults_to_the_latest_day(svc):
    from pages.scorecard import layout

    page = layout(day="2017-10-31", brand="VerizonSupport")
    by_id = {c.id: c for c in components_of(page) if getattr(c, "id", None)}
    assert by_id["sc-date"].date == "2017-10-31" and by_id["sc-brand"].value == "VerizonSupport"
    default = {c.id: c for c in components_of(layout()) if getattr(c, "id", None)}
    assert default["sc-date"].date == "2017-10-31"  # yesterday has no data: the latest day
    assert "showing the latest day with data, 2017-10-31" in default["sc-note"].children


def test_export_callback_sends_the_shown_rows_neutralised(svc):
    """The export button's callback, with a click simulated in Dash's callback context."""
    import io

    import pandas as pd
    from dash._callback_context import context_value
    from dash._utils import AttributeDict

    from pages import scorecard as page

    export = page.EXPORT
    for fmt, reader in (
        ("csv", pd.read_csv),
        ("parquet", pd.read_parquet),
        ("xlsx", pd.read_excel),
    ):
        button = json.dumps(
            {"fmt": fmt, "page": "sc", "table": "scorecard", "type": "export"},
            separators=(",", ":"),
            sort_keys=True,
        )
        context_value.set(
            AttributeDict(triggered_inputs=[{"prop_id": button + ".n_clicks", "value": 1}])
        )
        data, error = export([1], "2017-10-31", "VerizonSupport", None, "volume")
        assert (
            error == "" and data["filename"] == f"scorecard_2017-10-31_VerizonSupport_volume.{fmt}"
        )
        got = reader(io.BytesIO(base64.b64decode(data["content"])))
        shown = page.tables("2017-10-31", "VerizonSupport", None, "volume")["scorecard"]
        assert list(got["kpi"]) == list(shown["kpi"]) and len(got) == len(shown) > 20
        assert got.loc[got["kpi"] == "volume", "value"].iloc[0] == 6
