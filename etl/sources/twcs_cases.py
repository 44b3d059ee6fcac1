"""Rebuild Twitter cases and messages from the stored tweets (raw_twcs) after a load.

Case membership (root and position of every tweet) is recomputed for all tweets, which is
cheap; the cases themselves are rewritten only where something changed: cases holding a tweet
of this load, cases that gained or lost a tweet or whose order changed, and cases whose root
replies to a tweet of this load. A load that adds a brand (the @mention rule then reads
differently) or changes categories rewrites every case. Either way the result equals a
rebuild from scratch, so loading a file in parts equals loading it at once.
"""

from __future__ import annotations

import duckdb
import numpy as np
import pyarrow as pa

from etl.progress import stage
from etl.sources.twcs import case_roots
from etl.sources.twcs_sql import CASES_SQL, MESSAGES_SQL

FULL_SHARE = 0.3  # above this share of affected cases, rewrite all of them


def _new_threads(con: duckdb.DuckDBPyConnection) -> None:
    """Temp table threads_new: root and position (seq 1.. by time, then id, within each case) of
    every stored tweet that is in a case. Roots come from numpy (etl/sources/twcs.py); positions from a
    window, which DuckDB sorts in parallel (about three times numpy's lexsort)."""
    ids = con.execute("select tweet_id, coalesce(in_response_to, -1) as parent, inbound, "
                      "epoch_us(created_at) as t from raw_twcs").fetchnumpy()
    tweet_id = ids["tweet_id"].astype("int64")
    roots = case_roots(tweet_id, ids["parent"].astype("int64"), ids["inbound"].astype(bool))
    con.register("threads_arrow", pa.table({"tweet_id": tweet_id, "root_id": roots,
                                            "t": np.asarray(ids["t"]).astype("int64")}))
    con.execute("""
        create or replace temp table threads_new as
        select tweet_id, root_id,
               (row_number() over (partition by root_id order by t, tweet_id))::integer as seq
        from threads_arrow where root_id >= 0""")
    con.unregister("threads_arrow")


def _affected_roots(con: duckdb.DuckDBPyConnection) -> int | None:
    """Temp table affected(root_id) of cases to rewrite; None when all should be rewritten."""
    stored = con.execute("select count(*) from twcs_threads").fetchone()[0]
    changed = con.execute("select count(*) from information_schema.tables "
                          "where table_name = 'twcs_changed'").fetchone()[0]
    if not stored or not changed:
        return None
    con.execute("""
        create or replace temp table threads_moved as  -- tweets that joined, left or moved
        select tweet_id, o.root_id as old_root, n.root_id as new_root, n.seq
        from twcs_threads o full join threads_new n using (tweet_id)
        where o.root_id is distinct from n.root_id or o.seq is distinct from n.seq""")
    con.execute("""
        create or replace temp table affected as
        with moved as (select old_root, new_root from threads_moved),
        loaded as (  -- tweets of this load, before and after
            select o.root_id as old_root, n.root_id as new_root
            from twcs_changed c
            left join twcs_threads o using (tweet_id) left join threads_new n using (tweet_id)
        ),
        parent_loaded as (  -- roots replying to a tweet of this load (a broadcast, say)
            select n.root_id from threads_new n
            join raw_twcs t on t.tweet_id = n.tweet_id and n.tweet_id = n.root_id
            where t.in_response_to in (select tweet_id from twcs_changed)
        )
        select distinct root_id from (
            select old_root as root_id from moved union all select new_root from moved
            union all select old_root from loaded union all select new_root from loaded
            union all select root_id from parent_loaded
        ) where root_id is not null""")
    n = con.execute("select count(*) from affected").fetchone()[0]
    total = con.execute("select count(*) from threads_new where tweet_id = root_id").fetchone()[0]
    return None if n > FULL_SHARE * max(total, 1) else n


def rebuild_cases(con: duckdb.DuckDBPyConnection, rebuild_all: bool = True) -> int:
    """Bring the Twitter cases and messages up to date with raw_twcs; returns cases rewritten."""
    n = con.execute("select count(*) from raw_twcs").fetchone()[0]
    with stage("thread cases", n):
        _new_threads(con)
        partial = None if rebuild_all else _affected_roots(con)
        if partial is None:
            con.execute("create or replace temp table roots as select * from threads_new")
            con.execute("delete from interactions where source = 'twcs'")
            con.execute("delete from messages where interaction_id like 'twcs:%'")
        else:
            con.execute("create or replace temp table roots as select * from threads_new "
                        "where root_id in (select root_id from affected)")
            con.execute("create or replace temp table gone as "
                        "select 'twcs:' || root_id as interaction_id from affected")
            con.execute("delete from interactions where interaction_id in "
                        "(select interaction_id from gone)")
            con.execute("delete from messages where interaction_id in "
                        "(select interaction_id from gone)")
        con.execute("insert into interactions by name " + CASES_SQL)
    with stage("messages", n):
        con.execute("insert into messages by name " + MESSAGES_SQL)
        if partial is None:
            con.execute("delete from twcs_threads")
            con.execute("insert into twcs_threads select tweet_id, root_id, seq from threads_new")
        else:  # only the tweets that joined, left or moved: the rest of the table stays as written
            con.execute("delete from twcs_threads where tweet_id in (select tweet_id from threads_moved)")
            con.execute("insert into twcs_threads select tweet_id, new_root, seq from threads_moved "
                        "where new_root is not null")
    # every case holds its root tweet: counting those counts the cases, without a distinct
    rewritten = con.execute("select count(*) from roots where tweet_id = root_id").fetchone()[0]
    for t in ("roots", "threads_new", "threads_moved", "affected", "gone", "twcs_changed"):
        con.execute(f"drop table if exists {t}")
    return rewritten
