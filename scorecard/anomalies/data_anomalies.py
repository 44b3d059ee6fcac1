"""Warehouse bridge for anomaly scanning: what the noise models need beyond the KPI values.

Per day and slice: the share of a quantile KPI's rows above its overall quantile, the variance
per row behind averages and ratios, and how long cases take to settle. Identifiers come only
from this module and scorecard/rootcause/data_rootcause.py; values are bound parameters.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

import duckdb
import pandas as pd

from etl.settings.business_hours import utc_bounds
from etl.settings.config import Config
from scorecard.kpis.catalogue import Kpi
from scorecard.kpis.data import _local_times
from scorecard.rootcause.data_rootcause import (
    DIMS,
    closing_paren,
    linear_row,
    population,
    prepared_sql,
    quantile_of,
    row_value,
    run,
    source_sql,
    split_call,
    where_clause,
)
from warehouse.queries import SOURCES, named_sql


def daily_exceedance(con: duckdb.DuckDBPyConnection, config: Config, kpi: Kpi, by: Sequence[str],
                     start: str | None, end: str | None,
                     filters: Mapping[str, Sequence[str]]) -> pd.DataFrame:
    """[period, *by, value, n] for a quantile KPI: per day and slice, the share of rows above the
    slice's quantile over the whole window (a proportion with binomial noise)."""
    q = quantile_of(kpi)
    if q is None:
        raise ValueError(f"{kpi.id} is not a quantile KPI.")
    params: dict = {"tz": config.display_timezone, "p": q[1]}
    col = prepared_sql(con, config, kpi, params, q[0])
    dims = [f"{DIMS[d]} as {d}" for d in by]
    part = f"partition by {', '.join(by)}" if by else ""
    where = where_clause(start, end, filters, params)
    sql = f"""
        with r as (
            select strftime(timezone($tz, opened_at)::date, '%Y-%m-%d') as period,
                   {''.join(d + ', ' for d in dims)}({col})::double as x
            from {source_sql(config, kpi.source, params)} src where {where} and ({col}) is not null
        ), t as (select *, quantile_cont(x, $p) over ({part}) as q from r)
        select period, {''.join(d + ', ' for d in by)}avg((x > q)::double) as value,
               count(*) as n
        from t group by all order by all"""
    return run(con, sql, params).df()


def ratio_parts(kpi: Kpi) -> tuple[str, str] | None:
    """(numerator row, denominator row) of `sum(X) / nullif(count(*) filter (where C), 0)`."""
    text = kpi.value.strip()
    if not kpi.is_plain or not text.startswith("sum("):
        return None
    end = closing_paren(text, 3)
    num, rest = text[4:end], text[end + 1:].strip()
    m = re.fullmatch(r"/\s*nullif\((.+),\s*0\)", rest, re.S)
    den = split_call(m.group(1), "count") if m else None
    if den is None or den[0].strip() != "*":
        return None
    return num, f"({den[1]})::int" if den[1] else "1"


def cluster_parts(kpi: Kpi) -> tuple[str, str] | None:
    """(row filter, cluster key) of `count(*) filter (where C) / nullif(count(distinct K)
    filter (where C), 0)`: rows per cluster, such as cases per agent-hour."""
    text = kpi.value.strip() if kpi.is_plain else ""
    m = re.fullmatch(r"(count\(\*\)(?:\s+filter\s*\(.+?\))?)\s*/\s*nullif\("
                     r"count\(distinct (.+)\)\s+filter\s*\(where (.+)\),\s*0\)", text, re.S)
    if not m:
        return None
    num = split_call(m.group(1), "count")
    if num is None or (num[1] or "").strip() != m.group(3).strip():
        return None
    return m.group(3), m.group(2)


