"""Warehouse bridge for anomaly scanning: what the noise models need beyond the KPI values.

Per day and slice: the share of a quantile KPI's rows above its overall quantile, the variance
per row behind averages and ratios, and how long cases take to settle. Identifiers come only
from this module and scorecard/rootcause/data_rootcause.py; values are bound parameters.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import duckdb
import numpy as np
import pandas as pd

from etl.settings.business_hours import utc_bounds
from etl.settings.config import Config
from etl.sql_files import sql_file
from scorecard.kpis.catalogue import Kpi
from scorecard.kpis.data import _local_times, source_rows_sql
from scorecard.kpis.data_agg import COLUMNS, day_period_sql, model_rows, model_where_sql
from scorecard.kpis.data_values import (
    SLA_KPI,
    stored_measures,
    value_measure,
    values_frame,
    values_usable,
)
from scorecard.kpis.grouping_sets import (
    grouping_bits,
    grouping_flag_sql,
    grouping_sets_sql,
    rows_per_slicing,
    slicing_dims,
)
from scorecard.rootcause.data_rootcause import (
    DIMS,
    closing_paren,
    expression_params,
    expression_sql,
    linear_row,
    population,
    quantile_of,
    row_value,
    run,
    split_call,
    where_clause,
)
from warehouse.queries import SOURCES, named_sql


def _split_sets(
    frame: pd.DataFrame,
    slicings: Sequence[tuple[str, ...]],
    dims: Sequence[str],
    extra: Sequence[str] = (),
) -> dict[tuple[str, ...], pd.DataFrame]:
    """The rows of one GROUPING SETS result ([period, *dims, g, value, n, *extra]) per slicing,
    as [period, *by, value, n, *extra] in the order of (period, *by)."""
    return {
        by: rows[["period", *by, "value", "n", *extra]]
        for by, rows in rows_per_slicing(frame, slicings, dims, "g").items()
    }


CHUNK_DAYS = 92  # a longer range is read in parts of this many days (bounds the memory peak)


def day_chunks(
    start: str | None, end: str | None, size: int | None = None
) -> list[tuple[str | None, str | None]]:
    """[start, end] as consecutive ranges of at most `size` (default CHUNK_DAYS) days (one range
    when open): the daily series of a long scan read part by part, each day's value unchanged
    (a day's value depends on that day's rows only), so that the memory a read holds is that
    of one part."""
    if not (start and end) or end < start:
        return [(start, end)]
    size = size or CHUNK_DAYS
    days = pd.date_range(start, end, freq="D")
    return [
        (days[i].date().isoformat(), days[min(i + size, len(days)) - 1].date().isoformat())
        for i in range(0, len(days), size)
    ]


def _joined_parts(
    parts: Sequence[dict[tuple[str, ...], pd.DataFrame]], slicings: Sequence[tuple[str, ...]]
) -> dict[tuple[str, ...], pd.DataFrame]:
    """Per slicing, the frames of consecutive day ranges as one (in day order)."""
    if len(parts) == 1:
        return parts[0]
    out = {}
    for by in map(tuple, slicings):
        full = [p[by] for p in parts if not p[by].empty]
        out[by] = (
            pd.concat(full, ignore_index=True) if len(full) > 1 else (full or [parts[0][by]])[0]
        )
    return out


def daily_exceedance_sets(
    con: duckdb.DuckDBPyConnection,
    config: Config,
    kpi: Kpi,
    slicings: Sequence[tuple[str, ...]],
    start: str | None,
    end: str | None,
    filters: Mapping[str, Sequence[str]],
) -> dict[tuple[str, ...], pd.DataFrame]:
    """Per slicing (a tuple of dimensions): [period, *by, value, n] for a quantile KPI, per day
    and slice the share of rows above the slice's quantile over the whole window (a proportion
    with binomial noise). The quantiles of every slicing in one read of the window's rows, then
    the shares of every slicing in one read per part of the window (day_chunks)."""
    q = quantile_of(kpi)
    if q is None:
        raise ValueError(f"{kpi.id} is not a quantile KPI.")
    binned = exceedance_bin_sets(con, config, kpi, slicings, start, end, filters)
    if binned is not None:
        return binned
    params: dict = {"tz": config.display_timezone, "p": q[1]}
    col = expression_sql(config, q[0])
    params |= expression_params(con, config, [col])
    dims = slicing_dims(slicings)
    gs = [grouping_bits(by, dims) for by in slicings]
    grouping = grouping_flag_sql(dims)
    sets = grouping_sets_sql(slicings)
    picked = "".join(f"{DIMS[d]} as {d}, " for d in dims)
    src, bound = source_rows_sql(config, kpi.source, business=params)
    params |= bound
    where, bound = where_clause(start, end, filters, config.display_timezone)
    params |= bound
    quantiles = run(
        con,
        f"select {grouping} as g, {''.join(f'({d})::varchar as {d}, ' for d in dims)}"
        f"quantile_cont(x, $p) as q from (select {picked}({col})::double as x from {src} src "
        f"where {where} and ({col}) is not null) r group by grouping sets ({sets})",
        params,
    ).fetchall()
    # the quantiles, bound as lists: q{i} is slicing i's
    params.update(
        {"q_g": [r[0] for r in quantiles], "q_q": [r[-1] for r in quantiles]}
        | {f"q_{d}": [r[1 + j] for r in quantiles] for j, d in enumerate(dims)}
    )
    qs = ", ".join(
        ["unnest($q_g::integer[]) as g", "unnest($q_q::double[]) as q"]
        + [f"unnest($q_{d}::varchar[]) as {d}" for d in dims]
    )
    joins = "".join(
        f" left join (select * from q where g = {g}) q{i} on "
        + (" and ".join(f"r.{d}::varchar is not distinct from q{i}.{d}" for d in by) or "true")
        for i, (by, g) in enumerate(zip(slicings, gs, strict=True))
    )
    shares = ", ".join(f"avg((x > q{i})::double) as a{i}" for i in range(len(slicings)))
    pick = "case g " + " ".join(f"when {g} then a{i}" for i, g in enumerate(gs)) + " end"
    day_sets = grouping_sets_sql(slicings, ["day"])
    parts = []
    for lo, hi in day_chunks(start, end):
        where, bound = where_clause(lo, hi, filters, config.display_timezone)
        part = params | bound
        sql = f"""
            with q as (select {qs}), r as materialized (
                select timezone($tz, opened_at)::date as day, {picked}({col})::double as x
                from {src} src where {where} and ({col}) is not null
            )
            select strftime(day, '%Y-%m-%d') as period, {"".join(d + ", " for d in dims)}g,
                   {pick} as value, n
            from (
                select day, {"".join(d + ", " for d in dims)}{grouping} as g, {shares},
                       count(*) as n
                from (select r.*, {", ".join(f"q{i}.q as q{i}" for i in range(len(slicings)))}
                      from r{joins}) r
                group by grouping sets ({day_sets})
            ) s"""
        parts.append(_split_sets(run(con, sql, part).df(), slicings, dims))
    return _joined_parts(parts, slicings)


def exceedance_bin_sets(
    con: duckdb.DuckDBPyConnection,
    config: Config,
    kpi: Kpi,
    slicings: Sequence[tuple[str, ...]],
    start: str | None,
    end: str | None,
    filters: Mapping[str, Sequence[str]],
) -> dict[tuple[str, ...], pd.DataFrame] | None:
    """daily_exceedance_sets counted from the value-bin model (agg_case_values) instead of the
    case rows, when the KPI's values are read from it for every slicing (scorecard/kpis/
    data_values.py: slices by channel and brand, whole UTC days): each slice's quantile over
    the window from its bins (exact), then per day and slice the bins entirely above it plus
    the values above it of the bins it falls inside. The same shares and counts; None when the
    model does not apply."""
    measures = stored_measures(con, config)
    measure = value_measure(kpi, config)
    if kpi.id == SLA_KPI or not all(
        values_usable(kpi, config, measures, "day", by, filters, start, end) for by in slicings
    ):
        return None
    src, params = model_rows("agg_case_values", config, start, end)
    model_where, where_params = model_where_sql(filters)
    params.update(where_params, measure=measure)
    out = {}
    for by in map(tuple, slicings):
        window = values_frame(con, config, [kpi], "total", list(by), start, end, filters)
        part = dict(params, q_q=[float(v) for v in window["value"]])
        part.update({f"q_{d}": [None if v is None else str(v) for v in window[d]] for d in by})
        qs = ", ".join(
            ["unnest($q_q::double[]) as q"] + [f"unnest($q_{d}::varchar[]) as {d}" for d in by]
        )
        on = " and ".join(f"src.{COLUMNS[d]} is not distinct from q.{d}" for d in by) or "true"
        dims = "".join(f"src.{COLUMNS[d]} as {d}, " for d in by)
        sql = f"""
            with q as (select {qs})
            select {day_period_sql("day")} as period, {dims}
                   sum(case when src.lo > q.q then src.n when src.hi <= q.q then 0
                            else len(list_filter(src.vals, lambda v: v > q.q)) end)::bigint as above,
                   sum(src.n)::bigint as n
            from ({src}) src join q on {on}
            where {model_where} and src.measure = $measure
            group by all"""
        frame = con.execute(sql, part).df()
        frame["value"] = frame["above"].to_numpy(dtype="float64") / frame["n"].to_numpy()
        cols = ["period", *by, "value", "n"]
        out[by] = frame[cols].sort_values(cols[:-2], kind="stable").reset_index(drop=True)
    return out


def daily_exceedance(
    con: duckdb.DuckDBPyConnection,
    config: Config,
    kpi: Kpi,
    by: Sequence[str],
    start: str | None,
    end: str | None,
    filters: Mapping[str, Sequence[str]],
) -> pd.DataFrame:
    """[period, *by, value, n] for a quantile KPI: per day and slice, the share of rows above the
    slice's quantile over the whole window (a proportion with binomial noise)."""
    return daily_exceedance_sets(con, config, kpi, [tuple(by)], start, end, filters)[tuple(by)]


