"""The Kaggle "Customer Support on Twitter" (TWCS) format: validate tweets, enrich, rebuild cases."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from etl.config import Config
from etl.enrich import (
    agent_signatures,
    asks_private_flags,
    masked_texts,
    runaround_flags,
    sentiment_scores,
)
from etl.io import read_csv_text
from etl.parsed import Parsed, quarantine_frame

REQUIRED = ("tweet_id", "author_id", "inbound", "created_at", "text", "in_response_to_tweet_id")
TWITTER_TIME = "%a %b %d %H:%M:%S %z %Y"

_VALIDATE_SQL = """
select
    _line,
    try_cast(try_cast(trim(tweet_id) as double) as bigint) as tweet_id,
    trim(author_id) as author_id,
    case lower(trim(inbound)) when 'true' then true when 'false' then false end as inbound,
    coalesce(try_strptime(trim(created_at), $fmt), try_cast(trim(created_at) as timestamptz))
        as created_at,
    text,
    case when nullif(trim(in_response_to_tweet_id), '') is null then null
         else try_cast(try_cast(trim(in_response_to_tweet_id) as double) as bigint) end
        as in_response_to,
    nullif(trim(in_response_to_tweet_id), '') is not null as has_parent_text,
    tweet_id as raw_tweet_id, created_at as raw_created_at, inbound as raw_inbound
from frame
"""


@dataclass(frozen=True)
class _Checked:
    good: pd.DataFrame
    bad: pd.DataFrame


def _checked_rows(frame: pd.DataFrame) -> _Checked:
    """Typed tweets and the rows that fail validation, each with a reason."""
    con = duckdb.connect()
    con.register("frame", frame)
    typed = con.execute(_VALIDATE_SQL, {"fmt": TWITTER_TIME}).df()
    con.close()
    reasons = pd.Series(None, index=typed.index, dtype=object)
    checks = (
        (typed["tweet_id"].isna(), "tweet_id is missing or not an integer"),
        (typed["author_id"].isna() | (typed["author_id"] == ""), "author_id is missing"),
        (typed["inbound"].isna(), "inbound is not TRUE/FALSE"),
        (typed["created_at"].isna(), "created_at is not a Twitter timestamp"),
        (typed["has_parent_text"] & typed["in_response_to"].isna(),
         "in_response_to_tweet_id is not an integer"),
    )
    for mask, reason in reversed(checks):
        reasons[mask.to_numpy()] = reason
    bad_mask = reasons.notna().to_numpy()
    raw_rows = frame.loc[bad_mask, list(REQUIRED)].fillna("").astype(str).to_numpy().tolist()
    bad = typed.loc[bad_mask, ["_line"]].assign(
        raw=[",".join(r) for r in raw_rows], reason=reasons[bad_mask].to_numpy()
    )
    good = typed.loc[~bad_mask, ["_line", "tweet_id", "author_id", "inbound", "created_at", "text",
                                  "in_response_to"]]
    # Duplicated rows: the later row in the file wins.
    good = good.drop_duplicates("tweet_id", keep="last").reset_index(drop=True)
    return _Checked(good, bad.rename(columns={"_line": "line"}))


def enriched_tweets(good: pd.DataFrame) -> pd.DataFrame:
    """Tweets with masked text, sentiment, agent signature and reply flags (the raw_twcs rows)."""
    text = masked_texts(good["text"])
    outbound = ~good["inbound"].astype(bool).to_numpy()
    sig = agent_signatures(text).where(outbound, None)
    flags_private = asks_private_flags(text) & outbound
    flags_runaround = runaround_flags(text) & outbound
    return pd.DataFrame({
        "tweet_id": good["tweet_id"].astype("int64"),
        "author_id": good["author_id"],
        "inbound": good["inbound"].astype(bool),
        "created_at": good["created_at"],
        "text": text,
        "in_response_to": good["in_response_to"].astype("Int64"),
        "sentiment": sentiment_scores(text),
        "signature": sig,
        "asks_private": flags_private,
        "is_runaround": flags_runaround,
        "line": good["_line"].astype("int64"),
    })


def parse_twcs(path: Path, config: Config) -> Parsed:
    """Read a TWCS file into enriched raw tweets; cases are rebuilt from all tweets in the warehouse."""
    csv = read_csv_text(path, REQUIRED)
    checked = _checked_rows(csv.frame)
    quarantine = pd.concat([quarantine_frame(csv.rejects), checked.bad], ignore_index=True)
    tweets = enriched_tweets(checked.good)
    return Parsed(
        kind="twcs",
        source="twcs",
        path=str(path),
        rows_read=csv.rows_read,
        tables={"raw_twcs": tweets.drop(columns=["line"])},
        quarantine=quarantine,
    )


def case_roots(tweet_id: np.ndarray, parent: np.ndarray, inbound: np.ndarray) -> np.ndarray:
    """For each tweet, the tweet_id of the case root it belongs to, or -1 when in no case.

    A root is an inbound tweet whose parent is empty, absent from the data, or an outbound
    tweet that itself has no parent in the data (a brand broadcast). Every other tweet
    belongs to the case of its parent; pointer doubling resolves deep threads in log steps.
    """
    n = len(tweet_id)
    order = np.argsort(tweet_id, kind="stable")
    sorted_ids = tweet_id[order]
    pos = np.searchsorted(sorted_ids, parent)
    pos = np.clip(pos, 0, max(n - 1, 0))
    found = (parent >= 0) & (n > 0) & (sorted_ids[pos] == parent) if n else np.zeros(0, bool)
    parent_idx = np.where(found, order[pos] if n else 0, -1)
    parent_has_parent = np.zeros(n, dtype=bool)
    parent_has_parent[found] = parent_idx[parent_idx[found]] >= 0 if found.any() else False
    parent_inbound = np.zeros(n, dtype=bool)
    parent_inbound[found] = inbound[parent_idx[found]]
    is_root = inbound & (~found | (~parent_inbound & ~parent_has_parent))
    nxt = np.where(is_root, np.arange(n), parent_idx)
    for _ in range(64):
        following = np.where(nxt >= 0, nxt[np.maximum(nxt, 0)], -1)
        following = np.where(is_root, np.arange(n), following)
        if np.array_equal(following, nxt):
            break
        nxt = following
    in_case = (nxt >= 0) & is_root[np.maximum(nxt, 0)]
    return np.where(in_case, tweet_id[np.maximum(nxt, 0)], -1)


_CASES_SQL = """
with t as (
    select t.* replace (t.author_id::varchar as author_id, t.signature::varchar as signature,
                        t.text::varchar as text),
        r.root_id
    from tweets t join roots r using (tweet_id) where r.root_id >= 0
),
firsts as (
    select root_id,
        min(created_at) filter (where not inbound) as first_response_at,
        arg_min(author_id, (created_at, tweet_id)) filter (where not inbound) as first_brand,
        arg_min(signature, (created_at, tweet_id)) filter (where not inbound) as first_signature,
        count(distinct signature) filter (where not inbound) as n_signatures,
        bool_or(asks_private) filter (where not inbound) as asks_private,
        count(*) filter (where not inbound) as n_outbound,
        max(created_at) as last_activity_at,
        max(created_at) filter (where inbound) as last_customer_at,
        arg_max(resolves, (created_at, tweet_id)) filter (where inbound) as last_customer_resolves,
        bool_or(resolves) filter (where inbound and created_at < last_unresolving) as reopened_raw
    from (
        select t.*,
            max(created_at) filter (where inbound and not resolves)
                over (partition by root_id) as last_unresolving
        from t
    ) t
    group by root_id
),
roots_info as (
    select t.root_id, t.author_id as customer_id, t.created_at as opened_at, t.text as root_text,
        p.author_id::varchar as parent_author, p.inbound as parent_inbound
    from t left join tweets p on p.tweet_id = t.in_response_to
    where t.tweet_id = t.root_id
)
select
    'twcs:' || r.root_id as interaction_id,
    'twcs' as source, 'social' as channel, 'twitter' as platform,
    coalesce(f.first_brand,
             case when r.parent_inbound = false then r.parent_author end,
             (select b.brand from known_brands b
              where contains(lower(r.root_text), '@' || lower(b.brand::varchar))
              order by position(lower('@' || b.brand::varchar) in lower(r.root_text)) limit 1)) as brand,
    r.customer_id,
    coalesce(f.first_signature, f.first_brand) as agent_id,
    r.root_text,
    r.opened_at,
    r.opened_at as first_customer_at,
    f.first_response_at,
    case when f.n_outbound > 0 and f.last_customer_resolves and f.last_customer_at > f.first_response_at
         then f.last_customer_at end as resolved_at,
    f.last_activity_at,
    case when f.n_outbound = 0 then 'unanswered'
         when f.last_customer_resolves and f.last_customer_at > f.first_response_at then 'resolved'
         when f.asks_private then 'private'
         else 'open' end as status,
    coalesce(f.asks_private, false) as handled_privately,
    greatest(coalesce(f.n_signatures, 0) - 1, 0)::integer as transfers,
    null::double as handle_seconds,
    coalesce(f.reopened_raw, false) as reopened,
    case when f.first_response_at < r.opened_at then 'negative_frt' end as dq_flags
