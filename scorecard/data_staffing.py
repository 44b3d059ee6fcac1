"""The cases the coverage view reads (scorecard/staffing.py), from the warehouse."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import duckdb
import pandas as pd

from etl.config import Config
from scorecard.data import where_sql
from warehouse.queries import named_sql


def coverage_cases(con: duckdb.DuckDBPyConnection, config: Config, start: str | None,
                   end: str | None, filters: Mapping[str, Sequence[str]]) -> pd.DataFrame:
    """[arrived_s, wait_s, channel, brand, language] of the cases opened on the local dates
    start..end that match the filters (wait_s NaN when unanswered or answered before arrival)."""
    params: dict = {}
    where = where_sql(config, start, end, filters, params)
    frame = con.execute(f"select arrived_s, wait_s, channel, brand, language "
                        f"from ({named_sql('coverage_cases')}) c where {where}", params).df()
    frame["wait_s"] = frame["wait_s"].where(frame["wait_s"] >= 0)
    return frame
