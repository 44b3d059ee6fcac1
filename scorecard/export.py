"""Exports to CSV, XLSX and Parquet with spreadsheet formulas neutralised."""

from __future__ import annotations

import io
import math
import tempfile
import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pandas as pd

from etl.settings.config import Config

FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")


def _formula_like(text: str) -> bool:
    """Whether a spreadsheet could read the cell as a formula: it starts with a formula character,
    also after leading spaces, or with a full-width form of one (`＝`, `＋`, `－`, `＠`)."""
    if text.startswith(FORMULA_START):
        return True
    first = text.lstrip()[:1]
    return bool(first) and unicodedata.normalize("NFKC", first) in FORMULA_START


def _neutral(value: object) -> object:
    if isinstance(value, str) and _formula_like(value):
        return "'" + value
    return value


def neutralised(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy whose text cells cannot run as spreadsheet formulas (prefixed with a quote)."""
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(_neutral)
    return out


SIGNIFICANT_DIGITS = 12


def readable_numbers(value: object) -> object:
    """The value with every float to SIGNIFICANT_DIGITS significant digits (30.599999999999987
    is 30.6; no measure here is known to more), through dicts, lists and tuples: sums of doubles
    added in another order (a Spark build, days rebuilt apart) differ in the last bits and must
    print the same. NaN and infinities become None (JSON has neither); -0.0 becomes 0.0."""
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        return float(format(value, f".{SIGNIFICANT_DIGITS}g")) + 0.0
    if isinstance(value, dict):
        return {k: readable_numbers(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [readable_numbers(v) for v in value]
    return value


def readable_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy whose float columns went through readable_numbers (a CSV keeps `34.0` and shows
    `30.6`, a missing value stays blank)."""
    out = frame.copy()
    for col in frame.select_dtypes("float").columns:  # by label: a column named 3 stays one
        out[col] = frame[col].map(readable_numbers)
    return out


XLSX_MAX_ROWS = 1_048_575  # Excel's sheet limit minus the header row
FORMATS = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "parquet": "application/vnd.apache.parquet",
}


def _prepared(frame: pd.DataFrame, fmt: str) -> pd.DataFrame:
    """The frame as written: formulas neutralised; in CSV and Excel floats to 12 significant
    digits (Parquet keeps the doubles); for Excel, timezone dropped (local wall time)."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; use csv, xlsx or parquet.")
    if fmt == "xlsx" and len(frame) > XLSX_MAX_ROWS:
        raise ValueError(
            f"an Excel sheet holds at most {XLSX_MAX_ROWS:,} rows and this table has "
            f"{len(frame):,}; export CSV or Parquet instead."
        )
    safe = neutralised(frame) if fmt == "parquet" else readable_frame(neutralised(frame))
    for col in safe.columns:  # Excel cannot store timezone-aware datetimes
        if isinstance(safe[col].dtype, pd.DatetimeTZDtype) and fmt == "xlsx":
            safe[col] = safe[col].dt.tz_localize(None)
    return safe


def _write(safe: pd.DataFrame, fmt: str, target) -> None:
    if fmt == "csv":  # CRLF rows (RFC 4180): fields holding a bare CR or LF get quoted
        safe.to_csv(target, index=False, lineterminator="\r\n")
    elif fmt == "xlsx":
        safe.to_excel(target, index=False, engine="openpyxl")
    else:
        safe.to_parquet(target, index=False)


def write_frame(frame: pd.DataFrame, fmt: str, out: Path) -> int:
    """Write every row (no cap) in csv, xlsx or parquet; returns the row count."""
    safe = _prepared(frame, fmt)
    out.parent.mkdir(parents=True, exist_ok=True)
    _write(safe, fmt, out)
    return len(frame)


def frame_bytes(frame: pd.DataFrame, fmt: str) -> bytes:
    """Every row (no cap) as the bytes of a csv, xlsx or parquet file (for downloads)."""
    safe = _prepared(frame, fmt)
    buffer = io.BytesIO()
    _write(safe, fmt, buffer)
    return buffer.getvalue()


def table_frame(
    db: Path,
    config: Config,
    table: str,
    start: str | None,
    end: str | None,
    filters: Mapping[str, Sequence[str]],
) -> pd.DataFrame:
    """The rows of one exportable table, with the same filters as the scorecard."""
    from scorecard.kpis.data import open_warehouse, rows_of
    from scorecard.kpis.scoring import scorecard

    con = open_warehouse(db)
    try:
        if table == "scorecard":
            return scorecard(con, config, start, end, "total", (), filters).export_frame()
        return rows_of(con, config, table, start, end, filters)
    finally:
        con.close()


# DuckDB's memory limit while streaming an export or a drill (it spills beyond it). An export is one
# order-preserving COPY: below about 650 MB its writer stalls for memory (on the 10M-case bench,
# 20 CPU s and 86 s wall at 650 MB, 14.5 CPU s at 700-850 MB; peak RSS = the cap + 50 MB). A drill
# joins, numbers and sorts: 600 MB keeps its peak RSS near 770 MB (920 MB at 750 MB) at the same
# CPU (docs/performance.md, Streams).
STREAM_MEMORY = "750MB"
DRILL_MEMORY = "600MB"


@contextmanager
def _streaming(
    db: Path, out: Path, memory: str = STREAM_MEMORY
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection whose memory is capped at `memory` (DuckDB spills to a temporary
    directory beyond it), for a COPY from the warehouse into `out` (its folder is made)."""
    from scorecard.kpis.data import open_warehouse

    out.parent.mkdir(parents=True, exist_ok=True)
    con = open_warehouse(db)
    try:
        with tempfile.TemporaryDirectory(prefix="socialcare-export-") as spill:
            con.execute("set memory_limit = ?", [memory])
            con.execute("set temp_directory = ?", [spill])
            yield con
    finally:
        con.close()


def export_table(
    db: Path,
    config: Config,
    table: str,
    fmt: str,
    out: Path,
    start: str | None,
    end: str | None,
    filters: Mapping[str, Sequence[str]],
) -> int:
    """Export one table; returns the number of rows written. CSV and Parquet of the row tables
    stream from DuckDB to the file (memory bounded whatever the row count); the scorecard and
    Excel files go through pandas (an Excel sheet holds at most about a million rows anyway)."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; use csv, xlsx or parquet.")
    if table == "scorecard" or fmt == "xlsx":
        return write_frame(table_frame(db, config, table, start, end, filters), fmt, out)
    from scorecard.kpis.data import copy_rows

    with _streaming(db, out) as con:
        return copy_rows(con, config, table, start, end, filters, fmt, str(out))


def export_drill(
    db: Path,
    config: Config,
    kpi: str,
    start: str | None,
    end: str | None,
    filters: Mapping[str, Sequence[str]],
    fmt: str,
    out: Path,
) -> int:
    """Write the cases behind a KPI value with their transcripts (`socialcare drill`); returns
    the rows written. CSV and Parquet stream from DuckDB to the file (memory bounded whatever
    the row count); Excel goes through pandas."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; use csv, xlsx or parquet.")
    from scorecard.kpis.data import open_warehouse
    from scorecard.rootcause.change import drill_cases, write_drill

    if fmt == "xlsx":
        con = open_warehouse(db)
        try:
            return write_frame(drill_cases(con, config, kpi, start, end, filters), fmt, out)
        finally:
            con.close()
    with _streaming(db, out, DRILL_MEMORY) as con:
        con.execute("set preserve_insertion_order = false")  # the drill sorts its rows itself
        return write_drill(con, config, kpi, start, end, filters, fmt, str(out))
