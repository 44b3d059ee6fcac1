"""Reading an Excel workbook's first sheet as text, the way Excel displays each cell.

The result has the shape of `etl.sources.io.read_csv_text`: all-text columns plus `_line` (the sheet
row; header = 1), so that one validation path serves a CSV and its original workbook alike.
Dates become `YYYY-MM-DD`, times of day and durations `h:mm:ss` (no zero-padding of the hour,
as Excel shows `h:mm:ss`), whole numbers lose their `.0`.
"""

from __future__ import annotations

import zipfile
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pandas as pd

from etl.parsed import QUARANTINE_COLUMNS
from etl.sources.csv_shape import canonical_names, is_excel_workbook
from etl.sources.io import CsvFrame, SourceError, read_csv_text

XLSX_SUFFIXES = (".xlsx", ".xlsm")
_EXCEL_EPOCH = datetime(1899, 12, 30)


def is_workbook(path: Path) -> bool:
    """True for an .xlsx / .xlsm file name, or a file holding a workbook under another name."""
    return path.suffix.lower() in XLSX_SUFFIXES or (path.exists() and is_excel_workbook(path))


def _clock(seconds: float) -> str:
    total = int(round(seconds))
    return f"{total // 3600}:{total % 3600 // 60:02d}:{total % 60:02d}"


def cell_text(value: object, date_only: bool = False) -> str | None:
    """A cell value as Excel shows it (date_only: a datetime in a date column keeps its day)."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, datetime):
        if date_only:
            return value.date().isoformat()
        if value < datetime(1900, 3, 1):  # an Excel time or duration stored as a day serial
            return _clock((value - _EXCEL_EPOCH).total_seconds())
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return _clock(
            value.hour * 3600 + value.minute * 60 + value.second + value.microsecond / 1e6
        )
    if isinstance(value, timedelta):
        return _clock(value.total_seconds())
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def read_xlsx_text(
    path: Path,
    required: tuple[str, ...],
    date_columns: tuple[str, ...] = (),
    known: tuple[str, ...] = (),
) -> CsvFrame:
    """The first sheet as text columns plus `_line`; a missing required column raises SourceError.
    Header names spelled otherwise than `required` and `known` (case, spaces, underscores) are
    renamed to them, as in a CSV (etl/sources/csv_shape.py)."""
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    if not path.exists():
        raise SourceError(f"{path}: file not found.")
    fh = open(path, "rb")  # a file object: openpyxl checks no name (a workbook saved as .csv)
    try:
        wb = openpyxl.load_workbook(fh, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, InvalidFileException) as e:
        fh.close()
        raise SourceError(f"{path}: cannot read as an Excel workbook ({e}).") from None
    try:
        rows = wb.worksheets[0].iter_rows(values_only=True)
        header = next(rows, ())
        names = [
            (str(v).strip() if v is not None else "") or f"column{i}" for i, v in enumerate(header)
        ]
        names, renamed = canonical_names(names, (*required, *known))
        missing = [c for c in required if c not in names]
        if missing:
            raise SourceError(
                f"{path}, line 1: missing column(s) {', '.join(missing)}; "
                f"found {', '.join(n for n in names if n) or 'no header'}."
            )
        dated = {i for i, n in enumerate(names) if n in date_columns}
        records, lines = [], []
        for line, row in enumerate(rows, start=2):
            if row is None or all(v is None for v in row):
                continue  # Excel keeps formatted but empty rows: they are not records
            cells = list(row[: len(names)]) + [None] * (len(names) - len(row))
            records.append([cell_text(v, i in dated) for i, v in enumerate(cells)])
            lines.append(line)
    finally:
        wb.close()
        fh.close()
    frame = pd.DataFrame(records, columns=names, dtype=object)
    frame = frame.where(frame.notna(), None)
    frame["_line"] = pd.Series(lines, dtype="int64").to_numpy()
    notes = (f"column names matched ignoring case and spacing: {', '.join(renamed)}",)
    return CsvFrame(
        frame,
        pd.DataFrame(columns=QUARANTINE_COLUMNS),
        "xlsx",
        len(records),
        notes if renamed else (),
    )


def read_text(
    path: Path,
    required: tuple[str, ...],
    delim: str | None = None,
    known: tuple[str, ...] = (),
    date_columns: tuple[str, ...] = (),
) -> CsvFrame:
    """A source file as text columns plus `_line`: an Excel workbook (is_workbook: by its name or
    its content, so also one saved under a .csv name) as its first sheet (`date_columns` keep
    their day only), else as CSV (etl/sources/io.py)."""
    if is_workbook(path):
        return read_xlsx_text(path, required, date_columns, known)
    return read_csv_text(path, required, delim, known)
