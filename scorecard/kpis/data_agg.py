"""Pre-aggregated reads for the scorecard: additive KPIs from the daily models, still exact.

A KPI with `fast` in kpis.toml is read from that daily model (warehouse/sql/agg) for the whole
UTC days of the period, plus the partial UTC days at its edges aggregated on the fly from the
fact table with the model's own SQL. The sum of counts and sums over those rows equals the
row-level KPI, so the result is the same number (tests/test_scorecard_fast.py checks every
fast KPI against its row-level definition). Used when
- the grain is total, or the display timezone's offset is 0 over the whole range (a local
  period is then a set of whole UTC days), and
- every `by` and filter dimension is a column of the model.
Time KPIs and the SLA use the value bins (scorecard/kpis/data_values.py); the agent spread always
comes from the fact table.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from functools import lru_cache

import duckdb
import pandas as pd

from etl.settings.business_hours import offset_pieces, utc_bounds
from etl.settings.config import Config
from scorecard.kpis.catalogue import Kpi
from scorecard.kpis.data_pieces import cost_tables
from warehouse.build import models

DAY_S = 86400
CATEGORY_DIMS = ("channel", "brand", "category")
MODEL_DIMS = {
    "agg_cases_daily": (*CATEGORY_DIMS, "team", "source"),
    "agg_messages_daily": CATEGORY_DIMS,
    "agg_surveys_daily": CATEGORY_DIMS,
    "agg_agent_hours": ("channel", "brand", "agent"),
    "agg_case_outcomes_daily": CATEGORY_DIMS,
}
MODEL_FACT = {
    "agg_cases_daily": "fct_cases",
    "agg_messages_daily": "fct_messages",
    "agg_surveys_daily": "fct_surveys",
    "agg_agent_hours": "fct_cases",
    "agg_case_outcomes_daily": "fct_cases",
    "agg_case_values": "fct_cases",
    "agg_agent_frt": "fct_cases",
}
# Edge rows of the agent-hours model keep every agent-hour on its own row (an agent-hour of an
# edge day may also have rows on whole days): the model's rows_of_hour > 1 branch.
EDGE_SQL = {
    "agg_agent_hours": """
    select floor(epoch(opened_at) / 86400)::bigint as utc_day, channel, brand, agent_id,
        floor(epoch(first_response_at) / 3600)::bigint as response_hour, count(*) as cases,
        0 as single_hours
    from fct_cases
    where answered and agent_id is not null
    group by all"""
}
COLUMNS = {
    "channel": "channel",
    "brand": "brand",
    "category": "issue_category",
    "agent": "agent_id",
    "team": "team",
    "source": "source",
}


@lru_cache(maxsize=1)
def _model_sql() -> dict[str, str]:
    return {m.name: m.sql for m in models() if m.name in MODEL_FACT}


def aligned(config: Config, grain: str, start: str | None, end: str | None) -> bool:
    """Whether the periods of this grain are whole UTC days: always for `total`; for day, week
    and month only when the display timezone is at UTC+0 throughout the range."""
    if grain == "total":
        return True
    lo, hi = utc_bounds(config.display_timezone, start, end)
    if lo is None or hi is None:
        return config.display_timezone in ("UTC", "Etc/UTC")
    return all(
        off == 0
        for _, off in offset_pieces(config.display_timezone, lo.timestamp(), hi.timestamp())
    )


def fast_usable(
    kpi: Kpi,
    config: Config,
    grain: str,
    by: Sequence[str],
    filters: Mapping[str, Sequence[str]],
    start: str | None,
    end: str | None,
) -> bool:
    """Whether the KPI can be read from its daily model for this query."""
    if not kpi.fast or kpi.fast not in MODEL_DIMS:
        return False
    dims = set(by) | {d for d, v in filters.items() if v or d == "source"}
    return dims <= set(MODEL_DIMS[kpi.fast]) and aligned(config, grain, start, end)


def model_rows(model: str, config: Config, start: str | None, end: str | None) -> tuple[str, dict]:
    """(The model's rows for whole UTC days of the range, plus the edges' partial days
    aggregated from the fact table with the model's SQL, their parameters)."""
    params: dict = {}
    lo, hi = utc_bounds(config.display_timezone, start, end)
    d0 = math.ceil(lo.timestamp() / DAY_S) if lo else None
    d1 = math.floor(hi.timestamp() / DAY_S) if hi else None
    fact = MODEL_FACT[model]
    edges, parts = [], []
    if d0 is not None and d1 is not None and d0 >= d1:  # no whole UTC day inside
        params.update(e_lo=lo, e_hi=hi)
        edges.append("(opened_at >= $e_lo and opened_at < $e_hi)")
    else:
        where = ["true"]
        if d0 is not None:
            params["d0"] = d0
            where.append("utc_day >= $d0")
            if lo is not None and lo.timestamp() < d0 * DAY_S:
                params.update(
                    e_lo=lo, e_d0=pd.Timestamp(d0 * DAY_S, unit="s", tz="UTC").to_pydatetime()
                )
                edges.append("(opened_at >= $e_lo and opened_at < $e_d0)")
        if d1 is not None:
            params["d1"] = d1
            where.append("utc_day < $d1")
            if hi is not None and hi.timestamp() > d1 * DAY_S:
                params.update(
                    e_hi=hi, e_d1=pd.Timestamp(d1 * DAY_S, unit="s", tz="UTC").to_pydatetime()
                )
                edges.append("(opened_at >= $e_d1 and opened_at < $e_hi)")
        parts.append(f"select * from {model} where {' and '.join(where)}")
    if edges:
        sql = EDGE_SQL.get(model) or _model_sql()[model]
        marker = f"from {fact}\n"
        if sql.count(marker) != 1:
            raise RuntimeError(f"model {model} must read `from {fact}` exactly once.")
        parts.append(
            sql.replace(marker, f"from (select * from {fact} where {' or '.join(edges)}) {fact}\n")
        )
    return " union all ".join(f"({p})" for p in parts), params


def day_period_sql(grain: str) -> str:
    """The period label of a model row (its `utc_day`): 'total', or the first day of its UTC
    day, week or month (used only for aligned periods)."""
    return (
        "'total'"
        if grain == "total"
        else (f"strftime(date_trunc('{grain}', date '1970-01-01' + utc_day::integer), '%Y-%m-%d')")
    )


def model_where_sql(filters: Mapping[str, Sequence[str]]) -> tuple[str, dict]:
    """(Dimension filters on a model's columns, their values as $f_<dim>)."""
    clauses, params = ["true"], {}
    for dim, values in filters.items():
        if values or dim == "source":  # an empty source list (no source can carry it) selects none
            params[f"f_{dim}"] = [str(v) for v in values]
            clauses.append(f"{COLUMNS[dim]} in (select unnest($f_{dim}))")
    return " and ".join(clauses), params


def fast_frame(
    con: duckdb.DuckDBPyConnection,
    config: Config,
    model: str,
    kpis: Sequence[Kpi],
    grain: str,
    by: Sequence[str],
    start: str | None,
    end: str | None,
    filters: Mapping[str, Sequence[str]],
) -> pd.DataFrame:
    """[period, *by, kpi, value, n] of KPIs that read `model`, in one query."""
    src, params = model_rows(model, config, start, end)
    if model == "agg_cases_daily":
        (costs, playbook), bound = cost_tables(config)
        params.update(bound)
        src = (
            f"select a.*, coalesce(k.pi, 0) * a.cases + coalesce(k.pm, 0) * a.handle_s / 60.0 as cost, "
            f"$phone_pi * a.cases + $phone_pm * a.handle_s / 60.0 as phone_cost, "
            f"coalesce(p.private, false) as playbook_private from ({src}) a "
            f"left join {costs} using (channel) left join {playbook} on p.category = a.issue_category"
        )
    if any("$fcr_days" in (k.fast_value or "") for k in kpis):
        params["fcr_days"] = config.fcr_window_days
    period = day_period_sql(grain)
    dims = "".join(f", {COLUMNS[d]} as {d}" for d in by)
    cols = ", ".join(
        f"({k.fast_value})::double as v{i}, ({k.fast_n})::bigint as n{i}"
        for i, k in enumerate(kpis)
    )
    where, bound = model_where_sql(filters)
    params.update(bound)
    sql = (
        f"select {period} as period{dims}, {cols} from ({src}) src "
        f"where {where} group by all order by all"
    )
    wide = con.execute(sql, params).df()
    frames = []
    for i, k in enumerate(kpis):
        part = wide[["period", *by]].copy()
        part["kpi"] = k.id
        part["value"] = wide[f"v{i}"].astype("float64")
        part["n"] = wide[f"n{i}"].fillna(0).astype("int64")
        frames.append(part)
    return pd.concat(frames, ignore_index=True)
