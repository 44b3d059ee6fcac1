"""Daily scorecard (the operations leader's morning view): KPI tiles by perspective, trend."""

from __future__ import annotations

from datetime import date, timedelta
from urllib.parse import urlencode

import dash
import dash_bootstrap_components as dbc
import plotly.graph_objects as go
from dash import Input, Output, callback, dcc, html

from pages import _ids as ids
from pages._components import empty_state, kpi_tile
from scorecard.catalogue import PERSPECTIVE_LABELS, PERSPECTIVES, kpi_by_id
from scorecard.kpis import scorecard
from scorecard.options import dimension_values, default_day
from scorecard.service import service

dash.register_page(__name__, path="/", name="Scorecard", title="socialcare · scorecard")

TREND_KPIS = ("volume", "frt_median_s", "sla_met_rate", "answered_rate", "private_handoff_rate")


def layout(day: str | None = None, brand: str | None = None, channel: str | None = None, **_):
    """Filters (from the URL) and the containers the callback fills."""
    svc = service()
    con = svc.reader.cursor()
    chosen, note = default_day(con, svc.config, day)
    brands = dimension_values(con, "brand")
    channels = dimension_values(con, "channel")
    return html.Div([
        html.H3("Daily scorecard"),
        dbc.Row([
            dbc.Col(dcc.DatePickerSingle(id=ids.SC_DATE, date=chosen, display_format="YYYY-MM-DD"), width="auto"),
            dbc.Col(dcc.Dropdown(id=ids.SC_BRAND, options=brands, value=brand, placeholder="All brands"), md=3),
            dbc.Col(dcc.Dropdown(id=ids.SC_CHANNEL, options=channels, value=channel, placeholder="All channels"), md=3),
        ], className="g-2 mb-2 align-items-center"),
        html.Div(note, id=ids.SC_NOTE, className="text-muted small mb-2"),
        html.Div(id=ids.SC_TILES),
        dbc.Row([
            dbc.Col(dcc.Dropdown(id=ids.SC_TREND_KPI, options=[{"label": kpi_by_id(k).label, "value": k} for k in TREND_KPIS],
                                 value="volume", clearable=False), md=3),
        ], className="mt-3"),
        dcc.Graph(id=ids.SC_TREND, config={"displaylogo": False}),
    ])


@callback(Output(ids.SC_TILES, "children"), Input(ids.SC_DATE, "date"), Input(ids.SC_BRAND, "value"),
          Input(ids.SC_CHANNEL, "value"))
def tiles(day: str | None, brand: str | None, channel: str | None):
    """KPI tiles for the chosen day, grouped by Balanced Scorecard perspective."""
    if not day:
        return empty_state("Pick a day to see its scorecard.")
    svc = service()
    filters = {"brand": [brand] if brand else [], "channel": [channel] if channel else []}
    result = scorecard(svc.reader.cursor(), svc.config, day, day, "total", (), filters)
    if not any(v.n for v in result.kpis):
        return empty_state(f"No cases on {day} for this filter. Pick another day or clear the filters.")
    rows = []
    for p in PERSPECTIVES:
        cards = []
        for v in (v for v in result.kpis if kpi_by_id(v.kpi).perspective == p):
            query = urlencode({k: x for k, x in (("kpi", v.kpi), ("day", day), ("brand", brand), ("channel", channel)) if x})
            cards.append(dbc.Col(kpi_tile(kpi_by_id(v.kpi), v.value, v.n, v.target, v.status, v.delta,
                                          href=f"/rootcause?{query}"), xs=6, md=3, lg=2, className="mb-2"))
        score = next((s.score for s in result.perspectives if s.perspective == p), None)
        head = PERSPECTIVE_LABELS[p] + ("" if score is None else f" · {score:.0%} on target")
        rows += [html.H5(head, className="mt-2"), dbc.Row(cards, className="g-2")]
    return rows


@callback(Output(ids.SC_TREND, "figure"), Input(ids.SC_TREND_KPI, "value"), Input(ids.SC_DATE, "date"),
          Input(ids.SC_BRAND, "value"), Input(ids.SC_CHANNEL, "value"))
def trend(kpi_id: str, day: str | None, brand: str | None, channel: str | None) -> go.Figure:
    """The chosen KPI per day over the 28 days up to the chosen day."""
    svc = service()
    kpi = kpi_by_id(kpi_id)
    end = day or date.today().isoformat()
    start = (date.fromisoformat(end) - timedelta(days=27)).isoformat()
    filters = {"brand": [brand] if brand else [], "channel": [channel] if channel else []}
    frame = scorecard(svc.reader.cursor(), svc.config, start, end, "day", (), filters, [kpi_id]).to_frame()
    fig = go.Figure()
    if frame.empty or frame["value"].isna().all():
        fig.add_annotation(text="No data in the 28 days up to this day for this filter.", showarrow=False,
                           xref="paper", yref="paper", x=0.5, y=0.5)
    else:
        fig.add_trace(go.Scatter(x=frame["period"], y=frame["value"], mode="lines+markers", name=kpi.label))
        if kpi.target is not None:
            fig.add_hline(y=kpi.target, line_dash="dot", annotation_text="target")
    fig.update_layout(title=f"{kpi.label} per day ({kpi.unit})", xaxis_title="day",
                      yaxis_title=kpi.unit, height=320, margin=dict(l=60, r=20, t=50, b=40))
    return fig
