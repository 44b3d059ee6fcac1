"""The scorecard's bridge to the warehouse: KPI queries over case-level data, bound parameters.

Dates are local dates of the display timezone. They become UTC instants before they reach SQL
(`opened_at >= $t_lo and opened_at < $t_hi`), so the filter reads a plain column; local periods
(day, week, month) come from the zone's UTC offsets over the range (`local_date_sql`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from etl.settings.business_hours import offset_pieces, utc_bounds
from etl.settings.config import Config
from etl.sql_files import sql_file
from scorecard.kpis.catalogue import Kpi
from scorecard.kpis.data_agg import fast_frame, fast_usable
from scorecard.kpis.data_business import business_join_sql, business_params
from scorecard.kpis.data_pieces import (  # noqa: F401 (frt_column, sla_sql: re-exported)
    clock_start_column,
    cost_tables,
    frt_column,
    sla_sql,
)
from scorecard.kpis.data_spread import has_agent_model, spread_model_frame, spread_usable
from scorecard.kpis.data_values import stored_measures, values_frame, values_usable
from scorecard.kpis.grouping_sets import (
    grouping_flag_sql,
    grouping_sets_sql,
    rows_per_slicing,
    slicing_dims,
)
from warehouse.db import connect_readonly, db_path
from warehouse.queries import DIMENSIONS, SOURCES, as_of

GRAINS = ("day", "week", "month", "total")
SOURCE_FILTER = "source"  # an internal filter key: only cases of these sources


def open_warehouse(db: str | Path | None = None) -> duckdb.DuckDBPyConnection:
    """Read-only connection to the published warehouse."""
    return connect_readonly(db_path(str(db) if db else None))


def cases_source(
    config: Config, uses: str | None = None, business: Mapping[str, object] | None = None
) -> tuple[str, dict]:
    """(fct_cases with clock_start_at (when the configured first-response clock starts), each
    case's configured cost, phone-equivalent cost and playbook rule, its parameters), plus
    frt_business_s when `business` holds the business-hours table (business_params, bound by
    the caller). With `uses` (the text of the expressions to evaluate), the cost and playbook
    joins are left out when the text names none of their columns."""
    joins, clock = "", clock_start_column(config)
    extra = f", c.{clock} as clock_start_at"
    if business and "bh_k" in business:
        frt = frt_column(config)
        joins, expr = business_join_sql(business, clock)
        extra += f", case when c.{frt} is not null then {expr} end as frt_business_s"
    if uses is not None and not any(w in uses for w in ("cost", "playbook_private")):
        return sql_file(__package__, "cases_clocked").format(extra=extra, joins=joins), {}
    (costs, playbook), params = cost_tables(config)
    return sql_file(__package__, "cases_costed").format(
        extra=extra, costs=costs, playbook=playbook, joins=joins
    ), params


def local_date_sql(
    config: Config, t_lo: float, t_hi: float, column: str = "opened_at"
) -> tuple[str, dict]:
    """(SQL for the display-timezone date of `column`: UTC plus the zone's offset in force, from
    the offset changes between t_lo and t_hi (exact, no per-row zone lookup), its parameters)."""
    pieces = offset_pieces(config.display_timezone, t_lo, t_hi)
    expr = "$off0::bigint"
    params: dict = {"off0": int(pieces[0][1])}
    if len(pieces) > 1:
        whens = []
        for i, (since, off) in enumerate(pieces[1:], start=1):
            params[f"offt{i}"], params[f"off{i}"] = float(since), int(off)
        for i in range(len(pieces) - 1, 0, -1):
            whens.append(f"when epoch({column}) >= $offt{i} then $off{i}::bigint")
        expr = f"case {' '.join(whens)} else $off0::bigint end"
    return f"make_timestamp(epoch_us({column}) + ({expr}) * 1000000)::date", params


def period_sql(
    con: duckdb.DuckDBPyConnection, config: Config, grain: str, start: str | None, end: str | None
) -> tuple[str, dict]:
    """(The period label of a row: 'total', or the first local day of its day/week/month, its
    parameters)."""
    if grain == "total":
        return "'total'", {}
    lo, hi = utc_bounds(config.display_timezone, start, end)
    if lo is None or hi is None:
        row = con.execute(sql_file(__package__, "opened_range")).fetchall()[
            0
        ]  # an aggregate: one row
        t_lo = lo.timestamp() if lo else float(row[0] or 0)
        t_hi = hi.timestamp() if hi else float(row[1] or 0)
    else:
        t_lo, t_hi = lo.timestamp(), hi.timestamp()
    day, params = local_date_sql(config, t_lo, t_hi)
    if grain != "day":
        day = f"date_trunc('{grain}', {day})"
    return f"strftime({day}, '%Y-%m-%d')", params


def where_clause(
    config: Config, start: str | None, end: str | None, filters: Mapping[str, Sequence[str]]
) -> tuple[str, dict]:
    """(Cases (or messages, surveys) opened on the local dates start..end, with dimension
    filters, its parameters)."""
    clauses: list[str] = ["true"]
    params: dict = {}
    lo, hi = utc_bounds(config.display_timezone, start, end)
    if lo is not None:
        params["t_lo"] = lo
        clauses.append("opened_at >= $t_lo")
    if hi is not None:
        params["t_hi"] = hi
        clauses.append("opened_at < $t_hi")
    for dim, values in filters.items():
        if (
            dim == SOURCE_FILTER
        ):  # internal: the sources a KPI can count (scorecard/kpis/capabilities.py)
            params["f_source"] = [str(v) for v in values]
            clauses.append("source in (select unnest($f_source))")
            continue
        if not values:
            continue
        if dim not in DIMENSIONS:
            raise ValueError(f"unknown dimension {dim!r}; use {', '.join(DIMENSIONS)}.")
        params[f"f_{dim}"] = [str(v) for v in values]
        clauses.append(f"{DIMENSIONS[dim]} in (select unnest($f_{dim}))")
    return " and ".join(clauses), params


def kpi_params(con: duckdb.DuckDBPyConnection, config: Config, text: str) -> dict:
    """The parameters the KPI expressions in `text` use ($sla_s, $as_of, $fcr_days, and the
    business-hours table for frt_business_s)."""
    params: dict = {}
    if "$sla_s" in text:
        params["sla_s"] = config.sla_first_response_s
    if "$as_of" in text:
        params["as_of"] = as_of(con)
    if "$fcr_days" in text:
        params["fcr_days"] = config.fcr_window_days
    if "frt_business_s" in text:
        params.update(business_params(con, config))
    return params


def source_rows_sql(
    config: Config,
    source: str,
    uses: str | None = None,
    team: bool = False,
    business: Mapping[str, object] | None = None,
) -> tuple[str, dict]:
    """(The rows a KPI source aggregates (`uses`, `business`: see cases_source), its
    parameters); with `team`, survey answers and messages carry their case's team (a slice or
    filter by team)."""
    if source == "cases":
        return cases_source(config, uses, business)
    if team:
        return sql_file(__package__, "rows_with_team").format(rows=SOURCES[source]), {}
    return SOURCES[source], {}


def _first(x, i: int) -> float:
    """Element i of a DuckDB list value (NaN when absent)."""
    return (
        float("nan")
        if x is None or (not isinstance(x, (list, np.ndarray))) or x[i] is None
        else float(x[i])
    )


def plain_frame(
    con: duckdb.DuckDBPyConnection,
    config: Config,
    source: str,
    group: Sequence[Kpi],
    grain: str,
    by: Sequence[str],
    start: str | None,
    end: str | None,
    filters: Mapping[str, Sequence[str]],
) -> pd.DataFrame:
    """[period, *by, kpi, value, n, median, p90, mean] of single-level KPIs of one source, in one
    query; a time KPI's median/p90/mean come from one list quantile of its measure."""
    aggs, plan, params = _plain_columns(con, config, group)
    body, bound = source_rows_sql(config, source, " ".join(aggs), "team" in (*by, *filters), params)
    period, bound_period = period_sql(con, config, grain, start, end)
    where, bound_where = where_clause(config, start, end, filters)
    params.update(bound | bound_period | bound_where)
    dims = "".join(f", {DIMENSIONS[d]} as {d}" for d in by)
    cols = ", ".join(f"{expr} as {a}" for expr, a in aggs.items())
    sql = f"select {period} as period{dims}, {cols} from {body} src where {where} group by all order by all"
    return _plain_parts(con.execute(sql, params).df(), plan, by)


