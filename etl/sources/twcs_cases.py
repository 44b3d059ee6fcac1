"""Rebuild Twitter cases and messages from the stored tweets (raw_twcs) after a load.

After a load into stored threads, case membership (root and position) is recomputed only for
the tweets whose root can change: the tweets of the load and their descendants (a tweet replying
into an old thread, stored tweets whose missing parent arrived, threads a new tweet joins), with
the whole of every case they join or leave; every other tweet's ancestors and their links are
unchanged, so is its root. The cases themselves are rewritten only where something changed:
cases holding a tweet of this load, cases that gained or lost a tweet or whose order changed,
and cases whose root replies to a tweet of this load. A load that adds a brand (the @mention rule then reads
differently) or changes categories rewrites every case. Either way the result equals a
rebuild from scratch, so loading a file in parts equals loading it at once.
"""

from __future__ import annotations

import duckdb
import numpy as np
import pyarrow as pa

from etl.progress import stage
from etl.sources.twcs import _parent_index, case_roots
from etl.sources.twcs_sql import CASES_SQL, MESSAGES_SQL
from etl.sql_files import sql_file

FULL_SHARE = 0.3  # above this share of affected cases, rewrite all of them
# The rules that make threads of tweets (etl/sources/twcs.py case_roots): a warehouse whose
# threads were made by other rules has all of them remade at its next Twitter load.
THREAD_RULES = "roots: no parent, broadcast, reply over 30 days"
_RULES_KEY = "twcs_thread_rules"
MAX_ROUNDS = 16  # rounds of each thread walk in SQL before reading every link instead


def _sql(name: str) -> str:
    """The text of sql/<name>.sql beside this module."""
    return sql_file(__package__, name)


def _new_threads(con: duckdb.DuckDBPyConnection) -> None:
    """Temp table threads_new: root and position (seq 1.. by time, then id, within each case) of
    every stored tweet that is in a case. Roots come from numpy (etl/sources/twcs.py); positions from a
    window, which DuckDB sorts in parallel (about three times numpy's lexsort)."""
    ids = con.execute(_sql("twcs_thread_inputs")).fetchnumpy()
    tweet_id = ids["tweet_id"].astype("int64")
    t = np.asarray(ids["t"]).astype("int64")
    roots = case_roots(tweet_id, ids["parent"].astype("int64"), ids["inbound"].astype(bool), t)
    con.register(
        "threads_arrow",
        pa.table({"tweet_id": tweet_id, "root_id": roots, "t": t}),
    )
    con.execute(_sql("twcs_threads_new"))
    con.unregister("threads_arrow")


def descendants(parent_idx: np.ndarray, marked: np.ndarray) -> np.ndarray:
    """Which rows are marked or have a marked ancestor (parent_idx: row of each row's parent, -1
    when none). Pointer doubling over the rows not yet marked that still have an ancestor to
    look at; a reply cycle without a marked tweet ends after 64 doublings (2**64 > any depth)."""
    marked = marked.copy()
    jump = parent_idx.copy()
    active = np.flatnonzero(~marked & (jump >= 0))
    for _ in range(64):
        if active.size == 0:
            break
        target = jump[active]
        hit = marked[target]
        further = jump[target]
        marked[active[hit]] = True
        jump[active] = further
        active = active[~hit & (further >= 0)]
    return marked


