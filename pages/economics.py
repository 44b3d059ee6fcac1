"""Channel economics (steering committee): costs, volume mix, recommendation lift, what-if."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, dcc, html, no_update

from pages import _ids as ids
from pages._components import (
    card,
    data_table,
    empty_state,
    export_bar,
    filter_select,
    labelled,
    page_header,
    records,
)
from pages._economics_data import (
    ECON_COLUMNS,
    NO_LIFT,
    REPORT_SHIFT,
    business_case_pdf,
    cost_assumptions,
    page_notes,
    tables,
    verdict_block,
    whatif_sentence,
)
from pages._export import export_outputs, register_export
from pages._figures import GRAPH_CONFIG, empty_figure
from pages._figures_econ import (
    cost_by_channel,
    forest_plot,
    matrix_heatmap,
    volume_mix,
    whatif_figure,
)
from pages._state import query_string, valid_day
from scorecard.options import default_range, filter_choices
from scorecard.service import per_snapshot, service

dash.register_page(
    __name__, path="/economics", name="Economics", title="socialcare · channel economics"
)
PAGE = "ec"
VERDICT, COST_NOTE, WHATIF_NOTES = "ec-verdict", "ec-cost-note", "ec-whatif-notes"
BC_BUTTON, BC_DOWNLOAD = "ec-business-case", "ec-business-case-download"


def layout(
    start: str | None = None,
    end: str | None = None,
    brand: str | None = None,
    shift: str | None = None,
    **_,
):
    """Filters (from the URL) and the containers the callbacks fill."""
    svc = service()
    lo, hi = svc.cached(default_range, valid_day(start), valid_day(end))
    try:
        moved = min(100, max(0, int(float(shift)))) if shift else int(REPORT_SHIFT * 100)
    except ValueError:
        moved = int(REPORT_SHIFT * 100)
    return html.Div(
        [
            dcc.Location(id=ids.url(PAGE), refresh=False),
            page_header(
                "Channel economics",
                "Is social care cheaper and better than phone and e-mail, and what would moving volume save?",
            ),
            dbc.Row(
                [
                    labelled(
                        "Period",
                        dcc.DatePickerRange(
                            id=ids.EC_RANGE,
                            start_date=lo,
                            end_date=hi,
                            display_format="YYYY-MM-DD",
                            first_day_of_week=1,
                        ),
                    ),
                    labelled(
                        "Brand",
                        filter_select(
                            ids.EC_BRAND, svc.cached(filter_choices)["brand"], brand, "All brands"
                        ),
                        3,
                    ),
                ],
                className="g-2 mb-2 align-items-end",
            ),
            html.Div(id=VERDICT, className="mb-2"),
            html.Div(
                [
                    dbc.Button(
                        "Business case (PDF)",
                        id=BC_BUTTON,
                        size="sm",
                        color="primary",
                        outline=True,
                        title="The steering committee's business case of this period, brand and shift",
                    ),
                    dcc.Loading(dcc.Download(id=BC_DOWNLOAD), type="dot"),
                ],
                className="mb-2",
            ),
            html.Div(id=ids.EC_NOTES),
            dbc.Row(
                [
                    dbc.Col(
                        card(
                            "Cost by channel",
                            [
                                dcc.Graph(id=ids.EC_COST, config=GRAPH_CONFIG),
                                html.Div(id=COST_NOTE, className="small text-muted"),
                            ],
                            footer=html.Div(id=f"{ids.EC_COST}-export"),
                        ),
                        lg=6,
                    ),
                    dbc.Col(
                        card(
                            "Volume mix",
                            dcc.Graph(id=ids.EC_VOLUME, config=GRAPH_CONFIG),
                            footer=html.Div(id=f"{ids.EC_VOLUME}-export"),
                        ),
                        lg=6,
                    ),
                ],
                className="g-3",
            ),
            card(
                "Channel economics table",
                data_table(ids.EC_TABLE, ECON_COLUMNS, page_size=10),
                footer=html.Div(id=f"{ids.EC_TABLE}-export"),
            ),
            dbc.Row(
                [
                    dbc.Col(
                        card(
                            "Recommendation lift",
                            dcc.Graph(id=ids.EC_FOREST, config=GRAPH_CONFIG),
                            footer=html.Div(id=f"{ids.EC_FOREST}-export"),
                        ),
                        lg=6,
                    ),
                    dbc.Col(
                        card(
                            "Fast vs effective",
                            dcc.Graph(id=ids.EC_MATRIX, config=GRAPH_CONFIG),
                            footer=html.Div(id=f"{ids.EC_MATRIX}-export"),
                        ),
                        lg=6,
                    ),
                ],
                className="g-3",
            ),
            card(
                "What-if: move phone volume to social",
                [
                    html.Label(
                        "Share of phone volume in eligible categories moved to social",
                        className="filter-label",
                    ),
                    dcc.Slider(
                        id=ids.EC_SHIFT,
                        min=0,
                        max=100,
                        step=5,
                        value=moved,
                        marks={v: f"{v}%" for v in range(0, 101, 10)},
                    ),
                    html.Div(id=ids.EC_WHATIF_TEXT, className="summary-text my-2"),
                    dcc.Graph(id=ids.EC_WHATIF, config=GRAPH_CONFIG),
                    html.Div(id=WHATIF_NOTES, className="small text-muted"),
                ],
                footer=html.Div(id=f"{ids.EC_WHATIF}-export"),
            ),
            export_outputs(PAGE),
        ]
    )


INPUTS = [
    Input(ids.EC_RANGE, "start_date"),
    Input(ids.EC_RANGE, "end_date"),
    Input(ids.EC_BRAND, "value"),
]


@callback(Output(ids.url(PAGE), "search"), *INPUTS, Input(ids.EC_SHIFT, "value"))
def url_search(start, end, brand, shift) -> str:
    """The filters as the page's query string (shareable link)."""
    return query_string({"start": start, "end": end, "brand": brand, "shift": shift})


