"""The Kaggle "Customer Support on Twitter" (TWCS) format: read and validate tweets in DuckDB.

Parsing yields the valid tweets (raw text, as an Arrow table) and the quarantined rows;
etl/sources/twcs_store.py enriches the new ones, merges them into `raw_twcs` and rebuilds the cases.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from etl.parsed import Parsed, quarantine_frame
from etl.progress import stage
from etl.settings.config import Config
from etl.sources.io import CsvTable, read_csv_into
from etl.sql_files import sql_file
from etl.text.mojibake import repair_counts_note
from etl.text.text_sql import mojibake_fixes

REQUIRED = ("tweet_id", "author_id", "inbound", "created_at", "text", "in_response_to_tweet_id")
TWITTER_TIME = "%a %b %d %H:%M:%S %z %Y"
CHECKS = (  # (condition on the typed row, reason); the first failing check names the row
    ("tweet_id is null", "tweet_id is missing or not an integer"),
    ("author_id is null or author_id = ''", "author_id is missing"),
    ("inbound is null", "inbound is not TRUE/FALSE"),
    ("created_at is null", "created_at is not a Twitter timestamp"),
    ("has_parent and in_response_to is null", "in_response_to_tweet_id is not an integer"),
)


def _first_non_null(first: str, *rest: str) -> str:
    """SQL for coalesce(first, *rest), as a CASE on `first`: DuckDB evaluates that about twice
    as fast as coalesce when `first` is almost never NULL (well-formed files)."""
    return f"case when {first} is not null then {first} else coalesce({', '.join(rest)}) end"


def _integer(col: str) -> str:
    """SQL for an integer id written as `42`, `42.0` or `4.2e1`; NULL when not an integer."""
    return _first_non_null(
        f"try_cast(trim({col}) as bigint)",
        f"try_cast(regexp_extract(trim({col}), '^(\\d+)\\.0*$', 1) as bigint)",
        f"case when try_cast(trim({col}) as double) = floor(try_cast(trim({col}) as double)) "
        f"and abs(try_cast(trim({col}) as double)) < 9.0e15 "
        f"then try_cast(try_cast(trim({col}) as double) as bigint) end",
    )


def _typed_sql(csv: CsvTable) -> str:
    """Typed tweets with the reason they fail validation (NULL when valid)."""
    c = {name: csv.column(name) for name in REQUIRED}
    parent = c["in_response_to_tweet_id"]
    # composition: the checks of the closed set CHECKS, expressions over the file's own columns
    whens = " ".join(f"when {cond} then '{reason}'" for cond, reason in CHECKS)
    created_at = _first_non_null(
        f"try_strptime({c['created_at']}, $fmt)",
        f"try_strptime(trim({c['created_at']}), $fmt)",
        f"try_cast(trim({c['created_at']}) as timestamptz)",
    )
    return sql_file(__package__, "twcs_typed").format(
        reason_whens=whens,
        tweet_id=_integer(c["tweet_id"]),
        author_id=c["author_id"],
        inbound=c["inbound"],
        created_at=created_at,
        text=c["text"],
        parent=parent,
        in_response_to=_integer(parent),
        table=csv.table,
    )


def _raw_sql(csv: CsvTable) -> str:
    """The required fields of the rejected rows, comma-joined (the quarantine's `raw`)."""
    # composition: the file's own names of the REQUIRED columns and the reader's temp table
    fields = ", ".join(f"coalesce({csv.column(n)}, '')" for n in REQUIRED)
    return sql_file(__package__, "twcs_rejected_raw").format(fields=fields, table=csv.table)


def parse_twcs(path: Path, config: Config) -> Parsed:
    """Read a TWCS file into valid tweets (raw text) and quarantined rows with line and reason."""
    con = duckdb.connect()
    try:
        con.execute("set enable_progress_bar = false")
        con.execute("set TimeZone = ?", [config.source_timezone])  # zone of naive timestamps
        with stage("read CSV"):
            csv = read_csv_into(con, path, REQUIRED, known=("response_tweet_id",))
        with stage("validate", csv.rows_read):
            con.execute(f"create temp table typed as {_typed_sql(csv)}", {"fmt": TWITTER_TIME})
            con.execute(sql_file(__package__, "twcs_bad"))
            bad = con.execute(sql_file(__package__, "twcs_bad_rows").format(raw=_raw_sql(csv))).df()
            fixes = mojibake_fixes(con, sql_file(__package__, "twcs_valid_texts"))
            tweets = _good_tweets(con, fixes)
    finally:
        con.close()
    parts = [q for q in (quarantine_frame(csv.rejects), bad) if not q.empty]
    quarantine = pd.concat(parts, ignore_index=True) if parts else quarantine_frame(csv.rejects)
    notes = [f"encoding {csv.encoding}", *csv.notes]
    if len(fixes):
        kinds = pc.drop_null(tweets.column("repaired")).to_pylist()
        notes.append(repair_counts_note([k.split(",") for k in kinds]))
    return Parsed(
        kind="twcs",
        source="twcs",
        path=str(path),
        rows_read=csv.rows_read,
        tables={"raw_twcs": tweets.drop_columns(["repaired"])},
        quarantine=quarantine.sort_values("line", kind="stable", ignore_index=True),
        notes=tuple(notes),
    )


def _good_tweets(con: duckdb.DuckDBPyConnection, fixes: pd.DataFrame) -> pa.Table:
    """The valid tweets as Arrow, in file order: of duplicated ids the later row wins (it is a
    later version of the tweet), and mojibake is repaired (column `repaired`: the kinds of
    repair, comma-joined, NULL when none)."""
    con.execute(sql_file(__package__, "twcs_dup"))
    repair = "null::varchar"
    joins = "left join dup d using (tweet_id)"
    if len(fixes):
        con.register("fixes", fixes)
        repair = "f.kinds"
        joins += " left join fixes f on f.raw = t.text"
    # composition: the repaired text and the fixes join only when there are fixes
    text = "coalesce(f.text, t.text)" if len(fixes) else "t.text"
    sql = sql_file(__package__, "twcs_good_tweets").format(text=text, repaired=repair, joins=joins)
    out = con.sql(sql).to_arrow_table()
    if len(fixes):
        con.unregister("fixes")
    return out


NEW_CASE_AFTER_US = 30 * 86_400 * 1_000_000  # a customer's reply this much later is a new case


def case_roots(
    tweet_id: np.ndarray, parent: np.ndarray, inbound: np.ndarray, created_us: np.ndarray
) -> np.ndarray:
    """For each tweet, the tweet_id of the case root it belongs to, or -1 when in no case.

    A root is an inbound tweet whose parent is empty, absent from the data, an outbound
    tweet that itself has no parent in the data (a brand broadcast), or sent more than 30 days
    (NEW_CASE_AFTER_US) before it (`created_us`: epoch microseconds): a customer answering a
    years-old post or coming back to a thread after a month opens a new case, as a support
    desk's conversation timeout would (real TWCS: 2017 requests replying to a 2011 post made one
    case with a six-year first response; golden/thread_gaps.md). Every other tweet belongs to
    the case of its parent; pointer doubling resolves deep threads in log steps, and reply
    cycles (which have no root) end in no case instead of looping.
    """
    n = len(tweet_id)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    parent_idx = _parent_index(tweet_id, parent)
    found = parent_idx >= 0
    parent_has_parent = np.zeros(n, dtype=bool)
    parent_has_parent[found] = parent_idx[parent_idx[found]] >= 0
    parent_inbound = np.zeros(n, dtype=bool)
    parent_inbound[found] = inbound[parent_idx[found]]
    late = np.zeros(n, dtype=bool)
    late[found] = created_us[found] - created_us[parent_idx[found]] > NEW_CASE_AFTER_US
    is_root = inbound & (~found | (~parent_inbound & ~parent_has_parent) | late)
    # A root points at itself, so it stays put while the others jump (int32 rows: half the
    # memory traffic of int64).
    nxt = np.where(is_root, np.arange(n), parent_idx).astype(np.int32 if n < 2**31 else np.int64)
    for _ in range(64):  # 2**64 > any thread depth
        following = np.where(nxt >= 0, nxt[np.maximum(nxt, 0)], -1)
        if np.array_equal(following, nxt):
            break
        nxt = following
    in_case = (nxt >= 0) & is_root[np.maximum(nxt, 0)]
    return np.where(in_case, tweet_id[np.maximum(nxt, 0)], -1)


def _parent_index(tweet_id: np.ndarray, parent: np.ndarray) -> np.ndarray:
    """Row of each tweet's parent (the first row with that tweet_id), -1 when absent or < 0.

    Unique, non-negative ids from a dense range (tweet ids are) are looked up in a table indexed
    by id (faster than a binary search, which other ids use).
    """
    n = len(tweet_id)
    lo, hi = int(tweet_id.min()), int(tweet_id.max())
    if lo >= 0 and hi - lo < 4 * n + 1024:
        table = np.full(hi - lo + 1, -1, dtype=np.int64)
        table[tweet_id - lo] = np.arange(n)
        if np.count_nonzero(table >= 0) == n:  # no repeated id
            inside = (parent >= lo) & (parent <= hi)
            return np.where(inside, table[np.clip(parent - lo, 0, hi - lo)], -1)
    order = np.argsort(tweet_id, kind="stable")
    sorted_ids = tweet_id[order]
    pos = np.clip(np.searchsorted(sorted_ids, parent), 0, n - 1)
    found = (parent >= 0) & (sorted_ids[pos] == parent)
    return np.where(found, order[pos], -1)
