"""Root cause (operations leader, analyst): why a KPI is off target, what moved it, which cases."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, dcc, html
from dash.exceptions import PreventUpdate

from pages import _ids as ids
from pages import _rootcause_data as rc
from pages._components import (
    card,
    data_table,
    export_bar,
    filter_select,
    kpi_picker,
    labelled,
    page_header,
    records,
    requested_page,
    view_filter,
)
from pages._export import export_outputs, register_export
from pages._figures import GRAPH_CONFIG
from pages._rootcause_views import change_view, target_view
from pages._state import dim_filters, listed, period, query_string, valid_day
from pages._transcript import transcript_view
from scorecard.cases.browser import case_transcript
from scorecard.kpis.catalogue import catalogue, kpi_by_id, target_of
from scorecard.kpis.comparison import configured_comparison
from scorecard.options import filter_choices, latest_day
from scorecard.service import per_snapshot, service

dash.register_page(__name__, path="/rootcause", name="Root cause", title="socialcare · root cause")
PAGE, CASE_PAGE, MODE, WEEKDAY, NOTE = "rc", 10, "rc-mode", "rc-weekday", "rc-note"
DIMS = ("channel", "brand", "category", "agent", "hour")
MODES = [
    {"label": " Why is it off target", "value": "target"},
    {"label": " What changed", "value": "change"},
]


def _has_target(kpi_id: str) -> bool:
    k = kpi_by_id(kpi_id)
    return k.direction != "none" and target_of(k, service().config)[0] is not None and k.is_plain


def layout(kpi=None, day=None, vs=None, by=None, brand=None, channel=None, mode=None, **kwargs):
    """Filters (from the URL: a red tile sends kpi, day and mode=target) and results."""
    svc = service()
    last = svc.cached(latest_day)
    focus = (
        period(kwargs.get("period"))
        or period(valid_day(day))
        or ((last.isoformat(),) * 2 if last else (None, None))
    )
    kpi = kpi if kpi in {k.id for k in catalogue()} else "sla_met_rate"
    linked = day or vs or kwargs.get("period")  # e.g. an anomaly's "explain": what changed
    mode = (
        mode
        if mode in ("target", "change")
        else "change"
        if linked or not _has_target(kpi)
        else "target"
    )
    base = configured_comparison(*focus, svc.config) if focus[0] else None
    vs_range = period(vs) or (base.window if base else (None, None))
    choices = svc.cached(filter_choices)
    return html.Div(
        [
            dcc.Location(id=ids.url(PAGE), refresh=False),
            page_header(
                "Root cause",
                "Why a KPI is off target (the shortfall by segment and the failing cases), "
                "or what moved it since a comparison period; the words that came with it; the cases.",
            ),
            dbc.Row(
                [
                    labelled(
                        "Question",
                        dcc.RadioItems(
                            id=MODE,
                            options=MODES,
                            value=mode,
                            inline=False,
                            inputClassName="me-1",
                            labelClassName="me-2",
                        ),
                    ),
                    kpi_picker(ids.RC_KPI, kpi, "sla_met_rate", 2),
                    labelled(
                        "Period",
                        dcc.DatePickerRange(
                            id=ids.RC_PERIOD,
                            start_date=focus[0],
                            end_date=focus[1],
                            display_format="YYYY-MM-DD",
                            first_day_of_week=1,
                        ),
                    ),
                    labelled(
                        "Compared with (what changed)",
                        html.Div(
                            [
                                dcc.DatePickerRange(
                                    id=ids.RC_VS,
                                    start_date=vs_range[0],
                                    end_date=vs_range[1],
                                    display_format="YYYY-MM-DD",
                                    first_day_of_week=1,
                                ),
                                dcc.Checklist(
                                    id=WEEKDAY,
                                    options=[{"label": " same weekdays only", "value": "on"}],
                                    value=["on"] if base and base.exclude and not vs else [],
                                    inputClassName="me-1",
                                    className="small",
                                ),
                            ]
                        ),
                    ),
                    labelled(
                        "Break down by",
                        filter_select(
                            ids.RC_BY,
                            list(DIMS),
                            [d for d in listed(by) if d in DIMS] or list(DIMS),
                            "dimensions",
                            multi=True,
                        ),
                        2,
                    ),
                    labelled(
                        "Brand",
                        filter_select(ids.RC_BRAND, choices["brand"], brand, "All brands"),
                        1,
                    ),
                    labelled(
                        "Channel",
                        filter_select(ids.RC_CHANNEL, choices["channel"], channel, "All channels"),
                        1,
                    ),
                ],
                className="g-2 mb-2 align-items-end",
            ),
            dcc.Loading(html.Div(id=ids.RC_SUMMARY, className="mb-2"), delay_show=300),
            dbc.Row(
                [
                    dbc.Col(
                        card(
                            "Attribution",
                            dcc.Graph(id=ids.RC_CHART, config=GRAPH_CONFIG),
                            footer=html.Div(id=f"{ids.RC_CHART}-export"),
                        ),
                        lg=7,
                    ),
                    dbc.Col(
                        card(
                            "Text drivers",
                            [
                                dcc.Graph(id=ids.RC_DRIVERS, config=GRAPH_CONFIG),
                                html.Div(id=f"{ids.RC_DRIVERS}-examples"),
                            ],
                            footer=html.Div(id=f"{ids.RC_DRIVERS}-export"),
                        ),
                        lg=5,
                    ),
                ],
                className="g-3",
            ),
            card(
                "Segments",
                [
                    data_table(ids.RC_SEGMENTS, rc.SHORTFALL_COLUMNS, page_size=10),
                    html.Div(id=NOTE, className="small text-muted mt-1"),
                ],
            ),
            dbc.Row(
                [
                    dbc.Col(
                        card(
                            "Cases behind the number (the export includes full transcripts)",
                            [
                                html.Div(
                                    id=f"{ids.RC_CASES}-count", className="small text-muted mb-1"
                                ),
                                data_table(
                                    ids.RC_CASES_TABLE,
                                    rc.CASE_COLUMNS,
                                    page_size=CASE_PAGE,
                                    server_side=True,
                                ),
                            ],
                            footer=html.Div(id=f"{ids.RC_CASES}-export"),
                        ),
                        xl=8,
                    ),
                    dbc.Col(
                        card(
                            "Transcript",
                            html.Div(id=ids.RC_TRANSCRIPT, children=transcript_view(None)),
                        ),
                        xl=4,
                    ),
                ],
                className="g-3",
            ),
            export_outputs(PAGE),
        ]
    )


INPUTS = [
    Input(MODE, "value"),
    Input(ids.RC_KPI, "value"),
    Input(ids.RC_PERIOD, "start_date"),
    Input(ids.RC_PERIOD, "end_date"),
    Input(ids.RC_VS, "start_date"),
    Input(ids.RC_VS, "end_date"),
    Input(ids.RC_BY, "value"),
    Input(ids.RC_BRAND, "value"),
    Input(ids.RC_CHANNEL, "value"),
    Input(WEEKDAY, "value"),
]


@callback(Output(ids.url(PAGE), "search"), *INPUTS)
def url_search(mode, kpi, a, b, c, d, by, brand, channel, weekday) -> str:
    """The view as the page's query string (shareable link)."""
    return query_string(
        {
            "mode": mode,
            "kpi": kpi,
            "period": f"{a}..{b}" if a and b else None,
            "vs": f"{c}..{d}" if c and d and mode == "change" else None,
            "by": by,
            "brand": brand,
            "channel": channel,
        }
    )