from roots_info r join firsts f using (root_id)
"""

_MESSAGES_SQL = """
select
    'twcs:' || t.tweet_id as message_id,
    'twcs:' || r.root_id as interaction_id,
    (row_number() over (partition by r.root_id order by t.created_at, t.tweet_id))::integer as seq,
    case when t.inbound then 'customer' else 'agent' end as author_role,
    t.author_id, t.created_at as sent_at, t.text, t.sentiment, t.asks_private, t.is_runaround,
    t.load_id
from tweets t join roots r using (tweet_id)
where r.root_id >= 0
"""


def cases_from_tweets(tweets: pd.DataFrame, playbook_categories) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Interactions and messages rebuilt from every stored tweet (the rules of contracts.md)."""
    from etl.enrich import resolution_flags

    roots = pd.DataFrame({
        "tweet_id": tweets["tweet_id"].to_numpy(),
        "root_id": case_roots(
            tweets["tweet_id"].to_numpy(dtype=np.int64),
            tweets["in_response_to"].fillna(-1).to_numpy(dtype=np.int64),
            tweets["inbound"].to_numpy(dtype=bool),
        ),
    })
    tweets = tweets.assign(resolves=resolution_flags(tweets["text"]))
    known_brands = pd.DataFrame(
        {"brand": pd.Series(sorted(tweets.loc[~tweets["inbound"], "author_id"].unique()), dtype=object)})
    con = duckdb.connect()
    for name, frame in (("tweets", tweets), ("roots", roots), ("known_brands", known_brands)):
        con.register(name, frame)
    cases = con.execute(_CASES_SQL).df()
    messages = con.execute(_MESSAGES_SQL).df()
    con.close()
    customer_text = cases.pop("root_text")
    cases["issue_category"] = playbook_categories(customer_text)
    load_of_root = tweets.set_index("tweet_id")["load_id"]
    cases["load_id"] = load_of_root.reindex(
        cases["interaction_id"].str.slice(5).astype("int64")).to_numpy()
    return cases, messages
