"""Bridge: the opportunity cases of the published warehouse with their answer and SLA."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import duckdb
import pandas as pd

from etl.settings.config import Config
from scorecard.kpis.data import where_clause
from scorecard.kpis.data_pieces import frt_column, sla_sql
from warehouse.queries import as_of, named_sql


def opportunity_rows(
    con: duckdb.DuckDBPyConnection,
    config: Config,
    start: str | None,
    end: str | None,
    filters: Mapping[str, Sequence[str]],
    kinds: Sequence[str] = (),
) -> pd.DataFrame:
    """Opportunity cases opened on the local dates start..end (filters, kinds) with their outcome:
    captured (first response within the SLA), missed, or pending."""
    params: dict = {"as_of": as_of(con)}
    frt, (sla, bound) = frt_column(config), sla_sql(config)
    params.update(bound)
    if "$sla_s" in sla:
        params["sla_s"] = config.sla_first_response_s
    clock = "opened_at" if config.frt_clock == "case_created" else "customer_clock_at"
    where, bound = where_clause(config, start, end, filters)
    params.update(bound)
    if kinds:
        params["kinds"] = list(kinds)
        where += " and list_has_any(string_split(kinds, ','), $kinds)"
    sql = named_sql("opportunity_outcomes").format(
        queue=named_sql("opportunity_queue"), clock=clock, frt=frt, sla=sla, where=where
    )
    frame = con.execute(sql, params).df()
    return frame
