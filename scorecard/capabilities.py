"""What each source can measure, decided from its data on read: unknown is not zero.

A source none of whose cases carry a first response cannot carry response KPIs (answered, first
response, SLA); one none of whose cases is resolved (no resolved status, no resolution time)
cannot carry resolution KPIs; one without customer ids cannot carry FCR; one without agent ids
cannot carry the agent KPIs. A KPI's `needs` (kpis.toml) name what it requires: cases of a
source lacking it are left out of that KPI (so a complaints log without response times never
counts as "answered 0 %"), and a slice left with no such case is n/a with the reason.

Computed on read from agg_cases_daily (a few rows per source and day), so it follows every load
and rebuild without state to keep in step; a warehouse built before the model had the counts
falls back to one scan of fct_cases.
"""

from __future__ import annotations

from collections.abc import Sequence

import duckdb

from scorecard.catalogue import CAPABILITIES, Kpi

_COUNTS = {"response": "with_response", "resolution": "with_resolution",
           "customer": "with_customer", "agent": "with_agent"}
_FACT = {"response": "count(first_response_at)",
         "resolution": "count(*) filter (where resolved or resolved_at is not null)",
         "customer": "count(customer_id)", "agent": "count(agent_id)"}


def source_capabilities(con: duckdb.DuckDBPyConnection) -> dict[str, frozenset[str]]:
    """{source: the capabilities at least one of its cases carries}."""
    cols = {r[0] for r in con.execute(
        "select column_name from information_schema.columns where table_schema = current_schema() "
        "and table_name = 'agg_cases_daily'").fetchall()}
    if set(_COUNTS.values()) <= cols:
        exprs, table = [f"sum({c})" for c in _COUNTS.values()], "agg_cases_daily"
    else:
        exprs, table = list(_FACT.values()), "fct_cases"
    rows = con.execute(f"select source, {', '.join(exprs)} from {table} group by source").fetchall()
    return {src: frozenset(cap for cap, n in zip(_COUNTS, counts, strict=True) if n)
            for src, *counts in rows}


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


def lacking_text(lacking: dict[str, Sequence[str]]) -> str:
    """'no response times in source comcast; no customer ids in sources a, b'."""
    by_need: dict[str, list[str]] = {}
    for src, needs in lacking.items():
        for need in needs:
            by_need.setdefault(need, []).append(src)
    return "; ".join(f"no {CAPABILITIES[need]} in source{'s' if len(srcs) > 1 else ''} {', '.join(srcs)}"
                     for need, srcs in by_need.items())
