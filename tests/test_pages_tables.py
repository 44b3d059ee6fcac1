"""The dash-ag-grid tables of pages/_components.py: plain-text cells, d3 number formats without
eval, server-side paging and sorting read from ag-grid's requests, clicks mapped to rows."""

from __future__ import annotations

import json

from pages._components import (
    VIEW_COLUMN,
    clicked_row,
    column_defs,
    data_table,
    requested_page,
    requested_sort,
    view_filter,
)

COLUMNS = [
    ("interaction_id", "case", "text"),
    ("frt_s", "first response (s)", ",.0f"),
    ("n", "n", "numeric"),
]


def test_columns_are_plain_text_with_d3_formats_for_numbers():
    defs = column_defs(COLUMNS, sortable=True)
    assert [d["field"] for d in defs] == ["interaction_id", "frt_s", "n"]
    assert [d["headerName"] for d in defs] == ["case", "first response (s)", "n"]
    assert all(d["sortable"] for d in defs) and not any("cellRenderer" in d for d in defs)
    assert "valueFormatter" not in defs[0] and "valueFormatter" not in defs[2]
    assert defs[1]["valueFormatter"] == {
        "function": "params.value == null ? '' : d3.format(',.0f')(params.value)"
    }


def test_a_client_side_table_pages_in_the_browser_and_never_exports_there():
    grid = data_table("t", COLUMNS, page_size=8).to_plotly_json()["props"]
    options = grid["dashGridOptions"]
    assert grid["rowData"] == [] and "rowModelType" not in grid
    assert options["pagination"] and options["paginationPageSize"] == 8
    assert options["suppressCsvExport"] and options["suppressExcelExport"]
    assert not grid.get("dangerously_allow_code") and not any(
        d.get("sortable") for d in grid["columnDefs"]
    )


def test_a_server_side_table_asks_for_one_page_at_a_time():
    grid = data_table("t", COLUMNS, page_size=15, server_side=True, sortable=True).to_plotly_json()[
        "props"
    ]
    assert grid["rowModelType"] == "infinite" and "rowData" not in grid
    assert (
        grid["dashGridOptions"]["cacheBlockSize"]
        == 15
        == grid["dashGridOptions"]["paginationPageSize"]
    )
    hidden = grid["columnDefs"][-1]
    assert hidden == {"field": VIEW_COLUMN, "hide": True, "filter": "agTextColumnFilter"}
    # ag-grid's third page of 15 rows is rows 30..44, sorted by the first response, fastest first
    request = {
        "startRow": 30,
        "endRow": 45,
        "sortModel": [{"colId": "frt_s", "sort": "asc"}],
        "filterModel": {},
    }
    assert requested_page(request, 15) == 2
    assert requested_sort(request) == ("frt_s", False)
    assert requested_sort({"startRow": 0, "sortModel": []}) == (None, True)
    assert requested_page(None, 15) == 0


def test_a_filter_change_changes_the_view_filter():
    a, b = view_filter("2024-01-01", ["social"]), view_filter("2024-01-01", ["email"])
    assert a != b and a == view_filter("2024-01-01", ["social"])
    assert json.loads(a[VIEW_COLUMN]["filter"]) == ["2024-01-01", ["social"]]


def test_a_click_points_at_the_row_of_its_row_id_whatever_the_sort():
    rows = [{"interaction_id": "a"}, {"interaction_id": "b"}, {"interaction_id": "c"}]
    # sorted in the browser, the third row is shown first: rowIndex 0, rowId "2"
    assert clicked_row({"colId": "interaction_id", "rowIndex": 0, "rowId": "2"}, rows) == {
        "interaction_id": "c"
    }
    assert clicked_row({"rowId": "3"}, rows) is None and clicked_row({"rowId": None}, rows) is None
    assert clicked_row(None, rows) is None and clicked_row({"rowId": "0"}, []) is None