def ancestors(parent_idx: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Mask of the rows that are an ancestor of one of `rows` (a mask), the rows included."""
    seen = rows.copy()
    frontier = parent_idx[rows]
    frontier = frontier[frontier >= 0]
    while frontier.size:
        frontier = np.unique(frontier[~seen[frontier]])
        seen[frontier] = True
        frontier = parent_idx[frontier]
        frontier = frontier[frontier >= 0]
    return seen


def _all_links_roots(con: duckdb.DuckDBPyConnection) -> tuple[np.ndarray, np.ndarray]:
    """Tweet ids and roots of the load's tweets and their descendants, from every stored tweet's
    link read into numpy: descendants by pointer doubling over the parent index, roots by
    `case_roots` over them and their ancestors (a set closed under parents gives every member
    the root the whole set gives it). The way when the walk in SQL is too deep."""
    links = con.execute(_sql("twcs_thread_links")).fetchnumpy()
    tweet_id = links["tweet_id"].astype("int64")
    parent = links["parent"].astype("int64")
    changed = np.asarray(links["changed"]).astype(bool)
    parent_idx = _parent_index(tweet_id, parent)
    touched = descendants(parent_idx, changed)
    closed = touched | ancestors(parent_idx, changed)
    roots = case_roots(
        tweet_id[closed],
        parent[closed],
        np.asarray(links["inbound"]).astype(bool)[closed],
        np.asarray(links["t"]).astype("int64")[closed],
    )
    return tweet_id[touched], roots[touched[closed]]


def _walked(con: duckdb.DuckDBPyConnection, round_sql: str) -> bool:
    """Run one walk's rounds (each returns how many tweets it added) until a round adds none;
    False when MAX_ROUNDS did not reach the end."""
    for _ in range(MAX_ROUNDS):
        if not con.execute(round_sql).fetchone()[0]:
            return True
    return False


def _walked_roots(con: duckdb.DuckDBPyConnection) -> tuple[np.ndarray, np.ndarray] | None:
    """Tweet ids and roots of the load's tweets and their descendants, from the links of only the
    tweets they can depend on, found in SQL: down the stored replies from the load's tweets
    (thread_down), then up their parents, a stored case at a time (thread_closed, closed under
    parents, so `case_roots` over it gives each tweet of thread_down its root over all tweets).
    None when either walk takes more than MAX_ROUNDS rounds (a reply chain outside any case, a
    late root under a deep stored thread)."""
    con.execute(_sql("twcs_thread_walk_start"))
    if not _walked(con, _sql("twcs_thread_down_round")):
        return None
    con.execute(_sql("twcs_thread_up_start"))
    if not _walked(con, _sql("twcs_thread_up_round")):
        return None
    links = con.execute(_sql("twcs_thread_closed_links")).fetchnumpy()
    tweet_id = links["tweet_id"].astype("int64")
    roots = case_roots(
        tweet_id,
        links["parent"].astype("int64"),
        np.asarray(links["inbound"]).astype(bool),
        np.asarray(links["t"]).astype("int64"),
    )
    touched = np.asarray(links["touched"]).astype(bool)
    return tweet_id[touched], roots[touched]


def _scoped_threads(con: duckdb.DuckDBPyConnection) -> None:
    """Temp tables threads_new and thread_scope for the threads this load can touch
    (twcs_threads_scoped.sql). A tweet's root depends only on its ancestors' links,
    directions and times, which a load changes only for its tweets' descendants; their roots are
    computed over them and their ancestors."""
    walked = _walked_roots(con)
    tweet_id, roots = walked if walked is not None else _all_links_roots(con)
    con.register("threads_arrow", pa.table({"tweet_id": tweet_id, "root_id": roots}))
    con.execute(_sql("twcs_threads_scoped"))
    con.unregister("threads_arrow")


def _affected_roots(con: duckdb.DuckDBPyConnection) -> int | None:
    """Temp table affected(root_id) of cases to rewrite, with the scoped threads_new and
    thread_scope of the threads the load can touch; None when all should be rewritten (the
    caller then computes threads_new over every tweet)."""
    stored = con.execute(_sql("twcs_threads_count")).fetchone()[0]
    changed = con.execute(_sql("twcs_changed_exists")).fetchone()[0]
    if not stored or not changed:
        return None
    _scoped_threads(con)
    con.execute(_sql("twcs_threads_moved_scoped"))  # tweets that joined, left or moved
    con.execute(_sql("twcs_affected"))
    n = con.execute(_sql("twcs_affected_count")).fetchone()[0]
    total = con.execute(_sql("twcs_cases_now_scoped")).fetchone()[0]
    return None if n > FULL_SHARE * max(total, 1) else n


def thread_rules_changed(con: duckdb.DuckDBPyConnection) -> bool:
    """True when the stored threads were made by other rules than THREAD_RULES (or no rules are
    recorded: a warehouse from before the month rule); records the current rules."""
    rows = con.execute(_sql("etl_state_value"), [_RULES_KEY]).fetchall()
    con.execute(_sql("etl_state_set"), [_RULES_KEY, THREAD_RULES])
    return not rows or rows[0][0] != THREAD_RULES


def rebuild_cases(con: duckdb.DuckDBPyConnection, rebuild_all: bool = True) -> int:
    """Bring the Twitter cases and messages up to date with raw_twcs; returns cases rewritten."""
    n = con.execute(sql_file("etl", "raw_twcs_count")).fetchone()[0]
    with stage("thread cases", n):
        partial = None if rebuild_all else _affected_roots(con)
        if partial is None:
            _new_threads(con)
            for name in ("twcs_roots_all", "twcs_delete_cases", "twcs_delete_messages"):
                con.execute(_sql(name))
        else:
            for name in ("twcs_roots_affected", "twcs_gone", "twcs_delete_gone_cases"):
                con.execute(_sql(name))
        con.execute("insert into interactions by name " + CASES_SQL)
        con.execute(_sql("twcs_touched_all" if partial is None else "twcs_touched_affected"))
    # every case holds its root tweet: counting those counts the cases, without a distinct
    rewritten = con.execute(_sql("twcs_roots_cases")).fetchone()[0]
    with stage("messages", n):
        if partial is not None:  # of the rewritten cases, the messages that change
            con.execute(_sql("twcs_messages_changed"))
        con.execute("insert into messages by name " + MESSAGES_SQL)
        if partial is None:
            con.execute(_sql("twcs_threads_delete_all"))
            con.execute(_sql("twcs_threads_insert_all"))
        else:  # only the tweets that joined, left or moved: the rest of the table stays as written
            con.execute(_sql("twcs_threads_delete_moved"))
            con.execute(_sql("twcs_threads_insert_moved"))
    # composition: temp tables named in code (a closed set), dropped by name
    for t in (
        "roots",
        "threads_new",
        "threads_moved",
        "affected",
        "gone",
        "twcs_changed",
        "thread_scope",
        "thread_down",
        "thread_front",
        "thread_closed",
        "messages_stale",
    ):
        con.execute(f"drop table if exists {t}")
    return rewritten