def ratio_parts(kpi: Kpi) -> tuple[str, str] | None:
    """(numerator row, denominator row) of `sum(X) / nullif(count(*) filter (where C), 0)`."""
    text = kpi.value.strip()
    if not kpi.is_plain or not text.startswith("sum("):
        return None
    end = closing_paren(text, 3)
    num, rest = text[4:end], text[end + 1 :].strip()
    m = re.fullmatch(r"/\s*nullif\((.+),\s*0\)", rest, re.S)
    den = split_call(m.group(1), "count") if m else None
    if den is None or den[0].strip() != "*":
        return None
    return num, f"({den[1]})::int" if den[1] else "1"


def cluster_parts(kpi: Kpi) -> tuple[str, str] | None:
    """(row filter, cluster key) of `count(*) filter (where C) / nullif(count(distinct K)
    filter (where C), 0)`: rows per cluster, such as cases per agent-hour."""
    text = kpi.value.strip() if kpi.is_plain else ""
    m = re.fullmatch(
        r"(count\(\*\)(?:\s+filter\s*\(.+?\))?)\s*/\s*nullif\("
        r"count\(distinct (.+)\)\s+filter\s*\(where (.+)\),\s*0\)",
        text,
        re.S,
    )
    if not m:
        return None
    num = split_call(m.group(1), "count")
    if num is None or (num[1] or "").strip() != m.group(3).strip():
        return None
    return m.group(3), m.group(2)