def daily_row_variance(con: duckdb.DuckDBPyConnection, config: Config, kpi: Kpi,
                       by: Sequence[str], start: str | None, end: str | None,
                       filters: Mapping[str, Sequence[str]]) -> pd.DataFrame:
    """[period, *by, value, n]: per day and slice, the variance per row behind an average KPI
    (the sample variance of the averaged rows: mean sentiment, mean FRT, NPS), a ratio of sums
    (cost per resolution: n x the delta-method variance of sum(x) / sum(d)), a mean cluster
    size (cases per agent-hour) or a sum (total cost: the mean square per row, for a compound
    Poisson variance); empty otherwise."""
    params: dict = {"tz": config.display_timezone}
    ratio, cluster, row = ratio_parts(kpi), cluster_parts(kpi), row_value(kpi)
    if cluster:  # mean rows per cluster: var of cluster sizes / clusters = (var x rows/clusters) / rows
        cond, key = (prepared_sql(con, config, kpi, params, t) for t in cluster)
        dims = "".join(f"{DIMS[dim]} as {dim}, " for dim in by)
        where = where_clause(start, end, filters, params)
        sql = (f"select period, {''.join(b + ', ' for b in by)}var_samp(c) * sum(c) / count(*) "
               f"as value, sum(c) as n from (select strftime(timezone($tz, opened_at)::date, "
               f"'%Y-%m-%d') as period, {dims}{key} as k, count(*) as c from "
               f"{source_sql(config, kpi.source, params)} src where {where} and ({cond}) group by all) g "
               f"group by all order by all")
        return run(con, sql, params).df()
    if ratio:
        x, d = (prepared_sql(con, config, kpi, params, t) for t in ratio)
        pop = "true"
        stat = ("(sum(x * x) - 2 * (sum(x) / sum(d)) * sum(x * d) + power(sum(x) / sum(d), 2) "
                "* sum(d * d)) / nullif(sum(d), 0)")
        count = "sum(d)"
    elif row is not None and (kpi.value.strip().startswith("avg(") or linear_row(kpi)):
        x, d = prepared_sql(con, config, kpi, params, row), "1"
        pop = prepared_sql(con, config, kpi, params, population(kpi))
        stat, count = "var_samp(x)", "count(x)"
    elif row is not None and kpi.value.strip() == f"sum({row})":  # compound Poisson: E[x^2]
        x, d = prepared_sql(con, config, kpi, params, row), "1"
        pop = prepared_sql(con, config, kpi, params, population(kpi))
        stat, count = "avg(x * x)", "count(x)"
    else:
        return pd.DataFrame(columns=["period", *by, "value", "n"])
    dims = "".join(f"{DIMS[dim]} as {dim}, " for dim in by)
    where = where_clause(start, end, filters, params)
    sql = (f"select period, {''.join(b + ', ' for b in by)}{stat} as value, {count} as n from ("
           f"select strftime(timezone($tz, opened_at)::date, '%Y-%m-%d') as period, {dims}"
           f"({x})::double as x, ({d})::double as d "
           f"from {source_sql(config, kpi.source, params)} src where {where} and {pop}) r "
           f"group by all order by all")
    return run(con, sql, params).df()


def settle_days(con: duckdb.DuckDBPyConnection, max_days: int = 7) -> int:
    """Days a case takes to settle (95th percentile of last activity minus opening, rounded up,
    at most max_days): outcomes of more recent days are still incomplete."""
    row = con.execute("select quantile_cont(epoch(last_activity_at) - epoch(opened_at), 0.95) "
                      "from fct_cases").fetchone()
    if row is None or row[0] is None:
        return 0
    return int(min(max_days, max(0.0, -(-float(row[0]) // 86400))))


def source_days(con: duckdb.DuckDBPyConnection, config: Config, start: str,
                end: str) -> pd.DataFrame:
    """[source, brand, channel, day, n]: rows per loaded source (surveys as 'surveys'), brand,
    channel and local day in [start, end] (warehouse/sql/queries/source_days.sql)."""
    lo, hi = utc_bounds(config.display_timezone, start, end)
    return con.execute(named_sql("source_days"),
                       {"tz": config.display_timezone, "t_lo": lo, "t_hi": hi}).df()


def window_messages(con: duckdb.DuckDBPyConnection, config: Config, window: tuple[str, str],
                    filters: Mapping[str, Sequence[str]], limit: int = 200) -> pd.DataFrame:
    """[interaction_id, sent_at, text]: the first `limit` customer messages (by time) of cases
    opened in `window` and `filters` (e.g. an attribution's segment); sent_at in display tz. A
    top-N read, cheap where a hash sample of the whole window is not."""
    params: dict = {"tz": config.display_timezone, "limit": int(limit)}
    where = where_clause(*window, filters, params)
    sql = (f"select interaction_id, sent_at, text from {SOURCES['messages']} m "
           f"where text is not null and {where} order by sent_at, interaction_id limit $limit")
    return _local_times(run(con, sql, params).df(), config.display_timezone)


def sampled_messages(con: duckdb.DuckDBPyConnection, config: Config, window: tuple[str, str],
                     filters: Mapping[str, Sequence[str]], exclude: Sequence[str] = (),
                     limit: int = 3000) -> pd.DataFrame:
    """[interaction_id, sent_at, text]: a deterministic sample (lowest hash of the message id,
    a top-N read without sorting the window) of at most `limit` customer messages of cases
    opened in `window` minus the `exclude` days, in time order; sent_at in display tz."""
    params: dict = {"tz": config.display_timezone, "limit": int(limit)}
    where = where_clause(*window, filters, params, exclude)
    sql = (f"select interaction_id, sent_at, text from (select interaction_id, sent_at, text "
           f"from {SOURCES['messages']} m where text is not null and {where} "
           f"order by hash(message_id), message_id limit $limit) s order by sent_at, interaction_id")
    return _local_times(run(con, sql, params).df(), config.display_timezone)
