"""Data health: loads, quarantine by reason, freshness per source."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from warehouse.db import connect_readonly


@dataclass(frozen=True)
class Health:
    """What is in the warehouse and how fresh it is."""

    as_of: str | None
    loads: pd.DataFrame
    quarantine: pd.DataFrame
    freshness: pd.DataFrame
    file_modified: float | None

    def to_json(self) -> dict:
        """JSON-ready dict."""
        return {"as_of": self.as_of,
                "loads": self.loads.to_dict("records"),
                "quarantine": self.quarantine.to_dict("records"),
                "freshness": self.freshness.to_dict("records")}


def health(db: Path, limit: int = 50) -> Health:
    """Recent loads, quarantine counts by reason and the newest case per source."""
    con = connect_readonly(db)
    try:
        loads = con.execute(
            "select load_id, kind, path, status, rows_read, rows_loaded, rows_quarantined, "
            "started_at, finished_at from loads order by started_at desc limit ?", [limit]).df()
        quarantine = con.execute(
            "select split_part(reason, ':', 1) as reason, count(*) as rows, "
            "count(distinct load_id) as loads from quarantine group by 1 order by 2 desc").df()
        freshness = con.execute(
            "select source, count(*) as cases, min(opened_at) as first_case, "
            "max(opened_at) as last_case from fct_cases group by 1 order by 1").df()
        row = con.execute("select max(last_activity_at) from fct_cases").fetchone()
    finally:
        con.close()
    as_of = None if row is None or row[0] is None else str(row[0])
    return Health(as_of, loads, quarantine, freshness, db.stat().st_mtime if db.exists() else None)
