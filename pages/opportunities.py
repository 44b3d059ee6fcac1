"""Opportunities (social care lead): customers naming a competitor, ready to buy or reporting a
stock-out, and whether we answered them in time; a click opens the conversation."""

from __future__ import annotations

from urllib.parse import quote

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, dcc, html
from dash.exceptions import PreventUpdate

from etl.text.opportunities import KINDS
from pages._components import (
    card,
    clicked_row,
    data_table,
    durations_of,
    export_bar,
    filter_select,
    labelled,
    page_header,
    records,
)
from pages._export import export_outputs, register_export
from pages._state import listed, query_string, valid_day
from scorecard.cases.opportunities import opportunity_queue
from scorecard.options import default_range, filter_choices
from scorecard.service import per_snapshot, service

dash.register_page(
    __name__, path="/opportunities", name="Opportunities", title="socialcare · opportunities"
)
PAGE, PAGE_SIZE = "op", 15
RANGE, BRAND, KIND, SUMMARY, TABLE, GO = (
    "op-range",
    "op-brand",
    "op-kind",
    "op-summary",
    "op-table",
    "op-go",
)
COLUMNS = [
    ("interaction_id", "case", "text"),
    ("opened_at", "opened", "text"),
    ("brand", "brand", "text"),
    ("kinds", "what", "text"),
    ("brand_named", "names us", "text"),
    ("outcome", "outcome", "text"),
    ("frt_s", "first response", "duration"),
    ("text", "customer wrote", "text"),
]
OUTCOME_STYLES = {
    "missed": {"color": "#c0392b", "fontWeight": "600"},
    "captured": {"color": "#138d75"},
}
KIND_OPTIONS = [{"label": k.replace("_", " "), "value": k} for k in KINDS]


def layout(start=None, end=None, brand=None, kind=None, **_):
    """Filters (from the URL), the summary and the queue."""
    svc = service()
    lo, hi = svc.cached(default_range, valid_day(start), valid_day(end), 30)
    kinds = [k for k in listed(kind) if k in KINDS]
    return html.Div(
        [
            dcc.Location(id=f"{PAGE}-url", refresh=False),
            dcc.Location(id=GO, refresh=True),
            page_header(
                "Opportunities",
                "Customers who name a competitor, want to buy or cannot find stock: did we answer in time?",
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
                        "Brand",
                        filter_select(
                            BRAND, svc.cached(filter_choices)["brand"], brand, "All brands"
                        ),
                        3,
                    ),
                    labelled(
                        "What",
                        filter_select(KIND, KIND_OPTIONS, kinds, "Every kind", multi=True),
                        3,
                    ),
                ],
                className="g-2 mb-2 align-items-end",
            ),
            html.Div(id=SUMMARY, className="summary-text mb-2"),
            card(
                "Opportunity queue (newest first; click a case to read it)",
                data_table(
                    TABLE, COLUMNS, page_size=PAGE_SIZE, cell_styles={"outcome": OUTCOME_STYLES}
                ),
                footer=html.Div(id=f"{TABLE}-export"),
            ),
            export_outputs(PAGE),
        ]
    )


INPUTS = [
    Input(RANGE, "start_date"),
    Input(RANGE, "end_date"),
    Input(BRAND, "value"),
    Input(KIND, "value"),
]


def _queue(start, end, brand, kind):
    return service().cached(
        opportunity_queue, start, end, (("brand", tuple(listed(brand))),), tuple(listed(kind))
    )


@callback(Output(f"{PAGE}-url", "search"), *INPUTS)
def url_search(start, end, brand, kind) -> str:
    """The filters as the page's query string (shareable link)."""
    return query_string({"start": start, "end": end, "brand": brand, "kind": kind})


@callback(
    Output(SUMMARY, "children"),
    Output(TABLE, "rowData"),
    Output(f"{TABLE}-export", "children"),
    *INPUTS,
)
@per_snapshot
def queue(start, end, brand, kind):
    """The summary sentence and the queue."""
    q = _queue(start, end, brand, kind)
    rows = q.to_frame()
    rows["brand_named"] = rows["brand_named"].map({True: "yes", False: "no"})
    return (
        q.summary(),
        records(rows, durations_of(COLUMNS)),
        export_bar(PAGE, "opportunities", q.n) if q.n else None,
    )


@callback(
    Output(GO, "href"),
    Input(TABLE, "cellClicked"),
    State(TABLE, "rowData"),
    prevent_initial_call=True,
)
def open_case(cell, rows):
    """A clicked case opens in /conversations."""
    row = clicked_row(cell, rows)
    if row is None:
        raise PreventUpdate
    return "/conversations?case=" + quote(row["interaction_id"], safe="")


def tables(start, end, brand, kind) -> dict:
    """The queue as shown, for export."""
    return {"opportunities": _queue(start, end, brand, kind).to_frame()}


register_export(PAGE, tables, [State(i.component_id, i.component_property) for i in INPUTS])
