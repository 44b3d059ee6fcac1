"""Channel economics: figure builders on hand-built frames, and the page's callbacks on the
shared dashboard warehouse (generated multichannel data, default cost model)."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pandas as pd
import pytest

from pages._figures_econ import (
    cost_by_channel,
    forest_plot,
    forest_rows,
    matrix_heatmap,
    volume_mix,
    whatif_figure,
)
from tests.browser import dashboard_warehouse, serving, texts_of

LIFT = pd.DataFrame(
    {
        "comparison": ["social vs phone", "social vs phone"],
        "metric": ["recommend_rate", "nps"],
        "social": [0.55, 20.0],
        "other": [0.50, 8.0],
        "diff": [0.05, 12.0],
        "ci_low": [-0.01, 2.0],
        "ci_high": [0.11, 22.0],
        "n_social": [300, 280],
        "n_other": [900, 850],
        "method": ["newcombe", "bootstrap"],
    }
)
ADJUSTED = pd.DataFrame(
    {
        "comparison": ["social vs phone"],
        "odds_ratio": [1.2],
        "or_ci_low": [0.9],
        "or_ci_high": [1.6],
        "ame": [0.03],
        "ame_ci_low": [-0.02],
        "ame_ci_high": [0.08],
        "n": [1200],
        "note": [""],
    }
)


def test_forest_rows_put_shares_and_nps_on_one_points_axis():
    rows = forest_rows(LIFT, ADJUSTED)
    # recommend: 0.05 share = 5 points, CI -1..11; NPS is already in points: 12, CI 2..22
    assert rows[["estimate", "low", "high"]].round(6).values.tolist() == [
        [5, -1, 11],
        [12, 2, 22],
        [3, -2, 8],
    ]
    assert list(rows["kind"]) == ["raw", "raw", "adjusted"]
    assert rows["n"].iloc[0] == "n=300 vs 900"


def test_forest_plot_puts_recommend_and_nps_differences_on_separate_axes():
    fig = forest_plot(LIFT, ADJUSTED)
    raw, adjusted, nps = fig["data"]
    assert (
        raw["x"] == [5.0]
        and raw["error_x"]["array"] == [6.0]
        and raw["error_x"]["arrayminus"] == [6.0]
    )
    assert (
        (raw["xaxis"], raw["yaxis"]) == ("x", "y")
        and adjusted["x"] == [3.0]
        and adjusted["xaxis"] == "x"
    )
    assert nps["x"] == [12.0] and (nps["xaxis"], nps["yaxis"]) == (
        "x2",
        "y2",
    )  # its own panel and axis
    assert nps["error_x"]["array"] == [10.0] and nps["showlegend"] is False
    lay = fig["layout"]
    assert lay["xaxis"]["title"]["text"] == "would recommend, social − other (percentage points)"
    assert lay["xaxis2"]["title"]["text"] == "NPS, social − other (NPS points)"
    assert lay["yaxis"]["domain"][0] > lay["yaxis2"]["domain"][1]  # stacked, not overlapping
    assert [(sh["xref"], sh["x0"]) for sh in lay["shapes"]] == [
        ("x", 0),
        ("x2", 0),
    ]  # a zero line in each
    assert raw["y"] == ["social vs phone · would recommend"] and nps["y"] == [
        "social vs phone · NPS"
    ]
    json.dumps(fig)
    empty = forest_plot(LIFT.iloc[0:0], ADJUSTED.iloc[0:0])
    assert "Not enough survey answers" in empty["layout"]["annotations"][0]["text"]


def test_matrix_cells_show_rate_and_n():
    matrix = pd.DataFrame(
        {
            "channel": ["phone", "phone", "social"],
            "bucket": ["fast_resolved", "unanswered", "fast_resolved"],
            "recommend_rate": [0.45, 0.19, 0.6],
            "n": [120, 40, 30],
        }
    )
    fig = matrix_heatmap(matrix)
    heat = fig["data"][0]
    assert heat["x"] == ["fast,<br>resolved", "unanswered"] and heat["y"] == ["phone", "social"]
    assert heat["text"][0] == ["45%<br>n=120", "19%<br>n=40"] and heat["text"][1][1] == "–<br>n=0"
    assert heat["z"][0] == [45.0, 19.0] and heat["z"][1][1] is None


def test_matrix_marks_thin_cells_and_keeps_empty_buckets():
    # lift.py lists every bucket of a channel with answers, empty ones with n 0 and no rate
    matrix = pd.DataFrame(
        {
            "channel": ["phone", "phone", "social", "social"],
            "bucket": ["fast_resolved", "slow_resolved", "fast_resolved", "slow_resolved"],
            "recommend_rate": [0.45, None, 0.5, 1.0],
            "n": [120, 0, 40, 1],
        }
    )
    heat = matrix_heatmap(matrix)["data"][0]
    assert heat["x"] == ["fast,<br>resolved", "slow,<br>resolved"]  # the empty bucket stays
    assert heat["text"] == [["45%<br>n=120", "–<br>n=0"], ["50%<br>n=40", "100%<br>n=1<br>thin"]]


def test_whatif_and_cost_figures():
    w = SimpleNamespace(
        shift=0.2, cost_before=1000.0, cost_after=880.0, recommend_before=0.5, recommend_after=0.52
    )
    fig = whatif_figure(w)
    assert fig["data"][0]["y"] == [1000.0, 880.0] and fig["data"][1]["y"] == [50.0, 52.0]
    assert fig["layout"]["title"]["text"].startswith("What-if: 20% of eligible phone volume")
    assert fig["layout"]["yaxis"]["title"]["text"] == "total cost"
    eur = whatif_figure(SimpleNamespace(**vars(w), currency="EUR"))
    assert (
        eur["layout"]["yaxis"]["title"]["text"] == "total cost (EUR)"
    )  # money carries its currency
    econ = pd.DataFrame(
        {
            "channel": ["phone", "social"],
            "cost_per_interaction": [7.0, 0.9],
            "cost_per_resolution": [10.0, 2.0],
        }
    )
    bars = cost_by_channel(econ)
    assert [t["y"] for t in bars["data"]] == [[7.0, 0.9], [10.0, 2.0]]
    vol = pd.DataFrame(
        {
            "period": ["2024-01-01"] * 2,
            "channel": ["phone", "social"],
            "value": [90.0, 10.0],
            "n": [90, 10],
        }
    )
    assert [t["groupnorm"] for t in volume_mix(vol)["data"]] == ["percent", "percent"]


@pytest.fixture(scope="module")
def svc(tmp_path_factory):
    with serving(dashboard_warehouse(tmp_path_factory.getbasetemp() / "dashboard")) as s:
        yield s


def test_page_costs_follow_the_cost_model(svc):
    from pages import economics as page

    t = page.tables("2024-01-01", "2024-02-11", None, 20)
    econ = t["economics"].set_index("channel")
    # no handle-minute costs configured: the cost per case is the per-interaction default
    assert econ["cost_per_interaction"].round(2).to_dict() == {
        "chat": 3.0,
        "email": 3.75,
        "phone": 7.0,
        "social": 0.9,
    }
    assert list(t["costs"].columns) == ["channel", "cost_per_interaction", "cost_per_resolution"]
    weekly = t["volume"].groupby("channel")["value"].sum()
    assert int(weekly.sum()) == int(econ["cases"].sum())  # the mix covers every case of the period
    out = page.economics("2024-01-01", "2024-02-11", None)
    cost_fig, mix_fig, table = out[0], out[1], out[2]
    assert [r["channel"] for r in table] == list(t["economics"]["channel"])
    assert cost_fig["layout"]["yaxis"]["title"]["text"] == "cost per case"
    assert mix_fig["layout"]["xaxis"]["title"]["text"] == "week"
    assert texts_of(out[7])[0].startswith(f"{len(t['volume'])} rows")


def test_page_uses_the_lift_module_when_present(svc):
    lift = pytest.importorskip("scorecard.economics.lift")
    from pages import economics as page

    report = lift.lift_report(
        svc.reader.cursor(), svc.config, "2024-01-01", "2024-02-11", {}, page.REPORT_SHIFT
    )
    out = page.economics("2024-01-01", "2024-02-11", None)
    assert [r["channel"] for r in out[2]] == list(report.economics["channel"])
    assert out[3]["layout"]["title"]["text"].startswith("Recommendation lift")
    fig, text, _bar, _notes = page.whatif("2024-01-01", "2024-02-11", None, 30)
    w = lift.what_if(svc.reader.cursor(), svc.config, "2024-01-01", "2024-02-11", {}, 0.3)
    texts = texts_of(text)
    # the card states the result in whole cases and contacts, then every assumption beside it
    assert texts[0].startswith(
        f"Moving 30% of phone cases in eligible categories to social moves "
        f"{w.moved_cases:,} whole cases and adds {w.followup_contacts:,} follow-up contacts"
    )
    assert isinstance(w.moved_cases, int) and fig["data"]
    assert (
        texts[1] == "Assumptions" and texts[2:] == list(w.assumptions) and len(w.assumptions) == 6
    )
    assert w.social_cases_measured > 0  # the generated data links customers across channels
    row = page.tables("2024-01-01", "2024-02-11", None, 30)["whatif"].iloc[0]
    assert row["assumptions"] == " | ".join(w.assumptions) and row["moved_cases"] == w.moved_cases


def test_page_tells_its_verdict_and_marks_costs_as_assumptions(svc):
    from pages import economics as page

    out = page.economics("2024-01-01", "2024-02-11", None)
    verdict, cost_note = out[11], out[12]
    report = page.tables("2024-01-01", "2024-02-11", None, 20)["_report"]
    raw = report.lift.set_index(["comparison", "metric"]).loc[("social vs phone", "recommend_rate")]
    sentence = texts_of(verdict)[0]
    assert sentence.startswith(f"Social customers would recommend {100 * raw['diff']:+.1f} pts")
    notes = texts_of(out[5])
    assert report.whatif.notes and set(report.whatif.notes) <= set(
        report.notes
    )  # thin categories: a note
    assert not any(n in notes for n in report.whatif.notes)  # the what-if's notes are in its card
    assert "Configured unit costs, not measurements" in " ".join(texts_of(cost_note))
    assert "assumption" in texts_of(cost_note)
    _fig, _text, _bar, whatif_notes = page.whatif("2024-01-01", "2024-02-11", None, 20)
    w = page.tables("2024-01-01", "2024-02-11", None, 20)["_whatif"]
    assert w.notes and [t.removeprefix("Note: ") for t in texts_of(whatif_notes)] == list(w.notes)


def test_exports_are_rounded(svc):
    from pages import economics as page

    t = page.tables("2024-01-01", "2024-02-11", None, 20)
    lift = t["lift"]
    assert (lift["diff"] == lift["diff"].round(4)).all() and (
        t["economics"]["cost_total"] == t["economics"]["cost_total"].round(2)
    ).all()
    # the figures keep full precision (the report object is not rounded)
    assert t["_report"].lift["diff"].iloc[0] == pytest.approx(lift["diff"].iloc[0], abs=5e-5)


def test_business_case_button_downloads_a_pdf(svc):
    from pages import economics as page

    sent = page.business_case_download(1, "2024-01-01", "2024-02-11", None, 20)
    assert sent["filename"] == "business-case-2024-01-01-2024-02-11.pdf" and sent["base64"] is True
    import base64

    assert base64.b64decode(sent["content"])[:5] == b"%PDF-"
