"""Coverage (operations lead): demand by hour of week against the staffed hours, outside-hours
waits, languages, and what extending the hours would cover."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, dcc, html

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
from pages._figures import GRAPH_CONFIG, empty_figure, styled, values
from pages._state import listed, query_string, valid_day
from scorecard.operations.data_staffing import coverage_of
from scorecard.operations.staffing import parsed_window
from scorecard.options import default_range, filter_choices
from scorecard.service import per_snapshot, service

dash.register_page(__name__, path="/coverage", name="Coverage", title="socialcare · coverage")
PAGE = "co"
RANGE, BRAND, LANGUAGE, EXTEND, SHOW = "co-range", "co-brand", "co-language", "co-extend", "co-show"
SUMMARY, HEATMAP, LANGS = "co-summary", "co-heatmap", "co-languages"
DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
LANG_COLUMNS = [
    ("language", "language", "text"),
    ("cases", "cases", ",.0f"),
    ("outside", "outside staffed hours", ",.0f"),
    ("outside_share", "share outside", ".0%"),
    ("wait_outside_median_s", "median wait outside (s)", ",.0f"),
]


def layout(start=None, end=None, brand=None, language=None, extend=None, show=None, **_):
    """Filters (from the URL), the hour-of-week heatmap, the summary and the language table."""
    svc = service()
    lo, hi = svc.cached(default_range, valid_day(start), valid_day(end), 30)
    choices = svc.cached(filter_choices)
    return html.Div(
        [
            dcc.Location(id=f"{PAGE}-url", refresh=False),
            page_header(
                "Coverage",
                "When customers write, when we are staffed, and who waits for the next opening.",
            ),
            dbc.Row(
                [
                    labelled(
                        "Opened",
                        dcc.DatePickerRange(
                            id=RANGE,
                            start_date=lo,
                            end_date=hi,
                            display_format="YYYY-MM-DD",
                            first_day_of_week=1,
                        ),
                    ),
                    labelled(
                        "Brand", filter_select(BRAND, choices["brand"], brand, "All brands"), 2
                    ),
                    labelled(
                        "Language",
                        filter_select(
                            LANGUAGE, choices["language"], listed(language), "All", multi=True
                        ),
                        2,
                    ),
                    labelled(
                        "What-if: staff also",
                        dcc.Input(
                            id=EXTEND,
                            value=extend or "",
                            debounce=True,
                            type="text",
                            placeholder="e.g. sat 17:00-20:00",
                            className="form-control",
                        ),
                        2,
                    ),
                    labelled(
                        "Show",
                        dcc.RadioItems(
                            id=SHOW,
                            value=show if show in ("frt",) else "demand",
                            inline=True,
                            options=[
                                {"label": " cases", "value": "demand"},
                                {"label": " median first response", "value": "frt"},
                            ],
                            labelClassName="me-3",
                        ),
                    ),
                ],
                className="g-2 mb-2 align-items-end",
            ),
            html.Div(id=SUMMARY, className="summary-text mb-2"),
            card(
                "Hour of week (outlined: staffed hours)",
                dcc.Graph(id=HEATMAP, config=GRAPH_CONFIG),
                footer=html.Div(id=f"{HEATMAP}-export"),
            ),
            card(
                "By language",
                data_table(LANGS, LANG_COLUMNS, page_size=8),
                footer=html.Div(id=f"{LANGS}-export"),
            ),
            export_outputs(PAGE),
        ]
    )


INPUTS = [
    Input(RANGE, "start_date"),
    Input(RANGE, "end_date"),
    Input(BRAND, "value"),
    Input(LANGUAGE, "value"),
    Input(EXTEND, "value"),
]


def _filters(brand, language) -> tuple:
    return tuple(
        (d, tuple(listed(v))) for d, v in (("brand", brand), ("language", language)) if listed(v)
    )


def heatmap(grid, show: str, timezone: str) -> dict:
    """Days (rows) x hours (columns) of cases or median first response, staffed runs outlined."""
    frt = show == "frt"
    z = grid.pivot(index="weekday", columns="hour", values="frt_median_s" if frt else "cases")
    z = (z / 3600).round(1) if frt else z
    text = [
        [
            ("" if v is None else (f"{v:g}" if frt else (f"{int(v)}" if v else "")))
            for v in values(row)
        ]
        for _, row in z.iterrows()
    ]
    shapes = []
    staffed = grid.pivot(index="weekday", columns="hour", values="staffed")
    for d in range(7):
        row = list(staffed.loc[d])
        h = 0
        while h < 24:
            if row[h]:
                e = h
                while e + 1 < 24 and row[e + 1]:
                    e += 1
                shapes.append(
                    {
                        "type": "rect",
                        "x0": h - 0.5,
                        "x1": e + 0.5,
                        "y0": d - 0.5,
                        "y1": d + 0.5,
                        "line": {"color": "#e67e22", "width": 2.5},
                        "fillcolor": "rgba(0,0,0,0)",
                    }
                )
                h = e + 1
            else:
                h += 1
    fig = {
        "data": [
            {
                "type": "heatmap",
                "z": [values(r) for _, r in z.iterrows()],
                "x": list(range(24)),
                "y": DAYS,
                "text": text,
                "texttemplate": "%{text}",
                "colorscale": "Blues",
                "reversescale": True,
                "zmin": 0,
                "xgap": 1,
                "ygap": 1,
                "colorbar": {"title": {"text": "hours" if frt else "cases"}},
                "hovertemplate": "%{y} %{x}:00<br>"
                + ("median first response %{z} h" if frt else "%{z} cases")
                + "<extra></extra>",
            }
        ],
        "layout": {
            "shapes": shapes,
            "yaxis": {"autorange": "reversed", "dtick": 1},
            "xaxis": {
                "dtick": 1,
                "tickvals": list(range(24)),
                "ticktext": [f"{h:02d}" for h in range(24)],
            },
        },
    }
    title = "Median first response (hours)" if frt else "Cases by hour of arrival"
    return styled(fig, f"{title}, {timezone}", "hour of day", None, height=360)


@callback(Output(f"{PAGE}-url", "search"), *INPUTS, Input(SHOW, "value"))
def url_search(start, end, brand, language, extend, show) -> str:
    """The filters as the page's query string (shareable link)."""
    return query_string(
        {
            "start": start,
            "end": end,
            "brand": brand,
            "language": language,
            "extend": extend or None,
            "show": None if show == "demand" else show,
        }
    )


