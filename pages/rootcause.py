"""Root cause (operations leader, analyst): what moved a KPI, which words came with it, which cases."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, dcc, html, no_update
from dash.exceptions import PreventUpdate

from pages import _ids as ids
from pages._components import (
    card,
    data_table,
    export_bar,
    filter_select,
    labelled,
    page_header,
    records,
)
from pages._export import export_outputs, register_export
from pages._figures import GRAPH_CONFIG, empty_figure
from pages._figures_rc import attribution_chart, drivers_chart, top_segments
from pages._rootcause_data import (
    CASE_COLUMNS,
    SEGMENT_COLUMNS,
    explanation,
    focus_cases,
    segment_columns,
    tables,
)
from pages._state import dim_filters, listed, period, previous_days, query_string, valid_day
from pages._transcript import case_link, transcript_view
from scorecard.cases import case_transcript
from scorecard.catalogue import catalogue, kpi_by_id
from scorecard.options import filter_choices, latest_day
from scorecard.service import per_snapshot, service

dash.register_page(__name__, path="/rootcause", name="Root cause", title="socialcare · root cause")
PAGE, CASE_PAGE = "rc", 10
DIMS = ("channel", "brand", "category", "agent", "hour")


def layout(kpi=None, day=None, vs=None, by=None, brand=None, channel=None, **kwargs):
    """Filters (from the URL: a red tile or an anomaly sends kpi, day and its slice) and results."""
    svc = service()
    last = svc.cached(latest_day)
    focus = period(kwargs.get("period")) or period(valid_day(day)) or ((last.isoformat(),) * 2 if last else (None, None))
    base = period(vs) or (previous_days(focus[0]) if focus[0] else (None, None))
    choices = svc.cached(filter_choices)
    return html.Div([
        dcc.Location(id=ids.url(PAGE), refresh=False),
        page_header("Root cause", "Which segments moved the KPI (mix vs rate), which words came with it, and the cases behind it."),
        dbc.Row([
            labelled("KPI", filter_select(ids.RC_KPI, [{"label": k.label, "value": k.id} for k in catalogue()],
                                          kpi if kpi in {k.id for k in catalogue()} else "frt_median_s", "KPI",
                                          clearable=False), 3),
            labelled("Period", dcc.DatePickerRange(id=ids.RC_PERIOD, start_date=focus[0], end_date=focus[1],
                                                   display_format="YYYY-MM-DD", first_day_of_week=1)),
            labelled("Compared with", dcc.DatePickerRange(id=ids.RC_VS, start_date=base[0], end_date=base[1],
                                                          display_format="YYYY-MM-DD", first_day_of_week=1)),
            labelled("Break down by", filter_select(ids.RC_BY, list(DIMS), [d for d in listed(by) if d in DIMS] or
                                                    ["channel", "brand", "category"], "dimensions", multi=True), 3),
            labelled("Brand", filter_select(ids.RC_BRAND, choices["brand"], brand, "All brands"), 2),
            labelled("Channel", filter_select(ids.RC_CHANNEL, choices["channel"], channel, "All channels"), 1),
        ], className="g-2 mb-2 align-items-end"),
        dcc.Loading(html.Div(id=ids.RC_SUMMARY, className="mb-2"), delay_show=300),
        dbc.Row([
            dbc.Col(card("Attribution", dcc.Graph(id=ids.RC_CHART, config=GRAPH_CONFIG),
                         footer=html.Div(id=f"{ids.RC_CHART}-export")), lg=7),
            dbc.Col(card("Text drivers", [dcc.Graph(id=ids.RC_DRIVERS, config=GRAPH_CONFIG),
                                          html.Div(id=f"{ids.RC_DRIVERS}-examples")],
                         footer=html.Div(id=f"{ids.RC_DRIVERS}-export")), lg=5),
        ], className="g-3"),
        card("Top segments", data_table(ids.RC_SEGMENTS, SEGMENT_COLUMNS, page_size=8)),
        dbc.Row([
            dbc.Col(card("Cases behind the number (period and filters; the export includes full transcripts)", [
                html.Div(id=f"{ids.RC_CASES}-count", className="small text-muted mb-1"),
                data_table(ids.RC_CASES_TABLE, CASE_COLUMNS, page_size=CASE_PAGE, custom_paging=True)],
                footer=html.Div(id=f"{ids.RC_CASES}-export")), xl=7),
            dbc.Col(card("Transcript", html.Div(id=ids.RC_TRANSCRIPT, children=transcript_view(None))), xl=5),
        ], className="g-3"),
        export_outputs(PAGE),
    ])


INPUTS = [Input(ids.RC_KPI, "value"), Input(ids.RC_PERIOD, "start_date"), Input(ids.RC_PERIOD, "end_date"),
          Input(ids.RC_VS, "start_date"), Input(ids.RC_VS, "end_date"), Input(ids.RC_BY, "value"),
          Input(ids.RC_BRAND, "value"), Input(ids.RC_CHANNEL, "value")]


@callback(Output(ids.url(PAGE), "search"), *INPUTS)
def url_search(kpi, a, b, c, d, by, brand, channel) -> str:
    """The view as the page's query string (shareable link)."""
    return query_string({"kpi": kpi, "period": f"{a}..{b}" if a and b else None, "vs": f"{c}..{d}" if c and d else None,
                         "by": by, "brand": brand, "channel": channel})


