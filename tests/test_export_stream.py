"""Streaming exports (issue 23): `socialcare export` of a row table in CSV or Parquet streams from
DuckDB to the file (COPY, memory bounded) and writes exactly the rows, columns, instants and
neutralised texts of the in-memory (pandas) path the dashboard downloads use."""

from __future__ import annotations

import pandas as pd
import pytest
from click.testing import CliRunner

from cli import main
from etl.settings.config import Config
from scorecard.export import neutralised, table_frame
from tests.browser import FORMULA, dashboard_warehouse


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    return dashboard_warehouse(tmp_path_factory.getbasetemp() / "dashboard")


def _texts(column: pd.Series) -> list[str]:
    return ["" if pd.isna(v) else str(v) for v in column]


@pytest.mark.parametrize("table", ["cases", "messages", "surveys"])
@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_streamed_export_equals_the_in_memory_rows(db, tmp_path, table, fmt):
    out = tmp_path / f"{table}.{fmt}"
    args = [
        "--db",
        str(db),
        "export",
        table,
        "--format",
        fmt,
        "--out",
        str(out),
        "--from",
        "2024-01-08",
        "--to",
        "2024-02-04",
        "--channel",
        "social,email",
    ]
    r = CliRunner().invoke(main, args)
    assert r.exit_code == 0, r.output
    expected = neutralised(
        table_frame(
            db, Config(), table, "2024-01-08", "2024-02-04", {"channel": ["social", "email"]}
        )
    )
    got = (
        pd.read_parquet(out)
        if fmt == "parquet"
        else pd.read_csv(out, keep_default_na=False, na_values=[""])
    )
    assert r.output == f"wrote {len(expected)} rows to {out}.\n" and len(got) == len(expected) > 0
    assert list(got.columns) == list(expected.columns)
    key = {"cases": ["interaction_id"], "messages": ["message_id"], "surveys": ["survey_id"]}[table]
    got, expected = (f.sort_values(key).reset_index(drop=True) for f in (got, expected))
    for col in expected.columns:
        if isinstance(expected[col].dtype, pd.DatetimeTZDtype):  # the same instants
            left = pd.to_datetime(got[col], utc=True, format="ISO8601")
            assert (left.dropna() == expected[col].dropna().dt.tz_convert("UTC")).all(), col
        elif expected[col].dtype == object or pd.api.types.is_string_dtype(expected[col]):
            assert _texts(got[col]) == _texts(expected[col]), col


def test_streamed_csv_neutralises_formulas_and_quotes_line_breaks(db, tmp_path):
    out = tmp_path / "messages.csv"
    r = CliRunner().invoke(
        main, ["--db", str(db), "export", "messages", "--format", "csv", "--out", str(out)]
    )
    assert r.exit_code == 0, r.output
    raw = out.read_bytes()
    assert raw.startswith(b"message_id,") and raw.endswith(b"\r\n")  # CRLF rows
    texts = pd.read_csv(out, keep_default_na=False)["text"]
    assert r.output.startswith(f"wrote {len(texts)} rows")  # texts with line breaks are quoted
    assert "'" + FORMULA in set(texts)
    assert not any(t.lstrip().startswith(("=", "+", "-", "@")) for t in texts)
