"""The cases the coverage view reads (scorecard/operations/staffing.py), from the warehouse."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import duckdb
import pandas as pd

from etl.settings.config import Config
from scorecard.kpis.data import where_clause
from warehouse.queries import named_sql


def coverage_cases(
    con: duckdb.DuckDBPyConnection,
    config: Config,
    start: str | None,
    end: str | None,
    filters: Mapping[str, Sequence[str]],
) -> pd.DataFrame:
    """[arrived_s, wait_s, channel, brand, language] of the cases opened on the local dates
    start..end that match the filters (wait_s NaN when unanswered or answered before arrival)."""
    where, params = where_clause(config, start, end, filters)
    sql = named_sql("coverage_rows").format(cases=named_sql("coverage_cases"), where=where)
    frame = con.execute(sql, params).df()
    frame["wait_s"] = frame["wait_s"].where(frame["wait_s"] >= 0)
    return frame


def coverage_of(
    con: duckdb.DuckDBPyConnection,
    config: Config,
    start: str | None,
    end: str | None,
    filters: tuple[tuple[str, tuple[str, ...]], ...] = (),
    extend: str | None = None,
):
    """scorecard.operations.staffing.coverage of the matching cases (hashable arguments, for the pages'
    per-snapshot memo); an unreadable extend window is left out (the page says so)."""
    from scorecard.operations.staffing import coverage, parsed_window

    try:
        window = parsed_window(extend) if extend else None
    except ValueError:
        window = None
    cases = coverage_cases(con, config, start, end, dict(filters))
    return coverage(cases, config, start, end, window)