@callback(
    Output(ids.EC_COST, "figure"),
    Output(ids.EC_VOLUME, "figure"),
    Output(ids.EC_TABLE, "rowData"),
    Output(ids.EC_FOREST, "figure"),
    Output(ids.EC_MATRIX, "figure"),
    Output(ids.EC_NOTES, "children"),
    Output(f"{ids.EC_COST}-export", "children"),
    Output(f"{ids.EC_VOLUME}-export", "children"),
    Output(f"{ids.EC_TABLE}-export", "children"),
    Output(f"{ids.EC_FOREST}-export", "children"),
    Output(f"{ids.EC_MATRIX}-export", "children"),
    Output(VERDICT, "children"),
    Output(COST_NOTE, "children"),
    *INPUTS,
)
@per_snapshot
def economics(start, end, brand):
    """Costs, volume mix, the economics table, the lift forest plot, the matrix, the verdict
    and the cost model's assumptions."""
    if not start or not end:
        blank = empty_figure("", "Pick a period.")
        return (
            blank,
            blank,
            [],
            blank,
            blank,
            empty_state("Pick a period."),
            None,
            None,
            None,
            None,
            None,
            None,
            None,
        )
    t = tables(start, end, brand, None)
    econ, report = t["economics"], t.get("_report")
    bars = {
        k: export_bar(PAGE, k, len(t[k])) if k in t else None
        for k in ("economics", "costs", "volume", "lift", "matrix")
    }
    if report is None:
        missing = empty_figure("Recommendation lift", NO_LIFT)
        notes = dbc.Alert(NO_LIFT, color="info", className="py-2")
        return (
            cost_by_channel(econ),
            volume_mix(t["volume"]),
            records(econ),
            missing,
            empty_figure("Fast vs effective", NO_LIFT),
            notes,
            bars["costs"],
            bars["volume"],
            bars["economics"],
            None,
            None,
            None,
            cost_assumptions(),
        )
    notes = [html.Li(n) for n in page_notes(report)]
    notes = (
        html.Details(
            [
                html.Summary(f"Notes on the data ({len(notes)})"),
                html.Ul(notes, className="small mb-0"),
            ],
            className="small text-muted mb-2",
        )
        if notes
        else None
    )
    return (
        cost_by_channel(econ),
        volume_mix(t["volume"]),
        records(econ),
        forest_plot(report.lift, report.adjusted),
        matrix_heatmap(report.matrix),
        notes,
        bars["costs"],
        bars["volume"],
        bars["economics"],
        html.Div(
            [
                export_bar(PAGE, "lift", len(report.lift), "raw lift"),
                export_bar(PAGE, "adjusted", len(report.adjusted), "adjusted lift"),
            ]
        ),
        bars["matrix"],
        verdict_block(report),
        cost_assumptions(),
    )


@callback(
    Output(ids.EC_WHATIF, "figure"),
    Output(ids.EC_WHATIF_TEXT, "children"),
    Output(f"{ids.EC_WHATIF}-export", "children"),
    Output(WHATIF_NOTES, "children"),
    *INPUTS,
    Input(ids.EC_SHIFT, "value"),
)
@per_snapshot
def whatif(start, end, brand, shift):
    """Cost and recommend-rate change when a share of phone volume moves to social; the
    what-if's own notes as the card's footnote."""
    t = tables(start, end, brand, shift) if start and end else {}
    w = t.get("_whatif")
    if w is None:
        return empty_figure("What-if", NO_LIFT if start else "Pick a period."), "", None, None
    text = html.Div(
        [
            html.P(whatif_sentence(w), className="mb-1"),
            html.Details(
                [
                    html.Summary("Assumptions"),
                    html.Ul([html.Li(a) for a in w.assumptions], className="small mb-0"),
                ],
                open=True,
                className="whatif-assumptions",
            ),
        ]
    )
    notes = [html.P(f"Note: {n}", className="mb-1") for n in w.notes]
    return whatif_figure(w), text, export_bar(PAGE, "whatif", 1), notes or None


@callback(
    Output(BC_DOWNLOAD, "data"),
    Input(BC_BUTTON, "n_clicks"),
    State(ids.EC_RANGE, "start_date"),
    State(ids.EC_RANGE, "end_date"),
    State(ids.EC_BRAND, "value"),
    State(ids.EC_SHIFT, "value"),
    prevent_initial_call=True,
)
def business_case_download(clicks, start, end, brand, shift):
    """The business case of the page's period, brand and shift as a PDF file."""
    if not clicks or not start or not end:
        return no_update
    return dcc.send_bytes(
        business_case_pdf(start, end, brand, shift), f"business-case-{start}-{end}.pdf"
    )


register_export(
    PAGE,
    tables,
    [
        State(ids.EC_RANGE, "start_date"),
        State(ids.EC_RANGE, "end_date"),
        State(ids.EC_BRAND, "value"),
        State(ids.EC_SHIFT, "value"),
    ],
)