def daily_row_variance_sets(
    con: duckdb.DuckDBPyConnection,
    config: Config,
    kpi: Kpi,
    slicings: Sequence[tuple[str, ...]],
    start: str | None,
    end: str | None,
    filters: Mapping[str, Sequence[str]],
) -> dict[tuple[str, ...], pd.DataFrame]:
    """Per slicing (a tuple of dimensions): [period, *by, value, n], per day and slice the
    variance per row behind an average KPI (the sample variance of the averaged rows: mean
    sentiment, mean FRT, NPS), a ratio of sums (cost per resolution: n x the delta-method
    variance of sum(x) / sum(d)), a mean cluster size (cases per agent-hour) or a sum (total
    cost: the mean square per row, for a compound Poisson variance); empty otherwise. Every
    slicing from one read of the rows (GROUPING SETS), part by part of a long range."""
    return row_variance_reads(con, config, [kpi], slicings, start, end, filters)[0][kpi.id]


def row_variance_reads(
    con: duckdb.DuckDBPyConnection,
    config: Config,
    kpis: Sequence[Kpi],
    slicings: Sequence[tuple[str, ...]],
    start: str | None,
    end: str | None,
    filters: Mapping[str, Sequence[str]],
) -> tuple[dict[str, dict[tuple[str, ...], pd.DataFrame]], dict[str, dict[tuple, pd.DataFrame]]]:
    """(per KPI id, per slicing, its daily_row_variance_sets: the averages, ratios and sums of
    one source from one read of its rows per part of the range (day_chunks), each KPI's
    aggregates filtered to its population, a cluster KPI (cases per agent-hour) from a read of
    its own; and per cluster KPI whose value is its rows per cluster
    (cluster_value_kpi), per slicing: its daily values [period, *by, value, n] as kpi_frame
    gives them, from the same read as its variance: rows / clusters per day and slice, n the
    rows; the same integers the KPI's own query divides, so the same value bit for bit)."""
    out: dict[str, dict[tuple[str, ...], pd.DataFrame]] = {}
    values: dict[str, dict[tuple, pd.DataFrame]] = {}
    shared: dict[str, list[Kpi]] = {}
    for k in kpis:
        if cluster_parts(k):
            parts = [
                _cluster_variance_sets(con, config, k, slicings, lo, hi, filters)
                for lo, hi in day_chunks(start, end)
            ]
            joined = _joined_parts(parts, slicings)
            out[k.id] = {by: f.drop(columns="clusters") for by, f in joined.items()}
            if cluster_value_kpi(k):
                values[k.id] = {by: _cluster_values(f, by) for by, f in joined.items()}
        elif _variance_form(k) is not None:
            shared.setdefault(k.source, []).append(k)
        else:
            out[k.id] = {by: pd.DataFrame(columns=["period", *by, "value", "n"]) for by in slicings}
    for group in shared.values():
        parts = [
            _row_variance_group(con, config, group, slicings, lo, hi, filters)
            for lo, hi in day_chunks(start, end)
        ]
        for k in group:
            out[k.id] = _joined_parts([p[k.id] for p in parts], slicings)
    return out, values


