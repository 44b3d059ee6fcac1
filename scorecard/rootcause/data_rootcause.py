"""Warehouse bridge for root cause: KPI values per segment, customer messages, drill rows.

Every query reuses the KPI catalogue's SQL aggregates (scorecard/kpis/kpis.toml) over the same
sources as the scorecard, so a segment value here is exactly what the scorecard would show for
that segment. Identifiers come only from this module; values are bound parameters.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

import duckdb
import pandas as pd

from etl.settings.business_hours import utc_bounds
from etl.settings.config import Config
from etl.sql_files import sql_file
from scorecard.kpis.catalogue import Kpi
from scorecard.kpis.data import (
    COPY_OPTIONS,
    FORMULA_RE2,
    _local_times,
    cases_source,
    frt_column,
    kpi_params,
    neutral_column,
    source_rows_sql,
)
from warehouse.queries import SOURCES, named_sql

# Root-cause dimensions: the scorecard's four plus the local hour of day the case opened.
DIMS = {
    "channel": "channel",
    "brand": "brand",
    "category": "issue_category",
    "agent": "agent_id",
    "hour": "hour(timezone($tz, opened_at))",
}
NONE_SEGMENT = "(none)"
_QUANTILE = re.compile(r"^quantile_cont\((.+),\s*([0-9.]+)\)$", re.S)


def run(con: duckdb.DuckDBPyConnection, sql: str, params: dict) -> duckdb.DuckDBPyConnection:
    """Execute `sql` with the parameters it uses (DuckDB refuses unused ones)."""
    return con.execute(
        sql, {k: v for k, v in params.items() if re.search(rf"\${re.escape(k)}\b", sql)}
    )


def closing_paren(expr: str, at: int) -> int:
    """Index of the parenthesis closing the one at `at` (-1 if unbalanced)."""
    depth = 0
    for i in range(at, len(expr)):
        depth += (expr[i] == "(") - (expr[i] == ")")
        if depth == 0:
            return i
    return -1


def split_call(expr: str, fn: str) -> tuple[str, str | None] | None:
    """`fn(ARG) [filter (where COND)]` -> (ARG, COND); None if expr has another shape."""
    expr = expr.strip()
    if not expr.startswith(fn + "("):
        return None
    end = closing_paren(expr, len(fn))
    if end < 0:
        return None
    arg, rest = expr[len(fn) + 1 : end], expr[end + 1 :].strip()
    if not rest:
        return arg, None
    m = re.match(r"filter\s*\(\s*where\s+", rest)
    if not m or closing_paren(rest, rest.index("(")) != len(rest) - 1:
        return None
    return arg, rest[m.end() : -1]


def quantile_of(kpi: Kpi) -> tuple[str, float] | None:
    """(column expression, p) for a quantile KPI such as the median FRT, else None."""
    m = _QUANTILE.match(kpi.value.strip()) if kpi.is_plain else None
    return (m.group(1), float(m.group(2))) if m else None


def row_value(kpi: Kpi) -> str | None:
    """The per-row expression the KPI aggregates (avg/sum/quantile argument, or the row form of
    a linear combination of averages such as NPS), if it has one."""
    if not kpi.is_plain:
        return None
    q = quantile_of(kpi)
    if q:
        return q[0]
    if kpi.value.strip() == "count(*)":
        return "1"
    for fn in ("avg", "sum"):
        parts = split_call(kpi.value, fn)
        if parts:
            return parts[0]
    linear = linear_row(kpi)
    return linear[0] if linear else None


def linear_row(kpi: Kpi) -> tuple[str, str | None] | None:
    """(row expression, filter) of a value that is a linear combination of averages over the
    same rows, e.g. 100 * (avg(a) filter (where c) - avg(b) filter (where c)) -> 100 * ((a) -
    (b)) where c: the KPI is then the average of that row expression."""
    text, conds, out, i = kpi.value, set(), "", 0
    while (at := text.find("avg(", i)) >= 0:
        if at and (text[at - 1].isalnum() or text[at - 1] == "_"):
            return None
        end = closing_paren(text, at + 3)
        rest = text[end + 1 :]
        m = re.match(r"\s*filter\s*\(\s*where\s+", rest)
        cond = None
        if m:
            close = closing_paren(rest, rest.index("("))
            cond, end = rest[m.end() : close], end + 1 + close
        conds.add(cond)
        out += text[i:at] + f"({text[at + 4 : closing_paren(text, at + 3)]})"
        i = end + 1
    out += text[i:]
    if (
        not out.strip()
        or len(conds) != 1
        or re.search(r"\b(avg|sum|count|quantile_cont|min|max)\(", out)
    ):
        return None
    return out, conds.pop()


def population(kpi: Kpi) -> str:
    """Row predicate of the cases (or messages, surveys) the KPI's n counts."""
    parts = split_call(kpi.n, "count")
    if parts is None:
        raise ValueError(f"kpis.toml: {kpi.id} n must be count(...) [filter (where ...)].")
    arg, cond = parts
    clauses = [] if arg.strip() == "*" else [f"({arg}) is not null"]
    clauses += [f"({cond})"] if cond else []
    return " and ".join(clauses) or "true"


