"""Bridge: the open cases of the published warehouse at its latest time (the backlog's rows)."""

from __future__ import annotations

import duckdb
import pandas as pd

from etl.settings.config import Config
from scorecard.kpis.data_pieces import sla_sql
from warehouse.queries import as_of, named_sql


def backlog_as_of(con: duckdb.DuckDBPyConnection) -> pd.Timestamp | None:
    """The backlog's 'now': the latest activity in the data (reproducible, unlike the wall clock)."""
    return as_of(con)


def open_cases(
    con: duckdb.DuckDBPyConnection, config: Config, now: pd.Timestamp, since: pd.Timestamp
) -> pd.DataFrame:
    """Cases open at `now` and opened since `since`, with their clock start and their SLA."""
    params = {
        "as_of": now.to_pydatetime(),
        "since": since.to_pydatetime(),
        "from_created": config.frt_clock == "case_created",
        "sla_s": config.sla_first_response_s,
    }
    sla, bound = sla_sql(config)
    params.update(bound)
    sql = named_sql("backlog_cases").replace("{sla}", sla)
    return con.execute(sql, params).df()


def stale_count(con: duckdb.DuckDBPyConnection, now: pd.Timestamp, since: pd.Timestamp) -> int:
    """Unresolved cases opened before `since`."""
    return int(
        con.execute(
            named_sql("backlog_stale"),
            {"as_of": now.to_pydatetime(), "since": since.to_pydatetime()},
        ).fetchone()[0]
    )