def cluster_value_kpi(kpi: Kpi) -> bool:
    """Whether a cluster KPI's value and n are its rows / clusters and its rows: `count(*)
    filter (where C) / nullif(count(distinct K) filter (where C), 0)` with n `count(*) filter
    (where C)` (cases per agent-hour)."""
    if cluster_parts(kpi) is None:
        return False
    numerator = kpi.value.strip()[: kpi.value.strip().index("/")].strip()
    return kpi.n.strip() == numerator and numerator.startswith("count(*) filter")


def _cluster_values(frame: pd.DataFrame, by: Sequence[str]) -> pd.DataFrame:
    """[period, *by, value, n] of a cluster KPI from its cluster read (n rows, `clusters`):
    rows / clusters as doubles, as DuckDB divides two integers."""
    rows = frame["n"].to_numpy(dtype="int64")
    value = rows.astype("float64") / frame["clusters"].to_numpy(dtype="int64").astype("float64")
    return frame[["period", *by]].assign(value=value, n=rows)


def _variance_form(kpi: Kpi) -> tuple[str, str, str | None, str] | None:
    """(x, d, population, form) of a KPI whose row variance is read with others: a ratio of
    sums (x over d, every row), an average or a sum of x over its population; None otherwise."""
    ratio, row = ratio_parts(kpi), row_value(kpi)
    if ratio:
        return ratio[0], ratio[1], None, "ratio"
    if row is not None and (kpi.value.strip().startswith("avg(") or linear_row(kpi)):
        return row, "1", population(kpi), "var"
    if row is not None and kpi.value.strip() == f"sum({row})":  # compound Poisson: E[x^2]
        return row, "1", population(kpi), "square"
    return None