@callback(
    Output(SUMMARY, "children"),
    Output(HEATMAP, "figure"),
    Output(LANGS, "rowData"),
    Output(f"{HEATMAP}-export", "children"),
    Output(f"{LANGS}-export", "children"),
    *INPUTS,
    Input(SHOW, "value"),
)
@per_snapshot
def coverage_view(start, end, brand, language, extend, show):
    """Summary sentence (with the what-if), heatmap and language table."""
    svc = service()
    result = svc.cached(
        coverage_of, start, end, _filters(brand, language), (extend or "").strip() or None
    )
    note = []
    if extend and extend.strip():
        try:
            parsed_window(extend)
        except ValueError as e:
            note = [
                html.Div(
                    str(e).replace("--extend", "The what-if window"), className="text-danger small"
                )
            ]
    if not result.cases:
        return (
            [result.summary(), *note],
            empty_figure("Cases by hour of arrival", result.summary(), 360),
            [],
            None,
            None,
        )
    return (
        [html.Span(result.summary()), *note],
        heatmap(result.grid, show, result.display_timezone),
        records(result.by_language),
        export_bar(PAGE, "hours", len(result.grid)),
        export_bar(PAGE, "languages", len(result.by_language)),
    )


def tables(start, end, brand, language, extend) -> dict:
    """The frames the page shows, for export: every hour of week and the language table."""
    result = service().cached(
        coverage_of, start, end, _filters(brand, language), (extend or "").strip() or None
    )
    return {"hours": result.grid, "languages": result.by_language}


register_export(PAGE, tables, [State(i.component_id, i.component_property) for i in INPUTS])
