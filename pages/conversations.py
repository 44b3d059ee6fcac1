"""Conversations (analyst): every case, filtered and searched on the server; a click opens its transcript."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, dcc, html
from dash.exceptions import PreventUpdate

from pages import _ids as ids
from pages._components import (
    card,
    data_table,
    durations_of,
    export_bar,
    filter_select,
    labelled,
    page_header,
    records,
    requested_page,
    requested_sort,
    view_filter,
)
from pages._export import export_outputs, register_export
from pages._state import listed, query_string, valid_day
from pages._transcript import transcript_view
from scorecard.cases.browser import FLAG_LABELS, CaseQuery, all_cases, case_page, case_transcript
from scorecard.options import STATUSES, default_range, filter_choices
from scorecard.service import per_snapshot, service

dash.register_page(
    __name__, path="/conversations", name="Conversations", title="socialcare · conversations"
)
PAGE, PAGE_SIZE = "cv", 15
COLUMNS = [
    ("interaction_id", "case", "text"),
    ("opened_at", "opened", "text"),
    ("channel", "channel", "text"),
    ("brand", "brand", "text"),
    ("issue_category", "category", "text"),
    ("status", "status", "text"),
    ("frt_s", "first response", "duration"),
    ("flags", "flags", "text"),
    ("first_message", "first message", "text"),
]


def layout(
    start=None,
    end=None,
    channel=None,
    brand=None,
    category=None,
    status=None,
    flags=None,
    q=None,
    case=None,
    language=None,
    **_,
):
    """Filters (from the URL), the paged case table and the transcript panel."""
    svc = service()
    lo, hi = svc.cached(default_range, valid_day(start), valid_day(end), 30)
    choices = svc.cached(filter_choices)
    flag_options = [{"label": f" {label}", "value": key} for key, label in FLAG_LABELS.items()]
    return html.Div(
        [
            dcc.Location(id=ids.url(PAGE), refresh=False),
            dcc.Store(id=ids.CV_CASE, data=case),
            page_header(
                "Conversations",
                "Every case behind the numbers: filter, search, and read the full transcript.",
            ),
            dbc.Row(
                [
                    labelled(
                        "Opened",
                        dcc.DatePickerRange(
                            id=ids.CV_RANGE,
                            start_date=lo,
                            end_date=hi,
                            display_format="YYYY-MM-DD",
                            first_day_of_week=1,
                        ),
                    ),
                    labelled(
                        "Channel",
                        filter_select(
                            ids.CV_CHANNEL, choices["channel"], listed(channel), "All", multi=True
                        ),
                        2,
                    ),
                    labelled(
                        "Brand",
                        filter_select(
                            ids.CV_BRAND, choices["brand"], listed(brand), "All", multi=True
                        ),
                        2,
                    ),
                    labelled(
                        "Category",
                        filter_select(
                            ids.CV_CATEGORY,
                            choices["category"],
                            listed(category),
                            "All",
                            multi=True,
                        ),
                        2,
                    ),
                    labelled(
                        "Status",
                        filter_select(
                            ids.CV_STATUS, list(STATUSES), listed(status), "All", multi=True
                        ),
                        2,
                    ),
                    labelled(
                        "Language",
                        filter_select(
                            ids.CV_LANGUAGE,
                            choices["language"],
                            listed(language),
                            "All",
                            multi=True,
                        ),
                        1,
                    ),
                ],
                className="g-2 align-items-end",
            ),
            dbc.Row(
                [
                    labelled(
                        "Search messages (or a case id)",
                        dcc.Input(
                            id=ids.CV_SEARCH,
                            type="search",
                            value=q or "",
                            debounce=True,
                            placeholder="e.g. refund",
                            className="form-control",
                        ),
                        4,
                    ),
                    labelled(
                        "Only cases flagged",
                        dcc.Checklist(
                            id=ids.CV_FLAGS,
                            options=flag_options,
                            value=listed(flags),
                            inline=True,
                            labelClassName="me-3",
                        ),
                    ),
                ],
                className="g-2 mb-2 align-items-end",
            ),
            dbc.Row(
                [
                    dbc.Col(
                        card(
                            "Cases",
                            [
                                html.Div(id=ids.CV_COUNT, className="small text-muted mb-1"),
                                data_table(
                                    ids.CV_TABLE,
                                    COLUMNS,
                                    page_size=PAGE_SIZE,
                                    server_side=True,
                                    sortable=True,
                                ),
                            ],
                            footer=html.Div(id=f"{ids.CV_TABLE}-export"),
                        ),
                        xl=7,
                    ),
                    dbc.Col(
                        card(
                            "Transcript",
                            html.Div(id=ids.CV_TRANSCRIPT),
                            footer=html.Div(id=f"{ids.CV_TRANSCRIPT}-export"),
                        ),
                        xl=5,
                    ),
                ],
                className="g-3",
            ),
            export_outputs(PAGE),
        ]
    )


def case_query(
    start, end, channel, brand, category, status, flags, search, language=None, sort=None
) -> CaseQuery:
    """The CaseQuery of the page's filters and sort order (the table's getRowsRequest or a sort
    model: [{"colId": ..., "sort": "asc" | "desc"}]; newest first without one)."""
    model = sort.get("sortModel") if isinstance(sort, dict) else sort
    column, descending = requested_sort({"sortModel": model})
    column = column or "opened_at"  # columns without a server-side sort keep the default
    filters = tuple(
        (d, tuple(listed(v)))
        for d, v in (
            ("channel", channel),
            ("brand", brand),
            ("category", category),
            ("language", language),
        )
    )
    return CaseQuery(
        start=start,
        end=end,
        filters=filters,
        status=tuple(listed(status)),
        flags=tuple(listed(flags)),
        search=(search or "").strip(),
        sort=column,
        descending=descending,
    )


FILTERS = [
    Input(ids.CV_RANGE, "start_date"),
    Input(ids.CV_RANGE, "end_date"),
    Input(ids.CV_CHANNEL, "value"),
    Input(ids.CV_BRAND, "value"),
    Input(ids.CV_CATEGORY, "value"),
    Input(ids.CV_STATUS, "value"),
    Input(ids.CV_FLAGS, "value"),
    Input(ids.CV_SEARCH, "value"),
]
LANGUAGE = Input(
    ids.CV_LANGUAGE, "value"
)  # after the others: callbacks take it as a last, optional argument


def tables(
    start, end, channel, brand, category, status, flags, search, sort, case, language=None
) -> dict:
    """The frames the page shows, each computed when asked for: every matching case (the table's
    pages) and the open transcript."""
    svc = (
        service()
    )  # exports can be millions of rows: computed when asked for, not kept in the memo
    query = case_query(start, end, channel, brand, category, status, flags, search, language, sort)
    out = {"cases": lambda: all_cases(svc.reader.cursor(), svc.config, query)}
    if case:
        out["transcript"] = lambda: svc.cached(case_transcript, case).messages
    return out


@callback(Output(ids.url(PAGE), "search"), *FILTERS, Input(ids.CV_CASE, "data"), LANGUAGE)
def url_search(
    start, end, channel, brand, category, status, flags, search, case, language=None
) -> str:
    """The filters and the open case as the page's query string (shareable link)."""
    return query_string(
        {
            "start": start,
            "end": end,
            "channel": channel,
            "brand": brand,
            "category": category,
            "status": status,
            "flags": flags,
            "q": search,
            "language": language,
            "case": case,
        }
    )


