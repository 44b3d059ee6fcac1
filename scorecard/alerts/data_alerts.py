"""Bridge: the stored state of alert subscriptions (empty before the first `alerts run`)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

from warehouse.alert_state import STATE_COLUMNS, save_alert_state


def stored_alert_state(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every stored (alert, key, destination) state."""
    exists = con.execute("select count(*) from information_schema.tables where table_name = 'alert_state'"
                         ).fetchone()[0]
    if not exists:
        return pd.DataFrame(columns=STATE_COLUMNS)
    return con.execute(f"select {', '.join(STATE_COLUMNS)} from alert_state").df()


def record_alert_state(db: Path, state: pd.DataFrame) -> None:
    """Store the delivered messages' state in the warehouse (nothing to do when none was sent)."""
    if state is not None and len(state):
        save_alert_state(db, state)
