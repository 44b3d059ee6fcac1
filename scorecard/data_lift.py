"""Warehouse bridge for channel economics and recommendation lift (bound parameters only)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import duckdb
import pandas as pd

from etl.config import Config
from scorecard.data import _cases_source, frt_column, where_sql

BUCKET_SQL = """case
    when not coalesce(answered, false) then 'unanswered'
    when frt is null then null
    when frt <= (case when channel = 'phone' then $phone_fast_s else $fast_s end)
        then (case when resolved then 'fast_resolved' else 'fast_unresolved' end)
    else (case when resolved then 'slow_resolved' else 'slow_unresolved' end) end"""


def survey_outcomes(con: duckdb.DuckDBPyConnection, config: Config, start: str | None,
                    end: str | None, filters: Mapping[str, Sequence[str]]) -> pd.DataFrame:
    """One row per survey response of cases opened in the period: survey_id, channel, category,
    would_recommend, nps, linked (to a case), resolved, answered, frt and bucket (fast/slow x
    resolved/unresolved, or unanswered; NULL when unlinked or the response time is unknown)."""
    params: dict = {"fast_s": config.sla_first_response_s, "phone_fast_s": config.phone_answer_s}
    where = where_sql(config, start, end, filters, params)
    sql = f"""
        with src as (
            select s.survey_id, s.channel, s.brand, s.agent_id, s.issue_category,
                   s.issue_category as category, s.opened_at, s.would_recommend, s.nps,
                   c.interaction_id is not null as linked, c.answered, c.resolved,
                   c.{frt_column(config)} as frt
            from fct_surveys s left join fct_cases c using (interaction_id)
        )
        select survey_id, channel, category, would_recommend, nps, linked, answered, resolved, frt,
               case when linked then {BUCKET_SQL} end as bucket
        from src where {where} order by survey_id"""
    return con.execute(sql, params).df()


def phone_cases_by_category(con: duckdb.DuckDBPyConnection, config: Config, start: str | None,
                            end: str | None, filters: Mapping[str, Sequence[str]]) -> pd.DataFrame:
    """[category, cases, cost] of the period's phone cases under the cost model."""
    params: dict = {}
    body = _cases_source(config, params)
    where = where_sql(config, start, end, filters, params)
    sql = (f"select issue_category as category, count(*) as cases, sum(cost) as cost "
           f"from {body} src where {where} and channel = 'phone' group by all order by all")
    return con.execute(sql, params).df()


def mean_social_cost(con: duckdb.DuckDBPyConnection, config: Config, start: str | None,
                     end: str | None, filters: Mapping[str, Sequence[str]]) -> float | None:
    """Average cost of the period's social cases under the cost model (None without any)."""
    params: dict = {}
    body = _cases_source(config, params)
    where = where_sql(config, start, end, filters, params)
    row = con.execute(f"select avg(cost) from {body} src where {where} and channel = 'social'",
                      params).fetchone()
    return None if row is None or row[0] is None else float(row[0])
