"""Daily scorecard (the operations leader's morning view): KPI tiles by perspective, trend."""

from __future__ import annotations

from datetime import date, timedelta

import dash
import dash_bootstrap_components as dbc
import pandas as pd
from dash import Input, Output, State, callback, dcc, html

from pages import _ids as ids
from pages._backlog import backlog_panel
from pages._components import (
    card,
    empty_state,
    export_bar,
    filter_select,
    kpi_tile,
    labelled,
    page_header,
    versus_text,
)
from pages._export import export_outputs, register_export
from pages._figures import GRAPH_CONFIG, kpi_trend
from pages._state import dim_filters, query_string, valid_day
from scorecard.kpis.catalogue import (
    PERSPECTIVE_LABELS,
    PERSPECTIVES,
    catalogue,
    kpi_by_id,
    target_of,
)
from scorecard.kpis.scoring import scorecard, slice_scope
from scorecard.options import default_day, filter_choices, local_today
from scorecard.service import per_snapshot, service

dash.register_page(__name__, path="/", name="Scorecard", title="socialcare · scorecard")
PAGE, SPARK_DAYS = "sc", 28


def layout(
    day: str | None = None,
    brand: str | None = None,
    channel: str | None = None,
    kpi: str | None = None,
    **_,
):
    """Filters (from the URL) and the containers the callbacks fill."""
    svc = service()
    chosen, note = svc.cached(default_day, valid_day(day), local_today(svc.config))
    choices = svc.cached(filter_choices)
    trend_kpi = kpi if kpi in {k.id for k in catalogue()} else "volume"
    return html.Div(
        [
            dcc.Location(id=ids.url(PAGE), refresh=False),
            page_header(
                "Daily scorecard",
                "Yesterday's Balanced Scorecard against target; a red tile opens its root cause.",
            ),
            dbc.Row(
                [
                    labelled(
                        "Day",
                        dcc.DatePickerSingle(
                            id=ids.SC_DATE,
                            date=chosen,
                            display_format="YYYY-MM-DD",
                            first_day_of_week=1,
                        ),
                    ),
                    labelled(
                        "Brand",
                        filter_select(ids.SC_BRAND, choices["brand"], brand, "All brands"),
                        3,
                    ),
                    labelled(
                        "Channel",
                        filter_select(ids.SC_CHANNEL, choices["channel"], channel, "All channels"),
                        2,
                    ),
                ],
                className="g-2 mb-1 align-items-end",
            ),
            html.Div(note, id=ids.SC_NOTE, className="text-muted small mb-2"),
            backlog_panel(),
            dcc.Loading(html.Div(id=ids.SC_TILES), delay_show=300),
            html.Div(id=ids.SC_TILES_EXPORT, className="mb-3"),
            card(
                "Trend",
                [
                    dbc.Row(
                        labelled(
                            "KPI",
                            filter_select(
                                ids.SC_TREND_KPI,
                                [{"label": k.label, "value": k.id} for k in catalogue()],
                                trend_kpi,
                                "KPI",
                                clearable=False,
                            ),
                            4,
                        )
                    ),
                    dcc.Graph(id=ids.SC_TREND, config=GRAPH_CONFIG),
                ],
                footer=html.Div(id=ids.SC_TREND_EXPORT),
            ),
            export_outputs(PAGE),
        ]
    )


def perspective_text(score) -> str:
    """' · 3 of 9 on target, 2 n/a · weighted 42 % (1 red)': the count beside the weighted score."""
    weighted = "" if score.score is None else f" · weighted {score.score:.0%} ({score.red} red)"
    return f" · {score.on_target_text}{weighted}"


def _window(day: str) -> tuple[str, str]:
    return (date.fromisoformat(day) - timedelta(days=SPARK_DAYS - 1)).isoformat(), day


@per_snapshot
def tables(
    day: str | None, brand: str | None, channel: str | None, trend_kpi: str | None
) -> dict[str, pd.DataFrame]:
    """The frames the page shows: the day's scorecard and the trend of the chosen KPI."""
    if not day:
        return {}
    svc, filters = service(), dim_filters(brand=brand, channel=channel)
    today = svc.cached(scorecard, day, day, "total", (), filters).export_frame()
    if not today.empty:
        meta = pd.DataFrame(
            [(k.id, k.label, k.perspective) for k in catalogue()],
            columns=["kpi", "label", "perspective"],
        )
        today = meta.merge(today, on="kpi", how="right")
    daily = svc.cached(scorecard, *_window(day), "day", (), filters).export_frame()
    trend = (
        daily[daily["kpi"] == (trend_kpi or "volume")].reset_index(drop=True)
        if not daily.empty
        else daily
    )
    return {"scorecard": today, "daily": daily, "trend": trend}


