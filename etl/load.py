"""Writing parsed rows into the canonical tables of an open warehouse connection (merge by key)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import duckdb
import pandas as pd

from etl.parsed import Parsed
from etl.settings.config import Config
from etl.sources.mapped_store import agent_only_warning, merge_messages
from etl.sources.twcs_brands import mention_handles_changed, one_sided_warnings, remember_handles
from etl.sources.twcs_cases import rebuild_cases, thread_rules_changed
from etl.sources.twcs_store import merge_tweets
from etl.sql_files import sql_file

KEYS = {"interactions": "interaction_id", "messages": "message_id", "surveys": "survey_id"}


@dataclass(frozen=True)
class LoadRecord:
    """Bookkeeping of one load, as stored in the `loads` table."""

    load_id: str
    kind: str
    path: str
    sha256: str
    started_at: datetime


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    return [r[0] for r in con.execute(f"describe {table}").fetchall()]


def _merge(con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame, load_id: str) -> int:
    """Insert rows, replacing existing rows with the same key (the later record wins)."""
    if frame.empty:
        return 0
    key = KEYS[table]
    cols = _columns(con, table)
    frame = frame.drop_duplicates(key, keep="last").assign(load_id=load_id)
    con.register("incoming", frame[[c for c in cols if c in frame.columns]])
    names = ", ".join(c for c in cols if c in frame.columns)
    con.execute(f"delete from {table} where {key} in (select {key} from incoming)")
    con.execute(f"insert into {table} ({names}) select {names} from incoming")
    con.unregister("incoming")
    return len(frame)


WARNING = "; warning: "  # in loads.message, each warning follows the notes after this mark


@dataclass(frozen=True)
class Written:
    """What write_parsed stored: rows loaded and the warnings recorded with the load."""

    rows: int
    warnings: tuple[str, ...]


def load_message(notes: tuple[str, ...], warnings: tuple[str, ...]) -> str | None:
    """The `loads.message` text: notes joined by '; ', then each warning after WARNING."""
    text = "; ".join(notes) + "".join(WARNING + w for w in warnings)
    return text or None


def write_parsed(
    con: duckdb.DuckDBPyConnection, parsed: Parsed, record: LoadRecord, config: Config
) -> Written:
    """Merge a parsed file into the warehouse and record the load with its warnings."""
    loaded, rebuild_all, extra = 0, True, ()
    for table, frame in parsed.tables.items():
        if table == "raw_twcs":
            merged = merge_tweets(con, frame, record.load_id, config)
            loaded += merged.rows
            rebuild_all = merged.rebuild_all
        elif table == "mapped_messages":  # messages merge by id; their cases are rebuilt
            loaded += merge_messages(con, frame, record.load_id, config)
            one_sided = agent_only_warning(con, record.load_id)
            extra = extra + ((one_sided,) if one_sided else ())
        else:
            if table == "messages" and "interactions" in parsed.tables:
                # A ticket row is its whole case: the case's messages are the file's.
                ids = parsed.tables["interactions"][["interaction_id"]]
                con.register("replaced", ids)
                con.execute(sql_file(__package__, "replace_ticket_messages"))
                con.unregister("replaced")
            n = _merge(con, table, frame, record.load_id)
            loaded += n if table != "messages" else 0
    warnings = parsed.warnings + extra
    # Handles customers @mention may have changed (configured, or a social brand of this load):
    # the Twitter cases are then rebuilt with them, whatever source this load is.
    remember_handles(con, config.brand_handles, record.load_id)
    handles_changed = mention_handles_changed(con)
    if "raw_twcs" in parsed.tables:
        rules_changed = thread_rules_changed(con)  # recorded whatever else asks for a rebuild
        rebuild_cases(con, rebuild_all or handles_changed or rules_changed)
        warnings = warnings + one_sided_warnings(con, record.load_id)
    elif handles_changed and con.execute(sql_file(__package__, "raw_twcs_count")).fetchall()[0][0]:
        rebuild_cases(con, True)
    q = parsed.quarantine.assign(load_id=record.load_id, path=parsed.path)
    if not q.empty:
        con.register("q", q[["load_id", "path", "line", "raw", "reason"]])
        con.execute(sql_file(__package__, "quarantine_insert"))
        con.unregister("q")
    con.execute(
        "insert into loads values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'loaded', ?)",
        [
            record.load_id,
            parsed.source,
            record.kind,
            record.path,
            record.sha256,
            record.started_at,
            datetime.now(UTC),
            parsed.rows_read,
            parsed.rows_read - parsed.rows_quarantined,
            parsed.rows_quarantined,
            load_message(parsed.notes, warnings),
        ],
    )
    return Written(loaded, warnings)