@callback(
    Output(ids.RC_SUMMARY, "children"),
    Output(ids.RC_CHART, "figure"),
    Output(ids.RC_SEGMENTS, "rowData"),
    Output(ids.RC_SEGMENTS, "columnDefs"),
    Output(ids.RC_DRIVERS, "figure"),
    Output(f"{ids.RC_DRIVERS}-examples", "children"),
    Output(f"{ids.RC_CHART}-export", "children"),
    Output(f"{ids.RC_DRIVERS}-export", "children"),
    Output(NOTE, "children"),
    *INPUTS,
)
@per_snapshot
def explain(mode, kpi_id, a, b, c, d, by, brand, channel, weekday):
    """Target mode: the shortfall paragraph, contributions by segment and by topic term.
    Change mode: the change summary, mix/rate attribution, segments and text drivers."""
    kpi = kpi_by_id(kpi_id or "sla_met_rate")
    filters, dims = dim_filters(brand=brand, channel=channel), listed(by) or list(DIMS)
    if mode == "target":
        return target_view(kpi, a, b, filters, dims)
    return change_view(kpi, a, b, c, d, filters, dims, bool(weekday))


CASE_INPUTS = [*INPUTS[:4], *INPUTS[7:9]]


@callback(Output(ids.RC_CASES_TABLE, "filterModel"), *CASE_INPUTS, prevent_initial_call=True)
def first_cases_page(*inputs) -> dict:
    """The cases table asks for its first page again whenever the view changes."""
    return view_filter(*inputs)


