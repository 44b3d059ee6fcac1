"""The agent spread (p90 / p10 of agents' median first response) from the narrow agent model.

`agg_agent_frt` (warehouse/sql/agg) holds one row per case with an agent and a measured first
response: UTC day, channel, brand, an integer agent key (fct_agents) and both first-response
clocks. Grouping by the integer key instead of the agent's name makes the per-agent medians
about twice as cheap, and they stay exact: the rows are the cases
themselves. Whole UTC days come from the model and the partial days at a period's edges from
fct_cases through the model's own SQL (scorecard/kpis/data_agg.py:model_rows), so it is usable for
the same grains as the other pre-aggregates, for slices and filters by channel and brand.
tests/test_scorecard_values.py checks it against the row-level definition (data.spread_frame).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import duckdb
import pandas as pd

from etl.settings.config import Config
from scorecard.kpis.catalogue import Kpi
from scorecard.kpis.data_agg import aligned, day_period_sql, model_rows, model_where_sql
from scorecard.kpis.data_pieces import frt_column
from scorecard.kpis.grouping_sets import (
    grouping_flag_sql,
    grouping_sets_sql,
    rows_per_slicing,
    slicing_dims,
)

SPREAD_DIMS = ("channel", "brand")
MODEL = "agg_agent_frt"


def has_agent_model(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the warehouse has the agent model (not in one built by an older version)."""
    row = con.execute(
        "select count(*) from information_schema.tables where table_schema = "
        "current_schema() and table_name in ('agg_agent_frt', 'fct_agents')"
    ).fetchall()[0]
    return row[0] == 2


def spread_usable(
    kpi: Kpi,
    config: Config,
    grain: str,
    by: Sequence[str],
    filters: Mapping[str, Sequence[str]],
    start: str | None,
    end: str | None,
) -> bool:
    """Whether the agent spread KPI can be read from the agent model for this query."""
    frt = frt_column(config)
    if (
        kpi.kind != "agent_spread"
        or kpi.value.format(frt=frt) != f"quantile_cont({frt}, 0.5)"
        or kpi.n.format(frt=frt) != f"count({frt})"
    ):
        return False
    dims = set(by) | {d for d, v in filters.items() if v or d == "source"}
    return dims <= set(SPREAD_DIMS) and aligned(config, grain, start, end)


def spread_model_frame(
    con: duckdb.DuckDBPyConnection,
    config: Config,
    kpi: Kpi,
    grain: str,
    by: Sequence[str],
    start: str | None,
    end: str | None,
    filters: Mapping[str, Sequence[str]],
) -> pd.DataFrame:
    """[period, *by, kpi, value, n, agent_p10, agent_p90] like data.spread_frame, for the slices
    that have an agent's case (complete_kpis gives the others n 0)."""
    frt = frt_column(config)
    src, rows_params = model_rows(MODEL, config, start, end)
    where, where_params = model_where_sql(filters)
    params: dict = {"min_cases": kpi.min_cases, **rows_params, **where_params}
    period = day_period_sql(grain)
    dims = "".join(f", {d}" for d in by)
    ok = "filter (where measured >= $min_cases)"
    sql = f"""
        with per_agent as (
            select {period} as period{dims}, agent_key, quantile_cont({frt}, 0.5) as v,
                   count({frt}) as measured
            from ({src}) src where {where}
            group by all
        )
        select period{dims},
            quantile_cont(v, 0.9) {ok} / nullif(quantile_cont(v, 0.1) {ok}, 0) as value,
            count(*) {ok} as n, quantile_cont(v, 0.1) {ok} as agent_p10,
            quantile_cont(v, 0.9) {ok} as agent_p90
        from per_agent
        group by period{dims}
        order by all"""
    out = con.execute(sql, params).df()
    out.insert(1 + len(by), "kpi", kpi.id)
    return out.astype({"value": "float64", "n": "int64"})


def spread_model_sets(
    con: duckdb.DuckDBPyConnection,
    config: Config,
    kpi: Kpi,
    grain: str,
    slicings: Sequence[tuple[str, ...]],
    start: str | None,
    end: str | None,
    filters: Mapping[str, Sequence[str]],
) -> dict[tuple[str, ...], pd.DataFrame]:
    """spread_model_frame for several slicings (tuples of channel and brand) from one read of
    the agent model (GROUPING SETS): per slicing, the frame spread_model_frame returns for it,
    rows in its order (the same exact quantiles of the same rows)."""
    frt = frt_column(config)
    src, rows_params = model_rows(MODEL, config, start, end)
    where, where_params = model_where_sql(filters)
    params: dict = {"min_cases": kpi.min_cases, **rows_params, **where_params}
    period = day_period_sql(grain)
    dims = slicing_dims(slicings)
    cols = "".join(f", {d}" for d in dims)
    grouping = grouping_flag_sql(dims)
    sets = grouping_sets_sql(slicings, ["period"], ["agent_key"])
    ok = "filter (where measured >= $min_cases)"
    sql = f"""
        with per_agent as (
            select period{cols}, {grouping} as _g, agent_key, quantile_cont({frt}, 0.5) as v,
                   count({frt}) as measured
            from (select {period} as period{cols}, agent_key, {frt} from ({src}) src
                  where {where}) src
            group by grouping sets ({sets})
        )
        select period{cols}, _g,
            quantile_cont(v, 0.9) {ok} / nullif(quantile_cont(v, 0.1) {ok}, 0) as value,
            count(*) {ok} as n, quantile_cont(v, 0.1) {ok} as agent_p10,
            quantile_cont(v, 0.9) {ok} as agent_p90
        from per_agent
        group by period{cols}, _g"""
    wide = con.execute(sql, params).df()
    out = {}
    for by, rows in rows_per_slicing(wide, slicings, dims, "_g").items():
        rows.insert(1 + len(by), "kpi", kpi.id)
        out[by] = rows.astype({"value": "float64", "n": "int64"})
    return out