def plain_frame_sets(
    con: duckdb.DuckDBPyConnection,
    config: Config,
    source: str,
    group: Sequence[Kpi],
    grain: str,
    slicings: Sequence[tuple[str, ...]],
    start: str | None,
    end: str | None,
    filters: Mapping[str, Sequence[str]],
) -> dict[tuple[str, ...], pd.DataFrame]:
    """plain_frame for several slicings (tuples of dimensions) from one read of the rows
    (GROUPING SETS): per slicing, the frame plain_frame returns for it, rows in its order."""
    aggs, plan, params = _plain_columns(con, config, group)
    dims = slicing_dims(slicings)
    body, bound = source_rows_sql(
        config, source, " ".join(aggs), "team" in (*dims, *filters), params
    )
    period, bound_period = period_sql(con, config, grain, start, end)
    where, bound_where = where_clause(config, start, end, filters)
    params.update(bound | bound_period | bound_where)
    picked = "".join(f", {DIMENSIONS[d]} as {d}" for d in dims)
    cols = ", ".join(f"{expr} as {a}" for expr, a in aggs.items())
    grouping = grouping_flag_sql([DIMENSIONS[d] for d in dims])
    sets = grouping_sets_sql(slicings, [period], column=DIMENSIONS.__getitem__)
    sql = (
        f"select {period} as period{picked}, {grouping} as _g, {cols} from {body} src "
        f"where {where} group by grouping sets ({sets})"
    )
    wide = con.execute(sql, params).df()
    return {
        by: _plain_parts(rows, plan, by)
        for by, rows in rows_per_slicing(wide, slicings, dims, "_g").items()
    }


