"""Bridge: the stored state of alert subscriptions (empty before the first `alerts run`)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

from warehouse.alert_state import STATE_COLUMNS, save_alert_state
from warehouse.queries import named_sql


def stored_alert_state(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every stored (alert, key, destination) state."""
    exists = con.execute(named_sql("alert_state_exists")).fetchone()[0]
    if not exists:
        return pd.DataFrame(columns=STATE_COLUMNS)
    return con.execute(named_sql("alert_state_rows").format(columns=", ".join(STATE_COLUMNS))).df()


def record_alert_state(db: Path, state: pd.DataFrame) -> None:
    """Store the delivered messages' state in the warehouse (nothing to do when none was sent)."""
    if state is not None and len(state):
        save_alert_state(db, state)
