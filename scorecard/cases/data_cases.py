"""Warehouse bridge for the case browser: filtered, sorted, paged cases and their transcripts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import duckdb
import pandas as pd

from etl.settings.config import Config
from etl.sql_files import sql_file
from scorecard.kpis.data import _local_times
from warehouse.queries import DIMENSIONS

# Sortable columns (identifiers only from here, never from the request).
SORTABLE = {
    "opened_at": "opened_at",
    "channel": "channel",
    "brand": "brand",
    "issue_category": "issue_category",
    "agent_id": "agent_id",
    "status": "status",
    "frt_s": "frt_s",
    "ttr_s": "ttr_s",
    "n_messages": "n_messages",
    "sentiment": "customer_sentiment_mean",
    "interaction_id": "interaction_id",
}
FLAGS = {
    "private": "handled_privately",
    "runaround": "runaround",
    "reopened": "reopened",
    "transferred": "transfers > 0",
    "unanswered": "not answered",
    "negative": "customer_sentiment_mean <= -0.05",
}
FLAG_LABELS = {
    "private": "private handoff",
    "runaround": "run-around",
    "reopened": "reopened",
    "transferred": "transferred",
    "unanswered": "unanswered",
    "negative": "negative sentiment",
}
_COLUMNS = """c.interaction_id, c.opened_at, c.channel, c.brand, c.issue_category, c.agent_id,
    c.status, c.frt_s, c.ttr_s, c.n_messages, c.customer_sentiment_mean as sentiment,
    concat_ws(', ', case when c.handled_privately then 'private handoff' end,
                    case when c.runaround then 'run-around' end,
                    case when c.reopened then 'reopened' end,
                    case when c.transfers > 0 then 'transferred' end) as flags"""


def like_pattern(text: str) -> str:
    """An ILIKE pattern matching `text` literally anywhere (\\, % and _ escaped)."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


@dataclass(frozen=True)
class CaseQuery:
    """Which cases to list: local date range, dimension filters, statuses, flags, free text."""

    start: str | None = None
    end: str | None = None
    filters: tuple[tuple[str, tuple[str, ...]], ...] = ()
    status: tuple[str, ...] = ()
    flags: tuple[str, ...] = ()
    search: str = ""
    sort: str = "opened_at"
    descending: bool = True


def case_where(q: CaseQuery, config: Config) -> tuple[str, dict]:
    """The WHERE clause over fct_cases `c` for a query, and its bound parameters."""
    params: dict = {"tz": config.display_timezone}
    clauses = ["true"]
    start, end, search = q.start, q.end, q.search
    if start:  # the UTC bounds (a day of slack each side) let DuckDB skip row groups
        params.update(start=start, lo=(date.fromisoformat(start) - timedelta(days=1)).isoformat())
        clauses.append(
            "c.opened_at >= $lo::timestamptz and timezone($tz, c.opened_at)::date >= $start::date"
        )
    if end:
        params.update(end=end, hi=(date.fromisoformat(end) + timedelta(days=2)).isoformat())
        clauses.append(
            "c.opened_at < $hi::timestamptz and timezone($tz, c.opened_at)::date <= $end::date"
        )
    for dim, values in q.filters:
        if values:
            params[f"f_{dim}"] = list(values)
            clauses.append(f"c.{DIMENSIONS[dim]} in (select unnest($f_{dim}))")
    if q.status:
        params["status"] = list(q.status)
        clauses.append("c.status in (select unnest($status))")
    for flag in q.flags:
        clauses.append(f"coalesce(c.{FLAGS[flag]}, false)" if flag in FLAGS else "false")
    if search.strip():
        params["q"] = like_pattern(search.strip())
        params["q_id"] = search.strip()
        clauses.append(sql_file(__package__, "case_search"))  # a predicate after its comment lines
    if "$tz" not in " ".join(clauses):
        params.pop("tz")
    return " and ".join(clauses), params


def case_count(con: duckdb.DuckDBPyConnection, config: Config, q: CaseQuery) -> int:
    """How many cases match a query."""
    where, params = case_where(q, config)
    return int(
        con.execute(sql_file(__package__, "case_count").format(where=where), params).fetchone()[0]
    )


def case_rows(
    con: duckdb.DuckDBPyConnection,
    config: Config,
    q: CaseQuery,
    limit: int | None = None,
    offset: int = 0,
) -> pd.DataFrame:
    """Matching cases (one page, or all without a limit), with the first customer message."""
    where, params = case_where(q, config)
    column = SORTABLE.get(q.sort, "opened_at")
    order = f"{column} {'desc' if q.descending else 'asc'} nulls last, interaction_id"
    page = ""
    if limit is not None:
        params = {**params, "limit": int(limit), "offset": int(offset)}
        page = "limit $limit offset $offset"
    sql = sql_file(__package__, "case_page").format(
        columns=_COLUMNS, where=where, order=order, page=page
    )
    return _local_times(con.execute(sql, params).df(), config.display_timezone)


def case_facts(con: duckdb.DuckDBPyConnection, config: Config, interaction_id: str) -> pd.DataFrame:
    """One case's facts as a one-row frame (empty when the id is unknown)."""
    sql = sql_file(__package__, "case_facts").format(columns=_COLUMNS)
    return _local_times(con.execute(sql, {"id": interaction_id}).df(), config.display_timezone)


def case_messages(
    con: duckdb.DuckDBPyConnection, config: Config, interaction_id: str
) -> pd.DataFrame:
    """Every message of one case in order, with sentiment and flags; times in display tz."""
    sql = sql_file(__package__, "case_messages")
    return _local_times(con.execute(sql, {"id": interaction_id}).df(), config.display_timezone)
