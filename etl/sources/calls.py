"""The PwC call-centre format (CSV or the original XLSX): one row = one phone call = one case.

Rules (README "Phone, ticket and survey sources"): opened at Date + Time in the source zone;
answered after `Speed of answer in seconds`; talk time `AvgTalkDuration` is the handle time
and, for a resolved call, ends the case. Unanswered calls are `abandoned`, and their blank
speed, talk time and rating stay NULL (never 0). A rating becomes survey `pwc:<Call Id>:csat`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from etl.parsed import Parsed, quarantine_frame
from etl.settings.config import Config
from etl.sources.mapped_tables import INTERACTION_COLUMNS, SURVEY_COLUMNS, issue_categories
from etl.sources.registry import register
from etl.sources.source_fields import (
    LOCAL_DATES,
    durations,
    joined_flags,
    local_date_formats,
    local_dates_note,
    numbers,
    present,
    reasons_of,
    rejected_rows,
    seconds_later,
    slashed_day_first,
    stripped,
    times_of_day,
    timestamps,
    value_reason,
    yes_no,
)
from etl.sources.xlsx import read_text
from etl.text.enrich import load_playbook

ID, AGENT, DATE, TIME, TOPIC = "Call Id", "Agent", "Date", "Time", "Topic"
ANSWERED, RESOLVED = "Answered (Y/N)", "Resolved"
SPEED, TALK, RATING = "Speed of answer in seconds", "AvgTalkDuration", "Satisfaction rating"
REQUIRED = (ID, AGENT, DATE, TIME, TOPIC, ANSWERED, RESOLVED, SPEED, TALK, RATING)
OPTIONAL = ("Customer Id", "Brand")
MAX_SECONDS = 86400.0  # a speed of answer or a talk time longer than a day is not a call


def _checked(
    frame: pd.DataFrame, zone: str, day_first: bool | None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Typed calls (one row per valid record) and the quarantined records with their reasons."""
    call_id, date_text, time_text = (
        stripped(frame, ID),
        stripped(frame, DATE),
        stripped(frame, TIME),
    )
    answered_text, resolved_text = stripped(frame, ANSWERED), stripped(frame, RESOLVED)
    speed_text, talk_text, rating_text = (
        stripped(frame, SPEED),
        stripped(frame, TALK),
        stripped(frame, RATING),
    )
    day_text = date_text.str.replace(r"\s+00:00:00$", "", regex=True)
    day = timestamps(day_text, ("%Y-%m-%d", *local_date_formats(day_first, False)), "UTC")
    clock = times_of_day(time_text)
    answered, resolved = yes_no(answered_text), yes_no(resolved_text)
    speed, talk = numbers(speed_text, 0, MAX_SECONDS), durations(talk_text, MAX_SECONDS)
    speed_nan = (
        pd.to_numeric(speed_text.astype("string"), errors="coerce").isna().to_numpy(dtype=bool)
    )
    rating = numbers(rating_text, 1, 5)
    rating_nan = (
        pd.to_numeric(rating_text.astype("string"), errors="coerce").isna().to_numpy(dtype=bool)
    )
    is_answered = answered.values.fillna(False).to_numpy(dtype=bool)
    checks = [
        (~present(call_id), f"missing key: {ID} is empty"),
        (~present(date_text), f"missing value: {DATE} is empty"),
        (
            day.bad,
            value_reason(
                date_text, f"bad timestamp: {DATE} {{v}} is not a date YYYY-MM-DD {LOCAL_DATES}"
            ),
        ),
        (~present(time_text), f"missing value: {TIME} is empty"),
        (
            clock.bad,
            value_reason(time_text, f"bad timestamp: {TIME} {{v}} is not a time of day h:mm:ss"),
        ),
        (
            ~present(answered_text) | answered.bad,
            value_reason(answered_text, f"not in map: {ANSWERED} {{v}} is not Y or N"),
        ),
        (
            ~present(resolved_text) | resolved.bad,
            value_reason(resolved_text, f"not in map: {RESOLVED} {{v}} is not Y or N"),
        ),
        (
            speed.bad & speed_nan,
            value_reason(speed_text, f"wrong type: {SPEED} {{v}} is not a number"),
        ),
        (
            speed.bad,
            value_reason(speed_text, f"out of range: {SPEED} {{v}} is not from 0 to 86400"),
        ),
        (
            talk.bad,
            value_reason(
                talk_text, f"wrong type: {TALK} {{v}} is not h:mm:ss (or seconds) up to one day"
            ),
        ),
        (
            rating.bad & rating_nan,
            value_reason(rating_text, f"wrong type: {RATING} {{v}} is not a number"),
        ),
        (rating.bad, value_reason(rating_text, f"out of range: {RATING} {{v}} is not from 1 to 5")),
        (is_answered & ~present(speed_text), f"missing value: answered call has no {SPEED}"),
    ]
    reasons = reasons_of(frame.index, checks)
    bad = rejected_rows(frame, reasons, [c for c in (*REQUIRED, *OPTIONAL)])
    ok = reasons.isna().to_numpy(dtype=bool)
    naive = day.values.dt.tz_localize(None) + pd.to_timedelta(clock.values, unit="s")
    opened = timestamps(
        naive.dt.strftime("%Y-%m-%d %H:%M:%S").astype(object).where(naive.notna(), None),
        ("%Y-%m-%d %H:%M:%S",),
        zone,
    ).values
    typed = pd.DataFrame(
        {
            "_line": frame["_line"],
            "call_id": call_id,
            "agent": stripped(frame, AGENT),
            "topic": stripped(frame, TOPIC),
            "opened_at": opened,
            "answered": is_answered,
            "resolved_flag": resolved.values.fillna(False).to_numpy(dtype=bool),
            "speed": speed.values,
            "talk": talk.values,
            "rating": rating.values,
            "customer_id": stripped(frame, "Customer Id"),
            "brand": stripped(frame, "Brand"),
        }
    )
    return typed[ok].drop_duplicates("call_id", keep="last").reset_index(drop=True), bad


