"""Warehouse bridge for the shortfall against target: one row per case (or survey answer) with
the numerator and denominator it adds to the KPI, its dimensions and its own value.

Every KPI of the catalogue but the agent spread is a ratio of sums over its source rows:
avg(X) filter (where C) is sum(X) / count(X) over the rows where C holds; NPS is the average of
a row expression (scorecard.rootcause.data_rootcause.linear_row); cost per resolution is sum(cost) /
count(resolved); cases per agent-hour is count(cases) / count(distinct agent-hours), where each
case carries 1 / (cases in its agent-hour) of an agent-hour, so the denominators still add up
to the number of agent-hours. A quantile KPI (median, p90) instead gets each row's own value.
Identifiers come only from the catalogue and this module; values are bound parameters.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import NamedTuple

import duckdb
import pandas as pd

from etl.settings.config import Config
from scorecard.kpis.catalogue import Kpi
from scorecard.kpis.data import _local_times, frt_column, source_rows_sql
from scorecard.kpis.data_pieces import sla_sql
from scorecard.rootcause.data_rootcause import (
    DIMS,
    NONE_SEGMENT,
    closing_paren,
    expression_params,
    expression_sql,
    linear_row,
    population,
    quantile_of,
    run,
    split_call,
    where_clause,
)
from warehouse.queries import named_sql


class RowForm(NamedTuple):
    """How a KPI splits into rows: method ('ratio', 'sum' or 'quantile') and SQL row forms."""

    method: str
    num: str  # ratio, sum: the row's numerator; quantile: the row's value
    den: str  # ratio: the row's denominator; sum: '1'; quantile: '1'
    window: str | None = None  # a window denominator's partition (count(distinct K))


def _agg_row(expr: str) -> tuple[str, str | None] | None:
    """Row form of one aggregate (sum, count(*), count(X), count(distinct (K))) with its filter:
    (row expression, partition of a distinct count or None)."""
    expr = expr.strip()
    for fn in ("sum", "count"):
        parts = split_call(expr, fn)
        if parts is None:
            continue
        arg, cond = parts
        when = f"({cond})" if cond else "true"
        if fn == "sum":
            return f"case when {when} then coalesce(({arg})::double, 0) else 0 end", None
        if arg.strip() == "*":
            return f"case when {when} then 1.0 else 0 end", None
        m = re.match(r"distinct\s+(.+)$", arg.strip(), re.S)
        if m:
            key = m.group(1)
            return (
                f"case when {when} and ({key}) is not null then 1.0 / count(*) over "
                f"(partition by ({key}), {when} and ({key}) is not null) else 0 end",
                key,
            )
        return f"case when {when} and ({arg}) is not null then 1.0 else 0 end", None
    return None


def row_form(kpi: Kpi) -> RowForm:
    """The KPI as a ratio of per-row sums, a sum, or a quantile of a row value."""
    if not kpi.is_plain:
        raise ValueError(
            f"{kpi.id} is a spread across agents, not a sum over cases; explain the "
            "per-agent KPI behind it (frt_median_s with --by agent) instead."
        )
    value = kpi.value.strip()
    q = quantile_of(kpi)
    if q:
        return RowForm("quantile", q[0], "1")
    if value == "count(*)":
        return RowForm("sum", "1.0", "1")
    parts = split_call(value, "sum")
    if parts and parts[1] is None:
        return RowForm("sum", f"coalesce(({parts[0]})::double, 0)", "1")
    for expr in (split_call(value, "avg"), linear_row(kpi)):
        if expr:
            arg, cond = expr
            when = f"({cond}) and ({arg}) is not null" if cond else f"({arg}) is not null"
            return RowForm(
                "ratio",
                f"case when {when} then ({arg})::double else 0 end",
                f"case when {when} then 1.0 else 0 end",
            )
    at = value.find(" / nullif(")
    if at > 0 and value.endswith(", 0)") and closing_paren(value, at + 9) == len(value) - 1:
        top, bottom = _agg_row(value[:at]), _agg_row(value[at + 10 : -4])
        if top and bottom and top[1] is None:
            return RowForm("ratio", top[0], bottom[0], bottom[1])
    raise ValueError(
        f"{kpi.id} ({kpi.value}) is not a ratio of sums over cases, so its shortfall "
        "cannot be split by case; add a rule for it in scorecard/rootcause/data_shortfall.py."
    )


def shortfall_rows(
    con: duckdb.DuckDBPyConnection,
    config: Config,
    kpi: Kpi,
    start: str,
    end: str,
    filters: Mapping[str, Sequence[str]],
    sources: Sequence[str] | None = None,
) -> pd.DataFrame:
    """[key, origin, interaction_id, survey_id, opened_at, channel, brand, category, agent, hour,
    wait, num, den, x, n] per case (per survey answer for survey KPIs; a case's scored messages summed for
    message KPIs): num and den as the KPI adds them up, x the row's own value (num / den, or the
    value a quantile ranks), n the rows it adds to the KPI's n, wait the case's first-response
    time (null: never answered). `sources`: only cases of these sources (those that carry what
    the KPI needs, scorecard/kpis/capabilities.py), as the scorecard counts them. `origin` is the
    source prefix of the case id; a date-only source's hour is NO_TIME (without_clock_hours). Only rows that enter the KPI."""
    form = row_form(kpi)
    params: dict = {"tz": config.display_timezone}
    sla, bound = sla_sql(config)  # each case's own SLA, as the scorecard reads it
    params.update(bound)

    def sql_of(text: str) -> str:
        return expression_sql(config, text.replace("$sla_s", sla))

    num, den, pop = sql_of(form.num), sql_of(form.den), sql_of(population(kpi))
    params |= expression_params(con, config, [num, den, pop])
    where, bound = where_clause(start, end, filters, config.display_timezone)
    params |= bound
    if sources is not None and kpi.source == "cases":  # only the sources that carry the KPI
        params["sources"] = list(sources)
        where += " and source in (select unnest($sources::varchar[]))"
    body, bound = source_rows_sql(config, kpi.source, business=params)
    params.update(bound)
    dims = ", ".join(
        f"coalesce(({expr})::varchar, '{NONE_SEGMENT}') as {d}" for d, expr in DIMS.items()
    )
    survey = "survey_id" if kpi.source == "surveys" else "null::varchar as survey_id"
    keep = "x is not null" if form.method == "quantile" else "num <> 0 or den <> 0 or n > 0"
    x = "num" if form.method == "quantile" else "num / nullif(den, 0)"
    wait = {"cases": f"{frt_column(config)}::double", "surveys": "frt_s::double"}.get(
        kpi.source, "null::double"
    )
    per_row = (
        f"select interaction_id, {survey}, opened_at, {dims}, {wait} as wait, "
        f"({num})::double as num, "
        f"({den})::double as den, ({pop})::int as n from {body} src where {where}"
    )
    if kpi.source == "messages":  # a case's messages add up; its dimensions are the case's
        per_row = (
            "select interaction_id, survey_id, any_value(opened_at) as opened_at, "
            + ", ".join(f"any_value({d}) as {d}" for d in DIMS)
            + ", any_value(wait) as wait, sum(num) as num, sum(den) as den, sum(n)::int as n "
            f"from ({per_row}) r group by interaction_id, survey_id"
        )
    sql = (
        f"with r as ({per_row}) select coalesce(survey_id, interaction_id) as key, "
        f"split_part(coalesce(interaction_id, survey_id), ':', 1) as origin, "
        f"interaction_id, survey_id, opened_at, {', '.join(DIMS)}, wait, num, den, "
        f"({x}) as x, n from r where {keep} order by key"
    )
    frame = run(con, sql, params).df()
    return _local_times(without_clock_hours(frame), config.display_timezone)


