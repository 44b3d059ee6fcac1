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
from etl.text.enrich import load_playbook, resolution_flags

MESSAGE_COLUMNS = ("message_id", "interaction_id", "seq", "author_role", "author_id", "sent_at",
                   "text", "sentiment", "language", "asks_private", "is_runaround", "load_id")

_TOUCHED_SQL = """
create or replace temp table mm_touched as
select interaction_id from incoming
union
select interaction_id from messages where message_id in (select message_id from incoming)
"""

# The incoming rows, plus the stored messages of the touched cases that they do not replace.
# A message stored before `mapped_messages` existed takes the facets of its stored case.
_CASE_MESSAGES_SQL = """
select message_id::varchar as message_id, interaction_id::varchar as interaction_id,
       author_role::varchar as author_role, author_id::varchar as author_id,
       sent_at::timestamptz as sent_at, text::varchar as text, sentiment::double as sentiment,
       language::varchar as language, asks_private::boolean as asks_private, is_runaround::boolean as is_runaround,
       source::varchar as source, channel::varchar as channel, platform::varchar as platform,
       brand::varchar as brand, issue_category::varchar as issue_category,
       resolves::boolean as resolves, created_at::timestamptz as created_at,
       load_id::varchar as load_id
from incoming
union all
select m.message_id, m.interaction_id, m.author_role, m.author_id, m.sent_at, m.text, m.sentiment,
       m.language, m.asks_private, m.is_runaround,
       case when f.message_id is null then i.source else f.source end,
       case when f.message_id is null then i.channel else f.channel end,
       case when f.message_id is null then i.platform else f.platform end,
       case when f.message_id is null then i.brand else f.brand end,
       case when f.message_id is null then i.issue_category else f.issue_category end,
       f.resolves, f.created_at, m.load_id
from messages m
left join mapped_messages f using (message_id)
left join interactions i using (interaction_id)
where m.interaction_id in (select interaction_id from mm_touched)
  and m.message_id not in (select message_id from incoming)
"""


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


def case_messages(con: duckdb.DuckDBPyConnection, incoming: pd.DataFrame,
                  load_id: str) -> pd.DataFrame:
    """Every message of the cases the incoming rows touch, with facets and load ids (the later
    record of a message wins); leaves the touched case ids in temp table mm_touched."""
    latest = incoming.drop_duplicates("message_id", keep="last")
    con.register("incoming", latest.assign(load_id=load_id))
    try:
        con.execute(_TOUCHED_SQL)
        rows = con.execute(_CASE_MESSAGES_SQL).df()
    finally:
        con.unregister("incoming")
    return _with_resolution_flags(rows)


def merge_messages(con: duckdb.DuckDBPyConnection, incoming: pd.DataFrame, load_id: str,
                   config: Config) -> int:
    """Upsert mapped message rows and rewrite every case they touch; returns cases rewritten."""
    if incoming.empty:
        return 0
    rows = case_messages(con, incoming, load_id)
    cases, messages = cases_from_messages(rows, load_playbook(config.playbook))
    con.register("mm_rows", rows)
    con.register("mm_cases", cases[INTERACTION_COLUMNS].assign(load_id=load_id))
    con.register("mm_messages", messages[list(MESSAGE_COLUMNS)])
    try:
        con.execute("delete from messages where interaction_id in "
                    "(select interaction_id from mm_touched) "
                    "or message_id in (select message_id from mm_rows)")
        con.execute("delete from mapped_messages where message_id in "
                    "(select message_id from mm_rows)")
        con.execute("delete from interactions where interaction_id in "
                    "(select interaction_id from mm_touched)")
        con.execute("insert into interactions by name select * from mm_cases")
        con.execute("insert into messages by name select * from mm_messages")
        facets = ", ".join(MESSAGE_FACETS)
        con.execute(f"insert into mapped_messages by name select message_id, {facets}, load_id "
                    "from mm_rows")
    finally:
        for name in ("mm_rows", "mm_cases", "mm_messages"):
            con.unregister(name)
        con.execute("drop table if exists mm_touched")
    return len(cases)


def agent_only_warning(con: duckdb.DuckDBPyConnection, load_id: str) -> str | None:
    """A warning when most conversations this load rewrote hold agent messages only (an
    outbound-only export): their openings are inferred and they have no response time."""
    n, agent_only = con.execute(
        "select count(*), count(*) filter (where contains(dq_flags, 'opened_at_inferred')) "
        "from interactions where load_id = ?", [load_id]).fetchall()[0]
    if not n or agent_only < 0.5 * n:
        return None
    return (f"{agent_only} of the {n} conversations this file touches hold agent messages only: "
            "their opening is their first agent message and they have no response or "
            "resolution time; load the customer messages they answer to measure them.")
