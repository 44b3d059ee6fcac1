"""Reusable layout pieces: KPI tiles, cards, filters, export bars, safe tables, empty states."""

from __future__ import annotations

import base64
import json
import math
from collections.abc import Sequence

import dash_ag_grid as dag
import dash_bootstrap_components as dbc
import pandas as pd
from dash import dcc, html

from pages import _ids as ids
from pages._format import duration, formatted
from scorecard.kpis.catalogue import THIN_N, Kpi, catalogue

EXPORT_FORMATS = (("csv", "CSV"), ("xlsx", "Excel"), ("parquet", "Parquet"))
FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif'
STATUS_COLOURS = {"green": "#18bc9c", "amber": "#f39c12", "red": "#e74c3c", "n/a": "#95a5a6"}


def empty_state(message: str) -> html.Div:
    """An explanation in place of a chart or table that has nothing to show."""
    return html.Div(message, className="empty-state")


def page_header(title: str, subtitle: str) -> html.Div:
    """Page title with a one-line description of who it is for."""
    return html.Div(
        [html.H3(title, className="mb-0"), html.Div(subtitle, className="text-muted small")],
        className="mb-2",
    )


def sparkline(
    values: Sequence[float | None], status: str = "n/a", width: int = 132, height: int = 30
) -> html.Img | None:
    """A tiny SVG line of the last days (numbers only, no text) as an <img>; None without data."""
    points = [(i, v) for i, v in enumerate(values) if v is not None and not math.isnan(v)]
    if len(points) < 2:
        return None
    lo, hi = min(v for _, v in points), max(v for _, v in points)
    span, step = (hi - lo) or 1.0, (width - 6) / max(1, len(values) - 1)
    xy = [(3 + i * step, height - 3 - (v - lo) / span * (height - 6)) for i, v in points]
    line = " ".join(f"{x:.1f},{y:.1f}" for x, y in xy)
    colour = STATUS_COLOURS.get(status, "#95a5a6")
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}">'
        f'<polyline fill="none" stroke="#7b8a8b" stroke-width="1.5" points="{line}"/>'
        f'<circle cx="{xy[-1][0]:.1f}" cy="{xy[-1][1]:.1f}" r="3" fill="{colour}"/></svg>'
    )
    src = "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()
    return html.Img(src=src, className="sparkline", alt=f"trend over the last {len(values)} days")


def versus_text(config) -> str:
    """What a tile's delta compares with (the [compare] setting)."""
    if config.compare_baseline == "same_weekday":
        return f"vs last {config.compare_weeks} same weekdays"
    return "vs previous day"


def _delta(
    kpi: Kpi, delta: float | None, currency: str = "", versus: str = "vs previous day"
) -> html.Span:
    if delta is None:
        return html.Span("no previous value", className="kpi-delta")
    better = (
        (delta > 0) == (kpi.direction == "higher") if kpi.direction != "none" and delta else None
    )
    arrow = "▲" if delta > 0 else "▼" if delta < 0 else "■"
    tone = "" if better is None else " good" if better else " bad"
    text = (
        f"{abs(delta) * 100:.0f} pts"
        if kpi.unit == "share"
        else formatted(abs(delta), kpi.unit, currency).lstrip("+")
    )
    return html.Span(f"{arrow} {text} {versus}", className="kpi-delta" + tone)


def _channels(kpi: Kpi, channels: Sequence) -> html.Div | None:
    """Each channel's value of a time KPI with a status dot: the clocks the tile blends."""
    if not channels:
        return None
    parts = []
    for c in channels:
        dot = html.Span(
            "●",
            style={"color": STATUS_COLOURS.get(c.status, STATUS_COLOURS["n/a"])},
            className="me-1",
        )
        parts.append(
            html.Span(
                [dot, f"{c.channel or '(none)'} {formatted(c.value, kpi.unit)}"],
                className="kpi-channel me-2",
                title=f"{c.channel}: n={c.n:,}, target {formatted(c.target, kpi.unit)}, {c.status}",
            )
        )
    return html.Div(parts, className="kpi-channels")


