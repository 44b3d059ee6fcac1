"""Server-side exports: each page registers one callback that rebuilds the shown frame
from the same filters and sends it as CSV, XLSX or Parquet (every row, formulas neutralised)."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

import pandas as pd
from dash import ALL, Input, Output, State, callback, ctx, dcc, html
from dash.exceptions import PreventUpdate

from pages import _ids as ids
from pages._security import allowed, record
from scorecard.export import frame_bytes
from scorecard.service import service

EXTENSIONS = {"csv": "csv", "xlsx": "xlsx", "parquet": "parquet"}
# columns that carry customer text: only analysts and admins export them
TEXT_COLUMNS = {
    "text",
    "verbatim",
    "example",
    "examples",
    "transcript",
    "first_message",
    "last_message",
}
REMEMBER_ROWS = 50_000  # files of tables up to this size are kept per snapshot (repeat downloads)


def export_outputs(page: str) -> html.Div:
    """The page's download target and the place where export problems are reported."""
    return html.Div(
        [
            dcc.Download(id=ids.download(page)),
            html.Div(id=ids.export_error(page), className="text-danger small"),
        ]
    )


def file_name(table: str, fmt: str, parts: Sequence[object]) -> str:
    """A descriptive, filesystem-safe file name: table_filter1_filter2.ext."""
    words = [table] + [str(p) for p in parts if isinstance(p, (str, int, float)) and p != ""]
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", "_".join(words))[:120].strip("-_")
    return f"{stem}.{EXTENSIONS[fmt]}"


def export_payload(frame: pd.DataFrame, table: str, fmt: str, parts: Sequence[object]) -> dict:
    """dcc.Download data for one frame."""
    return dcc.send_bytes(frame_bytes(frame, fmt), file_name(table, fmt, parts))


def register_export(
    page: str, tables: Callable[..., dict], states: Sequence[State], remember: bool = True
) -> Callable:
    """Register the page's export callback: `tables(*state_values)` returns the frames by name
    (or functions that compute them), the same frames the page shows. With `remember`, the
    file of a table up to REMEMBER_ROWS rows is kept per snapshot for repeat downloads."""

    @callback(
        Output(ids.download(page), "data"),
        Output(ids.export_error(page), "children"),
        Input(ids.export_button(page, ALL, ALL), "n_clicks"),
        *states,
        prevent_initial_call=True,
    )
    def export(clicks, *values):
        trigger = ctx.triggered_id
        if not trigger or not ctx.triggered or not ctx.triggered[0].get("value"):
            raise PreventUpdate
        frame = tables(*values).get(trigger["table"])
        if callable(frame):  # computed on demand (large tables are not kept in the memo)
            frame = frame()
        if frame is None:
            return None, "This table is not available for the current filters."
        flat = [v for value in values for v in (value if isinstance(value, list) else [value])]
        if TEXT_COLUMNS & set(map(str, frame.columns)) and not allowed("export_text"):
            record("export_refused", page=page, table=trigger["table"], format=trigger["fmt"])
            return (
                None,
                "This table holds customer text, which only analysts and admins may export.",
            )
        record(
            "export",
            page=page,
            table=trigger["table"],
            format=trigger["fmt"],
            filters=flat,
            rows=len(frame),
        )
        try:
            if not remember or len(frame) > REMEMBER_ROWS:
                return export_payload(frame, trigger["table"], trigger["fmt"], flat), ""
            key = ("export", page, trigger["table"], trigger["fmt"], repr(values))
            return service().remembered(
                key, lambda: export_payload(frame, trigger["table"], trigger["fmt"], flat)
            ), ""
        except ValueError as e:
            return None, str(e)

    return export
