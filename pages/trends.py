"""Trends (analyst): any KPI over time by a dimension, with the seasonal baseline and anomalies."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
import pandas as pd
from dash import Input, Output, State, callback, dcc, html

from pages import _ids as ids
from pages._components import (
    card,
    empty_state,
    export_bar,
    filter_select,
    kpi_picker,
    labelled,
    page_header,
)
from pages._export import export_outputs, register_export
from pages._figures import GRAPH_CONFIG, kpi_trend, with_baseline
from pages._format import formatted
from pages._state import optional_module, query_string, valid_day
from pages._trends_data import TOP_SLICES, tables, thin_note
from scorecard.kpis.catalogue import kpi_by_id, target_of
from scorecard.options import default_range, filter_choices
from scorecard.service import per_snapshot, service

dash.register_page(__name__, path="/trends", name="Trends", title="socialcare · trends")
PAGE = "tr"
GRAINS = [{"label": g, "value": g} for g in ("day", "week", "month")]
DIMS = [{"label": "none (all cases)", "value": ""}] + [
    {"label": d, "value": d} for d in ("channel", "brand", "category", "agent")
]


def layout(
    kpi: str | None = None,
    grain: str | None = None,
    by: str | None = None,
    start: str | None = None,
    end: str | None = None,
    brand: str | None = None,
    channel: str | None = None,
    sensitivity: str | None = None,
    **_,
):
    """Filters (from the URL) and the containers the callbacks fill."""
    svc = service()
    lo, hi = svc.cached(default_range, valid_day(start), valid_day(end))
    choices = svc.cached(filter_choices)
    try:
        sens = min(5.0, max(2.0, float(sensitivity))) if sensitivity else 3.5
    except ValueError:
        sens = 3.5
    return html.Div(
        [
            dcc.Location(id=ids.url(PAGE), refresh=False),
            page_header(
                "Trends",
                "Any KPI over time, by a dimension, against its seasonal baseline; anomalies link to their root cause.",
            ),
            dbc.Row(
                [
                    kpi_picker(ids.TR_KPI, kpi, "frt_median_s", 3),
                    labelled(
                        "Grain",
                        dcc.RadioItems(
                            id=ids.TR_GRAIN,
                            options=GRAINS,
                            value=grain if grain in ("day", "week", "month") else "day",
                            inline=True,
                            inputClassName="me-1",
                            labelClassName="me-3",
                        ),
                    ),
                    labelled(
                        "By",
                        filter_select(
                            ids.TR_BY,
                            DIMS,
                            by if by in ("channel", "brand", "category", "agent") else "",
                            "none",
                            clearable=False,
                        ),
                        2,
                    ),
                ],
                className="g-2 align-items-end",
            ),
            dbc.Row(
                [
                    labelled(
                        "Period",
                        dcc.DatePickerRange(
                            id=ids.TR_RANGE,
                            start_date=lo,
                            end_date=hi,
                            display_format="YYYY-MM-DD",
                            first_day_of_week=1,
                        ),
                    ),
                    labelled(
                        "Brand",
                        filter_select(ids.TR_BRAND, choices["brand"], brand, "All brands"),
                        2,
                    ),
                    labelled(
                        "Channel",
                        filter_select(ids.TR_CHANNEL, choices["channel"], channel, "All channels"),
                        2,
                    ),
                ],
                className="g-2 mb-2 align-items-end",
            ),
            card(
                "KPI over time",
                dcc.Loading(dcc.Graph(id=ids.TR_CHART, config=GRAPH_CONFIG), delay_show=300),
                footer=html.Div(id=f"{ids.TR_CHART}-export"),
            ),
            card(
                "Anomalous days (the daily series with these filters)",
                [
                    html.Div(
                        [
                            html.Label(
                                "Sensitivity (robust z-score threshold: lower finds more)",
                                className="filter-label",
                            ),
                            dcc.Slider(id=ids.TR_SENSITIVITY, min=2, max=5, step=0.5, value=sens),
                        ],
                        style={"maxWidth": "520px"},
                    ),
                    dcc.Loading(html.Div(id=ids.TR_ANOMALIES), delay_show=300),
                ],
                footer=html.Div(id=f"{ids.TR_ANOMALIES}-export"),
            ),
            card(
                "Anomalies in every slice",
                [
                    html.Div(
                        "Tests the KPI's daily series overall, per brand, per channel and per brand and channel, and "
                        "explains each anomaly (takes longer on large warehouses).",
                        className="small text-muted mb-2",
                    ),
                    dbc.Button(
                        "Scan all slices",
                        id=ids.TR_SCAN_BUTTON,
                        color="primary",
                        size="sm",
                        className="mb-2",
                    ),
                    dcc.Loading(html.Div(id=ids.TR_SCAN), delay_show=300),
                ],
            ),
            export_outputs(PAGE),
        ]
    )


INPUTS = [
    Input(ids.TR_KPI, "value"),
    Input(ids.TR_GRAIN, "value"),
    Input(ids.TR_BY, "value"),
    Input(ids.TR_RANGE, "start_date"),
    Input(ids.TR_RANGE, "end_date"),
    Input(ids.TR_BRAND, "value"),
    Input(ids.TR_CHANNEL, "value"),
    Input(ids.TR_SENSITIVITY, "value"),
]
KEYS = ("kpi", "grain", "by", "start", "end", "brand", "channel", "sensitivity")


@callback(Output(ids.url(PAGE), "search"), *INPUTS)
def url_search(*values) -> str:
    """The filters as the page's query string (shareable link)."""
    return query_string(dict(zip(KEYS, values, strict=True)))


