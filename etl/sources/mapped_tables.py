"""Canonical tables from typed mapped rows: interactions, messages (with derived cases), surveys."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd

from etl.sources.mapping import Mapping
from etl.sql_files import sql_file
from etl.text.enrich import (
    Playbook,
    asks_private_flags,
    categories_from_labels,
    categories_from_text,
    masked_texts,
    resolution_flags,
    runaround_flags,
    sentiment_scores,
)
from etl.text.language import SCORED_BY_VADER
from etl.text.text_sql import languages_of

INTERACTION_COLUMNS = [
    "interaction_id",
    "source",
    "channel",
    "platform",
    "brand",
    "customer_id",
    "agent_id",
    "issue_category",
    "opened_at",
    "first_customer_at",
    "first_response_at",
    "resolved_at",
    "last_activity_at",
    "status",
    "handled_privately",
    "transfers",
    "handle_seconds",
    "reopened",
    "dq_flags",
]
# What a message of a mapped export carries beyond the `messages` table; its case derives from them.
MESSAGE_FACETS = (
    "source",
    "channel",
    "platform",
    "brand",
    "issue_category",
    "resolves",
    "created_at",
)
SURVEY_COLUMNS = [
    "survey_id",
    "interaction_id",
    "customer_id",
    "channel",
    "brand",
    "responded_at",
    "csat",
    "nps",
    "would_recommend",
    "verbatim",
    "sentiment",
]


def _col(good: pd.DataFrame, name: str, default=None) -> pd.Series:
    if name in good:
        return good[name]
    return pd.Series(default, index=good.index, dtype=object)


def issue_categories(labels: pd.Series, texts: pd.Series | None, playbook: Playbook) -> pd.Series:
    """Category per row: a playbook id or source label, else keywords of the customer's text, else 'other'."""
    known = {c.id for c in playbook.categories}
    low = labels.astype("string").str.strip().str.lower()
    by_label = categories_from_labels(labels, playbook)
    named = low.isin(known).fillna(False) | low.isin(list(playbook.source_labels)).fillna(False)
    if texts is None:
        return by_label
    todo = ~named.to_numpy(dtype=bool)
    unique = texts[todo].drop_duplicates()  # exports repeat subjects: classify each text once
    by_text = pd.Series(categories_from_text(unique, playbook).to_numpy(), index=unique.to_numpy())
    out = by_label.copy()
    out[todo] = texts[todo].map(by_text).fillna("other").to_numpy()
    return out


def _derived_status(good: pd.DataFrame, channel: pd.Series) -> pd.Series:
    """resolved when resolved_at is set, open when answered, else abandoned (phone) or unanswered."""
    resolved = _col(good, "resolved_at").notna().to_numpy(dtype=bool)
    answered = _col(good, "first_response_at").notna().to_numpy(dtype=bool)
    unanswered = np.where(channel.to_numpy() == "phone", "abandoned", "unanswered")
    return pd.Series(
        np.where(resolved, "resolved", np.where(answered, "open", unanswered)),
        index=good.index,
        dtype=object,
    )


def interactions_table(good: pd.DataFrame, m: Mapping, playbook: Playbook) -> pd.DataFrame:
    """One canonical interaction per row of an `interactions` mapping."""
    channel = good["channel"]
    status = _col(good, "status").where(
        _col(good, "status").notna(), _derived_status(good, channel)
    )
    first_customer, first = good["opened_at"], _col(good, "first_response_at")
    # The case opens when it was created in the source tool, where the export says so
    # (created_at); the first-response clock of sla.frt_clock = "case_created" starts there.
    opened = (
        _col(good, "created_at").fillna(first_customer) if "created_at" in good else first_customer
    )
    subject = good["subject"] if "subject" in good else None
    negative = (first.notna() & (first < first_customer)) if "first_response_at" in good else None
    out = pd.DataFrame(
        {
            "interaction_id": good["interaction_id"],
            "source": m.name,
            "channel": channel,
            "platform": _col(good, "platform"),
            "brand": _col(good, "brand"),
            "customer_id": _col(good, "customer_id"),
            "agent_id": _col(good, "agent_id"),
            "issue_category": issue_categories(_col(good, "issue_category"), subject, playbook),
            "opened_at": opened,
            "first_customer_at": first_customer,
            "first_response_at": first,
            "resolved_at": _col(good, "resolved_at"),
            "last_activity_at": None,
            "status": status,
            "handled_privately": (
                _col(good, "handled_privately").fillna(False).astype(bool) | (status == "private")
            ),
            "transfers": _col(good, "transfers").fillna(0).astype("int64"),
            "handle_seconds": _col(good, "handle_seconds").astype("float64"),
            "reopened": False,
            "dq_flags": np.where(negative, "negative_frt", None) if negative is not None else None,
        },
        index=good.index,
    )[INTERACTION_COLUMNS]
    if "team" in good:  # the team that handled the case, where the export says (NULL otherwise)
        out = out.assign(team=good["team"].astype("string"))
    return out.reset_index(drop=True)