@callback(Output(ids.CV_TABLE, "filterModel"), *FILTERS, LANGUAGE, prevent_initial_call=True)
def first_page(*filters) -> dict:
    """Back to the first page, asked for again, whenever a filter changes."""
    return view_filter(*filters)


@callback(
    Output(ids.CV_TABLE, "getRowsResponse"),
    Output(ids.CV_COUNT, "children"),
    Output(f"{ids.CV_TABLE}-export", "children"),
    Input(ids.CV_TABLE, "getRowsRequest"),
    *(State(i.component_id, i.component_property) for i in FILTERS),
    State(ids.CV_LANGUAGE, "value"),
)
@per_snapshot
def case_table(request, start, end, channel, brand, category, status, flags, search, language=None):
    """The page of matching cases the table asks for, counted and sorted on the server."""
    if request is None:
        raise PreventUpdate
    query = case_query(
        start, end, channel, brand, category, status, flags, search, language, request
    )
    result = service().cached(case_page, query, requested_page(request, PAGE_SIZE), PAGE_SIZE)
    text = (
        f"{result.total:,} cases match · page {result.page + 1} of {result.page_count}"
        if result.total
        else "No cases match these filters: widen the dates or clear a filter."
    )
    return (
        {"rowData": records(result.rows, durations_of(COLUMNS)), "rowCount": result.total},
        text,
        export_bar(PAGE, "cases", result.total),
    )


@callback(
    Output(ids.CV_CASE, "data"), Input(ids.CV_TABLE, "selectedRows"), prevent_initial_call=True
)
def select_case(selected):
    """Remember the clicked case (it goes into the URL)."""
    if not selected or not isinstance(selected, list) or not selected[0].get("interaction_id"):
        raise PreventUpdate
    return selected[0]["interaction_id"]


@callback(
    Output(ids.CV_TRANSCRIPT, "children"),
    Output(f"{ids.CV_TRANSCRIPT}-export", "children"),
    Input(ids.CV_CASE, "data"),
)
# not memoised: what a transcript shows depends on the user's role, and each view is audited
def transcript(case):
    """The selected case's full transcript."""
    if not case:
        return transcript_view(None), None
    t = service().cached(case_transcript, case)
    return transcript_view(t), export_bar(PAGE, "transcript", len(t.messages)) if t.found else None


register_export(
    PAGE,
    tables,
    [
        *(State(i.component_id, i.component_property) for i in FILTERS),
        State(ids.CV_TABLE, "getRowsRequest"),
        State(ids.CV_CASE, "data"),
        State(ids.CV_LANGUAGE, "value"),
    ],
)
