"""Merge the messages of mapped `messages` exports (csv / sql sources) and rebuild their cases.

A message id keeps its later record. Every case that holds an incoming message, or held a
message that the incoming record moves elsewhere, is derived again from all its stored messages
(etl/sources/mapped_tables.py `cases_from_messages`), as Twitter cases are from every stored tweet: so
loading overlapping files one after another equals loading their union at once. The facets a
case is derived from (source, channel, platform, brand, label, resolution flag) are kept per
message in `mapped_messages`.
"""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd

from etl.settings.config import Config
from etl.sources.mapped_tables import INTERACTION_COLUMNS, MESSAGE_FACETS, cases_from_messages
from etl.sql_files import sql_file
from etl.text.enrich import load_playbook, resolution_flags

MESSAGE_COLUMNS = (
    "message_id",
    "interaction_id",
    "seq",
    "author_role",
    "author_id",
    "sent_at",
    "text",
    "sentiment",
    "language",
    "asks_private",
    "is_runaround",
    "load_id",
)


def _with_resolution_flags(rows: pd.DataFrame) -> pd.DataFrame:
    """The rows with `resolves` computed where unknown (messages stored by an earlier version)."""
    unknown = rows["resolves"].isna().to_numpy(dtype=bool)
    if not unknown.any():
        return rows.assign(resolves=rows["resolves"].astype(bool))
    customer = (rows["author_role"] == "customer").to_numpy(dtype=bool)
    todo = unknown & customer
    flags = rows["resolves"].astype("boolean").fillna(False).to_numpy(dtype=bool)
    if todo.any():
        flags[todo] = np.asarray(resolution_flags(rows["text"][todo].fillna("")), dtype=bool)
    return rows.assign(resolves=flags)


def case_messages(
    con: duckdb.DuckDBPyConnection, incoming: pd.DataFrame, load_id: str
) -> pd.DataFrame:
    """Every message of the cases the incoming rows touch, with facets and load ids (the later
    record of a message wins); leaves the touched case ids in temp table mm_touched."""
    latest = incoming.drop_duplicates("message_id", keep="last")
    con.register("incoming", latest.assign(load_id=load_id))
    try:
        con.execute(sql_file(__package__, "mapped_touched"))
        rows = con.execute(sql_file(__package__, "mapped_case_messages")).df()
    finally:
        con.unregister("incoming")
    return _with_resolution_flags(rows)


def merge_messages(
    con: duckdb.DuckDBPyConnection, incoming: pd.DataFrame, load_id: str, config: Config
) -> int:
    """Upsert mapped message rows and rewrite every case they touch; returns cases rewritten."""
    if incoming.empty:
        return 0
    rows = case_messages(con, incoming, load_id)
    cases, messages = cases_from_messages(rows, load_playbook(config.playbook))
    con.register("mm_rows", rows)
    con.register("mm_cases", cases[INTERACTION_COLUMNS].assign(load_id=load_id))
    con.register("mm_messages", messages[list(MESSAGE_COLUMNS)])
    try:
        con.execute(sql_file(__package__, "mapped_replace"))
        con.execute(sql_file(__package__, "mapped_facets").format(facets=", ".join(MESSAGE_FACETS)))
    finally:
        for name in ("mm_rows", "mm_cases", "mm_messages"):
            con.unregister(name)
        con.execute("drop table if exists mm_touched")
    return len(cases)


def agent_only_warning(con: duckdb.DuckDBPyConnection, load_id: str) -> str | None:
    """A warning when most conversations this load rewrote hold agent messages only (an
    outbound-only export): their openings are inferred and they have no response time."""
    n, agent_only = con.execute(sql_file(__package__, "agent_only_count"), [load_id]).fetchall()[0]
    if not n or agent_only < 0.5 * n:
        return None
    return (
        f"{agent_only} of the {n} conversations this file touches hold agent messages only: "
        "their opening is their first agent message and they have no response or "
        "resolution time; load the customer messages they answer to measure them."
    )