def _sparks(daily: pd.DataFrame, day: str) -> dict[str, list[float | None]]:
    if daily.empty:
        return {}
    days = pd.date_range(end=day, periods=SPARK_DAYS).strftime("%Y-%m-%d")
    wide = daily.pivot_table(
        index="period", columns="kpi", values="value", aggfunc="first", dropna=False
    )
    wide = wide.reindex(days)
    return {k: [None if pd.isna(v) else float(v) for v in wide[k]] for k in wide.columns}


@callback(
    Output(ids.url(PAGE), "search"),
    Input(ids.SC_DATE, "date"),
    Input(ids.SC_BRAND, "value"),
    Input(ids.SC_CHANNEL, "value"),
    Input(ids.SC_TREND_KPI, "value"),
)
def url_search(day, brand, channel, kpi) -> str:
    """The filters as the page's query string (shareable link)."""
    return query_string(
        {"day": day, "brand": brand, "channel": channel, "kpi": None if kpi == "volume" else kpi}
    )


@callback(
    Output(ids.SC_TILES, "children"),
    Output(ids.SC_TILES_EXPORT, "children"),
    Input(ids.SC_DATE, "date"),
    Input(ids.SC_BRAND, "value"),
    Input(ids.SC_CHANNEL, "value"),
)
@per_snapshot
def tiles(day: str | None, brand: str | None, channel: str | None):
    """KPI tiles for the chosen day, grouped by Balanced Scorecard perspective."""
    if not day:
        return empty_state("Pick a day to see its scorecard."), None
    svc = service()
    frames = tables(day, brand, channel, None)
    result = svc.cached(scorecard, day, day, "total", (), dim_filters(brand=brand, channel=channel))
    if not any(v.n for v in result.kpis):
        return empty_state(
            f"No cases on {day} for this filter. Pick another day or clear the filters."
        ), None
    sparks = _sparks(frames["daily"], day)
    rows = []
    for p in PERSPECTIVES:
        cards = []
        for v in (v for v in result.kpis if kpi_by_id(v.kpi).perspective == p):
            red = [
                c.channel for c in getattr(v, "channels", ()) if c.status == "red"
            ]  # a blended clock
            href = "/rootcause" + query_string(
                {
                    "kpi": v.kpi,
                    "day": day,
                    "brand": brand,
                    "channel": channel or (red[0] if red else None),
                    "mode": "target",
                }
            )
            cards.append(
                dbc.Col(
                    kpi_tile(
                        kpi_by_id(v.kpi),
                        v,
                        href=href,
                        spark=sparks.get(v.kpi, ()),
                        currency=svc.config.currency,
                        versus=versus_text(svc.config),
                    ),
                    xs=6,
                    md=4,
                    lg=3,
                    xl=2,
                    className="mb-2",
                )
            )
        score = next((s for s in result.perspectives if s.perspective == p), None)
        head = PERSPECTIVE_LABELS[p] + ("" if score is None else perspective_text(score))
        rows += [html.H5(head, className="perspective-head"), dbc.Row(cards, className="g-2")]
    return rows, export_bar(PAGE, "scorecard", len(frames["scorecard"]))


@callback(
    Output(ids.SC_TREND, "figure"),
    Output(ids.SC_TREND_EXPORT, "children"),
    Input(ids.SC_TREND_KPI, "value"),
    Input(ids.SC_DATE, "date"),
    Input(ids.SC_BRAND, "value"),
    Input(ids.SC_CHANNEL, "value"),
)
@per_snapshot
def trend(kpi_id: str, day: str | None, brand: str | None, channel: str | None):
    """The chosen KPI per day over the 28 days up to the chosen day."""
    kpi = kpi_by_id(kpi_id or "volume")
    frame = tables(day, brand, channel, kpi.id).get("trend", pd.DataFrame())
    title = (
        f"{kpi.label} per day, {SPARK_DAYS} days to {day}"
        if day
        else f"{kpi.label} per day (no day to show yet)"
    )
    scope = slice_scope((), dim_filters(brand=brand, channel=channel))  # the slice's own target
    fig = kpi_trend(frame, kpi, target_of(kpi, service().config, scope)[0], title)
    return fig, export_bar(PAGE, "trend", len(frame))


EXPORT = register_export(
    PAGE,
    tables,
    [
        State(ids.SC_DATE, "date"),
        State(ids.SC_BRAND, "value"),
        State(ids.SC_CHANNEL, "value"),
        State(ids.SC_TREND_KPI, "value"),
    ],
)
