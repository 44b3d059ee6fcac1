"""Data health: loads, quarantine by reason, freshness per source."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from warehouse.db import connect_readonly

# Per source: its loads (from `loads`) beside the newest case (or survey response) it delivered.
_LOADED = """
    select source, count(*) as loads, sum(rows_loaded) as rows_loaded,
           sum(rows_quarantined) as rows_quarantined, max(finished_at) as last_load_at
    from loads where status = 'loaded' group by source"""
_CASES_SQL = f"""
with loaded as ({_LOADED}),
cases as (
    select source, count(*) as cases, min(opened_at) as first_case, max(opened_at) as last_case
    from fct_cases group by source
)
select source, c.cases, c.first_case, c.last_case,
       date_diff('second', c.last_case, now()) / 86400.0 as days_since_last,
       coalesce(l.loads, 0) as loads, l.rows_loaded, l.rows_quarantined, l.last_load_at
from cases c left join loaded l using (source)
order by source
"""
_RESPONSES_SQL = f"""
with loaded as ({_LOADED}),
responses as (
    select l.source, count(*) as responses, min(s.responded_at) as first_response,
           max(s.responded_at) as last_response
    from stg_surveys s join loads l using (load_id)
    where l.source not in (select source from fct_cases)
    group by l.source
)
select source, r.responses, r.first_response, r.last_response,
       date_diff('second', r.last_response, now()) / 86400.0 as days_since_last,
       l.loads, l.rows_loaded, l.rows_quarantined, l.last_load_at
from responses r join loaded l using (source)
order by source
"""


@dataclass(frozen=True)
class Health:
    """What is in the warehouse and how fresh it is."""

    as_of: str | None
    loads: pd.DataFrame
    quarantine: pd.DataFrame
    freshness: pd.DataFrame  # per source of cases
    file_modified: float | None
    response_freshness: pd.DataFrame | None = None  # per source of survey responses only

    def to_json(self) -> dict:
        """JSON-ready dict."""
        return {"as_of": self.as_of,
                "loads": self.loads.to_dict("records"),
                "quarantine": self.quarantine.to_dict("records"),
                "freshness": self.freshness.to_dict("records"),
                "response_freshness": ([] if self.response_freshness is None
                                       else self.response_freshness.to_dict("records"))}


def health(db: Path, limit: int = 50) -> Health:
    """Recent loads, quarantine counts by reason, and per source: its loads, its cases (or, for
    survey-only sources, responses), the newest of them and how many days ago that was."""
    con = connect_readonly(db)
    try:
        loads = con.execute(
            "select load_id, kind, path, status, rows_read, rows_loaded, rows_quarantined, "
            "started_at, finished_at from loads order by started_at desc limit ?", [limit]).df()
        quarantine = con.execute(
            "select split_part(reason, ':', 1) as reason, count(*) as rows, "
            "count(distinct load_id) as loads from quarantine group by 1 order by 2 desc, 1").df()
        freshness = con.execute(_CASES_SQL).df()
        responses = con.execute(_RESPONSES_SQL).df()
        row = con.execute("select max(last_activity_at) from fct_cases").fetchone()
    finally:
        con.close()
    as_of = None if row is None or row[0] is None else str(row[0])
    return Health(as_of, loads, quarantine, freshness, db.stat().st_mtime if db.exists() else None,
                  responses)


FRESHNESS_COLUMNS = ["source", "holds", "rows", "first", "last", "age_days", "stale"]


def freshness(h: Health, now: pd.Timestamp, stale_after_days: float) -> pd.DataFrame:
    """Every source in one table, case sources and survey-only sources alike: what it holds
    (cases or survey answers), how many, its first and newest row, the age of the newest row in
    days relative to `now`, and whether that is older than `stale_after_days` (stale), most
    stale first."""
    parts = []
    if not h.freshness.empty:
        f = h.freshness
        parts.append(pd.DataFrame({"source": f["source"], "holds": "cases", "rows": f["cases"],
                                   "first": f["first_case"], "last": f["last_case"]}))
    r = h.response_freshness
    if r is not None and not r.empty:
        parts.append(pd.DataFrame({"source": r["source"], "holds": "survey answers",
                                   "rows": r["responses"], "first": r["first_response"],
                                   "last": r["last_response"]}))
    if not parts:
        return pd.DataFrame(columns=FRESHNESS_COLUMNS)
    out = pd.concat(parts, ignore_index=True)
    out["age_days"] = (now - pd.to_datetime(out["last"], utc=True)).dt.total_seconds() / 86400
    out["stale"] = out["age_days"] > stale_after_days
    return out.sort_values(["age_days", "source"], ascending=[False, True],
                           kind="stable").reset_index(drop=True)[FRESHNESS_COLUMNS]