def interactions_and_surveys(
    calls: pd.DataFrame, config: Config
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One interaction per call and one csat survey per rated call."""
    answered = calls["answered"].to_numpy(dtype=bool)
    has_talk = calls["talk"].notna().to_numpy(dtype=bool)
    leftover = ~answered & (calls["speed"].notna() | calls["talk"].notna()).to_numpy(dtype=bool)
    said_resolved = calls["resolved_flag"].to_numpy(dtype=bool)
    resolved = answered & said_resolved
    speed = calls["speed"].where(answered)
    talk = calls["talk"].where(answered)
    opened = calls["opened_at"]
    first = seconds_later(opened, speed)  # NaT for abandoned calls
    end = seconds_later(first, talk)  # NaT without talk time
    status = np.where(~answered, "abandoned", np.where(resolved, "resolved", "open"))
    flags = joined_flags(
        calls.index,
        [
            (leftover, "abandoned_with_answer_times"),
            (~answered & said_resolved, "abandoned_marked_resolved"),
            (answered & ~has_talk, "talk_missing"),
        ],
    )
    playbook = load_playbook(config.playbook)
    cases = pd.DataFrame(
        {
            "interaction_id": "pwc:" + calls["call_id"],
            "source": "pwc",
            "channel": "phone",
            "platform": "phone",
            "brand": calls["brand"],
            "customer_id": calls["customer_id"],
            "agent_id": calls["agent"],
            "issue_category": issue_categories(calls["topic"], calls["topic"], playbook),
            "opened_at": opened,
            "first_customer_at": opened,
            "first_response_at": first,
            "resolved_at": end.where(resolved),
            "last_activity_at": end.fillna(first).fillna(opened),
            "status": status,
            "handled_privately": False,
            "transfers": 0,
            "handle_seconds": talk,
            "reopened": False,
            "dq_flags": flags,
        }
    )[INTERACTION_COLUMNS]
    rated = calls["rating"].notna().to_numpy(dtype=bool)
    c = cases[rated]
    surveys = pd.DataFrame(
        {
            "survey_id": c["interaction_id"] + ":csat",
            "interaction_id": c["interaction_id"],
            "customer_id": c["customer_id"],
            "channel": "phone",
            "brand": c["brand"],
            "responded_at": c["last_activity_at"],
            "csat": calls["rating"][rated],
            "nps": np.nan,
            "would_recommend": pd.array([pd.NA] * len(c), dtype="boolean"),
            "verbatim": None,
            "sentiment": np.nan,
        }
    )[SURVEY_COLUMNS]
    return cases.reset_index(drop=True), surveys.reset_index(drop=True)


def parse_calls(path: Path, config: Config) -> Parsed:
    """Read a PwC call-centre CSV or XLSX into interactions, csat surveys and quarantined rows."""
    src = read_text(path, REQUIRED, known=OPTIONAL, date_columns=(DATE,))
    day_first = slashed_day_first(stripped(src.frame, DATE))  # the order of slashed dates
    calls, bad = _checked(src.frame, config.source_timezone, day_first)
    cases, surveys = interactions_and_surveys(calls, config)
    valid = len(src.frame) - len(bad)
    notes = (
        (f"{valid - len(calls)} repeated {ID}(s): the later row wins",)
        if valid > len(calls)
        else ()
    )
    parts = [q for q in (quarantine_frame(src.rejects), bad) if not q.empty]
    return Parsed(
        kind="calls",
        source="pwc",
        path=str(path),
        rows_read=src.rows_read,
        tables={"interactions": cases, "surveys": surveys},
        quarantine=pd.concat(parts, ignore_index=True)
        if parts
        else quarantine_frame(pd.DataFrame()),
        notes=notes + local_dates_note(day_first) + src.notes,
    )


register("calls", lambda source, config, mapping: parse_calls(Path(source), config))
