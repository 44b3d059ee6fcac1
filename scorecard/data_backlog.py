"""Bridge: the open cases of the published warehouse at its latest time (the backlog's rows)."""

from __future__ import annotations

import duckdb
import pandas as pd

from etl.config import Config
from warehouse.queries import as_of, named_sql


def backlog_as_of(con: duckdb.DuckDBPyConnection) -> pd.Timestamp | None:
    """The backlog's 'now': the latest activity in the data (reproducible, unlike the wall clock)."""
    return as_of(con)


def open_cases(con: duckdb.DuckDBPyConnection, config: Config, now: pd.Timestamp) -> pd.DataFrame:
    """Cases open at `now`, with the start of their first-response clock."""
    return con.execute(named_sql("backlog_cases"), {
        "as_of": now.to_pydatetime(),
        "from_created": config.frt_clock == "case_created",
    }).df()
