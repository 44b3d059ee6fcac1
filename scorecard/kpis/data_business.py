"""Business-hours first response in SQL: the calendar as a bound lookup table per UTC day.

B(t), the business seconds up to instant t, is c[k] + sum_j clamp(t - s_j, 0, e_j - s_j) for the
UTC day k of t (etl/settings/business_hours.py:bucket_table); a case's business FRT is
B(first response) - B(clock start). The table covers every case of the warehouse.
"""

from __future__ import annotations

from collections.abc import Mapping

import duckdb

from etl.settings.business_hours import bucket_table
from etl.settings.config import Config
from warehouse.queries import named_sql

BUSINESS_BUCKET_S = 86400


def business_params(con: duckdb.DuckDBPyConnection, config: Config) -> dict:
    """Bound lists of the business-hours lookup table (one row per UTC day) covering every
    case's clock start and first response; passing them makes `cases_source` add
    frt_business_s."""
    row = con.execute(named_sql("business_span")).fetchall()[0]  # an aggregate: always one row
    known = [float(v) for v in row if v is not None]  # plain min/max: read from statistics
    lo, hi = (min(known), max(known)) if known else (0.0, 0.0)
    table = bucket_table(config.business_hours, lo, hi, BUSINESS_BUCKET_S)
    return {f"bh_{k}": v for k, v in table.items()}


def business_join_sql(params: Mapping[str, object], clock: str) -> tuple[str, str]:
    """(joins, column expression) of frt_business_s from the bound lookup table."""
    pieces = sum(1 for k in params if k.startswith("bh_s"))
    cols = ", ".join(
        ["unnest($bh_k) as k", "unnest($bh_c) as c"]
        + [f"unnest($bh_{x}{j}) as {x}{j}" for j in range(1, pieces + 1) for x in "se"]
    )
    table = f"(select {cols})"

    def at(alias: str, col: str) -> str:
        terms = " + ".join(
            f"greatest(0, least(epoch(c.{col}), {alias}.e{j}) - {alias}.s{j})"
            for j in range(1, pieces + 1)
        )
        return f"({alias}.c + {terms})"

    joins = (
        f" left join {table} bh_r on bh_r.k = floor(epoch(c.first_response_at) / {BUSINESS_BUCKET_S})::bigint"
        f" left join {table} bh_s on bh_s.k = floor(epoch(c.{clock}) / {BUSINESS_BUCKET_S})::bigint"
    )
    return joins, f"{at('bh_r', 'first_response_at')} - {at('bh_s', clock)}"
