"""The pre-aggregated path equals the row-level KPI definitions, for every fast KPI, slice,
filter and grain, including periods whose local edges cut UTC days (Europe/London in summer)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import numpy as np
import pandas as pd
import pytest

from etl.settings.config import Config, CostModel
from scorecard.kpis.catalogue import catalogue
from scorecard.kpis.data import kpi_frame, open_warehouse
from scorecard.kpis.data_agg import MODEL_DIMS, aligned, fast_usable
from tests.rc_fixtures import case, message, warehouse_from_rows

FAST = [k for k in catalogue() if k.fast]
LONDON = Config(
    display_timezone="Europe/London",
    costs=CostModel(per_handle_minute={"phone": 0.25, "chat": 0.1}),
)
CHANNELS = ["social", "phone", "email", "chat"]
CATEGORIES = ["billing", "outage", "account", "product", "store"]


def _customer(i: int, k: int) -> str | None:
    """Customer k, except every 8th case has none (like call exports): outside FCR's population."""
    return None if i % 8 == 0 else f"k{k}"


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    """400 random cases from 25 March to 8 April 2024 (across the spring DST change)."""
    rng = np.random.default_rng(5)
    cases, messages, surveys = [], [], []
    for i in range(400):
        ch = CHANNELS[rng.integers(4)]
        opened = datetime(2024, 3, 25) + timedelta(seconds=float(rng.uniform(0, 15 * 86400)))
        answered = rng.random() < 0.85
        frt = float(rng.exponential(3000)) if answered else None
        resolved = answered and rng.random() < 0.6
        iid = f"c{i}"
        cases.append(
            case(
                iid,
                opened,
                ch,
                resolved,
                frt,
                brand=["TelcoCo", "ShopCo", None][rng.integers(3)],
                category=CATEGORIES[rng.integers(5)],
                agent=f"a{rng.integers(6)}" if answered else None,
                status="abandoned"
                if (ch == "phone" and not answered)
                else ("resolved" if resolved else ("open" if answered else "unanswered")),
                handled_privately=bool(ch == "social" and rng.random() < 0.3),
                transfers=int(rng.random() < 0.1),
                handle_seconds=float(rng.uniform(60, 900)) if ch in ("phone", "chat") else None,
                reopened=bool(rng.random() < 0.05),
                customer_id=_customer(i, rng.integers(150)),
            )
        )
        if ch != "phone":
            for j in range(int(rng.integers(1, 4))):
                messages.append(
                    message(
                        f"{iid}:{j}",
                        iid,
                        j + 1,
                        "customer",
                        opened + timedelta(minutes=j),
                        "text",
                        None if rng.random() < 0.1 else float(rng.uniform(-1, 1)),
                    )
                )
            if answered:
                messages.append(
                    message(
                        f"{iid}:a",
                        iid,
                        9,
                        "agent",
                        opened + timedelta(seconds=frt),
                        "reply",
                        0.1,
                        is_runaround=bool(rng.random() < 0.2),
                    )
                )
        if rng.random() < 0.5:
            surveys.append(
                {
                    "survey_id": f"s{i}",
                    "interaction_id": iid if rng.random() < 0.9 else None,
                    "customer_id": None,
                    "channel": ch,
                    "brand": "TelcoCo",
                    "responded_at": pd.Timestamp(opened + timedelta(hours=3), tz="UTC"),
                    "csat": float(rng.integers(1, 6)) if rng.random() < 0.8 else None,
                    "nps": float(rng.integers(0, 11)),
                    "would_recommend": bool(rng.random() < 0.5),
                    "verbatim": None,
                    "sentiment": None,
                }
            )
    db = warehouse_from_rows(tmp_path_factory.mktemp("fast") / "w.duckdb", cases, messages, surveys)
    c = open_warehouse(db)
    yield c
    c.close()