@callback(Output(ids.TR_CHART, "figure"), Output(f"{ids.TR_CHART}-export", "children"), *INPUTS)
@per_snapshot
def chart(kpi_id, grain, by, start, end, brand, channel, sensitivity):
    """The KPI per period (one line per slice); on the daily series the baseline band and anomalies."""
    kpi = kpi_by_id(kpi_id or "volume")
    t = tables(kpi.id, grain, by, start, end, brand, channel, sensitivity)
    series = t.get("series", pd.DataFrame())
    shown = (
        f" (top {TOP_SLICES} of {t['_slices']} by cases)"
        if by and t.get("_slices", 0) > TOP_SLICES
        else ""
    )
    title = f"{kpi.label} per {grain or 'day'}" + (f" by {by}{shown}" if by else "")
    fig = kpi_trend(
        series,
        kpi,
        target_of(kpi, service().config)[0],
        title,
        x_title=grain or "day",
        slice_col=by or None,
        height=400,
    )
    bars = [export_bar(PAGE, "series", len(series), "chart data")]
    if "baseline" in t and (grain or "day") == "day" and not by and not series.empty:
        with_baseline(fig, t["baseline"], kpi)
        bars.append(export_bar(PAGE, "baseline", len(t["baseline"]), "baseline and expected range"))
    return fig, html.Div(bars)


def _text(value) -> str | None:
    return value if isinstance(value, str) and value else None


def _explain_link(kpi: str, day: str, brand, channel, period: str | None = None) -> dcc.Link:
    return dcc.Link(
        "explain →",
        href="/rootcause"
        + query_string(
            {"kpi": kpi, "day": day, "period": period, "brand": brand, "channel": channel}
        ),
        className="ms-2",
    )