@callback(
    Output(ids.RC_CASES_TABLE, "getRowsResponse"),
    Output(f"{ids.RC_CASES}-count", "children"),
    Output(f"{ids.RC_CASES}-export", "children"),
    Input(ids.RC_CASES_TABLE, "getRowsRequest"),
    *(State(i.component_id, i.component_property) for i in CASE_INPUTS),
)
@per_snapshot
def cases(request, mode, kpi_id, a, b, brand, channel):
    """The page the table asks for of the failing cases, largest contribution to the shortfall
    first (target mode), or of the cases behind the value, worst first (change mode)."""
    if request is None:
        raise PreventUpdate
    none = {"rowData": [], "rowCount": 0}
    if not (kpi_id and a and b):
        return none, "Pick a KPI and a period.", None
    filters, kpi = dim_filters(brand=brand, channel=channel), kpi_by_id(kpi_id)
    page = requested_page(request, CASE_PAGE)
    if mode == "target":
        res = rc.shortfall(kpi_id, a, b, filters)
        if res is None or isinstance(res, str):
            return none, res, None
        frame = rc.case_rows(res, kpi, service().config)
        count = (
            f"{len(frame):,} failing {'answers' if kpi.source == 'surveys' else 'cases'} behind "
            f"{kpi.label} in {a}..{b}, largest contribution to the shortfall first; click one to read it."
        )
    else:
        frame = rc.focus_cases(kpi_id, a, b, filters)
        if isinstance(frame, str):
            return none, frame, None
        frame = rc.worst_first(frame, kpi)
        count = f"{len(frame):,} cases behind {kpi.label} in {a}..{b}, worst first; click one to read it."
    shown = frame.iloc[page * CASE_PAGE : (page + 1) * CASE_PAGE]
    return (
        {"rowData": records(shown), "rowCount": len(frame)},
        count,
        export_bar(PAGE, "cases", len(frame)),
    )


@callback(
    Output(ids.RC_TRANSCRIPT, "children"),
    Input(ids.RC_CASES_TABLE, "selectedRows"),
    prevent_initial_call=True,
)
# not memoised: what a transcript shows depends on the user's role, and each view is audited
def transcript(selected):
    """The clicked case's transcript, with a link to it in Conversations."""
    if not selected or not isinstance(selected, list) or not selected[0].get("interaction_id"):
        raise PreventUpdate
    return transcript_view(
        service().cached(case_transcript, selected[0]["interaction_id"]), with_link=True
    )


register_export(PAGE, rc.tables, [State(i.component_id, i.component_property) for i in INPUTS])