def kpi_tile(
    kpi: Kpi,
    v,
    href: str | None = None,
    spark: Sequence[float | None] = (),
    currency: str = "",
    versus: str = "vs previous day",
) -> html.Div | dcc.Link:
    """One KPI tile from a KpiValue: value, target, status colour, delta, sparkline, n, each
    channel of a time KPI over several, what a 0 means where it is not what it seems (the KPI's
    when_zero); definition, reason (n/a) and note on hover. An n/a tile is grey and says n/a
    (never a 0); a thin value is greyed with "thin"."""
    status = v.status
    missing = v.value is None
    value_text = "n/a" if missing else formatted(v.value, kpi.unit, currency)
    thin = " · thin" if 0 < v.n < THIN_N else ""
    value_class = "kpi-value" + (" kpi-greyed" if thin or missing else "")
    body = [
        html.Div(kpi.label, className="kpi-label"),
        html.Div(
            [html.Span(value_text, className=value_class), sparkline(spark, status)],
            className="kpi-main",
        ),
        html.Div(
            f"target {formatted(v.target, kpi.unit, currency)} · n={v.n:,}{thin}",
            className="kpi-meta",
        ),
        html.Div(v.reason, className="kpi-reason")
        if missing and v.reason
        else _delta(kpi, v.delta, currency, versus),
        # a 0 that means something else than it seems (0 s of business time is no instant reply)
        html.Div(zero, className="kpi-reason") if (zero := kpi.zero_meaning(v.value)) else None,
        _channels(kpi, getattr(v, "channels", ())),
    ]
    hover = [f"{kpi.label}: {kpi.definition}"]
    if v.reason:
        hover.append(f"n/a: {v.reason}")
    if getattr(v, "note", None):
        hover.append(f"Note: {v.note}")
    card = html.Div(
        dbc.Card(
            dbc.CardBody([b for b in body if b is not None], className="p-2"),
            className=f"kpi-tile status-{status.replace('/', '')} h-100"
            + (" kpi-unknown" if missing or thin else ""),
        ),
        id=f"tile-{kpi.id}",
        title="\n".join(hover),
        className="h-100",
    )
    if href and status == "red":
        return dcc.Link(
            card,
            href=href,
            className="text-decoration-none text-reset tile-link",
            title=f"{kpi.label} is red: open its root cause",
        )
    return card


def card(
    title: str, body, footer=None, body_id: str | None = None, className: str = ""
) -> dbc.Card:
    """A titled card; `footer` usually holds the export bar."""
    parts = [
        dbc.CardHeader(title, className="fw-semibold"),
        dbc.CardBody(body, id=body_id) if body_id else dbc.CardBody(body),
    ]
    if footer is not None:
        parts.append(dbc.CardFooter(footer, className="py-1"))
    return dbc.Card(parts, className=f"mb-3 {className}")


def export_bar(page: str, table: str, rows: int, label: str | None = None) -> html.Div:
    """The row count and server-side export buttons of one table or chart."""
    buttons = [
        dbc.Button(
            label,
            id=ids.export_button(page, table, fmt),
            size="sm",
            color="secondary",
            outline=True,
            title=f"Download all {rows:,} rows as {label}",
        )
        for fmt, label in EXPORT_FORMATS
    ]
    what = f"{label}: " if label else ""
    return html.Div(
        [
            html.Span(
                f"{what}{rows:,} {'row' if rows == 1 else 'rows'} · export:",
                className="export-count me-2",
            ),
            dbc.ButtonGroup(buttons),
        ],
        className="export-bar",
    )


def filter_select(
    id_: str,
    options: Sequence,
    value,
    placeholder: str,
    multi: bool = False,
    clearable: bool = True,
) -> dcc.Dropdown:
    """A dropdown filter (options are values or {label, value} dicts)."""
    return dcc.Dropdown(
        id=id_,
        options=list(options),
        value=value,
        placeholder=placeholder,
        multi=multi,
        clearable=clearable,
        className="filter-select",
    )


def labelled(label: str, control, width=None) -> dbc.Col:
    """A filter control with a small label above it."""
    return dbc.Col(
        [html.Label(label, className="filter-label"), control],
        width=width if width is not None else "auto",
        className="mb-1",
    )


def kpi_picker(id_: str, kpi: str | None, default: str, width: int) -> dbc.Col:
    """A page's KPI dropdown: every KPI of the catalogue by its label; a missing or unknown id
    (from a hand-edited URL) selects `default`."""
    known = [{"label": k.label, "value": k.id} for k in catalogue()]
    picked = kpi if kpi in {o["value"] for o in known} else default
    return labelled("KPI", filter_select(id_, known, picked, "KPI", clearable=False), width)


def records(frame: pd.DataFrame, durations: Sequence[str] = ()) -> list[dict]:
    """Table rows: datetimes as local 'YYYY-MM-DD HH:MM' text, the `durations` columns (seconds)
    as people read them ('2 h 14 min'; sorting stays on the server's seconds), missing values
    as None."""
    out = frame.copy()
    for col in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[col]):
            out[col] = out[col].dt.strftime("%Y-%m-%d %H:%M")
    for col in durations:
        if col in out.columns:
            out[col] = out[col].map(lambda v: None if pd.isna(v) else duration(float(v)))
    out = out.astype(object).where(out.notna(), None)
    return out.to_dict("records")


def durations_of(columns: Sequence[tuple[str, str, str | None]]) -> list[str]:
    """The fields of a table's columns declared as durations (kind 'duration')."""
    return [field for field, _, kind in columns if kind == "duration"]