def _plain_columns(
    con: duckdb.DuckDBPyConnection, config: Config, group: Sequence[Kpi]
) -> tuple[dict[str, str], list, dict]:
    """(The aggregates of plain_frame's query by alias, its plan per KPI (KPI, value source, n
    alias, time-KPI stats aliases), the KPI parameters they bind)."""
    frt = frt_column(config)
    params: dict = {}
    aggs: dict[str, str] = {}

    def alias(expr: str) -> str:
        return aggs.setdefault(expr, f"a{len(aggs)}")

    plan = []
    uses_sla = any("$sla_s" in k.value + k.n for k in group)
    sla, bound = sla_sql(config) if uses_sla else ("$sla_s", {})
    params.update(bound)
    for k in group:
        value, n = (
            k.value.format(frt=frt).replace("$sla_s", sla),
            k.n.format(frt=frt).replace("$sla_s", sla),
        )
        m = k.measure.format(frt=frt) if k.measure else None
        stats = (alias(f"quantile_cont({m}, [0.5, 0.9])"), alias(f"avg({m})")) if m else None
        shortcut = (
            {
                f"quantile_cont({m}, 0.5)": ("q", 0),
                f"quantile_cont({m}, 0.9)": ("q", 1),
                f"avg({m})": ("mean", 0),
            }.get(value)
            if m
            else None
        )
        plan.append((k, shortcut or ("col", alias(value)), alias(n), stats))
    params.update(kpi_params(con, config, " ".join(aggs) + (" $sla_s" if uses_sla else "")))
    return aggs, plan, params


def _plain_parts(wide: pd.DataFrame, plan: list, by: Sequence[str]) -> pd.DataFrame:
    """plain_frame's long frame from its wide query result (one column per aggregate)."""
    frames = []
    for k, (how, ref), n_alias, stats in plan:
        part = wide[["period", *by]].copy()
        part["kpi"] = k.id
        if stats:
            q, mean = wide[stats[0]], wide[stats[1]].astype("float64")
            part["median"], part["p90"], part["mean"] = (
                q.map(lambda x: _first(x, 0)),
                q.map(lambda x: _first(x, 1)),
                mean,
            )
        if how == "q":
            part["value"] = part["median"] if ref == 0 else part["p90"]
        elif how == "mean":
            part["value"] = part["mean"]
        else:
            part["value"] = wide[ref].astype("float64")
        part["n"] = wide[n_alias].fillna(0).astype("int64")
        frames.append(part)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def spread_frame(
    con: duckdb.DuckDBPyConnection,
    config: Config,
    kpi: Kpi,
    grain: str,
    by: Sequence[str],
    start: str | None,
    end: str | None,
    filters: Mapping[str, Sequence[str]],
) -> pd.DataFrame:
    """[period, *by, kpi, value, n, agent_p10, agent_p90] of an agent-spread KPI: the per-agent
    value of agents with at least min_cases rows, then p90 / p10 over agents (n = agents)."""
    frt = frt_column(config)
    value, n = kpi.value.format(frt=frt), kpi.n.format(frt=frt)
    params: dict = {"min_cases": kpi.min_cases, **kpi_params(con, config, value + n)}
    body, bound = source_rows_sql(config, kpi.source, value + n, business=params)
    period, bound_period = period_sql(con, config, grain, start, end)
    where, bound_where = where_clause(config, start, end, filters)
    params.update(bound | bound_period | bound_where)
    dims = "".join(f", {DIMENSIONS[d]} as {d}" for d in by)
    keys = "".join(f", {d}" for d in by)
    ok = "filter (where ok)"  # every slice with cases gets a row; only qualified agents count
    sql = (
        f"with per_agent as (select {period} as period{dims}, agent_id as _agent, {value} as v, "
        f"agent_id is not null and {n} >= $min_cases as ok from {body} src where {where} "
        f"group by {', '.join(str(i) for i in range(1, len(by) + 3))}) "
        f"select period{keys}, quantile_cont(v, 0.9) {ok} / nullif(quantile_cont(v, 0.1) {ok}, 0) "
        f"as value, count(*) {ok} as n, quantile_cont(v, 0.1) {ok} as agent_p10, "
        f"quantile_cont(v, 0.9) {ok} as agent_p90 from per_agent group by period{keys} order by all"
    )
    out = con.execute(sql, params).df()
    out.insert(1 + len(by), "kpi", kpi.id)
    return out.astype({"value": "float64", "n": "int64"})


