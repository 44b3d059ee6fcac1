"""The Kaggle "Customer Support Ticket Dataset" format: one row = one ticket = one case.

Rules (README "Phone, ticket and survey sources"): channel from `Ticket Channel`; the customer
is `Customer Id`, else a hash of the e-mail (names and e-mails are never stored); opened at
`Created At` when the export has it, else at the earliest of the ticket's own timestamps
(flag `opened_at_inferred`), else at its date of purchase (flag `opened_at_from_purchase_date`).
Timestamps that contradict each other are flagged and the contradicted one is not used, so no
duration is ever negative. The description is the customer's message, the resolution text the
agent's; a rating becomes survey `ticket:<Ticket ID>:csat`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from etl.parsed import Parsed, quarantine_frame
from etl.settings.config import Config
from etl.sources.io import SourceError
from etl.sources.mapped_tables import INTERACTION_COLUMNS, SURVEY_COLUMNS, issue_categories
from etl.sources.registry import register
from etl.sources.source_fields import (
    LOCAL_DATES,
    joined_flags,
    local_date_formats,
    local_dates_note,
    numbers,
    present,
    reasons_of,
    rejected_rows,
    short_hashes,
    slashed_day_first,
    stripped,
    timestamps,
    value_reason,
)
from etl.sources.xlsx import read_text
from etl.text.enrich import (
    asks_private_flags,
    load_playbook,
    masked_texts,
    runaround_flags,
    sentiment_scores,
)

ID, TYPE, DESCRIPTION, STATUS = "Ticket ID", "Ticket Type", "Ticket Description", "Ticket Status"
RESOLUTION, CHANNEL = "Resolution", "Ticket Channel"
FIRST, RESOLVED, RATING = (
    "First Response Time",
    "Time to Resolution",
    "Customer Satisfaction Rating",
)
EMAIL, CUSTOMER, BRAND, CREATED, PURCHASE = (
    "Customer Email",
    "Customer Id",
    "Brand",
    "Created At",
    "Date of Purchase",
)
REQUIRED = (ID, TYPE, DESCRIPTION, STATUS, RESOLUTION, CHANNEL, FIRST, RESOLVED, RATING)
NAME = "Customer Name"  # never stored, not even in quarantine (as the e-mail)
# Optional columns, matched in any spelling (case, spaces): the name and e-mail above all, so
# that a file headed CUSTOMER NAME keeps them out of the quarantine as well.
KNOWN = (NAME, EMAIL, CUSTOMER, BRAND, CREATED, PURCHASE)
CHANNELS = {"email": "email", "phone": "phone", "social media": "social", "chat": "chat"}
STATUSES = {"closed": "resolved", "open": "open", "pending customer response": "open"}
TIME_FORMATS = ("iso",)  # 2023-06-01 12:43:23 (naive: the source zone), or ISO with an offset
MESSAGE_COLUMNS = [
    "message_id",
    "interaction_id",
    "seq",
    "author_role",
    "author_id",
    "sent_at",
    "text",
    "sentiment",
    "asks_private",
    "is_runaround",
]


def _checked(
    frame: pd.DataFrame, zone: str, day_first: bool | None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Typed tickets and the quarantined records with their reasons."""
    tid, channel_text, status_text = (
        stripped(frame, ID),
        stripped(frame, CHANNEL),
        stripped(frame, STATUS),
    )
    channel = channel_text.str.lower().map(CHANNELS)
    status = status_text.str.lower().map(STATUSES)
    texts = {c: stripped(frame, c) for c in (CREATED, FIRST, RESOLVED, PURCHASE)}
    local = local_date_formats(day_first, True)
    times = {c: timestamps(t, (*TIME_FORMATS, *local), zone) for c, t in texts.items()}
    rating_text = stripped(frame, RATING)
    rating = numbers(rating_text, 1, 5)
    rating_nan = (
        pd.to_numeric(rating_text.astype("string"), errors="coerce").isna().to_numpy(dtype=bool)
    )
    undated = ~(present(texts[CREATED]) | present(texts[FIRST]) | present(texts[RESOLVED]))
    checks = [
        (~present(tid), f"missing key: {ID} is empty"),
        (
            channel.isna().to_numpy(dtype=bool),
            value_reason(
                channel_text,
                f"not in map: {CHANNEL} {{v}} is not Email, Phone, Social media or Chat",
            ),
        ),
        (
            status.isna().to_numpy(dtype=bool),
            value_reason(
                status_text,
                f"not in map: {STATUS} {{v}} is not Open, Pending Customer Response or Closed",
            ),
        ),
        *[
            (
                times[c].bad,
                value_reason(
                    texts[c], f"bad timestamp: {c} {{v}} is not YYYY-MM-DD HH:MM:SS {LOCAL_DATES}"
                ),
            )
            for c in (CREATED, FIRST, RESOLVED)
        ],
        (
            undated & ~present(texts[PURCHASE]),
            f"missing value: no {CREATED}, {FIRST}, {RESOLVED} nor {PURCHASE} to date the ticket",
        ),
        (
            undated & times[PURCHASE].bad,
            value_reason(
                texts[PURCHASE], f"bad timestamp: {PURCHASE} {{v}} is not YYYY-MM-DD {LOCAL_DATES}"
            ),
        ),
        (
            rating.bad & rating_nan,
            value_reason(rating_text, f"wrong type: {RATING} {{v}} is not a number"),
        ),
        (rating.bad, value_reason(rating_text, f"out of range: {RATING} {{v}} is not from 1 to 5")),
    ]
    reasons = reasons_of(frame.index, checks)
    ok = reasons.isna().to_numpy(dtype=bool)
    customer = stripped(frame, CUSTOMER)
    typed = pd.DataFrame(
        {
            "ticket_id": tid,
            "channel": channel,
            "platform": channel_text,
            "raw_status": status,
            "closed": (status_text.str.lower() == "closed").fillna(False).astype(bool),
            "created": times[CREATED].values,
            "first": times[FIRST].values,
            "resolved": times[RESOLVED].values,
            "purchase": times[PURCHASE].values,
            "customer_id": customer.where(customer.notna(), short_hashes(stripped(frame, EMAIL))),
            "brand": stripped(frame, BRAND),
            "label": stripped(frame, TYPE),
            "description": stripped(frame, DESCRIPTION),
            "resolution": stripped(frame, RESOLUTION),
            "rating": rating.values,
        }
    )
    columns = [c for c in frame.columns if c != "_line" and c not in (NAME, EMAIL)]
    bad = rejected_rows(frame, reasons, columns)  # never the name or e-mail, not even in quarantine
    return typed[ok].drop_duplicates("ticket_id", keep="last").reset_index(drop=True), bad