def _variance_stat(form: str, i: int) -> tuple[str, str]:
    """(statistic, count) of KPI i's columns x{i}, d{i} over its population p{i}."""
    x, d, keep = f"x{i}", f"d{i}", f" filter (where p{i})"
    if form == "ratio":
        s = lambda e: f"sum({e}){keep}"  # noqa: E731
        stat = (
            f"({s(f'{x} * {x}')} - 2 * ({s(x)} / {s(d)}) * {s(f'{x} * {d}')} "
            f"+ power({s(x)} / {s(d)}, 2) * {s(f'{d} * {d}')}) / nullif({s(d)}, 0)"
        )
        return stat, s(d)
    if form == "var":
        return f"var_samp({x}){keep}", f"count({x}){keep}"
    return f"avg({x} * {x}){keep}", f"count({x}){keep}"


def _row_variance_group(
    con: duckdb.DuckDBPyConnection,
    config: Config,
    kpis: Sequence[Kpi],
    slicings: Sequence[tuple[str, ...]],
    start: str | None,
    end: str | None,
    filters: Mapping[str, Sequence[str]],
) -> dict[str, dict[tuple[str, ...], pd.DataFrame]]:
    """Per KPI id (all of one source, each with a _variance_form), per slicing: [period, *by,
    value, n] from one read of the rows. A KPI gets the days and slices holding a row of its
    population (r{i} > 0), as a read of its population alone would."""
    where, bound = where_clause(start, end, filters, config.display_timezone)
    params: dict = {"tz": config.display_timezone} | bound
    dims = slicing_dims(slicings)
    cols = "".join(d + ", " for d in dims)
    picked = "".join(f"{DIMS[d]} as {d}, " for d in dims)
    columns, stats = [], []
    for i, k in enumerate(kpis):
        x, d, pop, form = _variance_form(k)  # type: ignore[misc]
        x, d = expression_sql(config, x), expression_sql(config, d)
        pop = expression_sql(config, pop) if pop else "true"
        columns.append(f"({x})::double as x{i}, ({d})::double as d{i}, ({pop}) as p{i}")
        stat, count = _variance_stat(form, i)
        stats.append(f"{stat} as v{i}, {count} as n{i}, count(*) filter (where p{i}) as r{i}")
    params |= expression_params(con, config, columns)
    src, bound = source_rows_sql(config, kpis[0].source, business=params)
    params |= bound
    sets = grouping_sets_sql(slicings, ["day"])
    sql = (
        f"select strftime(day, '%Y-%m-%d') as period, {cols}"
        f"{grouping_flag_sql(dims)} as g, {', '.join(stats)} from ("
        f"select timezone($tz, opened_at)::date as day, {picked}{', '.join(columns)} "
        f"from {src} src where {where}) r "
        f"group by grouping sets ({sets})"
    )
    frame = run(con, sql, params).df()
    if not dims:
        frame["g"] = 0
    out = {}
    for i, k in enumerate(kpis):
        rows = frame[frame[f"r{i}"] > 0].rename(columns={f"v{i}": "value", f"n{i}": "n"})
        out[k.id] = _split_sets(rows, slicings, dims)
    return out


def _cluster_variance_sets(
    con: duckdb.DuckDBPyConnection,
    config: Config,
    kpi: Kpi,
    slicings: Sequence[tuple[str, ...]],
    start: str | None,
    end: str | None,
    filters: Mapping[str, Sequence[str]],
) -> dict[tuple[str, ...], pd.DataFrame]:
    """daily_row_variance_sets of a mean cluster size (cases per agent-hour): the variance of
    cluster sizes over clusters = (var x rows / clusters) / rows, per day and slice."""
    where, bound = where_clause(start, end, filters, config.display_timezone)
    params: dict = {"tz": config.display_timezone} | bound
    dims = slicing_dims(slicings)
    cols = "".join(d + ", " for d in dims)
    picked = "".join(f"{DIMS[d]} as {d}, " for d in dims)
    cond, key = (expression_sql(config, t) for t in cluster_parts(kpi))  # type: ignore[union-attr]
    params |= expression_params(con, config, [cond, key])
    src, bound = source_rows_sql(config, kpi.source, business=params)
    params |= bound
    sets = grouping_sets_sql(slicings, ["day"], ["k"])
    sql = (
        f"select strftime(day, '%Y-%m-%d') as period, {cols}g, var_samp(c) * sum(c) / "
        f"count(*) as value, sum(c) as n, count(*) as clusters from (select day, {cols}{grouping_flag_sql(dims)}"
        f" as g, k, count(*) as c from (select timezone($tz, opened_at)::date as day, {picked}"
        f"{key} as k from {src} src where {where} and "
        f"({cond})) r group by grouping sets ({sets})) s group by day, {cols}g"
    )
    frame = run(con, sql, params).df()
    if not dims:
        frame["g"] = 0
    return _split_sets(frame, slicings, dims, ["clusters"])