def expression_sql(config: Config, text: str) -> str:
    """A KPI expression with {frt} (the configured first-response column) filled in."""
    return text.format(frt=frt_column(config))


def expression_params(con: duckdb.DuckDBPyConnection, config: Config, texts: Iterable[str]) -> dict:
    """The parameters the KPI expressions `texts` use, bound once per query as the scorecard
    binds them ($sla_s, $as_of, $fcr_days, the business-hours table for frt_business_s). The
    business-hours table also makes a KPI source carry frt_business_s (source_rows_sql's
    `business`), so a query merges these before it asks for its source's rows."""
    return kpi_params(con, config, " ".join(texts))


def where_clause(
    start: str | None,
    end: str | None,
    filters: Mapping[str, Sequence[str]],
    tz: str,
    exclude: Sequence[str] = (),
    tag: str = "",
) -> tuple[str, dict]:
    """(predicate, its bound values): local-date range in `tz`, dimension filters (any of DIMS)
    and excluded days, over opened_at (`tag` keeps the date parameters of several windows apart
    in one query; the query binds $tz itself)."""
    clauses, params = ["true"], {}
    lo, hi = utc_bounds(tz, start, end)
    if lo is not None:
        params[f"t_lo{tag}"] = lo
        clauses.append(f"opened_at >= $t_lo{tag}")
    if hi is not None:
        params[f"t_hi{tag}"] = hi
        clauses.append(f"opened_at < $t_hi{tag}")
    if exclude:
        params[f"exclude{tag}"] = list(exclude)
        clauses.append(
            f"timezone($tz, opened_at)::date not in (select unnest($exclude{tag}::date[]))"
        )
    for dim, values in filters.items():
        if dim not in DIMS:
            raise ValueError(f"unknown dimension {dim!r}; use {', '.join(DIMS)}.")
        if len(values) == 1 and str(values[0]) != NONE_SEGMENT:
            # one value: a plain comparison, which DuckDB pushes into the scan (the same rows
            # as the list below, several times cheaper per window read at 10M interactions)
            params[f"f_{dim}"] = str(values[0])
            clauses.append(f"({DIMS[dim]})::varchar = $f_{dim}")
        elif values:
            params[f"f_{dim}"] = [str(v) for v in values]
            clauses.append(
                f"coalesce(({DIMS[dim]})::varchar, '{NONE_SEGMENT}') in (select unnest($f_{dim}))"
            )
    return " and ".join(clauses), params


SegmentRow = tuple[str, str, str, float, int]  # period, dimension, segment, value, n


def _disjoint(a: tuple[str, str], b: tuple[str, str], exclude_a: Sequence[str] = ()) -> bool:
    """Do windows a (minus `exclude_a`) and b share no local day (both given in full)?"""
    if None in (*a, *b):
        return False
    if a[1] < b[0] or b[1] < a[0]:
        return True
    gone = set(exclude_a)
    days_b = pd.date_range(*b, freq="D")
    return all(d.date().isoformat() in gone for d in days_b if a[0] <= d.date().isoformat() <= a[1])


