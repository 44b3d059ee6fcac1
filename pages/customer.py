"""Customer (analyst): one customer's cases on every channel in time order; a click opens a transcript."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
import pandas as pd
from dash import Input, Output, State, callback, ctx, dcc, html
from dash.exceptions import PreventUpdate

from pages import _ids as ids
from pages._components import (
    card,
    clicked_row,
    data_table,
    durations_of,
    export_bar,
    labelled,
    page_header,
    records,
)
from pages._export import export_outputs, register_export
from pages._figures import CHANNEL_COLOURS, GRAPH_CONFIG, empty_figure, styled
from pages._state import query_string
from pages._transcript import transcript_view
from scorecard.cases.browser import case_transcript
from scorecard.cases.customer import customer_timeline
from scorecard.service import per_snapshot, service

dash.register_page(__name__, path="/customer", name="Customer", title="socialcare · customer")
PAGE = "cu"
COLUMNS = [
    ("interaction_id", "case", "text"),
    ("opened_at", "opened", "text"),
    ("channel", "channel", "text"),
    ("brand", "brand", "text"),
    ("status", "status", "text"),
    ("frt_s", "first response", "duration"),
    ("ttr_s", "resolution (s)", ",.0f"),
    ("csat", "CSAT", ".1f"),
    ("nps", "NPS", ".0f"),
    ("sentiment", "sentiment path", "text"),
]


def layout(id=None, case=None, **_):  # noqa: A002 - the URL parameter is ?id=
    """The search box (from the URL), the customer's cases in time order and the transcript panel."""
    return html.Div(
        [
            dcc.Location(id=ids.url(PAGE), refresh=False),
            dcc.Store(id=ids.CU_CASE, data=case),
            page_header(
                "Customer",
                "Every case of one customer on every channel, oldest first: social, phone, "
                "e-mail and chat linked through the identities file.",
            ),
            dbc.Row(
                [
                    labelled(
                        "Handle, customer id, e-mail or phone (e-mails and phones are hashed before the lookup)",
                        dcc.Input(
                            id=ids.CU_SEARCH,
                            type="search",
                            value=id or "",
                            debounce=True,
                            placeholder="e.g. @alice_k",
                            className="form-control",
                        ),
                        6,
                    )
                ],
                className="g-2 mb-2 align-items-end",
            ),
            html.Div(id=ids.CU_SUMMARY, className="mb-2"),
            dbc.Row(
                [
                    dbc.Col(
                        card(
                            "Cases in time order",
                            [
                                dcc.Graph(
                                    id=ids.CU_CHART,
                                    config={**GRAPH_CONFIG, "displayModeBar": False},
                                    figure=empty_figure("", "", 170),
                                ),
                                data_table(ids.CU_TABLE, COLUMNS, page_size=15),
                            ],
                            footer=html.Div(id=f"{ids.CU_TABLE}-export"),
                        ),
                        xl=7,
                    ),
                    dbc.Col(
                        card(
                            "Transcript",
                            html.Div(id=ids.CU_TRANSCRIPT),
                            footer=html.Div(id=f"{ids.CU_TRANSCRIPT}-export"),
                        ),
                        xl=5,
                    ),
                ],
                className="g-3",
            ),
            export_outputs(PAGE),
        ]
    )


def shown(cases: pd.DataFrame) -> pd.DataFrame:
    """The timeline as the table shows it: the sentiment path as 'a → b → c' text."""
    path = cases["sentiment_path"].map(
        lambda p: " → ".join(f"{x:+.2f}" for x in p) if hasattr(p, "__len__") and len(p) else "–"
    )
    return cases.assign(sentiment=path).drop(columns=["sentiment_path"])


