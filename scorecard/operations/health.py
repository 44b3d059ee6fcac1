"""Data health: loads, quarantine by reason, freshness per source."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from etl.sql_files import sql_file
from warehouse.db import connect_readonly


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
        return {
            "as_of": self.as_of,
            "loads": self.loads.to_dict("records"),
            "quarantine": self.quarantine.to_dict("records"),
            "freshness": self.freshness.to_dict("records"),
            "response_freshness": (
                []
                if self.response_freshness is None
                else self.response_freshness.to_dict("records")
            ),
        }


def health(db: Path, limit: int = 50) -> Health:
    """Recent loads, quarantine counts by reason, and per source: its loads, its cases (or, for
    survey-only sources, responses), the newest of them and how many days ago that was."""
    con = connect_readonly(db)
    try:
        loads = con.execute(sql_file(__package__, "health_loads"), [limit]).df()
        quarantine = con.execute(sql_file(__package__, "health_quarantine")).df()
        freshness = con.execute(sql_file(__package__, "health_case_sources")).df()
        responses = con.execute(sql_file(__package__, "health_response_sources")).df()
        row = con.execute(sql_file(__package__, "health_as_of")).fetchone()
    finally:
        con.close()
    as_of = None if row is None or row[0] is None else str(row[0])
    return Health(
        as_of, loads, quarantine, freshness, db.stat().st_mtime if db.exists() else None, responses
    )


FRESHNESS_COLUMNS = ["source", "holds", "rows", "first", "last", "age_days", "stale"]


def freshness(h: Health, now: pd.Timestamp, stale_after_days: float) -> pd.DataFrame:
    """Every source in one table, case sources and survey-only sources alike: what it holds
    (cases or survey answers), how many, its first and newest row, the age of the newest row in
    days relative to `now`, and whether that is older than `stale_after_days` (stale), most
    stale first."""
    parts = []
    if not h.freshness.empty:
        f = h.freshness
        parts.append(
            pd.DataFrame(
                {
                    "source": f["source"],
                    "holds": "cases",
                    "rows": f["cases"],
                    "first": f["first_case"],
                    "last": f["last_case"],
                }
            )
        )
    r = h.response_freshness
    if r is not None and not r.empty:
        parts.append(
            pd.DataFrame(
                {
                    "source": r["source"],
                    "holds": "survey answers",
                    "rows": r["responses"],
                    "first": r["first_response"],
                    "last": r["last_response"],
                }
            )
        )
    if not parts:
        return pd.DataFrame(columns=FRESHNESS_COLUMNS)
    out = pd.concat(parts, ignore_index=True)
    out["age_days"] = (now - pd.to_datetime(out["last"], utc=True)).dt.total_seconds() / 86400
    out["stale"] = out["age_days"] > stale_after_days
    return out.sort_values(
        ["age_days", "source"], ascending=[False, True], kind="stable"
    ).reset_index(drop=True)[FRESHNESS_COLUMNS]
