"""Named, parameterised reads of the published warehouse (identifiers come only from code)."""

from __future__ import annotations

from importlib import resources

import duckdb
import pandas as pd

DIMENSIONS = {
    "channel": "channel",
    "brand": "brand",
    "category": "issue_category",
    "agent": "agent_id",
    "team": "team",
    "language": "language",
}


def named_sql(name: str) -> str:
    """The text of warehouse/sql/queries/<name>.sql."""
    return resources.files("warehouse").joinpath(f"sql/queries/{name}.sql").read_text("utf-8")


# The rows each KPI source aggregates: a table, or a table expression (customer_messages.sql).
SOURCES = {
    "cases": "fct_cases",
    "surveys": "fct_surveys",
    "messages": "("
    + " ".join(
        line for line in named_sql("customer_messages").splitlines() if not line.startswith("--")
    ).strip()
    + ")",  # embedded in queries
}


def as_of(con: duckdb.DuckDBPyConnection) -> pd.Timestamp | None:
    """The latest activity in the data: the 'now' of SLA checks, so results are reproducible."""
    row = con.execute(named_sql("as_of")).fetchone()
    return None if row is None or row[0] is None else pd.Timestamp(row[0])


def data_range(con: duckdb.DuckDBPyConnection, tz: str) -> tuple[str | None, str | None]:
    """First and last local date with a case opened, in the display timezone.

    Local dates never decrease as UTC instants increase, so the local dates of the earliest and
    latest instants are the bounds: two scans of a plain column instead of converting every row.
    """
    row = con.execute(named_sql("local_date_range"), {"tz": tz}).fetchall()[
        0
    ]  # an aggregate: always one row
    return (None, None) if row[0] is None else (row[0].isoformat(), row[1].isoformat())