NO_TIME = "(no time of day)"
DATE_ONLY_SHARE, DATE_ONLY_MIN = 0.05, 20


def without_clock_hours(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows whose opening is a date without a time get the hour NO_TIME: per source (the case
    id's prefix), openings exactly on one whole hour to the second (a date stored at midnight of
    the source's timezone), when that one instant of the day holds DATE_ONLY_SHARE or more of the
    source's rows and at least DATE_ONLY_MIN. A real clock lands there once in 86,400 seconds;
    e.g. the real ticket export opens its unanswered tickets on the purchase date (2,819 of
    8,469 at 00:00:00), which is no evidence of night-time demand."""
    if frame.empty:
        return frame
    t = pd.to_datetime(frame["opened_at"], utc=True)
    exact = (t.dt.minute == 0) & (t.dt.second == 0) & (t.dt.microsecond == 0)
    key = pd.DataFrame({"origin": frame["origin"], "h": t.dt.hour.where(exact, -1)})
    size = key.groupby("origin")["h"].transform("size")
    count = key.groupby(["origin", "h"])["h"].transform("size")
    dated = exact & (count >= DATE_ONLY_MIN) & (count >= DATE_ONLY_SHARE * size)
    return frame.assign(hour=frame["hour"].where(~dated, NO_TIME)) if dated.any() else frame


def case_transcripts(
    con: duckdb.DuckDBPyConnection, config: Config, ids: Sequence[str]
) -> dict[str, str]:
    """interaction_id -> the case's whole conversation, one line per message in order."""
    ids = [str(i) for i in ids if i is not None and not pd.isna(i)]
    if not ids:
        return {}
    rows = run(
        con,
        named_sql("case_transcripts").replace("{ids}", "select unnest($ids::varchar[])"),
        {"tz": config.display_timezone, "ids": ids},
    ).fetchall()
    return {r[0]: r[1] for r in rows}


def customer_texts(
    con: duckdb.DuckDBPyConnection,
    config: Config,
    start: str,
    end: str,
    filters: Mapping[str, Sequence[str]],
    limit: int,
) -> pd.DataFrame:
    """[interaction_id, text]: customers' messages in cases opened start..end, a deterministic
    hash sample of at most `limit` (with survey verbatims linked to no case left out)."""
    where, bound = where_clause(start, end, filters, config.display_timezone)
    params: dict = {"tz": config.display_timezone, "limit": int(limit)} | bound
    sql = named_sql("shortfall_texts").format(where=where)
    return run(con, sql, params).df()