def parallel_frames(
    con: duckdb.DuckDBPyConnection,
    tasks: Sequence[Callable[[duckdb.DuckDBPyConnection], pd.DataFrame]],
) -> list[pd.DataFrame]:
    """Results of independent reads, in order, run concurrently: each on its own cursor of con's
    database (DuckDB releases the GIL while a query runs, so small single-threaded queries
    overlap with large parallel ones)."""
    if len(tasks) <= 1:
        return [t(con) for t in tasks]
    db, schema = con.execute("select current_database(), current_schema()").fetchall()[0]

    def run(task: Callable[[duckdb.DuckDBPyConnection], pd.DataFrame]) -> pd.DataFrame:
        cur = con.cursor()
        try:
            cur.execute(f'use "{db}"."{schema}"')  # names DuckDB itself reported
            return task(cur)
        finally:
            cur.close()

    with ThreadPoolExecutor(max_workers=min(len(tasks), 4)) as pool:
        return list(pool.map(run, tasks))


def kpi_frame(
    con: duckdb.DuckDBPyConnection,
    config: Config,
    kpis: Sequence[Kpi],
    grain: str,
    by: Sequence[str],
    start: str | None,
    end: str | None,
    filters: Mapping[str, Sequence[str]],
    use_fast: bool = True,
    sources: Mapping[str, Sequence[str]] | None = None,
) -> pd.DataFrame:
    """Long table: period, one column per `by` dimension, kpi, value, n (plus median, p90, mean
    of time KPIs and agent_p10/agent_p90 of the agent spread), from case-level data; additive
    KPIs from the daily pre-aggregates (scorecard/kpis/data_agg.py), time KPIs and the SLA from the
    value bins (scorecard/kpis/data_values.py) and the agent spread from the narrow agent model
    (scorecard/kpis/data_spread.py) when they apply (same values), unless use_fast is False.
    `sources` ({kpi id: sources}) restricts a KPI to the cases of those sources (the ones that
    can carry it, scorecard/kpis/capabilities.py)."""
    if grain not in GRAINS:
        raise ValueError(f"grain must be one of {', '.join(GRAINS)}.")
    for d in (*by, *filters):
        if d not in DIMENSIONS:
            raise ValueError(f"unknown dimension {d!r}; use {', '.join(DIMENSIONS)}.")
    measures = stored_measures(con, config) if use_fast else frozenset()
    agent_model = use_fast and has_agent_model(con)
    variants: dict[tuple[str, ...] | None, list[Kpi]] = {}
    for k in kpis:
        key = tuple(sources[k.id]) if sources and k.id in sources else None
        variants.setdefault(key, []).append(k)
    tasks = []
    for key, group in variants.items():
        scoped = dict(filters) if key is None else {**filters, SOURCE_FILTER: list(key)}
        tasks += _read_tasks(
            config, group, grain, by, start, end, scoped, use_fast, measures, agent_model
        )
    frames = [f for f in parallel_frames(con, tasks) if not f.empty]
    if not frames:
        return pd.DataFrame(columns=["period", *by, "kpi", "value", "n"])
    order = {k.id: i for i, k in enumerate(kpis)}
    out = complete_kpis(pd.concat(frames, ignore_index=True), [k.id for k in kpis], by)
    out["period"] = out["period"].astype(str)
    out = out.assign(_o=out["kpi"].map(order)).sort_values(["period", *by, "_o"], kind="stable")
    return out.drop(columns="_o").reset_index(drop=True)