def timeline_figure(cases: pd.DataFrame) -> dict:
    """One marker per case on a time axis, a row per channel (filled: resolved); a click opens it."""
    data = [
        {
            "type": "scatter",
            "mode": "markers",
            "name": ch,
            "x": g["opened_at"].dt.strftime("%Y-%m-%d %H:%M").tolist(),
            "y": [ch] * len(g),
            "customdata": g["interaction_id"].tolist(),
            "text": (g["interaction_id"] + " · " + g["status"]).tolist(),
            "hovertemplate": "%{text}<br>%{x}<extra></extra>",
            "marker": {
                "size": 13,
                "color": CHANNEL_COLOURS.get(ch, "#7f8c8d"),
                "symbol": ["circle" if st == "resolved" else "circle-open" for st in g["status"]],
                "line": {"width": 2, "color": CHANNEL_COLOURS.get(ch, "#7f8c8d")},
            },
        }
        for ch, g in cases.groupby("channel", sort=False)
    ]
    fig = styled({"data": data, "layout": {"showlegend": False}}, "", None, None, 170)
    fig["layout"]["margin"] = {"l": 60, "r": 20, "t": 10, "b": 30}
    return fig


def tables(term, case) -> dict:
    """The frames the page shows: the customer's timeline and the open transcript."""
    svc = service()
    out = {"timeline": lambda: shown(svc.cached(customer_timeline, (term or "").strip()).cases)}
    if case:
        out["transcript"] = lambda: svc.cached(case_transcript, case).messages
    return out


@callback(
    Output(ids.url(PAGE), "search"), Input(ids.CU_SEARCH, "value"), Input(ids.CU_CASE, "data")
)
def url_search(term, case) -> str:
    """The search and the open case as the page's query string (shareable link)."""
    return query_string({"id": (term or "").strip(), "case": case})


@callback(
    Output(ids.CU_TABLE, "rowData"),
    Output(ids.CU_CHART, "figure"),
    Output(ids.CU_SUMMARY, "children"),
    Output(f"{ids.CU_TABLE}-export", "children"),
    Input(ids.CU_SEARCH, "value"),
)
@per_snapshot
def timeline(term):
    """The customer's cases, oldest first, on a time axis and in a table, and who they are."""
    term = (term or "").strip()
    if not term:
        return (
            [],
            empty_figure("", "", 170),
            html.Span(
                "Search for a customer, or open one from a case in Conversations or Root cause.",
                className="text-muted",
            ),
            None,
        )
    result = service().cached(customer_timeline, term)
    if not result.found:
        return (
            [],
            empty_figure("", "", 170),
            dbc.Alert(result.summary(), color="warning", className="py-2"),
            None,
        )
    return (
        records(shown(result.cases), durations_of(COLUMNS)),
        timeline_figure(result.cases),
        html.Div(result.summary(), className="fw-semibold"),
        export_bar(PAGE, "timeline", len(result.cases)),
    )


@callback(
    Output(ids.CU_CASE, "data"),
    Input(ids.CU_TABLE, "cellClicked"),
    Input(ids.CU_CHART, "clickData"),
    State(ids.CU_TABLE, "rowData"),
    prevent_initial_call=True,
)
def select_case(cell, click, rows):
    """Remember the case clicked in the table or on the chart (it goes into the URL)."""
    if ctx.triggered_id == ids.CU_CHART and click and click.get("points"):
        return click["points"][0]["customdata"]
    row = clicked_row(cell, rows)
    if row is None:
        raise PreventUpdate
    return row["interaction_id"]


@callback(
    Output(ids.CU_TRANSCRIPT, "children"),
    Output(f"{ids.CU_TRANSCRIPT}-export", "children"),
    Input(ids.CU_CASE, "data"),
)
# not memoised: what a transcript shows depends on the user's role, and each view is audited
def transcript(case):
    """The selected case's full transcript (role-checked and audited by transcript_view)."""
    if not case:
        return transcript_view(None), None
    t = service().cached(case_transcript, case)
    return transcript_view(t, with_link=True), export_bar(
        PAGE, "transcript", len(t.messages)
    ) if t.found else None


register_export(PAGE, tables, [State(ids.CU_SEARCH, "value"), State(ids.CU_CASE, "data")])
