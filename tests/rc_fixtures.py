"""Warehouses built from canonical rows written in code, for the root-cause tests.

`warehouse_from_rows` writes interactions, messages and surveys through the real snapshot
writer and model build, so every query runs against the same fct_* models as production.
The named fixtures are documented (with their hand-computed results) in tests/golden/rootcause.md.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from warehouse.build import build
from warehouse.db import snapshot_writer

UTC = "UTC"


def case(
    iid: str,
    opened: datetime,
    channel: str,
    resolved: bool,
    frt_s: float | None,
    brand: str = "TelcoCo",
    category: str = "billing",
    agent: str | None = "AB",
    **extra,
) -> dict:
    """One canonical interaction row (answered when frt_s is given)."""
    first = opened + timedelta(seconds=frt_s) if frt_s is not None else None
    row = {
        "interaction_id": iid,
        "source": "test",
        "channel": channel,
        "platform": None,
        "brand": brand,
        "customer_id": f"c-{iid}",
        "agent_id": agent,
        "issue_category": category,
        "opened_at": pd.Timestamp(opened, tz=UTC),
        "first_customer_at": pd.Timestamp(opened, tz=UTC),
        "first_response_at": pd.Timestamp(first, tz=UTC) if first else pd.NaT,
        "resolved_at": pd.NaT,
        "last_activity_at": pd.NaT,
        "status": "resolved" if resolved else ("open" if first else "unanswered"),
        "handled_privately": False,
        "transfers": 0,
        "handle_seconds": None,
        "reopened": False,
        "dq_flags": None,
    }
    row.update(extra)
    return row


def message(
    mid: str,
    iid: str,
    seq: int,
    role: str,
    sent: datetime,
    text: str,
    sentiment: float | None,
    **extra,
) -> dict:
    """One canonical message row."""
    row = {
        "message_id": mid,
        "interaction_id": iid,
        "seq": seq,
        "author_role": role,
        "author_id": "cust" if role == "customer" else "AB",
        "sent_at": pd.Timestamp(sent, tz=UTC),
        "text": text,
        "sentiment": sentiment,
        "asks_private": False,
        "is_runaround": False,
    }
    row.update(extra)
    return row


def survey(
    sid: str,
    iid: str | None,
    responded: datetime,
    channel: str,
    brand: str = "TelcoCo",
    would_recommend: bool | None = None,
    csat: float | None = None,
) -> dict:
    """One canonical survey row."""
    return {
        "survey_id": sid,
        "interaction_id": iid,
        "customer_id": None,
        "channel": channel,
        "brand": brand,
        "responded_at": pd.Timestamp(responded, tz=UTC),
        "csat": csat,
        "nps": None,
        "would_recommend": would_recommend,
        "verbatim": None,
        "sentiment": None,
    }


def warehouse_from_rows(
    db: Path, cases: list[dict], messages: list[dict] = (), surveys: list[dict] = ()
) -> Path:
    """Write the rows into a fresh warehouse at `db` and build the models."""
    with snapshot_writer(db) as con:
        for table, rows in (("interactions", cases), ("messages", messages), ("surveys", surveys)):
            if not rows:
                continue
            frame = pd.DataFrame(list(rows)).assign(load_id="test")
            con.register("incoming", frame)
            cols = ", ".join(frame.columns)
            con.execute(f"insert into {table} ({cols}) select {cols} from incoming")
            con.unregister("incoming")
        build(con)
    return db


def two_day_rows() -> tuple[list[dict], list[dict], list[dict]]:
    """The hand-computed fixture of tests/golden/rootcause.md (days 2024-03-01 and 03-02)."""
    a, b = datetime(2024, 3, 1, 10), datetime(2024, 3, 2, 10)
    rows = []
    for i, frt in enumerate([60, 120, 180, 240]):
        rows.append(case(f"a-s{i}", a + timedelta(minutes=i), "social", i < 2, frt))
    for i in range(6):
        rows.append(case(f"a-p{i}", a + timedelta(minutes=10 + i), "phone", i < 3, 30))
    for i in range(8):
        rows.append(
            case(
                f"b-s{i}",
                b + timedelta(minutes=i),
                "social",
                i < 2,
                600,
                category="outage" if i < 6 else "billing",
            )
        )
    for i in range(2):
        rows.append(case(f"b-p{i}", b + timedelta(minutes=10 + i), "phone", True, 30))
    for i in range(2):
        rows.append(case(f"b-e{i}", b + timedelta(minutes=20 + i), "email", i < 1, 3600))
    msgs = [
        message("m1", "b-s0", 1, "customer", b, "No signal again @TelcoCo", -0.5),
        message(
            "m2", "b-s0", 2, "agent", b + timedelta(seconds=600), "Sorry, we are on it ^AB", 0.1
        ),
        message("m3", "b-s0", 3, "customer", b + timedelta(seconds=900), "thanks, fixed", 0.6),
        message("m4", "b-s1", 1, "customer", b + timedelta(minutes=1), "no signal at home", None),
        message("m5", "a-s0", 1, "customer", a, "billing error", -0.2),
    ]
    svs = [
        survey("sv1", "b-s0", b + timedelta(hours=2), "social", would_recommend=True),
        survey("sv2", "b-p0", b + timedelta(hours=2), "phone", would_recommend=False, csat=4),
        survey("sv3", None, b + timedelta(hours=3), "email", would_recommend=True),
        survey("sv4", "b-p1", b + timedelta(hours=3), "phone", csat=2),
    ]
    return rows, msgs, svs


def daily_rows(days: int = 60, seed: int = 3, spike_day: int | None = 40) -> list[dict]:
    """Synthetic daily social/phone cases for two brands (about 60 a day) with, on `spike_day`,
    a TelcoCo social outage: 80 extra outage cases answered slowly and rarely resolved."""
    rng = np.random.default_rng(seed)
    start = datetime(2024, 1, 1)
    rows, k = [], 0
    for d in range(days):
        day = start + timedelta(days=d)
        weekend = day.weekday() >= 5
        for brand in ("TelcoCo", "AirCo"):
            for channel, mean in (("social", 25), ("phone", 30)):
                for _ in range(rng.poisson(mean * (0.7 if weekend else 1.0))):
                    opened = day + timedelta(seconds=int(rng.integers(8 * 3600, 20 * 3600)))
                    cat = str(rng.choice(["billing", "technical", "account"]))
                    frt = float(rng.lognormal(np.log(900 if channel == "social" else 40), 0.6))
                    rows.append(
                        case(
                            f"x{k}",
                            opened,
                            channel,
                            bool(rng.random() < 0.6),
                            frt,
                            brand=brand,
                            category=cat,
                            agent=f"{brand[:1]}{rng.integers(4)}",
                        )
                    )
                    k += 1
        if d == spike_day:
            for _ in range(80):
                opened = day + timedelta(seconds=int(rng.integers(8 * 3600, 20 * 3600)))
                frt = float(rng.lognormal(np.log(5400), 0.6))
                rows.append(
                    case(
                        f"x{k}",
                        opened,
                        "social",
                        bool(rng.random() < 0.1),
                        frt,
                        brand="TelcoCo",
                        category="outage",
                        agent=f"T{rng.integers(4)}",
                    )
                )
                k += 1
    return rows


GENERATED_FILES = (
    ("twcs", "social_twcs.csv"),
    ("calls", "phone_calls.csv"),
    ("tickets", "tickets.csv"),
    ("surveys", "surveys.csv"),
)


def load_generated(out_dir: Path, db: Path, config) -> Path:
    """Load the generator's four files into the warehouse at `db` (the real loaders)."""
    from warehouse.ingest import load_file

    for kind, name in GENERATED_FILES:
        load_file(kind, str(out_dir / name), db, config)
    return db


