"""A hand-built multichannel week (Mon 4 - Sun 10 March 2024, GMT so local = UTC) for golden
scorecard tests: 16 cases on social, phone, e-mail and chat, their messages and 9 surveys,
written into the canonical tables of a real DuckDB file and built with warehouse.build.

Every KPI value over this fixture is computed by hand in tests/golden/scorecard.md.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd

from etl.settings.config import BusinessHours, Config
from warehouse.build import build
from warehouse.db import snapshot_writer

HOLIDAY = date(2024, 3, 8)  # Friday: a closed day in the golden calendar
GOLDEN_CONFIG = Config(
    display_timezone="Europe/London",
    business_hours=BusinessHours(timezone="Europe/London", holidays=(HOLIDAY,)),
)


def _t(text: str | None) -> pd.Timestamp:
    """'MM-DD HH:MM[:SS]' in March 2024 (UTC)."""
    return pd.NaT if text is None else pd.Timestamp(f"2024-{text}", tz="UTC")


# id, channel, brand, customer, agent, category, opened, first customer msg, first response,
# resolved_at, status, handled_privately, transfers, handle_seconds, reopened
CASES = [
    (
        "S1",
        "social",
        "TelcoCo",
        "X1",
        "A1",
        "billing",
        "03-04 10:00",
        None,
        "03-04 10:20",
        "03-04 10:50",
        "resolved",
        False,
        0,
        None,
        False,
    ),
    (
        "S2",
        "social",
        "TelcoCo",
        "X4",
        "A1",
        "account",
        "03-04 19:30",
        None,
        "03-04 21:30",
        None,
        "private",
        True,
        0,
        None,
        False,
    ),
    (
        "S3",
        "social",
        "ShopCo",
        "X5",
        "A1",
        "product",
        "03-05 09:00",
        None,
        "03-05 09:05",
        None,
        "open",
        False,
        0,
        None,
        False,
    ),
    (
        "S4",
        "social",
        "TelcoCo",
        "X6",
        "A1",
        "outage",
        "03-08 12:00",
        None,
        "03-08 12:40",
        None,
        "open",
        False,
        0,
        None,
        True,
    ),
    (
        "S5",
        "social",
        "ShopCo",
        "X7",
        "A1",
        "order",
        "03-09 16:00",
        None,
        "03-11 08:30",
        "03-11 09:00",
        "resolved",
        False,
        1,
        None,
        False,
    ),
    (
        "S6",
        "social",
        "TelcoCo",
        "X8",
        None,
        "outage",
        "03-10 22:00",
        None,
        None,
        None,
        "unanswered",
        False,
        0,
        None,
        False,
    ),
    (
        "S7",
        "social",
        "TelcoCo",
        "X1",
        "A1",
        "billing",
        "03-07 14:00",
        None,
        "03-07 14:10",
        "03-07 14:30",
        "resolved",
        False,
        0,
        None,
        False,
    ),
    (
        "P1",
        "phone",
        "TelcoCo",
        "X2",
        "P1",
        "billing",
        "03-04 09:00:00",
        None,
        "03-04 09:00:20",
        "03-04 09:05:20",
        "resolved",
        False,
        0,
        300.0,
        False,
    ),
    (
        "P2",
        "phone",
        "TelcoCo",
        "X9",
        "P1",
        "technical",
        "03-04 09:30:00",
        None,
        "03-04 09:30:45",
        None,
        "open",
        False,
        0,
        600.0,
        False,
    ),
    (
        "P3",
        "phone",
        "ShopCo",
        "X10",
        "P1",
        "refund",
        "03-06 15:00:00",
        None,
        "03-06 15:01:30",
        "03-06 15:05:30",
        "resolved",
        False,
        0,
        240.0,
        False,
    ),
    (
        "P4",
        "phone",
        "ShopCo",
        "X3",
        "P1",
        "order",
        "03-07 08:00:00",
        None,
        "03-07 08:00:30",
        "03-07 08:07:30",
        "resolved",
        False,
        0,
        420.0,
        False,
    ),
    (
        "P5",
        "phone",
        "TelcoCo",
        "X11",
        "P1",
        "outage",
        "03-08 10:00:00",
        None,
        "03-08 10:02:00",
        None,
        "open",
        False,
        0,
        180.0,
        False,
    ),
    (
        "P6",
        "phone",
        "TelcoCo",
        "X12",
        "P2",
        "billing",
        "03-06 16:00:00",
        None,
        None,
        None,
        "abandoned",
        False,
        0,
        None,
        False,
    ),
    (
        "E1",
        "email",
        "ShopCo",
        "X3",
        "E1",
        "order",
        "03-05 07:00",
        "03-05 07:30",
        "03-05 09:30",
        "03-05 12:00",
        "resolved",
        False,
        0,
        None,
        False,
    ),
    (
        "E2",
        "email",
        "TelcoCo",
        "X13",
        "E1",
        "billing",
        "03-07 10:00",
        None,
        "03-07 09:50",
        None,
        "open",
        False,
        0,
        None,
        False,
    ),
    (
        "C1",
        "chat",
        "ShopCo",
        "X14",
        "C1",
        "store",
        "03-06 20:30",
        None,
        "03-06 20:31",
        "03-06 20:45",
        "resolved",
        False,
        0,
        None,
        False,
    ),
]

# case, seq, role, author, time, sentiment, asks_private, is_runaround
MESSAGES = [
    ("S1", 1, "customer", "X1", "03-04 10:00", -0.6, False, False),
    ("S1", 2, "agent", "A1", "03-04 10:20", 0.1, False, False),
    ("S1", 3, "customer", "X1", "03-04 10:50", 0.8, False, False),
    ("S2", 1, "customer", "X4", "03-04 19:30", -0.4, False, False),
    ("S2", 2, "agent", "A1", "03-04 21:30", 0.0, True, False),
    ("S3", 1, "customer", "X5", "03-05 09:00", -0.5, False, False),
    ("S3", 2, "agent", "A1", "03-05 09:05", 0.0, False, True),
    ("S3", 3, "customer", "X5", "03-05 09:20", -0.7, False, False),
    ("S4", 1, "customer", "X6", "03-08 12:00", -0.5, False, False),
    ("S4", 2, "agent", "A1", "03-08 12:40", 0.2, False, False),
    ("S4", 3, "customer", "X6", "03-08 12:50", 0.6, False, False),
    ("S4", 4, "customer", "X6", "03-08 13:10", -0.6, False, False),
    ("S5", 1, "customer", "X7", "03-09 16:00", -0.2, False, False),
    ("S5", 2, "customer", "X7", "03-09 16:05", None, False, False),
    ("S5", 3, "agent", "A1", "03-11 08:30", 0.1, False, False),
    ("S5", 4, "agent", "A2", "03-11 08:45", 0.2, False, False),
    ("S5", 5, "customer", "X7", "03-11 09:00", 0.4, False, False),
    ("S6", 1, "customer", "X8", "03-10 22:00", -0.3, False, False),
    ("S7", 1, "customer", "X1", "03-07 14:00", 0.2, False, False),
    ("S7", 2, "agent", "A1", "03-07 14:10", 0.3, False, False),
    ("S7", 3, "customer", "X1", "03-07 14:30", 0.9, False, False),
    ("E1", 1, "customer", "X3", "03-05 07:30", -0.2, False, False),
    ("E1", 2, "agent", "E1", "03-05 09:30", 0.3, False, False),
    ("E2", 1, "customer", "X13", "03-07 10:00", 0.1, False, False),
    ("E2", 2, "agent", "E1", "03-07 09:50", 0.2, False, False),
    ("C1", 1, "customer", "X14", "03-06 20:30", 0.5, False, False),
    ("C1", 2, "agent", "C1", "03-06 20:31", 0.4, False, False),
    ("C1", 3, "customer", "X14", "03-06 20:45", 0.7, False, False),
]

# survey, case (None = unlinked), channel, brand, responded, csat, nps, would_recommend
SURVEYS = [
    ("sv1", "S1", "social", "TelcoCo", "03-04 11:00", 5, 10, True),
    ("sv2", "S3", "social", "ShopCo", "03-05 10:00", 2, 3, False),
    ("sv3", "S7", "social", "TelcoCo", "03-07 15:00", 4, 9, True),
    ("sv4", "P1", "phone", "TelcoCo", "03-04 09:06", 4, 8, True),
    ("sv5", "P2", "phone", "TelcoCo", "03-04 09:40", 1, 0, False),
    ("sv6", "P3", "phone", "ShopCo", "03-06 15:06", 3, 7, False),
    ("sv7", "E1", "email", "ShopCo", "03-05 12:30", 5, 7, True),
    ("sv8", None, "email", "ShopCo", "03-06 12:00", None, 9, True),
    ("sv9", "C1", "chat", "ShopCo", "03-06 20:50", 4, None, None),
]


def frames() -> dict[str, pd.DataFrame]:
    """The canonical rows of the fixture."""
    cases = pd.DataFrame(
        [
            {
                "interaction_id": c[0],
                "source": "fx",
                "channel": c[1],
                "platform": c[1],
                "brand": c[2],
                "customer_id": c[3],
                "agent_id": c[4],
                "issue_category": c[5],
                "opened_at": _t(c[6]),
                "first_customer_at": _t(c[7] or c[6]),
                "first_response_at": _t(c[8]),
                "resolved_at": _t(c[9]),
                "last_activity_at": pd.NaT,
                "status": c[10],
                "handled_privately": c[11],
                "transfers": c[12],
                "handle_seconds": c[13],
                "reopened": c[14],
                "dq_flags": None,
                "load_id": "fixture",
            }
            for c in CASES
        ]
    )
    messages = pd.DataFrame(
        [
            {
                "message_id": f"{m[0]}:{m[1]}",
                "interaction_id": m[0],
                "seq": m[1],
                "author_role": m[2],
                "author_id": m[3],
                "sent_at": _t(m[4]),
                "text": f"message {m[1]} of {m[0]}",
                "sentiment": m[5],
                "asks_private": m[6],
                "is_runaround": m[7],
                "load_id": "fixture",
            }
            for m in MESSAGES
        ]
    )
    surveys = pd.DataFrame(
        [
            {
                "survey_id": s[0],
                "interaction_id": s[1],
                "customer_id": None,
                "channel": s[2],
                "brand": s[3],
                "responded_at": _t(s[4]),
                "csat": s[5],
                "nps": s[6],
                "would_recommend": s[7],
                "verbatim": None,
                "sentiment": None,
                "load_id": "fixture",
            }
            for s in SURVEYS
        ]
    ).astype({"csat": "Float64", "nps": "Float64", "would_recommend": "boolean"})
    return {"interactions": cases, "messages": messages, "surveys": surveys}


def build_multichannel(db: Path) -> Path:
    """Write the fixture into a fresh warehouse at `db` (real snapshot writer and model build)."""
    with snapshot_writer(db) as con:
        for table, frame in frames().items():
            con.register("_rows", frame)
            cols = ", ".join(frame.columns)
            con.execute(f"insert into {table} ({cols}) select {cols} from _rows")
            con.unregister("_rows")
        con.execute(
            "insert into loads values ('fixture', 'fx', 'fixture', 'fixture', 'none', "
            "now(), now(), 16, 16, 0, 'loaded', null)"
        )
        build(con)
    return db