@callback(
    Output(ids.TR_ANOMALIES, "children"), Output(f"{ids.TR_ANOMALIES}-export", "children"), *INPUTS
)
@per_snapshot
def anomaly_list(kpi_id, grain, by, start, end, brand, channel, sensitivity):
    """The anomalous days of the daily series (current filters), each linking to its root cause."""
    if optional_module("scorecard.anomalies.find") is None:
        return empty_state(
            "Anomaly detection is not available in this version (scorecard/anomalies/find.py)."
        ), None
    t = tables(kpi_id, grain, by, start, end, brand, channel, sensitivity)
    days = t.get("anomalous_days")
    if days is None or days.empty:
        return empty_state(
            "No anomalous days in the daily series for this KPI, period and filter at this "
            "sensitivity (days with fewer than 20 cases are not tested)."
        ), None
    kpi = kpi_by_id(kpi_id)
    items = [
        dbc.ListGroupItem(
            [
                html.Strong(f"{d['date']}: "),
                html.Span(
                    f"{formatted(d['observed'], kpi.unit)} vs expected {formatted(d['expected'], kpi.unit)} "
                    f"(range {formatted(d['lower'], kpi.unit)}–{formatted(d['upper'], kpi.unit)}, n={int(d['n']):,})"
                ),
                _explain_link(kpi.id, d["date"], brand, channel),
            ]
        )
        for _, d in days.sort_values("date", ascending=False).iterrows()
    ]
    return dbc.ListGroup(items, flush=True), export_bar(PAGE, "anomalous_days", len(days))


@callback(
    Output(ids.TR_SCAN, "children"),
    Input(ids.TR_SCAN_BUTTON, "n_clicks"),
    *(State(i.component_id, i.component_property) for i in INPUTS),
    prevent_initial_call=True,
    running=[(Output(ids.TR_SCAN_BUTTON, "disabled"), True, False)],
)
@per_snapshot
def scan(_clicks, kpi_id, grain, by, start, end, brand, channel, sensitivity):
    """Every slice tested: incidents severity first, each with its echoes, attribution and example
    messages of the attributed segment (plain text only); thin slices, new activity, gaps."""
    t = tables(kpi_id, grain, by, start, end, brand, channel, sensitivity, scan=True)
    found, note = t.get("scan"), thin_note(t.get("scan_thin"))
    notes = [
        html.Div(x, className="small text-muted mt-2")
        for x in [
            note,
            *t.get("scan_new", pd.DataFrame(columns=["summary"]))["summary"],
            *t.get("scan_gaps", pd.DataFrame(columns=["summary"]))["summary"],
        ]
        if x
    ]
    if found is None or found.empty:
        return [
            empty_state(
                "No incidents in any slice for this KPI, period and filter at this sensitivity."
            ),
            *notes,
        ]
    kpi = kpi_by_id(kpi_id)
    items = [
        dbc.ListGroupItem(
            [
                html.Div(
                    [
                        html.Strong(
                            f"{a['id']} · severity {a['severity']:.1f} · {a['when']} · {a['slice']} · "
                        ),
                        html.Span(
                            f"{formatted(a['observed'], kpi.unit)} vs expected {formatted(a['expected'], kpi.unit)} "
                            f"(z={a['z']:+.1f}, n={int(a['n']):,})"
                        ),
                        _explain_link(
                            kpi.id,
                            a["date"],
                            _text(a["brand"]) or brand,
                            _text(a["channel"]) or channel,
                            _text(a["period"]),
                        ),
                    ]
                ),
                html.Div(a["summary"], className="small text-muted"),
                *[
                    html.Div(f"echo: {m}", className="small ms-4 text-muted")
                    for m in str(a["echoes"] or "").split("\n")
                    if m
                ],
                *[
                    html.Div(f"“{m}”", className="transcript-text small ms-3")
                    for m in str(a["examples"] or "").split("\n")
                    if m
                ],
            ]
        )
        for _, a in found.iterrows()
    ]  # severity first
    return [dbc.ListGroup(items, flush=True), *notes, export_bar(PAGE, "scan", len(found))]


register_export(
    PAGE,
    lambda *v: tables(*v[:-1], scan=bool(v[-1])),
    [
        *(State(i.component_id, i.component_property) for i in INPUTS),
        State(ids.TR_SCAN_BUTTON, "n_clicks"),
    ],
)