def daily_row_variance(
    con: duckdb.DuckDBPyConnection,
    config: Config,
    kpi: Kpi,
    by: Sequence[str],
    start: str | None,
    end: str | None,
    filters: Mapping[str, Sequence[str]],
) -> pd.DataFrame:
    """[period, *by, value, n]: daily_row_variance_sets for one slicing."""
    return daily_row_variance_sets(con, config, kpi, [tuple(by)], start, end, filters)[tuple(by)]


def settle_days(con: duckdb.DuckDBPyConnection, max_days: int = 7) -> int:
    """Days a case takes to settle (95th percentile of last activity minus opening, rounded up,
    at most max_days): outcomes of more recent days are still incomplete."""
    row = con.execute(sql_file(__package__, "settle_seconds")).fetchone()
    if row is None or row[0] is None:
        return 0
    return int(min(max_days, max(0.0, -(-float(row[0]) // 86400))))


def source_days(
    con: duckdb.DuckDBPyConnection, config: Config, start: str, end: str
) -> pd.DataFrame:
    """[source, brand, channel, day, n]: rows per loaded source (surveys as 'surveys'), brand,
    channel and local day in [start, end] (warehouse/sql/queries/source_days.sql)."""
    lo, hi = utc_bounds(config.display_timezone, start, end)
    return con.execute(
        named_sql("source_days"), {"tz": config.display_timezone, "t_lo": lo, "t_hi": hi}
    ).df()


@dataclass(frozen=True)
class MessageDays:
    """Per local day of opening in [start, end]: the first and last sent_at of the customer
    messages of the cases opened that day (warehouse/sql/queries/anomaly_message_days.sql)."""

    start: str
    end: str
    frame: pd.DataFrame  # day (date), first_at, last_at

    def bounds(self, window: tuple[str, str]) -> tuple | None:
        """(first, last) sent_at of the messages of the cases opened in `window`, or None when
        the window reaches outside [start, end] or holds no message."""
        if window[0] < self.start or window[1] > self.end:
            return None
        days = self.frame["day"].astype(str)
        rows = self.frame[(days >= window[0]) & (days <= window[1])]
        if rows.empty:
            return None
        return rows["first_at"].min(), rows["last_at"].max()


def message_days(
    con: duckdb.DuckDBPyConnection, config: Config, start: str, end: str
) -> MessageDays:
    """The sent_at bounds per day of opening in [start, end] (MessageDays), read part by part
    of a long range (day_chunks)."""
    frames = []
    for first, last in day_chunks(start, end):
        lo, hi = utc_bounds(config.display_timezone, first, last)
        frames.append(
            con.execute(
                named_sql("anomaly_message_days"),
                {"tz": config.display_timezone, "t_lo": lo, "t_hi": hi},
            ).df()
        )
    full = [f for f in frames if not f.empty]
    frame = pd.concat(full, ignore_index=True) if len(full) > 1 else (full or frames)[0]
    return MessageDays(start, end, frame)


def _sent_between(bounds: tuple | None) -> tuple[str, dict]:
    """(the filter keeping sent_at within `bounds`, its bound values); none without bounds."""
    if bounds is None:
        return "", {}
    return " and sent_at between $s_lo and $s_hi", dict(zip(("s_lo", "s_hi"), bounds, strict=True))


def window_messages(
    con: duckdb.DuckDBPyConnection,
    config: Config,
    window: tuple[str, str],
    filters: Mapping[str, Sequence[str]],
    limit: int = 200,
    days: MessageDays | None = None,
) -> pd.DataFrame:
    """[interaction_id, sent_at, text]: the first `limit` customer messages (by time) of cases
    opened in `window` and `filters` (e.g. an attribution's segment); sent_at in display tz. A
    top-N read, cheap where a hash sample of the whole window is not; `days` bounds the
    messages read (MessageDays; the result is the same)."""
    where, bound = where_clause(*window, filters, config.display_timezone)
    sent, bound_sent = _sent_between(days.bounds(window) if days else None)
    where += sent
    params: dict = {"tz": config.display_timezone, "limit": int(limit)} | bound | bound_sent
    sql = (
        f"select interaction_id, sent_at, text from {SOURCES['messages']} m "
        f"where text is not null and {where} order by sent_at, interaction_id limit $limit"
    )
    return _local_times(run(con, sql, params).df(), config.display_timezone)


@dataclass(frozen=True)
class SampleSpec:
    """One hash sample of sampled_messages: the cases opened on `days` (local dates) in the
    slice `filters` (brand and channel only, one value each)."""

    days: tuple[str, ...]
    filters: tuple[tuple[str, str], ...]


def sample_spec(
    window: tuple[str, str], filters: Mapping[str, Sequence[str]], exclude: Sequence[str] = ()
) -> SampleSpec:
    """The SampleSpec of sampled_messages(window, filters, exclude)."""
    first, last = (pd.Timestamp(d) for d in window)
    days = [d.date().isoformat() for d in pd.date_range(first, last, freq="D")]
    if set(filters) - {"brand", "channel"} or any(len(v) != 1 for v in filters.values()):
        raise ValueError("a sample's slice is one brand and/or one channel.")
    gone = set(exclude)
    return SampleSpec(
        tuple(d for d in days if d not in gone),
        tuple(sorted((k, str(v[0])) for k, v in filters.items())),
    )


def sampled_message_sets(
    con: duckdb.DuckDBPyConnection,
    config: Config,
    specs: Sequence[SampleSpec],
    limit: int = 3000,
    days: MessageDays | None = None,
) -> dict[SampleSpec, pd.DataFrame]:
    """sampled_messages of many samples from one read of the customer messages per part of
    their days (SAMPLE_PART_DAYS), each part's lowest hashes per sample merged into the sample's
    (exact: the `limit` lowest of a union are among the `limit` lowest of its parts); each
    sample holds the same messages in the same order as sampled_messages; sent_at in display
    tz (scorecard/anomalies/sql/sampled_messages.sql). `days` bounds the messages read."""
    specs = list(dict.fromkeys(specs))
    cols = ["interaction_id", "sent_at", "text"]
    out = {s: pd.DataFrame(columns=cols) for s in specs}
    rows = [(i, d, dict(s.filters)) for i, s in enumerate(specs) for d in s.days]
    if not rows:
        return out
    parts = []
    for first, last in day_chunks(
        min(r[1] for r in rows), max(r[1] for r in rows), SAMPLE_PART_DAYS
    ):
        part = [r for r in rows if first <= r[1] <= last]
        if part:
            parts.append(_sample_part(con, config, part, (first, last), limit, days))
    frame = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
    if len(parts) > 1:  # each sample's `limit` lowest (hash, id) over the parts
        frame = sorted_rows(frame, ["spec", "h"], ["message_id"]).groupby("spec").head(limit)
    # the order sampled_messages returns: time, case, then the sample's own (hash) order
    frame = sorted_rows(frame, ["spec", "sent_at"], ["interaction_id", "h", "message_id"])
    frame = _local_times(frame[["spec", *cols]], config.display_timezone)
    for i, rows_i in frame.groupby("spec", sort=False):
        out[specs[int(i)]] = rows_i[cols].reset_index(drop=True)
    return out


def sorted_rows(frame: pd.DataFrame, numeric: Sequence[str], rest: Sequence[str]) -> pd.DataFrame:
    """frame.sort_values([*numeric, *rest]) for rows whose whole key is unique (e.g. a message
    id): a numpy sort of the numeric keys (integers, times without NaT), then the runs of rows
    sharing them ordered by the rest in Python; sort_values itself factorizes every text column
    of a sample of millions of messages."""
    cols = []
    for c in numeric:
        col = frame[c]
        if col.isna().any() or not (
            pd.api.types.is_integer_dtype(col) or pd.api.types.is_datetime64_any_dtype(col)
        ):
            return frame.sort_values([*numeric, *rest])
        cols.append(col.array.asi8 if col.dtype.kind == "M" else col.to_numpy())
    if not cols or not len(frame):
        return frame.sort_values([*numeric, *rest])
    order = np.lexsort(cols[::-1])
    keys = [c[order] for c in cols]
    same = np.ones(len(order) - 1, dtype=bool)
    for k in keys:
        same &= k[1:] == k[:-1]
    if same.any():  # runs of equal numeric keys: by the rest of the key
        values = [frame[c].to_numpy(dtype=object)[order] for c in [*numeric, *rest]]
        starts = np.flatnonzero(np.diff(np.concatenate([[0], same.astype("int8"), [0]])) == 1)
        ends = np.flatnonzero(np.diff(np.concatenate([[0], same.astype("int8"), [0]])) == -1)
        for a, b in zip(starts.tolist(), ends.tolist(), strict=True):
            run = list(range(a, b + 1))
            run.sort(key=lambda i: tuple(v[i] for v in values[len(numeric) :]))
            order[a : b + 1] = order[run]
    return frame.iloc[order]


NO_BOUNDS = (datetime(1, 1, 2, tzinfo=UTC), datetime(9999, 12, 30, tzinfo=UTC))
# Days of messages per read of the samples: each read joins its messages to their cases in
# memory (at 10M interactions over a year, parts of 92 days raised the peak RSS to 1.46-1.52 GB)
SAMPLE_PART_DAYS = 31


def _sample_part(
    con: duckdb.DuckDBPyConnection,
    config: Config,
    rows: Sequence[tuple[int, str, dict]],
    window: tuple[str, str],
    limit: int,
    days: MessageDays | None,
) -> pd.DataFrame:
    """[spec, interaction_id, sent_at, text, h, message_id]: the `limit` lowest of each sample
    among the cases opened in `window` (rows: sample, day, slice)."""
    lo, hi = utc_bounds(config.display_timezone, *window)
    sent = (days.bounds(window) if days else None) or NO_BOUNDS
    params = {
        "tz": config.display_timezone,
        "t_lo": lo,
        "t_hi": hi,
        "s_lo": sent[0],
        "s_hi": sent[1],
        "limit": int(limit),
        "spec": [r[0] for r in rows],
        "day": [r[1] for r in rows],
        "brand": [r[2].get("brand") for r in rows],
        "channel": [r[2].get("channel") for r in rows],
    }
    return con.execute(sql_file(__package__, "sampled_messages"), params).df()


def sampled_messages(
    con: duckdb.DuckDBPyConnection,
    config: Config,
    window: tuple[str, str],
    filters: Mapping[str, Sequence[str]],
    exclude: Sequence[str] = (),
    limit: int = 3000,
    days: MessageDays | None = None,
) -> pd.DataFrame:
    """[interaction_id, sent_at, text]: a deterministic sample (lowest hash of the message id,
    a top-N read without sorting the window) of at most `limit` customer messages of cases
    opened in `window` minus the `exclude` days, in time order; sent_at in display tz. `days`
    bounds the messages read (MessageDays; the result is the same)."""
    where, bound = where_clause(*window, filters, config.display_timezone, exclude)
    sent, bound_sent = _sent_between(days.bounds(window) if days else None)
    where += sent
    params: dict = {"tz": config.display_timezone, "limit": int(limit)} | bound | bound_sent
    sql = (
        f"select interaction_id, sent_at, text from (select interaction_id, sent_at, text "
        f"from {SOURCES['messages']} m where text is not null and {where} "
        f"order by hash(message_id), message_id limit $limit) s order by sent_at, interaction_id"
    )
    return _local_times(run(con, sql, params).df(), config.display_timezone)