def segment_values(
    con: duckdb.DuckDBPyConnection,
    config: Config,
    kpis: Sequence[Kpi],
    dims: Sequence[str],
    a: tuple[str, str],
    b: tuple[str, str],
    filters: Mapping[str, Sequence[str]],
    exclude_a: Sequence[str] = (),
    thresholds: Mapping[str, float] | None = None,
) -> dict[str, list[SegmentRow]]:
    """Per KPI (all of one source): rows (period, dimension, segment, value, n) of the KPI per
    segment of each dimension, plus the total (dimension ''), in window a (minus `exclude_a`)
    and window b, in one query. A KPI with a threshold (quantile KPIs) gets the share of its
    rows above the threshold instead of its value."""
    if len({k.source for k in kpis}) > 1:
        raise ValueError("segment_values reads KPIs of one source at a time.")
    params: dict = {"tz": config.display_timezone}
    thresholds = thresholds or {}
    exprs = []
    for i, k in enumerate(kpis):
        value, q = k.value, quantile_of(k)
        if k.id in thresholds and q:
            params[f"q_{i}"] = float(thresholds[k.id])
            value = f"avg((({q[0]}) > $q_{i})::double) filter (where ({q[0]}) is not null)"
        exprs.append(
            f"({expression_sql(config, value)})::double as v_{i}, "
            f"({expression_sql(config, k.n)})::bigint as n_{i}"
        )
    params |= expression_params(con, config, exprs)
    sets, flags, seg = _segment_sets(dims)
    rows, bound = _window_rows(
        config, kpis[0].source, dims, a, b, filters, exclude_a, params, exprs
    )
    params |= bound
    sql = (
        f"with s as ({rows}) "
        f"select p, {flags}{seg}{', '.join(exprs)} from s group by grouping sets ({sets})"
    )
    return _segment_rows(run(con, sql, params).fetchall(), kpis, dims)


def _segment_sets(dims: Sequence[str]) -> tuple[str, str, str]:
    """(The grouping sets of a segment read: each dimension's segments per window and each
    window's total; the grouping flags of its dimensions; its segment columns) over the rows
    of _window_rows."""
    sets = ", ".join([f"(p, d_{d})" for d in dims] + ["(p)"])
    flags = "".join(f"grouping(d_{d}) as g_{d}, " for d in dims)
    return sets, flags, "".join(f"d_{d}, " for d in dims)


def _window_rows(
    config: Config,
    source: str,
    dims: Sequence[str],
    a: tuple[str, str],
    b: tuple[str, str],
    filters: Mapping[str, Sequence[str]],
    exclude_a: Sequence[str],
    params: Mapping[str, object],
    exprs: Sequence[str],
) -> tuple[str, dict]:
    """(The rows of window a (minus `exclude_a`) and window b in `filters`, with their window
    (p, 'a' or 'b') and their segment of each dimension (d_<dim>), its parameters); `exprs`:
    the aggregates read over them (the cases' cost joins are left out when they name no cost);
    `params`: the query's own, read for $tz and the business-hours table."""
    cols = "".join(f", coalesce(({DIMS[d]})::varchar, '{NONE_SEGMENT}') as d_{d}" for d in dims)
    body, bound = source_rows_sql(config, source, " ".join(exprs), business=params)
    tz = str(params["tz"])
    wa, bound_a = where_clause(*a, filters, tz, exclude_a, tag="_a")
    wb, bound_b = where_clause(*b, filters, tz, tag="_b")
    bound |= bound_a | bound_b
    if _disjoint(a, b, exclude_a):  # each row in one window: one pass over the rows
        in_a, _ = where_clause(*a, {}, tz, exclude_a, tag="_a")  # values bound above
        in_b, _ = where_clause(*b, {}, tz, tag="_b")
        within, bound_in = where_clause(None, None, filters, tz)
        return (
            f"select case when {in_b} then 'b' else 'a' end as p{cols}, * from {body} src "
            f"where ({within}) and (({in_a}) or ({in_b}))"
        ), bound | bound_in
    return (
        f"with src as (select * from {body} src where ({wa}) or ({wb})) "
        f"select 'a' as p{cols}, * from src where {wa} "
        f"union all select 'b' as p{cols}, * from src where {wb}"
    ), bound