def ticket_times(t: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series]:
    """opened / first response / resolved times with contradictions removed, and the dq flags."""
    created, first, resolved = t["created"], t["first"], t["resolved"]
    closed = t["closed"].to_numpy(dtype=bool)
    has = {
        k: s.notna().to_numpy(dtype=bool)
        for k, s in (("c", created), ("f", first), ("r", resolved))
    }
    response_early = has["c"] & has["f"] & (first < created).to_numpy(dtype=bool)
    first = first.where(~response_early)
    res_before_created = has["c"] & has["r"] & (resolved < created).to_numpy(dtype=bool)
    res_before_response = (
        has["r"] & first.notna().to_numpy(dtype=bool) & (resolved < first).to_numpy(dtype=bool)
    )
    resolution_on_open = has["r"] & ~closed
    resolved = resolved.where(~(res_before_created | res_before_response | resolution_on_open))
    inferred = pd.concat([first, resolved], axis=1).min(axis=1)
    from_purchase = ~has["c"] & inferred.isna().to_numpy(dtype=bool)
    opened = created.fillna(inferred).fillna(t["purchase"])
    flags = joined_flags(
        t.index,
        [
            (~has["c"], "opened_at_inferred"),
            (from_purchase, "opened_at_from_purchase_date"),
            (response_early, "response_before_creation"),
            (res_before_created, "resolution_before_creation"),
            (res_before_response, "resolution_before_response"),
            (resolution_on_open, "resolution_time_on_open_ticket"),
            (closed & ~has["r"], "closed_without_resolution_time"),
        ],
    )
    return pd.DataFrame({"opened": opened, "first": first, "resolved": resolved}), flags


def interactions_table(t: pd.DataFrame, config: Config) -> pd.DataFrame:
    """One interaction per ticket."""
    times, flags = ticket_times(t)
    answered = times["first"].notna().to_numpy(dtype=bool)
    status = np.where(
        t["closed"].to_numpy(dtype=bool), "resolved", np.where(answered, "open", "unanswered")
    )
    last = pd.concat([times["opened"], times["first"], times["resolved"]], axis=1).max(axis=1)
    playbook = load_playbook(config.playbook)
    return pd.DataFrame(
        {
            "interaction_id": "ticket:" + t["ticket_id"],
            "source": "tickets",
            "channel": t["channel"],
            "platform": t["platform"],
            "brand": t["brand"],
            "customer_id": t["customer_id"],
            "agent_id": None,
            "issue_category": issue_categories(t["label"], t["label"], playbook),
            "opened_at": times["opened"],
            "first_customer_at": times["opened"],
            "first_response_at": times["first"],
            "resolved_at": times["resolved"],
            "last_activity_at": last,
            "status": status,
            "handled_privately": False,
            "transfers": 0,
            "handle_seconds": np.nan,
            "reopened": False,
            "dq_flags": flags,
        }
    )[INTERACTION_COLUMNS]


