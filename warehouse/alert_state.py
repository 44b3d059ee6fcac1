"""Storing the state of alert subscriptions in the warehouse (published like a load: atomic)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pandas as pd

from warehouse.db import snapshot_writer

STATE_COLUMNS = ["alert", "key", "destination", "status", "since", "delivered_at", "detail"]


def alert_state_sql() -> str:
    """The DDL of the alert_state table."""
    return resources.files("warehouse").joinpath("sql", "alert_state.sql").read_text("utf-8")


def save_alert_state(db: Path, rows: pd.DataFrame) -> None:
    """Replace the stored rows of the (alert, key, destination) triples in `rows` and publish."""
    frame = rows[STATE_COLUMNS].copy()
    with snapshot_writer(db) as con:
        con.execute(alert_state_sql())
        con.register("incoming_state", frame)
        con.execute("""
            delete from alert_state s using incoming_state i
            where s.alert = i.alert and s.key = i.key and s.destination = i.destination""")
        con.execute(
            f"insert into alert_state select {', '.join(STATE_COLUMNS)} from incoming_state"
        )
        con.unregister("incoming_state")