def both(con, config, grain, by, start, end, filters=None):
    filters = filters or {}
    fast = kpi_frame(con, config, FAST, grain, by, start, end, filters)
    exact = kpi_frame(con, config, FAST, grain, by, start, end, filters, use_fast=False)
    return fast, exact


@pytest.mark.parametrize(
    "start,end,by",
    [
        ("2024-03-25", "2024-04-08", []),  # GMT start, BST end: the last day is cut
        ("2024-04-01", "2024-04-03", ["brand"]),  # BST both ends: both edges cut UTC days
        ("2024-03-27", "2024-03-29", ["channel", "category"]),  # GMT: whole UTC days only
        ("2024-04-02", "2024-04-02", ["channel"]),  # a single BST day: no whole UTC day
        (None, None, ["category"]),
    ],
)
def test_fast_equals_exact_at_total_grain(con, start, end, by):
    for k in FAST:  # every KPI whose model has the slice's dimensions reads it
        assert fast_usable(k, LONDON, "total", by, {}, start, end) == (
            set(by) <= set(MODEL_DIMS[k.fast])
        )
    fast, exact = both(con, LONDON, "total", by, start, end)
    pd.testing.assert_frame_equal(
        fast[exact.columns], exact, check_exact=False, rtol=1e-9, atol=1e-9
    )
    assert exact["n"].sum() > 0


def test_fast_equals_exact_with_filters(con):
    filters = {"channel": ["social", "email"], "brand": ["ShopCo"]}
    fast, exact = both(con, LONDON, "total", ["category"], "2024-03-30", "2024-04-05", filters)
    pd.testing.assert_frame_equal(
        fast[exact.columns], exact, check_exact=False, rtol=1e-9, atol=1e-9
    )


def test_daily_grain_uses_the_aggregates_only_at_utc_offset_zero(con):
    assert aligned(LONDON, "day", "2024-03-25", "2024-03-30")
    assert not aligned(LONDON, "day", "2024-03-25", "2024-04-02")
    utc = replace(LONDON, display_timezone="UTC")
    for cfg, start, end in (
        (utc, "2024-03-25", "2024-04-08"),
        (LONDON, "2024-03-25", "2024-03-30"),
    ):
        for grain in ("day", "week", "month"):
            fast, exact = both(con, cfg, grain, ["channel"], start, end)
            pd.testing.assert_frame_equal(
                fast[exact.columns], exact, check_exact=False, rtol=1e-9, atol=1e-9
            )


def test_agent_slices_read_agent_hours_or_fall_back(con):
    agent_hours = [k for k in FAST if k.fast == "agg_agent_hours"]
    assert [k.id for k in agent_hours] == ["interactions_per_agent_hour"]
    assert fast_usable(agent_hours[0], LONDON, "total", ["agent"], {}, None, None)
    assert not fast_usable(agent_hours[0], LONDON, "total", ["category"], {}, None, None)
    assert not fast_usable(
        next(k for k in FAST if k.id == "volume"), LONDON, "total", ["agent"], {}, None, None
    )
    fast, exact = both(con, LONDON, "total", ["agent"], "2024-03-28", "2024-04-04")
    # the row-level query also returns the slice of cases without an agent, where this KPI's
    # population is empty (n = 0); the agent-hours model has no such rows
    exact = exact[exact["n"] > 0].reset_index(drop=True)
    fast = fast[fast["n"] > 0].reset_index(drop=True)
    pd.testing.assert_frame_equal(
        fast[exact.columns], exact, check_exact=False, rtol=1e-9, atol=1e-9
    )


def test_fcr_counts_only_cases_with_a_customer(con):
    fast, exact = both(con, LONDON, "total", ["channel"], None, None)
    for frame in (fast, exact):
        n = frame.pivot_table(index="channel", columns="kpi", values="n", aggfunc="first")
        # every 8th of the 400 cases has no customer id: 50 cases fewer in FCR than in volume
        assert (n["volume"] - n["fcr_rate"]).sum() == 50 and (n["fcr_rate"] < n["volume"]).all()