def _on_dates(anomaly, start: str, end: str) -> bool:
    """A day inside [start, end]; a rolling week (anomaly.window days to anomaly.date) with at
    least half of its days inside."""
    last = pd.Timestamp(anomaly.date)
    days = pd.date_range(last - pd.Timedelta(days=anomaly.window - 1), last)
    inside = ((days >= pd.Timestamp(start)) & (days <= pd.Timestamp(end))).sum()
    return inside * 2 > anomaly.window if anomaly.window > 1 else bool(inside)


def names_cause(first: dict | None, causes: dict) -> bool:
    """Does an attribution entry name one of the incident's causes: its category, channel, agent
    or brand; for a shift's problem (manifest `shift`) one of the shift's agents or a run of hours
    ('15-22') most of whose hours lie in the shift's [from, to)?"""
    if not first:
        return False
    dim, seg = first["dimension"], str(first["segment"])
    if dim in causes and dim != "shift":
        return seg == str(causes[dim])
    shift = causes.get("shift")
    if not shift:
        return False
    if dim == "agent":
        return seg in shift["agents"]
    if dim == "hour":
        a, _, b = seg.partition("-")
        hours = range(int(a), int(b or a) + 1)
        return sum(shift["hours"][0] <= h < shift["hours"][1] for h in hours) * 2 > len(hours)
    return False