def _segment_rows(
    rows: Sequence[tuple], kpis: Sequence[Kpi], dims: Sequence[str]
) -> dict[str, list[SegmentRow]]:
    """Per KPI, its SegmentRows (sorted) from the rows (p, grouping flags..., segments...,
    (v, n) per KPI) of a grouping-sets read."""
    out: dict[str, list[SegmentRow]] = {k.id: [] for k in kpis}
    width = 1 + 2 * len(dims)
    for row in rows:
        flags_, segs = row[1 : 1 + len(dims)], row[1 + len(dims) : width]
        at = next((i for i, g in enumerate(flags_) if g == 0), None)
        dim, segment = ("", "") if at is None else (dims[at], str(segs[at]))
        for i, k in enumerate(kpis):
            v, n = row[width + 2 * i], row[width + 2 * i + 1]
            out[k.id].append(
                (row[0], dim, segment, float("nan") if v is None else float(v), int(n or 0))
            )
    for found in out.values():
        found.sort(key=lambda r: (r[0], r[1], r[2]))
    return out


def shares_above_a(
    con: duckdb.DuckDBPyConnection,
    config: Config,
    kpis: Sequence[Kpi],
    dims: Sequence[str],
    a: tuple[str, str],
    b: tuple[str, str],
    filters: Mapping[str, Sequence[str]],
    exclude_a: Sequence[str] = (),
) -> tuple[dict[str, list[SegmentRow]], dict[str, list[SegmentRow]]]:
    """Per quantile KPI (all of one source): (its value in window a and in window b, rows of
    dimension ''; the share of its rows above window a's value per segment of each dimension
    and in total, in both windows), in one read of the rows: what segment_values returns
    without and then with window a's values as thresholds, the rows read once (no shares where
    window a has no value)."""
    if len({k.source for k in kpis}) > 1:
        raise ValueError("shares_above_a reads KPIs of one source at a time.")
    params: dict = {"tz": config.display_timezone}
    totals, shares, first = [], [], []
    for i, k in enumerate(kpis):
        q = quantile_of(k)
        if q is None:
            raise ValueError(f"{k.id} is not a quantile KPI.")
        n = f"({expression_sql(config, k.n)})::bigint as n_{i}"
        totals.append(f"({expression_sql(config, k.value)})::double as v_{i}, {n}")
        share = f"avg((({q[0]}) > qa.t_{i})::double) filter (where ({q[0]}) is not null)"
        shares.append(f"({expression_sql(config, share)})::double as v_{i}, {n}")
        first.append(f"v_{i} as t_{i}")
    params |= expression_params(con, config, [*totals, *shares])
    sets, flags, seg = _segment_sets(dims)
    rows, bound = _window_rows(
        config, kpis[0].source, dims, a, b, filters, exclude_a, params, [*totals, *shares]
    )
    params |= bound
    none = "".join("null::bigint, " for _ in dims) + "".join("null::varchar, " for _ in dims)
    sql = (
        f"with s as materialized ({rows}), "
        f"totals as (select p, {', '.join(totals)} from s group by p), "
        f"qa as (select {', '.join(first)} from totals where p = 'a') "
        f"select 'share' as kind, p, {flags}{seg}{', '.join(shares)} from s, qa "
        f"group by grouping sets ({sets}) "
        f"union all select 'total' as kind, p, {none}* exclude (p) from totals"
    )
    found = run(con, sql, params).fetchall()
    return (
        _segment_rows([r[1:] for r in found if r[0] == "total"], kpis, dims),
        _segment_rows([r[1:] for r in found if r[0] == "share"], kpis, dims),
    )


def customer_messages(
    con: duckdb.DuckDBPyConnection,
    config: Config,
    a: tuple[str, str],
    b: tuple[str, str],
    filters: Mapping[str, Sequence[str]],
    exclude_a: Sequence[str] = (),
    limit: int | None = None,
) -> pd.DataFrame:
    """[period, interaction_id, sent_at, text] of customer messages in cases opened in window a
    (minus `exclude_a`) and window b, each a deterministic hash sample of at most `limit`
    messages; sent_at in display tz."""
    tz = config.display_timezone
    wa, bound_a = where_clause(*a, filters, tz, exclude_a, tag="_a")
    wb, bound_b = where_clause(*b, filters, tz, tag="_b")
    params: dict = {"tz": tz, "limit": int(limit or 2**62)} | bound_a | bound_b
    sql = sql_file(__package__, "window_messages").format(
        messages=SOURCES["messages"], where_a=wa, where_b=wb
    )
    return _local_times(run(con, sql, params).df(), config.display_timezone)


