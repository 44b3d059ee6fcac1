"""The only bridge from scorecard/ to the warehouse: builds KPI queries with bound parameters."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import duckdb
import pandas as pd

from etl.config import CHANNELS, Config
from etl.enrich import load_playbook
from scorecard.catalogue import Kpi
from warehouse.db import connect_readonly, db_path
from warehouse.queries import DIMENSIONS, SOURCES, as_of, data_range

GRAINS = ("day", "week", "month", "total")


def open_warehouse(db: str | Path | None = None) -> duckdb.DuckDBPyConnection:
    """Read-only connection to the published warehouse."""
    return connect_readonly(db_path(str(db) if db else None))


def _cases_source(config: Config, params: dict) -> str:
    """fct_cases with each case's configured cost, phone-equivalent cost and playbook rule."""
    rows = []
    for i, ch in enumerate(CHANNELS):
        params[f"ch{i}"] = ch
        params[f"pi{i}"] = config.costs.per_interaction.get(ch, 0.0)
        params[f"pm{i}"] = config.costs.per_handle_minute.get(ch, 0.0)
        rows.append(f"($ch{i}, $pi{i}::double, $pm{i}::double)")
    playbook = load_playbook(config.playbook).private_by_category()
    prows = []
    for i, (cat, private) in enumerate(sorted(playbook.items())):
        params[f"pc{i}"], params[f"pp{i}"] = cat, private
        prows.append(f"($pc{i}, $pp{i}::boolean)")
    params["phone_pi"] = config.costs.per_interaction.get("phone", 0.0)
    params["phone_pm"] = config.costs.per_handle_minute.get("phone", 0.0)
    return f"""(
        select c.*,
            coalesce(k.pi, 0) + coalesce(k.pm, 0) * coalesce(c.handle_seconds, 0) / 60.0 as cost,
            $phone_pi + $phone_pm * coalesce(c.handle_seconds, 0) / 60.0 as phone_cost,
            coalesce(p.private, false) as playbook_private
        from fct_cases c
        left join (values {', '.join(rows)}) k(channel, pi, pm) using (channel)
        left join (values {', '.join(prows)}) p(category, private) on p.category = c.issue_category
    )"""


def _period_expr(grain: str) -> str:
    if grain == "total":
        return "'total'"
    return f"strftime(date_trunc('{grain}', timezone($tz, opened_at)), '%Y-%m-%d')"


def _where(start: str | None, end: str | None, filters: Mapping[str, Sequence[str]],
           params: dict) -> str:
    clauses = ["true"]
    if start:
        params["start"] = start
        clauses.append("timezone($tz, opened_at)::date >= $start::date")
    if end:
        params["end"] = end
        clauses.append("timezone($tz, opened_at)::date <= $end::date")
    for dim, values in filters.items():
        if not values:
            continue
        names = []
        for j, v in enumerate(values):
            params[f"f_{dim}_{j}"] = v
            names.append(f"$f_{dim}_{j}")
        clauses.append(f"{DIMENSIONS[dim]} in ({', '.join(names)})")
    return " and ".join(clauses)


def kpi_frame(con: duckdb.DuckDBPyConnection, config: Config, kpis: Sequence[Kpi], grain: str,
              by: Sequence[str], start: str | None, end: str | None,
              filters: Mapping[str, Sequence[str]]) -> pd.DataFrame:
    """Long table: period, one column per `by` dimension, kpi, value, n (from case-level data)."""
    if grain not in GRAINS:
        raise ValueError(f"grain must be one of {', '.join(GRAINS)}.")
    for d in (*by, *filters):
        if d not in DIMENSIONS:
            raise ValueError(f"unknown dimension {d!r}; use {', '.join(DIMENSIONS)}.")
    frt = "frt_created_s" if config.frt_clock == "case_created" else "frt_s"
    reference = as_of(con)
    frames = []
    for source in ("cases", "surveys", "messages"):
        group = [k for k in kpis if k.source == source]
        if not group:
            continue
        params: dict = {"tz": config.display_timezone}
        body = _cases_source(config, params) if source == "cases" else SOURCES[source]
        uses = " ".join(k.value + k.n for k in group)
        if "$sla_s" in uses:
            params["sla_s"] = config.sla_first_response_s
        if "$as_of" in uses:
            params["as_of"] = reference
        if "$fcr_days" in uses:
            params["fcr_days"] = config.fcr_window_days
        dims = [f"{DIMENSIONS[d]} as {d}" for d in by]
        cols = [f"{k.value.format(frt=frt)} as v_{i}, {k.n.format(frt=frt)} as n_{i}"
                for i, k in enumerate(group)]
        where = _where(start, end, filters, params)
        sql = (f"select {_period_expr(grain)} as period, {', '.join([*dims, *cols])} "
               f"from {body} src where {where} group by all order by all")
        wide = con.execute(sql, params).df()
        for i, k in enumerate(group):
            part = wide[["period", *by]].copy()
            part["kpi"] = k.id
            part["value"] = wide[f"v_{i}"].astype("float64")
            part["n"] = wide[f"n_{i}"].fillna(0).astype("int64")
            frames.append(part)
    if not frames:
        return pd.DataFrame(columns=["period", *by, "kpi", "value", "n"])
    return pd.concat(frames, ignore_index=True)


def effective_range(con: duckdb.DuckDBPyConnection, config: Config, start: str | None,
                    end: str | None) -> tuple[str | None, str | None]:
    """The requested dates, defaulting to the first and last day with data."""
    lo, hi = data_range(con, config.display_timezone)
    return start or lo, end or hi


_ROW_TABLES = {"cases": "fct_cases", "messages": "fct_messages", "surveys": "fct_surveys",
               "loads": "loads", "quarantine": "quarantine"}


def rows_of(con: duckdb.DuckDBPyConnection, config: Config, table: str, start: str | None,
            end: str | None, filters: Mapping[str, Sequence[str]]) -> pd.DataFrame:
    """Rows of a fact or bookkeeping table, filtered like the scorecard; times in display tz."""
    if table not in _ROW_TABLES:
        raise ValueError(f"unknown table {table!r}; use {', '.join(_ROW_TABLES)}.")
    params: dict = {"tz": config.display_timezone}
    if table in ("loads", "quarantine"):
        frame = con.execute(f"select * from {_ROW_TABLES[table]}").df()
    else:
        where = _where(start, end, {k: v for k, v in filters.items() if v}, params)
        if "$tz" not in where:
            params.pop("tz")
        frame = con.execute(f"select * from {_ROW_TABLES[table]} where {where} order by all",
                            params).df()
    return _local_times(frame, config.display_timezone)


def _local_times(frame: pd.DataFrame, tz: str) -> pd.DataFrame:
    """Timestamps converted to the display timezone (what every view and export shows)."""
    out = frame.copy()
    for col in out.columns:
        if isinstance(out[col].dtype, pd.DatetimeTZDtype):
            out[col] = out[col].dt.tz_convert(tz)
    return out
