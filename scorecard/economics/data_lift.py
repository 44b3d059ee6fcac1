"""Warehouse bridge for channel economics and recommendation lift (bound parameters only).

Two reads have a pre-computed form kept at build, used when the warehouse has it and the
connection sees every brand (a brand scope's views would keep rows the row-level reading hides):
- the follow-ups of social cases: warehouse/sql/agg/agg_social_followups.sql keeps each social
  case's first follow-up, so the FCR window is a filter instead of a self-join of the cases;
- the survey answers' case outcomes: fct_surveys keeps answered, resolved and frt_s of the linked
  case, so the default clock needs no join to the cases (the case-creation clock does).
Both give the numbers of the row-level reading (tests/test_lift_stored.py compares them).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

import duckdb
import pandas as pd

from etl.settings.config import Config
from etl.sql_files import sql_file
from scorecard.kpis.data import cases_source, where_clause
from scorecard.kpis.data_pieces import cost_tables, frt_column
from scorecard.service import SCOPED

FOLLOWUPS_MODEL = "agg_social_followups"
RESOLUTION_SQL = (
    "{t}resolved and ({t}next_contact_at is null or "
    "epoch({t}next_contact_at) - epoch({t}opened_at) > $fcr_days * 86400)"
)


def stored_reads(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether this connection may read the pre-computed forms: it sees every brand (not a brand
    scope's views, scorecard/service.py) and the warehouse has agg_social_followups."""
    if con.execute(sql_file(__package__, "current_database")).fetchone()[0] == SCOPED:
        return False
    row = con.execute(sql_file(__package__, "table_exists"), {"t": FOLLOWUPS_MODEL}).fetchone()
    return bool(row[0])


def bound_in(sql: str, params: Mapping[str, object]) -> dict:
    """The parameters `sql` names (DuckDB refuses unused ones)."""
    return {k: v for k, v in params.items() if re.search(rf"\${re.escape(k)}\b", sql)}


def opened_within(params: Mapping[str, object], slack: str = "") -> str:
    """`opened_at` within the period's bound UTC limits ($t_lo, $t_hi when in `params`), the upper
    one pushed later by `slack` (an SQL interval); `true` for an open-ended period. A linked
    survey's opened_at is its case's, so the cases of in-period surveys are in the period; a
    follow-up opens within the FCR window after its social case, so its search needs the period
    plus that."""
    clauses = ["true"]
    if "t_lo" in params:
        clauses.append("opened_at >= $t_lo")
    if "t_hi" in params:
        clauses.append(f"opened_at < $t_hi{slack}")
    return " and ".join(clauses)


def survey_rows_sql(
    con: duckdb.DuckDBPyConnection,
    config: Config,
    start: str | None,
    end: str | None,
    filters: Mapping[str, Sequence[str]],
    stored: bool | None = None,
) -> tuple[str, dict]:
    """(The survey responses of cases opened in the period, filters applied, one row each; its
    parameters). The case outcomes come from fct_surveys under the default clock when `stored`
    (None: as stored_reads says), else from a join to the period's cases."""
    where, params = where_clause(config, start, end, filters)
    params = {
        **params,
        "fast_s": config.sla_first_response_s,
        "phone_fast_s": config.phone_answer_s,
    }
    if stored is None:
        stored = stored_reads(con)
    if frt_column(config) == "frt_s" and stored:
        answers = sql_file(__package__, "survey_answers_stored")
    else:
        answers = sql_file(__package__, "survey_answers_joined").format(
            frt=frt_column(config), opened=opened_within(params)
        )
    return sql_file(__package__, "survey_rows").format(answers=answers, where=where), params


def survey_outcomes(
    con: duckdb.DuckDBPyConnection,
    config: Config,
    start: str | None,
    end: str | None,
    filters: Mapping[str, Sequence[str]],
    stored: bool | None = None,
) -> pd.DataFrame:
    """One row per survey response of cases opened in the period: survey_id, channel, category,
    would_recommend, nps, linked (to a case), resolved, answered, frt and bucket (fast/slow x
    resolved/unresolved, or unanswered; NULL when unlinked or the response time is unknown)."""
    sql, params = survey_rows_sql(con, config, start, end, filters, stored)
    return con.execute(sql + " order by survey_id", params).df()


def survey_cells(
    con: duckdb.DuckDBPyConnection,
    config: Config,
    start: str | None,
    end: str | None,
    filters: Mapping[str, Sequence[str]],
    stored: bool | None = None,
) -> pd.DataFrame:
    """survey_outcomes grouped: one row per distinct (channel, category, would_recommend, nps,
    linked, resolved, bucket) with `weight`, its number of responses. Every lift statistic is a
    function of these counts, so millions of answers travel as a few thousand rows."""
    rows, params = survey_rows_sql(con, config, start, end, filters, stored)
    sql = sql_file(__package__, "survey_cells").format(rows=rows)
    return con.execute(sql, params).df()


def cases_by_channel_category(
    con: duckdb.DuckDBPyConnection,
    config: Config,
    start: str | None,
    end: str | None,
    filters: Mapping[str, Sequence[str]],
) -> pd.DataFrame:
    """[channel, category, cases, cost, resolutions, with_customer] of the period's cases under
    the cost model; resolutions are counted once, as in the cost_per_resolution KPI."""
    body, params = cases_source(config)
    where, bound = where_clause(config, start, end, filters)
    sql = sql_file(__package__, "cases_by_channel_category").format(
        resolution=RESOLUTION_SQL.format(t=""), cases=body, where=where
    )
    return con.execute(sql, {**params, **bound, "fcr_days": config.fcr_window_days}).df()


def social_followups(
    con: duckdb.DuckDBPyConnection,
    config: Config,
    start: str | None,
    end: str | None,
    filters: Mapping[str, Sequence[str]],
    stored: bool | None = None,
) -> pd.DataFrame:
    """[category, channel, followed, cost, resolutions]: the period's social cases (with a
    customer id) whose customer (resolved through the identities) next contacted the same brand
    on phone, e-mail or chat within the FCR window from the social case's opening, by the first
    such contact's channel, with that contact's cost and whether it is a resolution (counted
    once). The follow-up may fall outside the period and the filters; brands compare as in
    fct_cases.next_contact_at. Read from agg_social_followups when `stored` (None: as
    stored_reads says), else by joining the cases."""
    where, params = where_clause(config, start, end, filters)
    params = {**params, "fcr_days": config.fcr_window_days}
    if stored is None:
        stored = stored_reads(con)
    if stored:
        (costs, _), bound = cost_tables(config)
        sql = sql_file(__package__, "followups_stored").format(costs=costs, where=where)
        return con.execute(sql, bound_in(sql, {**params, **bound})).df()
    body, bound = cases_source(config)
    opened = opened_within(params, " + to_days(cast($fcr_days as integer))")
    sql = sql_file(__package__, "followups_joined").format(cases=body, opened=opened, where=where)
    return con.execute(sql, {**params, **bound}).df()