def incident_report(result, manifest: dict) -> pd.DataFrame:
    """Per manifest incident row and expected KPI movement: was it found on its dates (a rolling
    week: most of its days inside) in a slice consistent with the incident, in the right
    direction, and does the attribution of its strongest such anomaly name the incident's
    category, channel, agent, brand or shift (names_cause) first?

    `named` is None when the slice fixes every attribute the manifest names (nothing left to
    name), e.g. a brand's billing defect found in a slice 'brand x channel x category'."""
    rows = []
    for inc in manifest["incidents"]:
        where = {"brand": inc["brand"], "channel": inc["channel"]}
        causes = {
            k: inc[k] for k in ("category", "channel", "agent", "brand", "shift") if inc.get(k)
        }
        for kpi, direction in inc["kpis"].items():
            hits = [
                a
                for a in result.anomalies
                if a.kpi == kpi
                and _on_dates(a, inc["start"], inc["end"])
                and a.direction == direction
                and all(where.get(d) == v for d, v in a.slice.items())
            ]
            best = max(hits, key=lambda a: abs(a.z), default=None)
            free = {k: v for k, v in causes.items() if k not in (best.slice if best else {})}
            first = best.attribution[0] if best and best.attribution else None
            named = None if best is None or not free else names_cause(first, free)
            rows.append(
                {
                    "kind": inc["kind"],
                    "brand": inc["brand"],
                    "channel": inc["channel"],
                    "kpi": kpi,
                    "direction": direction,
                    "found": best is not None,
                    "days_found": len({a.date for a in hits}),
                    "days": (pd.Timestamp(inc["end"]) - pd.Timestamp(inc["start"])).days + 1,
                    "slice": best.slice if best else None,
                    "z": best.z if best else None,
                    "first": f"{first['dimension']}={first['segment']}" if first else None,
                    "named": named,
                }
            )
    return pd.DataFrame(rows)


def false_alarm_rate(result, kpis: int, days: int) -> float:
    """Distinct (KPI, day, direction) alarms per KPI per 90 days."""
    alarms = {(a.kpi, a.date, a.direction) for a in result.anomalies}
    return len(alarms) / max(kpis, 1) * 90 / max(days, 1)


# (id, channel, first-response seconds, resolved, category) of the shortfall fixture
SHORTFALL_CASES = (
    ("e0", "email", 10800, False, "billing"),
    ("e1", "email", 9000, False, "billing"),
    ("e2", "email", 3600, True, "billing"),
    ("e3", "email", 14400, False, "refund"),
    ("p0", "phone", 30, True, "billing"),
    ("p1", "phone", 60, True, "order"),
    ("p2", "phone", 90, True, "order"),
    ("p3", "phone", 8000, False, "billing"),
    ("s0", "social", 600, True, "order"),
    ("s1", "social", 1200, True, "order"),
)


def shortfall_rows() -> list[dict]:
    """The hand-computed shortfall fixture of tests/golden/rootcause.md: ten cases opened on
    Saturday 2024-03-02 from 10:00, one a minute, all brand TelcoCo, agent AB."""
    day = datetime(2024, 3, 2, 10)
    return [
        case(iid, day + timedelta(minutes=i), ch, res, frt, category=cat)
        for i, (iid, ch, frt, res, cat) in enumerate(SHORTFALL_CASES)
    ]


def saturday_rows() -> list[dict]:
    """Volume for the same-weekday baseline (tests/golden/rootcause.md): Saturdays 2024-03-02,
    03-09, 03-16, 03-23 with 2, 4, 6, 8 cases, Friday 2024-03-29 with 20, Saturday 03-30 with 3."""
    counts = {
        "2024-03-02": 2,
        "2024-03-09": 4,
        "2024-03-16": 6,
        "2024-03-23": 8,
        "2024-03-29": 20,
        "2024-03-30": 3,
    }
    rows = []
    for day, n in counts.items():
        opened = datetime.fromisoformat(day) + timedelta(hours=10)
        rows += [
            case(f"{day}-{i}", opened + timedelta(minutes=i), "social", True, 60) for i in range(n)
        ]
    return rows


def shortfall_messages() -> list[dict]:
    """The customer's opening message of e3 and p1 (shortfall fixture), for transcripts."""
    day = datetime(2024, 3, 2, 10)
    return [
        message(
            "sm1", "e3", 1, "customer", day + timedelta(minutes=3), "Where is my refund?", -0.3
        ),
        message("sm2", "p1", 1, "customer", day + timedelta(minutes=5), "Order status please", 0.0),
    ]