VIEW_COLUMN = (
    "_view"  # hidden column of a server-side table whose filter model names the page's filters
)


def column_defs(
    columns: Sequence[tuple[str, str, str | None]], sortable: bool = False
) -> list[dict]:
    """ag-grid column definitions: (field, header, 'text' | 'numeric' | 'duration' | a d3 number format;
    a duration arrives as text from records(durations=...)).
    Values are shown as plain text by ag-grid's default renderer (no HTML, no Markdown); a
    number format is applied by dash-ag-grid's expression interpreter (no eval: the CSP holds)."""
    defs = []
    for field, header, kind in columns:
        col: dict = {
            "field": field,
            "headerName": header,
            "sortable": sortable,
            "tooltipField": field,
        }
        if kind not in (None, "text", "numeric", "duration"):
            col["valueFormatter"] = {
                "function": f"params.value == null ? '' : d3.format('{kind}')(params.value)"
            }
        defs.append(col)
    return defs


def data_table(
    id_: str,
    columns: Sequence[tuple[str, str, str | None]],
    page_size: int = 10,
    server_side: bool = False,
    sortable: bool = False,
    cell_styles: dict[str, dict[str, dict]] | None = None,
    **kwargs,
) -> dag.AgGrid:
    """A table that shows customer text as plain text (no cell renderers, no HTML or Markdown)
    and never exports in the browser (exports are server-side, from the export bar).

    Client-side (default): the callback sets `rowData` to every row and ag-grid pages them;
    a click gives `cellClicked` (its rowId is the row's index in rowData, see clicked_row).
    Server-side: ag-grid's infinite row model asks for one page at a time (`getRowsRequest`,
    answered with `getRowsResponse`), sorted on the server when `sortable`; a change of the
    page's filters resets it through `filterModel` (see view_filter); a click selects the row
    (`selectedRows`). Only the rows of the page shown ever reach the browser.
    cell_styles: {field: {value: CSS}} colours a cell by its exact value."""
    defs = column_defs(columns, sortable)
    for col in defs:
        styles = (cell_styles or {}).get(col["field"])
        if styles:
            col["cellStyle"] = {
                "styleConditions": [
                    {"condition": f"params.value === {json.dumps(value)}", "style": style}
                    for value, style in styles.items()
                ]
            }
    options = {
        "pagination": True,
        "paginationPageSize": page_size,
        "paginationPageSizeSelector": False,
        "domLayout": "autoHeight",
        "enableCellTextSelection": True,
        "ensureDomOrder": True,
        "suppressColumnVirtualisation": True,  # every column in the page (a dozen at most)
        "suppressCsvExport": True,
        "suppressExcelExport": True,
        "tooltipShowDelay": 500,
        "autoSizeStrategy": {"type": "fitCellContents"},
    }  # once the first rows are shown
    grid: dict = {"rowData": []}
    if server_side:
        defs.append({"field": VIEW_COLUMN, "hide": True, "filter": "agTextColumnFilter"})
        options |= {
            "cacheBlockSize": page_size,
            "maxBlocksInCache": 20,
            "rowSelection": {
                "mode": "singleRow",
                "checkboxes": False,
                "enableClickSelection": True,
            },
        }
        grid = {"rowModelType": "infinite"}
    return dag.AgGrid(
        id=id_,
        columnDefs=defs,
        dashGridOptions=options,
        defaultColDef={
            "resizable": True,
            "cellDataType": False,
            "suppressHeaderMenuButton": True,
            "minWidth": 60,
            "maxWidth": 320,
        },
        className="ag-theme-quartz socialcare-grid",
        style={"width": "100%"},
        **grid,
        **kwargs,
    )


def view_filter(*filters) -> dict:
    """The filter model that makes a server-side table ask for its first page again when the
    page's filters change (the callback answering getRowsRequest reads the filters themselves)."""
    return {
        VIEW_COLUMN: {
            "filterType": "text",
            "type": "equals",
            "filter": json.dumps(filters, default=str),
        }
    }


def requested_page(request: dict | None, page_size: int) -> int:
    """The page a server-side table asks for (0 first)."""
    return int((request or {}).get("startRow") or 0) // page_size


def requested_sort(request: dict | None) -> tuple[str | None, bool]:
    """(column, descending) of the sort a server-side table asks for; (None, True) unsorted."""
    model = (request or {}).get("sortModel") or []
    if not model:
        return None, True
    return model[0].get("colId"), model[0].get("sort", "desc") == "desc"


def clicked_row(cell: dict | None, rows: Sequence[dict] | None) -> dict | None:
    """The row a cellClicked event of a client-side table points at, or None."""
    if not cell or not rows:
        return None
    try:
        index = int(cell.get("rowId"))
    except (TypeError, ValueError):
        return None
    return rows[index] if 0 <= index < len(rows) else None
