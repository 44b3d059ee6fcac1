"""One-sided Twitter exports: brand handles customers @mention, and loads that make no cases.

An inbound-only export (customer tweets, no agent replies) gets each case's brand from the first
@mention of a known handle: an author of stored agent tweets, a handle given in
`sources.brand_handles` or with `--brand-handles` (remembered in `brand_handles`), or a one-word
brand of another source's social cases (etl/sources/twcs_sql.py MENTION_HANDLES_SQL). An outbound-only
export (agent replies whose customer tweets are elsewhere) makes no case at all: the load says
so instead of loading "successfully" into nothing.
"""

from __future__ import annotations

import duckdb

from etl.sources.twcs_sql import MENTION_HANDLES_SQL

MOSTLY = 0.5  # a load whose tweets (or cases) are at least this share affected gets a warning
_STATE_KEY = "twcs_mention_handles"


def remember_handles(con: duckdb.DuckDBPyConnection, handles: tuple[str, ...], load_id: str) -> int:
    """Store configured brand handles not yet known (any case); returns how many were new."""
    if not handles:
        return 0
    before = con.execute("select count(*) from brand_handles").fetchall()[0][0]
    for h in handles:
        con.execute("insert into brand_handles select ?, ? where lower(?) not in "
                    "(select lower(handle) from brand_handles)", [h, load_id, h])
    return con.execute("select count(*) from brand_handles").fetchall()[0][0] - before


def mention_handles_changed(con: duckdb.DuckDBPyConnection) -> bool:
    """True when the handles beyond agent authors (MENTION_HANDLES_SQL) changed since the Twitter
    cases were last built with them; records the current set."""
    now = con.execute(f"select coalesce(string_agg(lower(mention), ',' order by lower(mention)), '') "
                      f"from ({MENTION_HANDLES_SQL})").fetchall()[0][0]
    rows = con.execute("select value from etl_state where key = ?", [_STATE_KEY]).fetchall()
    con.execute("insert or replace into etl_state values (?, ?)", [_STATE_KEY, now])
    return not rows or rows[0][0] != now


def _no_case_warning(con: duckdb.DuckDBPyConnection, load_id: str) -> str | None:
    n, agent, customer = con.execute("""
        select count(*),
               count(*) filter (where h.tweet_id is null and not t.inbound),
               count(*) filter (where h.tweet_id is null and t.inbound)
        from raw_twcs t left join twcs_threads h using (tweet_id)
        where t.load_id = ?""", [load_id]).fetchall()[0]
    if not n or agent + customer < MOSTLY * n:
        return None
    if not agent:
        return (f"{customer} of the file's {n} tweets belong to no case (replies in reply cycles "
                "or to tweets that belong to none).")
    also = f", and {customer} customer tweets reply to those" if customer else ""
    return (f"{agent} agent tweets reply to tweets not in the file: they belong to no case"
            f"{also} ({agent + customer} of the file's {n} tweets); load the customer tweets "
            "they answer to count these conversations.")


_UNBRANDED_SQL = r"""
with c as (
    select t.tweet_id, i.brand, t.text
    from interactions i join raw_twcs t on t.tweet_id = try_cast(substr(i.interaction_id, 6) as bigint)
    where i.source = 'twcs' and i.load_id = ?
), m as (  -- each handle once per unbranded case
    select distinct tweet_id, handle from (
        select tweet_id, unnest(regexp_extract_all(text, '@(\w+)', 1)) as handle
        from c where brand is null)
)
select (select count(*) from c), (select count(*) from c where brand is null),
       (select string_agg('@' || handle || ' (' || n || ')', ', ' order by n desc, handle)
        from (select handle, count(*) as n from m where not regexp_full_match(handle, '\d+')
              group by handle order by n desc, handle limit 3))
"""


def _unbranded_warning(con: duckdb.DuckDBPyConnection, load_id: str) -> str | None:
    n, unbranded = con.execute("select count(*), count(*) filter (where brand is null) "
                               "from interactions where source = 'twcs' and load_id = ?",
                               [load_id]).fetchall()[0]
    if not n or unbranded < MOSTLY * n:
        return None
    n, unbranded, top = con.execute(_UNBRANDED_SQL, [load_id]).fetchall()[0]
    mentioned = f" (most @mentioned: {top})" if top else ""
    return (f"{unbranded} of the file's {n} cases have no brand: no agent reply names it and "
            f"none of their @mentions is a known brand handle{mentioned}; set "
            "sources.brand_handles in socialcare.toml or load with --brand-handles.")


def one_sided_warnings(con: duckdb.DuckDBPyConnection, load_id: str) -> tuple[str, ...]:
    """Warnings of a Twitter load, after its cases are rebuilt: most of its tweets in no case (an
    outbound-only export), most of its cases without a brand (an inbound-only one)."""
    return tuple(w for w in (_no_case_warning(con, load_id), _unbranded_warning(con, load_id)) if w)
