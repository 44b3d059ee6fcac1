"""Exports: every row, formulas neutralised, read back from CSV, XLSX (openpyxl) and Parquet."""

from __future__ import annotations

import io

import openpyxl
import pandas as pd
import pytest

from scorecard.export import XLSX_MAX_ROWS, frame_bytes, neutralised, write_frame

# Each dangerous start a spreadsheet would execute (OWASP "CSV injection"): = + - @ tab CR LF,
# also after leading spaces (Excel and LibreOffice skip them) and in full-width form (＝ U+FF1D,
# ＋ U+FF0B, which spreadsheets with East Asian input normalise to = and +).
DANGEROUS = [
    "=1+1",
    "+SUM(A1)",
    "-2+3",
    "@cmd",
    "\tx",
    "\rx",
    '=HYPERLINK("http://evil","x")',
    " =leading space",
    "   +1",
    "\u00a0=nbsp",
    '\uff1dHYPERLINK("x")',
    "\uff0b1",
    "\nx",
]
SAFE = ["plain", "a=b", "a ＝ b", "", None]


def _frame() -> pd.DataFrame:
    texts = DANGEROUS + SAFE
    return pd.DataFrame(
        {
            "text": texts,
            "n": range(len(texts)),
            "value": [-1.5] * len(texts),  # numbers are never prefixed, even negative ones
            "at": pd.to_datetime(["2024-03-01 09:30"] * len(texts))
            .tz_localize("UTC")
            .tz_convert("Europe/London"),
        }
    )


def test_neutralised_prefixes_exactly_the_dangerous_starts():
    out = neutralised(_frame())
    assert list(out["text"][: len(DANGEROUS)]) == ["'" + t for t in DANGEROUS]
    assert list(out["text"][len(DANGEROUS) :].fillna("<NA>")) == [
        "plain",
        "a=b",
        "a ＝ b",
        "",
        "<NA>",
    ]
    assert list(out["value"]) == [-1.5] * len(out)


def test_csv_keeps_every_row_and_neutralises():
    frame = _frame()
    back = pd.read_csv(io.BytesIO(frame_bytes(frame, "csv")), keep_default_na=False)
    assert len(back) == len(frame)
    assert back["text"].iloc[0] == "'=1+1"
    assert back["text"].iloc[3] == "'@cmd"
    assert back["text"].iloc[5] == "'\rx"  # a CR inside a field is quoted, not a row break
    # times are written in the frame's (display) timezone: 09:30 UTC is 09:30 GMT in March
    assert back["at"].iloc[0] == "2024-03-01 09:30:00+00:00"


def test_xlsx_reads_back_with_openpyxl_as_text_not_formulas():
    frame = _frame()
    wb = openpyxl.load_workbook(io.BytesIO(frame_bytes(frame, "xlsx")))
    ws = wb.active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0] == ("text", "n", "value", "at")
    assert len(rows) - 1 == len(frame)
    cells = [ws.cell(row=i + 2, column=1) for i in range(len(DANGEROUS))]
    # XML (and so XLSX) normalises a carriage return to a line feed when read
    assert [c.value for c in cells] == ["'" + t.replace("\r", "\n") for t in DANGEROUS]
    assert all(c.data_type == "s" for c in cells)  # strings, not formulas ("f")
    # Excel has no timezones: the local wall time is written
    assert rows[1][3].isoformat() == "2024-03-01T09:30:00"


def test_parquet_round_trip_keeps_types_and_timezone():
    frame = _frame()
    back = pd.read_parquet(io.BytesIO(frame_bytes(frame, "parquet")))
    assert len(back) == len(frame)
    assert back["text"].iloc[1] == "'+SUM(A1)"
    assert str(back["at"].dt.tz) == "Europe/London"
    assert back["n"].tolist() == list(range(len(frame)))


def test_write_frame_writes_the_same_bytes_as_downloads(tmp_path):
    frame = _frame()
    out = tmp_path / "x" / "t.csv"
    assert write_frame(frame, "csv", out) == len(frame)
    assert out.read_bytes() == frame_bytes(frame, "csv")


def test_no_row_cap_and_a_clear_excel_limit():
    big = pd.DataFrame({"i": range(200_000)})
    assert len(pd.read_parquet(io.BytesIO(frame_bytes(big, "parquet")))) == 200_000
    too_big = pd.DataFrame({"i": range(XLSX_MAX_ROWS + 1)})
    with pytest.raises(ValueError, match="export CSV or Parquet instead"):
        frame_bytes(too_big, "xlsx")
    with pytest.raises(ValueError, match="unknown export format"):
        frame_bytes(big, "json")
