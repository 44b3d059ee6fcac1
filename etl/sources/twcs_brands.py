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
from etl.sql_files import sql_file

MOSTLY = 0.5  # a load whose tweets (or cases) are at least this share affected gets a warning
_STATE_KEY = "twcs_mention_handles"


def remember_handles(con: duckdb.DuckDBPyConnection, handles: tuple[str, ...], load_id: str) -> int:
    """Store configured brand handles not yet known (any case); returns how many were new."""
    if not handles:
        return 0
    count = sql_file(__package__, "twcs_brand_handles_count")
    before = con.execute(count).fetchall()[0][0]
    for h in handles:
        con.execute(sql_file(__package__, "twcs_brand_handle_insert"), [h, load_id, h])
    return con.execute(count).fetchall()[0][0] - before


def mention_handles_changed(con: duckdb.DuckDBPyConnection) -> bool:
    """True when the handles beyond agent authors (MENTION_HANDLES_SQL) changed since the Twitter
    cases were last built with them; records the current set."""
    # composition of static text only: the handles query inside the key query
    key_sql = sql_file(__package__, "twcs_mention_handles_key").format(
        mention_handles=MENTION_HANDLES_SQL
    )
    now = con.execute(key_sql).fetchall()[0][0]
    rows = con.execute(sql_file(__package__, "etl_state_value"), [_STATE_KEY]).fetchall()
    con.execute(sql_file(__package__, "etl_state_set"), [_STATE_KEY, now])
    return not rows or rows[0][0] != now


def _no_case_warning(con: duckdb.DuckDBPyConnection, load_id: str) -> str | None:
    n, agent, customer = con.execute(
        sql_file(__package__, "twcs_no_case_counts"), [load_id]
    ).fetchall()[0]
    if not n or agent + customer < MOSTLY * n:
        return None
    if not agent:
        return (
            f"{customer} of the file's {n} tweets belong to no case (replies in reply cycles "
            "or to tweets that belong to none)."
        )
    also = f", and {customer} customer tweets reply to those" if customer else ""
    return (
        f"{agent} agent tweets reply to tweets not in the file: they belong to no case"
        f"{also} ({agent + customer} of the file's {n} tweets); load the customer tweets "
        "they answer to count these conversations."
    )


def _unbranded_warning(con: duckdb.DuckDBPyConnection, load_id: str) -> str | None:
    n, unbranded = con.execute(
        sql_file(__package__, "twcs_unbranded_counts"), [load_id]
    ).fetchall()[0]
    if not n or unbranded < MOSTLY * n:
        return None
    n, unbranded, top = con.execute(sql_file(__package__, "twcs_unbranded"), [load_id]).fetchall()[
        0
    ]
    mentioned = f" (most @mentioned: {top})" if top else ""
    return (
        f"{unbranded} of the file's {n} cases have no brand: no agent reply names it and "
        f"none of their @mentions is a known brand handle{mentioned}; set "
        "sources.brand_handles in socialcare.toml or load with --brand-handles."
    )


def one_sided_warnings(con: duckdb.DuckDBPyConnection, load_id: str) -> tuple[str, ...]:
    """Warnings of a Twitter load, after its cases are rebuilt: most of its tweets in no case (an
    outbound-only export), most of its cases without a brand (an inbound-only one)."""
    return tuple(w for w in (_no_case_warning(con, load_id), _unbranded_warning(con, load_id)) if w)