def native_surveys(good: pd.DataFrame, cases: pd.DataFrame) -> pd.DataFrame:
    """The rating columns of an `interactions` mapping as survey rows `<interaction_id>:csat`."""
    scores = [f for f in ("csat", "nps", "would_recommend") if f in good]
    if not scores:
        return pd.DataFrame(columns=SURVEY_COLUMNS)
    rated = good[scores].notna().any(axis=1).to_numpy(dtype=bool)
    c = cases[rated]
    frame = pd.DataFrame(
        {
            "survey_id": c["interaction_id"] + ":csat",
            "interaction_id": c["interaction_id"],
            "customer_id": c["customer_id"],
            "channel": c["channel"],
            "brand": c["brand"],
            "responded_at": c["resolved_at"].fillna(c["opened_at"]),
            "csat": _col(good, "csat").astype("float64")[rated].to_numpy(),
            "nps": _col(good, "nps").astype("float64")[rated].to_numpy(),
            "would_recommend": _col(good, "would_recommend").astype("boolean")[rated].to_numpy(),
            "verbatim": None,
            "sentiment": np.nan,
        }
    )
    return frame[SURVEY_COLUMNS].reset_index(drop=True)


def surveys_table(good: pd.DataFrame) -> pd.DataFrame:
    """One canonical survey response per row of a `surveys` mapping (verbatim masked and scored)."""
    verbatim = masked_texts(_col(good, "verbatim"))
    frame = pd.DataFrame(
        {f: _col(good, f) for f in SURVEY_COLUMNS if f not in ("verbatim", "sentiment")}
    )
    for f in ("csat", "nps"):
        frame[f] = frame[f].astype("float64")
    frame["would_recommend"] = frame["would_recommend"].astype("boolean")
    frame["verbatim"] = verbatim
    frame["sentiment"] = sentiment_scores(verbatim)
    return frame[SURVEY_COLUMNS].reset_index(drop=True)


def messages_table(good: pd.DataFrame, m: Mapping) -> pd.DataFrame:
    """Messages with masked text, sentiment, private/run-around flags on agent replies, and the
    facets their case is derived from (MESSAGE_FACETS)."""
    text = masked_texts(_col(good, "text"))
    agent = (good["author_role"] == "agent").to_numpy(dtype=bool)
    asks_private, runaround, resolves = (np.zeros(len(text), dtype=bool) for _ in range(3))
    asks_private[agent] = asks_private_flags(text[agent])
    runaround[agent] = runaround_flags(text[agent])
    resolves[~agent] = resolution_flags(text[~agent])
    language = languages_of(text)
    sentiment = np.asarray(sentiment_scores(text), dtype=float)
    sentiment[~np.isin(language, [None, *SCORED_BY_VADER])] = np.nan  # VADER reads English only
    return pd.DataFrame(
        {
            "message_id": good["message_id"],
            "interaction_id": good["interaction_id"],
            "author_role": good["author_role"],
            "author_id": _col(good, "author_id"),
            "sent_at": good["sent_at"],
            "text": text,
            "sentiment": sentiment,
            "language": language,
            "asks_private": asks_private,
            "is_runaround": runaround,
            "resolves": resolves,
            "source": m.name,
            **{f: _col(good, f) for f in ("channel", "platform", "brand", "issue_category")},
            "created_at": _col(good, "created_at", pd.NaT).astype("datetime64[us, UTC]"),
        }
    ).reset_index(drop=True)


def cases_from_messages(
    messages: pd.DataFrame, playbook: Playbook
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Interactions derived from every message of their cases (see README; `source` = that of a
    case's first message), and the messages with their `seq`, without the per-message facets."""
    con = duckdb.connect()
    con.register("msgs", messages)
    f = con.execute(sql_file(__package__, "mapped_cases")).df()
    seq = con.execute(sql_file(__package__, "mapped_seq")).df()
    con.close()
    # NULL (no customer message: a file holding only a conversation's replies) counts as no.
    resolved = f["is_resolved"].fillna(False).astype(bool).to_numpy()
    private = f["asks_private"].fillna(False).astype(bool).to_numpy()
    status = np.where(
        f["first_response_at"].isna(),
        "unanswered",
        np.where(resolved, "resolved", np.where(private, "private", "open")),
    )
    cases = pd.DataFrame(
        {
            "interaction_id": f["interaction_id"],
            "source": f["source"],
            "channel": f["channel"],
            "platform": f["platform"],
            "brand": f["brand"],
            "customer_id": f["customer_id"],
            "agent_id": f["agent_id"],
            "issue_category": issue_categories(f["label"], f["customer_text"], playbook),
            "opened_at": f["created_at"].fillna(f["opened_at"]),
            "first_customer_at": f["opened_at"],
            "first_response_at": f["first_response_at"],
            "resolved_at": f["last_customer_at"].where(resolved),
            "last_activity_at": f["last_activity_at"],
            "status": status,
            "handled_privately": private,
            "transfers": (f["n_agents"].fillna(0) - 1).clip(lower=0).astype("int64"),
            "handle_seconds": np.nan,
            "reopened": f["reopened"].fillna(False).astype(bool),
            # agent messages only (a one-sided export): the opening is inferred from the first of
            # them, so the case has no measurable response or resolution time (fct_cases)
            "dq_flags": np.where(
                f["n_customer"].fillna(0).to_numpy() == 0, "opened_at_inferred", None
            ),
        }
    )[INTERACTION_COLUMNS]
    out = messages.drop(columns=list(MESSAGE_FACETS))
    out = out.merge(seq, on="message_id", how="left")
    return cases.sort_values("interaction_id").reset_index(drop=True), out
