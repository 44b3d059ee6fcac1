"""Choices for filters: dimension values and the default day."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import duckdb

from etl.config import Config
from warehouse.queries import DIMENSIONS, data_range


def dimension_values(con: duckdb.DuckDBPyConnection, dimension: str) -> list[str]:
    """Distinct non-empty values of one dimension, sorted."""
    column = DIMENSIONS[dimension]
    rows = con.execute(f"select distinct {column} from fct_cases where {column} is not null order by 1").fetchall()
    return [r[0] for r in rows]


def default_day(con: duckdb.DuckDBPyConnection, config: Config, asked: str | None) -> tuple[str | None, str]:
    """Yesterday in the display timezone, or the latest day with data when yesterday has none."""
    if asked:
        return asked, ""
    yesterday = (datetime.now(ZoneInfo(config.display_timezone)).date() - timedelta(days=1)).isoformat()
    first, last = data_range(con, config.display_timezone)
    if last is None:
        return None, "The warehouse has no cases yet: load data with socialcare load or run socialcare demo."
    if first <= yesterday <= last:
        return yesterday, ""
    return last, f"No data for yesterday ({yesterday}); showing the latest day with data, {last}."


def latest_day(con: duckdb.DuckDBPyConnection, config: Config) -> date | None:
    """The last local day with a case."""
    last = data_range(con, config.display_timezone)[1]
    return date.fromisoformat(last) if last else None