def _drill_query(
    con: duckdb.DuckDBPyConnection,
    config: Config,
    kpi: Kpi,
    start: str | None,
    end: str | None,
    filters: Mapping[str, Sequence[str]],
) -> tuple[str, dict, list[str]]:
    """The drill's SQL, its parameters and the columns it leaves out for this KPI's source."""
    params: dict = {"tz": config.display_timezone}
    pop = expression_sql(config, population(kpi))
    contrib = row_value(kpi)
    contrib = expression_sql(config, contrib) if contrib else "null"
    params |= expression_params(con, config, [pop, contrib])
    frt = frt_column(config)
    where, bound = where_clause(start, end, filters, config.display_timezone)
    params |= bound
    cases, bound = cases_source(config, business=params)
    params.update(bound)
    if kpi.source == "cases":
        keep = ""
        if kpi.kind == "agent_spread":  # only the cases of agents with enough of them count
            params["min_cases"] = kpi.min_cases
            keep = (
                f" and agent_id in (select agent_id from {cases} src where {where} and {pop} "
                f"group by agent_id having count(*) >= $min_cases)"
            )
        picked = (
            f"select interaction_id, null::varchar as survey_id, ({contrib})::double "
            f"as kpi_value, null::bigint as n_scored from {cases} src "
            f"where {where} and {pop}{keep}"
        )
    elif kpi.source == "messages":
        picked = (
            f"select interaction_id, null::varchar as survey_id, avg(({contrib})::double) "
            f"as kpi_value, count(*) as n_scored from {SOURCES['messages']} src "
            f"where {where} and {pop} group by interaction_id"
        )
    else:
        picked = (
            f"select interaction_id, survey_id, ({contrib})::double as kpi_value, "
            f"null::bigint as n_scored from fct_surveys src where {where} and {pop}"
        )
    transcripts = named_sql("case_transcripts").replace(
        "{ids}", "select interaction_id from picked"
    )
    if kpi.source == "cases":  # the picked cases pass the same filter: read only those
        cases = f"(select * from {cases} src where {where})"
    # a cases or messages KPI has no survey rows (survey_id is NULL): join an empty relation
    surveys = "fct_surveys" if kpi.source == "surveys" else "(select * from fct_surveys limit 0)"
    sql = named_sql("rootcause_drill").format(
        picked=picked, cases=cases, frt=frt, transcripts=transcripts, surveys=surveys
    )
    dropped = [] if kpi.source == "messages" else ["n_scored"]
    if kpi.source != "surveys":
        dropped += ["survey_id", "responded_at", "csat", "nps", "would_recommend", "verbatim"]
    return sql, params, dropped


def drill_rows(
    con: duckdb.DuckDBPyConnection,
    config: Config,
    kpi: Kpi,
    start: str | None,
    end: str | None,
    filters: Mapping[str, Sequence[str]],
) -> pd.DataFrame:
    """The rows behind one KPI value: cases (or survey responses) of its population, with facts,
    flags, the row's contribution `kpi_value` and the full transcript; times in display tz."""
    sql, params, dropped = _drill_query(con, config, kpi, start, end, filters)
    frame = run(con, sql, params).df().drop(columns=dropped)
    return _local_times(frame, config.display_timezone)


def copy_drill_rows(
    con: duckdb.DuckDBPyConnection,
    config: Config,
    kpi: Kpi,
    start: str | None,
    end: str | None,
    filters: Mapping[str, Sequence[str]],
    fmt: str,
    out: str,
) -> int:
    """Stream drill_rows' rows from DuckDB straight into a CSV or Parquet file (COPY, no frame:
    memory stays bounded whatever the row count), formula-like text cells prefixed with a quote,
    times in the display timezone; the rows written."""
    sql, params, dropped = _drill_query(con, config, kpi, start, end, filters)
    used = {k: v for k, v in params.items() if re.search(rf"\${re.escape(k)}\b", sql)}
    columns = [
        (d[0], str(d[1])) for d in con.execute(f"select * from ({sql}\n) limit 0", used).description
    ]
    picked = [neutral_column(c, kind) for c, kind in columns if c not in dropped]
    options = COPY_OPTIONS[fmt]
    con.execute("set TimeZone = ?", [config.display_timezone])  # times in the display zone
    row = con.execute(
        f"copy (select {', '.join(picked)} from ({sql}\n) d "
        f"order by opened_at, interaction_id, survey_id) to $out {options}",
        {**used, "formula": FORMULA_RE2, "out": out},
    ).fetchone()
    return int(row[0]) if row else 0