def _read_tasks(
    config: Config,
    kpis: Sequence[Kpi],
    grain: str,
    by: Sequence[str],
    start: str | None,
    end: str | None,
    filters: Mapping[str, Sequence[str]],
    use_fast: bool,
    measures: frozenset[str],
    agent_model: bool,
) -> list[Callable]:
    """The reads of kpi_frame for KPIs sharing one set of filters: daily pre-aggregates, value
    bins, the agent model, else the fact tables."""
    fast: dict[str | None, list[Kpi]] = {}  # keys: models fast_usable found (never None)
    binned: list[Kpi] = []
    exact: list[Kpi] = []
    for k in kpis:
        if use_fast and fast_usable(k, config, grain, by, filters, start, end):
            fast.setdefault(k.fast, []).append(k)
        elif values_usable(k, config, measures, grain, by, filters, start, end):
            binned.append(k)
        else:
            exact.append(k)
    args = (grain, by, start, end, filters)
    tasks = [_bound(fast_frame, config, model, group, *args) for model, group in fast.items()]
    if binned:
        tasks.append(_bound(values_frame, config, binned, *args))
    for source in ("cases", "surveys", "messages"):
        group = [k for k in exact if k.source == source and k.is_plain]
        if group:
            tasks.append(_bound(plain_frame, config, source, group, *args))
    for k in exact:
        if k.kind == "agent_spread":
            usable = agent_model and spread_usable(k, config, grain, by, filters, start, end)
            fn = spread_model_frame if usable else spread_frame
            tasks.append(_bound(fn, config, k, *args))
    return tasks


def _bound(
    fn: Callable[..., pd.DataFrame], *args
) -> Callable[[duckdb.DuckDBPyConnection], pd.DataFrame]:
    """fn with every argument but the connection bound: one read of kpi_frame."""
    return lambda con: fn(con, *args)


def complete_kpis(frame: pd.DataFrame, kpi_ids: Sequence[str], by: Sequence[str]) -> pd.DataFrame:
    """Every KPI for every (period, slice) that has data in any source: a KPI whose source has
    no rows there (no survey, no message, no agent-hour that day) gets value NaN and n 0."""
    keys = ["period", *by]
    wanted = frame[keys].drop_duplicates().merge(pd.DataFrame({"kpi": list(kpi_ids)}), how="cross")
    found = wanted.merge(frame[[*keys, "kpi"]].drop_duplicates(), how="left", indicator=True)
    missing = found[found["_merge"] == "left_only"].drop(columns="_merge")
    if missing.empty:
        return frame
    return pd.concat([frame, missing.assign(value=float("nan"), n=0)], ignore_index=True)


def effective_range(
    con: duckdb.DuckDBPyConnection, config: Config, start: str | None, end: str | None
) -> tuple[str | None, str | None]:
    """The requested dates, defaulting to the first and last day with data."""
    if start and end:
        return start, end
    row = con.execute(
        "select timezone($tz, min(opened_at))::date, timezone($tz, max(opened_at))::date "
        "from fct_cases",
        {"tz": config.display_timezone},
    ).fetchall()[0]
    lo, hi = (None, None) if row[0] is None else (row[0].isoformat(), row[1].isoformat())
    return start or lo, end or hi


def has_data(con: duckdb.DuckDBPyConnection, config: Config, start: str, end: str) -> bool:
    """Whether any case or survey answer falls on the local dates start..end (every KPI source
    is dated by its case's opening, or an unlinked answer's own date)."""
    lo, hi = utc_bounds(config.display_timezone, start, end)
    row = con.execute(
        "select exists(select 1 from fct_cases where opened_at >= $lo and opened_at < $hi) "
        "or exists(select 1 from fct_surveys where opened_at >= $lo and opened_at < $hi)",
        {"lo": lo, "hi": hi},
    ).fetchall()[0]
    return bool(row[0])