@callback(Output(ids.RC_SUMMARY, "children"), Output(ids.RC_CHART, "figure"), Output(ids.RC_SEGMENTS, "data"),
          Output(ids.RC_SEGMENTS, "columns"),
          Output(ids.RC_DRIVERS, "figure"), Output(f"{ids.RC_DRIVERS}-examples", "children"),
          Output(f"{ids.RC_CHART}-export", "children"), Output(f"{ids.RC_DRIVERS}-export", "children"), *INPUTS)
@per_snapshot
def explain(kpi_id, a, b, c, d, by, brand, channel):
    """Summary, mix/rate attribution, top segments and text drivers of the KPI change."""
    kpi = kpi_by_id(kpi_id or "volume")
    exp = explanation(kpi.id, a, b, c, d, listed(by), dim_filters(brand=brand, channel=channel))
    if exp is None or isinstance(exp, str):
        why = exp or "Pick a KPI, a period and a period to compare with."
        return (dbc.Alert(why, color="info", className="py-2"), empty_figure("Attribution", why), [], no_update,
                empty_figure("Text drivers", why, 320), None, None, None)
    title = f"{kpi.label}: {c}..{d} → {a}..{b}"
    examples = [html.Div([dcc.Link(str(e["interaction_id"]), href=case_link(e["interaction_id"])),
                          html.Span(" · " + str(e["sent_at"])[:16], className="text-muted"),
                          html.Div(str(e["text"] or ""), className="transcript-text small")], className="mb-2")
                for _, e in exp.examples.head(5).iterrows()]
    bars = html.Div([export_bar(PAGE, "drivers", len(exp.text_drivers), "text drivers"),
                     export_bar(PAGE, "examples", len(exp.examples), "example messages")])
    return (html.Div(exp.summary(), className="summary-text"), attribution_chart(exp.segments, kpi, title),
            records(top_segments(exp.segments, len(exp.segments))), segment_columns(kpi.unit, exp.method),
            drivers_chart(exp.text_drivers),
            [html.Div("Example messages", className="filter-label"), *examples] if examples else None,
            export_bar(PAGE, "segments", len(exp.segments)), bars)


@callback(Output(ids.RC_CASES_TABLE, "data"), Output(ids.RC_CASES_TABLE, "page_count"),
          Output(f"{ids.RC_CASES}-count", "children"), Output(f"{ids.RC_CASES}-export", "children"),
          *INPUTS[:3], *INPUTS[6:], Input(ids.RC_CASES_TABLE, "page_current"))
@per_snapshot
def cases(kpi_id, a, b, brand, channel, page):
    """One page of the cases behind the KPI value in the period (drill_cases)."""
    frame = focus_cases(kpi_id, a, b, dim_filters(brand=brand, channel=channel)) if kpi_id and a and b else None
    if frame is None or isinstance(frame, str):
        return [], 1, frame or "Pick a KPI and a period.", None
    page = page or 0
    shown = frame.iloc[page * CASE_PAGE:(page + 1) * CASE_PAGE]
    count = f"{len(frame):,} cases behind {kpi_by_id(kpi_id).label} in {a}..{b}; click one to read it."
    return records(shown), max(1, -(-len(frame) // CASE_PAGE)), count, export_bar(PAGE, "cases", len(frame))


@callback(Output(ids.RC_TRANSCRIPT, "children"), Input(ids.RC_CASES_TABLE, "active_cell"),
          State(ids.RC_CASES_TABLE, "data"), prevent_initial_call=True)
@per_snapshot
def transcript(active, rows):
    """The clicked case's transcript, with a link to it in Conversations."""
    if not active or not rows or active["row"] >= len(rows):
        raise PreventUpdate
    return transcript_view(service().cached(case_transcript, rows[active["row"]]["interaction_id"]), with_link=True)


register_export(PAGE, tables, [State(i.component_id, i.component_property) for i in INPUTS])
