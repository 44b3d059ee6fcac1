"""Warehouse bridge for channel economics and recommendation lift (bound parameters only)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import duckdb
import pandas as pd

from etl.settings.config import Config
from scorecard.kpis.data import _cases_source, frt_column, where_sql

BUCKET_SQL = """case
    when not coalesce(answered, false) then 'unanswered'
    when frt is null then null
    when frt <= (case when channel = 'phone' then $phone_fast_s else $fast_s end)
        then (case when resolved then 'fast_resolved' else 'fast_unresolved' end)
    else (case when resolved then 'slow_resolved' else 'slow_unresolved' end) end"""


def _survey_rows_sql(config: Config, start: str | None, end: str | None,
                     filters: Mapping[str, Sequence[str]], params: dict) -> str:
    """The survey responses of cases opened in the period (filters applied), one row each."""
    params.update({"fast_s": config.sla_first_response_s, "phone_fast_s": config.phone_answer_s})
    where = where_sql(config, start, end, filters, params)
    return f"""
        with src as (
            select s.survey_id, s.channel, s.brand, s.agent_id, s.issue_category,
                   s.issue_category as category, s.opened_at, s.would_recommend, s.nps,
                   c.interaction_id is not null as linked, c.answered, c.resolved,
                   c.{frt_column(config)} as frt
            from fct_surveys s left join (select * from fct_cases where {_opened_within(params)}) c
                 using (interaction_id)
        )
        select survey_id, channel, category, would_recommend, nps, linked, answered, resolved, frt,
               case when linked then {BUCKET_SQL} end as bucket
        from src where {where}"""


def _opened_within(params: dict, slack: str = "") -> str:
    """`opened_at` within the period's bound UTC limits ($t_lo, $t_hi when given), the upper one
    pushed later by `slack` (an SQL interval); `true` for an open-ended period. A linked survey's
    opened_at is its case's, so the cases of in-period surveys are in the period; a follow-up
    opens within the FCR window after its social case, so its search needs the period plus that."""
    clauses = ["true"]
    if "t_lo" in params:
        clauses.append("opened_at >= $t_lo")
    if "t_hi" in params:
        clauses.append(f"opened_at < $t_hi{slack}")
    return " and ".join(clauses)


def survey_outcomes(con: duckdb.DuckDBPyConnection, config: Config, start: str | None,
                    end: str | None, filters: Mapping[str, Sequence[str]]) -> pd.DataFrame:
    """One row per survey response of cases opened in the period: survey_id, channel, category,
    would_recommend, nps, linked (to a case), resolved, answered, frt and bucket (fast/slow x
    resolved/unresolved, or unanswered; NULL when unlinked or the response time is unknown)."""
    params: dict = {}
    return con.execute(_survey_rows_sql(config, start, end, filters, params) + " order by survey_id",
                       params).df()


def survey_cells(con: duckdb.DuckDBPyConnection, config: Config, start: str | None,
                 end: str | None, filters: Mapping[str, Sequence[str]]) -> pd.DataFrame:
    """survey_outcomes grouped: one row per distinct (channel, category, would_recommend, nps,
    linked, resolved, bucket) with `weight`, its number of responses. Every lift statistic is a
    function of these counts, so millions of answers travel as a few thousand rows."""
    params: dict = {}
    rows = _survey_rows_sql(config, start, end, filters, params)
    sql = (f"select channel, category, would_recommend, nps, linked, resolved, bucket, "
           f"count(*) as weight from ({rows}) r group by all order by all")
    return con.execute(sql, params).df()


RESOLUTION_SQL = ("{t}resolved and ({t}next_contact_at is null or "
                  "epoch({t}next_contact_at) - epoch({t}opened_at) > $fcr_days * 86400)")


def cases_by_channel_category(con: duckdb.DuckDBPyConnection, config: Config, start: str | None,
                              end: str | None, filters: Mapping[str, Sequence[str]]) -> pd.DataFrame:
    """[channel, category, cases, cost, resolutions, with_customer] of the period's cases under
    the cost model; resolutions are counted once, as in the cost_per_resolution KPI."""
    params: dict = {"fcr_days": config.fcr_window_days}
    body = _cases_source(config, params)
    where = where_sql(config, start, end, filters, params)
    sql = (f"select channel, issue_category as category, count(*) as cases, sum(cost) as cost, "
           f"count(*) filter (where {RESOLUTION_SQL.format(t='')}) as resolutions, "
           f"count(customer_id) as with_customer "
           f"from {body} src where {where} group by all order by all")
    return con.execute(sql, params).df()


def social_followups(con: duckdb.DuckDBPyConnection, config: Config, start: str | None,
                     end: str | None, filters: Mapping[str, Sequence[str]]) -> pd.DataFrame:
    """[category, channel, followed, cost, resolutions]: the period's social cases (with a
    customer id) whose customer (resolved through the identities) next contacted the same brand
    on phone, e-mail or chat within the FCR window from the social case's opening, by the first
    such contact's channel, with
    that contact's cost and whether it is a resolution (counted once). The follow-up may fall
    outside the period and the filters; brands compare as in fct_cases.next_contact_at."""
    params: dict = {"fcr_days": config.fcr_window_days}
    body = _cases_source(config, params)
    where = where_sql(config, start, end, filters, params)
    sql = f"""
        with allc as (select * from {body} src where {_opened_within(params, " + to_days(cast($fcr_days as integer))")}),
        soc as (select interaction_id, resolved_customer_id, brand, opened_at, issue_category
                from allc where {where} and channel = 'social' and resolved_customer_id is not null),
        first_followup as (
            select s.issue_category as category, o.channel, o.cost,
                   ({RESOLUTION_SQL.format(t='o.')}) as resolution
            from soc s join allc o
              on o.resolved_customer_id = s.resolved_customer_id and o.channel in ('phone', 'email', 'chat')
             and (o.opened_at > s.opened_at
                  or (o.opened_at = s.opened_at and o.interaction_id > s.interaction_id))
             and epoch(o.opened_at) - epoch(s.opened_at) <= $fcr_days * 86400
             and (s.brand is null or o.brand is null or lower(s.brand) = lower(o.brand))
            qualify row_number() over (partition by s.interaction_id
                                       order by o.opened_at, o.interaction_id) = 1)
        select category, channel, count(*) as followed, sum(cost) as cost,
               count(*) filter (where resolution) as resolutions
        from first_followup group by all order by all"""
    return con.execute(sql, params).df()