def messages_table(t: pd.DataFrame, cases: pd.DataFrame) -> pd.DataFrame:
    """The description as the customer's message and the resolution text as the agent's reply."""
    has_desc = t["description"].notna().to_numpy(dtype=bool)
    has_res = t["resolution"].notna().to_numpy(dtype=bool)
    desc = pd.DataFrame(
        {
            "message_id": cases["interaction_id"] + ":desc",
            "interaction_id": cases["interaction_id"],
            "seq": 1,
            "author_role": "customer",
            "author_id": cases["customer_id"],
            "sent_at": cases["opened_at"],
            "text": t["description"],
            "is_agent": False,
        }
    )[has_desc]
    res = pd.DataFrame(
        {
            "message_id": cases["interaction_id"] + ":res",
            "interaction_id": cases["interaction_id"],
            "seq": np.where(has_desc, 2, 1),
            "author_role": "agent",
            "author_id": None,
            "sent_at": cases["resolved_at"].fillna(cases["last_activity_at"]),
            "text": t["resolution"],
            "is_agent": True,
        }
    )[has_res]
    m = pd.concat([desc, res], ignore_index=True)
    text = masked_texts(m["text"]) if len(m) else m["text"]
    agent = m.pop("is_agent").to_numpy(dtype=bool)
    asks_private, runaround = np.zeros(len(m), dtype=bool), np.zeros(len(m), dtype=bool)
    if agent.any():
        asks_private[agent] = asks_private_flags(text[agent])
        runaround[agent] = runaround_flags(text[agent])
    m = m.assign(
        text=text,
        sentiment=sentiment_scores(text) if len(m) else np.zeros(0),
        asks_private=asks_private,
        is_runaround=runaround,
    )
    m["seq"] = m["seq"].astype("int32")
    return m.sort_values(["interaction_id", "seq"]).reset_index(drop=True)[MESSAGE_COLUMNS]


def surveys_table(t: pd.DataFrame, cases: pd.DataFrame) -> pd.DataFrame:
    """One csat survey per rated ticket, answered at the ticket's last activity."""
    rated = t["rating"].notna().to_numpy(dtype=bool)
    c = cases[rated]
    return pd.DataFrame(
        {
            "survey_id": c["interaction_id"] + ":csat",
            "interaction_id": c["interaction_id"],
            "customer_id": c["customer_id"],
            "channel": c["channel"],
            "brand": c["brand"],
            "responded_at": c["last_activity_at"],
            "csat": t["rating"][rated],
            "nps": np.nan,
            "would_recommend": pd.array([pd.NA] * len(c), dtype="boolean"),
            "verbatim": None,
            "sentiment": np.nan,
        }
    )[SURVEY_COLUMNS].reset_index(drop=True)


def parse_tickets(path: Path, config: Config) -> Parsed:
    """Read a ticket export into interactions, messages, csat surveys and quarantined rows."""
    src = read_text(path, REQUIRED, known=KNOWN)
    if CUSTOMER not in src.frame and EMAIL not in src.frame:
        raise SourceError(
            f"{path}, line 1: missing column {EMAIL} (or {CUSTOMER}); "
            f"found {', '.join(c for c in src.frame.columns if c != '_line')}."
        )
    day_first = _day_first(src.frame)
    tickets, bad = _checked(src.frame, config.source_timezone, day_first)
    cases = interactions_table(tickets, config)
    valid = len(src.frame) - len(bad)
    notes = (
        (f"{valid - len(tickets)} repeated {ID}(s): the later row wins",)
        if valid > len(tickets)
        else ()
    )
    parts = [q for q in (quarantine_frame(src.rejects), bad) if not q.empty]
    return Parsed(
        kind="tickets",
        source="tickets",
        path=str(path),
        rows_read=src.rows_read,
        tables={
            "interactions": cases.reset_index(drop=True),
            "messages": messages_table(tickets, cases),
            "surveys": surveys_table(tickets, cases),
        },
        quarantine=pd.concat(parts, ignore_index=True)
        if parts
        else quarantine_frame(pd.DataFrame()),
        notes=notes + local_dates_note(day_first) + src.notes,
    )


def _day_first(frame: pd.DataFrame) -> bool | None:
    """Whether the export's slashed dates put the day first (None: none, or cannot tell)."""
    return slashed_day_first(*(stripped(frame, c) for c in (CREATED, FIRST, RESOLVED, PURCHASE)))


register("tickets", lambda source, config, mapping: parse_tickets(Path(source), config))
