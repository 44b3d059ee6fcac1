"""What each source can measure, decided from its data on read: unknown is not zero.

A source none of whose cases carry a first response cannot carry response KPIs (answered, first
response, SLA); one none of whose cases is resolved (no resolved status, no resolution time)
cannot carry resolution KPIs; one without customer ids cannot carry FCR; one without agent ids
cannot carry the agent KPIs. Reopens and transfers are flags a source without them stores as
false and 0: a source of at least FLAG_MIN_CASES cases none of which was ever reopened
(transferred) is taken not to record reopens (transfers): at a 5 % rate, 100 cases without one
happen by chance 0.6 % of the time. A smaller source is given the benefit of the doubt. A KPI's `needs` (kpis.toml) name what it requires: cases of a
source lacking it are left out of that KPI (so a complaints log without response times never
counts as "answered 0 %"), and a slice left with no such case is n/a with the reason.

Computed on read from agg_cases_daily (a few rows per source and day), so it follows every load
and rebuild without state to keep in step; a warehouse built before the model had the counts
falls back to one scan of fct_cases.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import duckdb

from etl.settings.business_hours import utc_bounds
from etl.settings.config import Config
from etl.sql_files import sql_file
from scorecard.kpis.catalogue import CAPABILITIES, Kpi
from scorecard.kpis.data_agg import MODEL_DIMS, model_where_sql

_COUNTS = {
    "response": "with_response",
    "resolution": "with_resolution",
    "customer": "with_customer",
    "agent": "with_agent",
    "reopen": "reopened",
    "transfers": "transferred",
}
_FACT = {
    "response": "count(first_response_at)",
    "resolution": "count(*) filter (where resolved or resolved_at is not null)",
    "customer": "count(customer_id)",
    "agent": "count(agent_id)",
    "reopen": "count(*) filter (where reopened)",
    "transfers": "count(*) filter (where answered and transfers > 0)",
}


FLAGS = ("reopen", "transfers")  # stored as false / 0 when a source lacks them
FLAG_MIN_CASES = 100


def source_capabilities(con: duckdb.DuckDBPyConnection) -> dict[str, frozenset[str]]:
    """{source: the capabilities at least one of its cases carries} (flags: see module)."""
    cols = {r[0] for r in con.execute(sql_file(__package__, "agg_cases_daily_columns")).fetchall()}
    if set(_COUNTS.values()) <= cols:
        exprs, table = ["sum(cases)", *(f"sum({c})" for c in _COUNTS.values())], "agg_cases_daily"
    else:
        exprs, table = ["count(*)", *_FACT.values()], "fct_cases"
    rows = con.execute(
        sql_file(__package__, "source_counts").format(counts=", ".join(exprs), table=table)
    ).fetchall()
    return {
        src: frozenset(
            cap
            for cap, n in zip(_COUNTS, counts, strict=True)
            if n or (cap in FLAGS and cases < FLAG_MIN_CASES)
        )
        for src, cases, *counts in rows
    }


def lacking_sources(kpi: Kpi, caps: dict[str, frozenset[str]]) -> dict[str, tuple[str, ...]]:
    """{source: the KPI's needs it lacks} for the sources that cannot carry the KPI."""
    out = {}
    for src, have in sorted(caps.items()):
        missing = tuple(n for n in kpi.needs if n not in have)
        if missing:
            out[src] = missing
    return out


def capable_sources(kpi: Kpi, caps: dict[str, frozenset[str]]) -> list[str]:
    """The sources whose cases the KPI can count."""
    return sorted(src for src, have in caps.items() if set(kpi.needs) <= have)


def present_sources(
    con: duckdb.DuckDBPyConnection,
    config: Config,
    start: str | None,
    end: str | None,
    filters: Mapping[str, Sequence[str]],
) -> set[str] | None:
    """The sources with cases in the range (whole UTC days around it) and filters, from
    agg_cases_daily; None when the model cannot say (an older warehouse, an agent filter)."""
    dims = {d for d, v in filters.items() if v}
    if not dims <= set(MODEL_DIMS["agg_cases_daily"]):
        return None
    first, params = model_where_sql(filters)
    where = [first]
    lo, hi = utc_bounds(config.display_timezone, start, end)
    if lo is not None:
        params["d_lo"] = int(lo.timestamp() // 86400)
        where.append("utc_day >= $d_lo")
    if hi is not None:
        params["d_hi"] = int(hi.timestamp() // 86400)
        where.append("utc_day <= $d_hi")
    try:
        rows = con.execute(
            sql_file(__package__, "present_sources").format(where=" and ".join(where)), params
        ).fetchall()
    except duckdb.Error:
        return None
    return {r[0] for r in rows}


def lacking_text(lacking: dict[str, Sequence[str]]) -> str:
    """'no response times in source comcast; no customer ids in sources a, b' (in CAPABILITIES
    order)."""
    by_need: dict[str, list[str]] = {need: [] for need in CAPABILITIES}
    for src, needs in lacking.items():
        for need in needs:
            by_need[need].append(src)
    by_need = {need: srcs for need, srcs in by_need.items() if srcs}
    return "; ".join(
        f"no {CAPABILITIES[need]} in source{'s' if len(srcs) > 1 else ''} {', '.join(srcs)}"
        for need, srcs in by_need.items()
    )