_ROW_TABLES = {
    "cases": "fct_cases",
    "messages": "fct_messages",
    "surveys": "fct_surveys",
    "loads": "loads",
    "quarantine": "quarantine",
}


def rows_of(
    con: duckdb.DuckDBPyConnection,
    config: Config,
    table: str,
    start: str | None,
    end: str | None,
    filters: Mapping[str, Sequence[str]],
) -> pd.DataFrame:
    """Rows of a fact or bookkeeping table, filtered like the scorecard; times in display tz."""
    if table not in _ROW_TABLES:
        raise ValueError(f"unknown table {table!r}; use {', '.join(_ROW_TABLES)}.")
    if table in ("loads", "quarantine"):
        frame = con.execute(f"select * from {_ROW_TABLES[table]}").df()
    else:
        where, params = where_clause(config, start, end, {k: v for k, v in filters.items() if v})
        frame = con.execute(
            f"select * from {_ROW_TABLES[table]} where {where} order by all", params
        ).df()
    return _local_times(frame, config.display_timezone)


# A text cell a spreadsheet would run as a formula (scorecard/export.py _formula_like, in RE2): a
# formula character (also full-width) after optional spaces, or a leading tab, CR or LF.
FORMULA_RE2 = (
    r"^[\t\r\n]|^[\s\x{85}\x{A0}\x{1680}\x{2000}-\x{200A}\x{2028}\x{2029}\x{202F}\x{205F}"
    r"\x{3000}\x{1C}-\x{1F}]*[=+\-@\x{FF1D}\x{FF0B}\x{FF0D}\x{FF20}]"
)


# COPY options by export format: CSV with CRLF rows (RFC 4180); Parquet with zstd at level 1
# (about a fifth less CPU than the default level for a file about 15 % larger).
COPY_OPTIONS = {
    "csv": "(format csv, header, new_line '\\r\\n')",
    "parquet": "(format parquet, compression zstd, compression_level 1)",
}


def neutral_column(column: str, kind: str) -> str:
    """SQL of one exported column: a text cell FORMULA_RE2 matches (bound as $formula) gets a
    leading quote. Only a cell starting below 'A' or beyond '~' can match (every character the
    pattern starts with is), so the regex runs on few cells."""
    if kind != "VARCHAR":
        return f'"{column}"'
    return (
        f'case when (ascii("{column}") < 65 or ascii("{column}") > 126) and '
        f'regexp_matches("{column}", $formula) then \'\'\'\' || "{column}" else "{column}" end as "{column}"'
    )


def copy_rows(
    con: duckdb.DuckDBPyConnection,
    config: Config,
    table: str,
    start: str | None,
    end: str | None,
    filters: Mapping[str, Sequence[str]],
    fmt: str,
    out: str,
) -> int:
    """Stream a table's rows from DuckDB straight into a CSV or Parquet file (COPY: memory stays
    bounded whatever the row count), filtered like the scorecard, in stored order, formula-like
    text cells prefixed with a quote, times in the display timezone; the rows written."""
    if table not in _ROW_TABLES:
        raise ValueError(f"unknown table {table!r}; use {', '.join(_ROW_TABLES)}.")
    name = _ROW_TABLES[table]
    where, bound = (
        ("true", {})
        if table in ("loads", "quarantine")
        else where_clause(config, start, end, {k: v for k, v in filters.items() if v})
    )
    params: dict = {"formula": FORMULA_RE2, "out": out, **bound}
    columns = con.execute(
        "select column_name, data_type from information_schema.columns "
        "where table_name = ? order by ordinal_position",
        [name],
    ).fetchall()
    picked = [neutral_column(c, kind) for c, kind in columns]
    options = COPY_OPTIONS[fmt]
    con.execute(
        "set TimeZone = ?", [config.display_timezone]
    )  # CSV renders times in the display zone
    # no ORDER BY: rows leave in the table's stored order (DuckDB preserves insertion order), so a
    # 10M-row export streams in constant memory instead of sorting (and spilling) first
    row = con.execute(
        f"copy (select {', '.join(picked)} from {name} where {where}) to $out {options}", params
    ).fetchone()
    return int(row[0]) if row else 0


def _local_times(frame: pd.DataFrame, tz: str) -> pd.DataFrame:
    """Timestamps converted to the display timezone (what every view and export shows)."""
    out = frame.copy()
    for col in out.columns:
        if isinstance(out[col].dtype, pd.DatetimeTZDtype):
            out[col] = out[col].dt.tz_convert(tz)
    return out
