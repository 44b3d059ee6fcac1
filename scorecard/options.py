"""Choices for filters: dimension values, the data's date range and the default day."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import duckdb

from etl.settings.config import Config
from warehouse.queries import DIMENSIONS, as_of, data_range, named_sql

STATUSES = ("resolved", "open", "unanswered", "abandoned", "private")


def dimension_values(con: duckdb.DuckDBPyConnection, dimension: str) -> list[str]:
    """Distinct non-empty values of one dimension, sorted."""
    column = DIMENSIONS[dimension]
    rows = con.execute(named_sql("dimension_values").format(column=column)).fetchall()
    return [r[0] for r in rows]


def filter_choices(con: duckdb.DuckDBPyConnection, config: Config) -> dict[str, list[str]]:
    """Every filter dimension's values (brand, channel, category, agent) in one scan."""
    cols = ", ".join(
        f"list(distinct {col}) filter (where {col} is not null)" for col in DIMENSIONS.values()
    )
    row = con.execute(named_sql("filter_choices").format(lists=cols)).fetchone()
    return {dim: sorted(values or []) for dim, values in zip(DIMENSIONS, row, strict=True)}


def date_bounds(con: duckdb.DuckDBPyConnection, config: Config) -> tuple[str | None, str | None]:
    """First and last local day with a case, in the display timezone."""
    return data_range(con, config.display_timezone)


def data_as_of(con: duckdb.DuckDBPyConnection, config: Config) -> str | None:
    """The latest activity in the data as a local timestamp text (YYYY-MM-DD HH:MM)."""
    ts = as_of(con)
    if ts is None:
        return None
    return ts.tz_convert(config.display_timezone).strftime("%Y-%m-%d %H:%M")


def local_today(config: Config) -> str:
    """Today's date in the display timezone (ISO)."""
    return datetime.now(ZoneInfo(config.display_timezone)).date().isoformat()


def default_day(
    con: duckdb.DuckDBPyConnection, config: Config, asked: str | None, today: str | None = None
) -> tuple[str | None, str]:
    """Yesterday in the display timezone (or before `today`), else the latest day with data."""
    if asked:
        return asked, ""
    yesterday = (date.fromisoformat(today or local_today(config)) - timedelta(days=1)).isoformat()
    first, last = data_range(con, config.display_timezone)
    if last is None:
        return (
            None,
            "The warehouse has no cases yet: load data with socialcare load or run socialcare demo.",
        )
    if first <= yesterday <= last:
        return yesterday, ""
    return last, f"No data for yesterday ({yesterday}); showing the latest day with data, {last}."


def default_range(
    con: duckdb.DuckDBPyConnection,
    config: Config,
    start: str | None,
    end: str | None,
    days: int = 90,
) -> tuple[str | None, str | None]:
    """The asked range, else the last `days` days up to the latest day with data."""
    first, last = data_range(con, config.display_timezone)
    end = end or last
    if end is None:
        return start, None
    if start is None:
        start = max(first, (date.fromisoformat(end) - timedelta(days=days - 1)).isoformat())
    return start, end


def latest_day(con: duckdb.DuckDBPyConnection, config: Config) -> date | None:
    """The last local day with a case."""
    last = data_range(con, config.display_timezone)[1]
    return date.fromisoformat(last) if last else None
