"""The value-bin path (scorecard/kpis/data_values.py) and the agent model (scorecard/kpis/data_spread.py)
equal the row-level KPI definitions for every time KPI, the SLA and the agent spread: exact
medians and p90s (DuckDB's quantile_cont), means, n, for slices, filters, grains, both
first-response clocks, and periods whose local edges cut UTC days.

The expected side is kpi_frame(..., use_fast=False): the KPI's own SQL over fct_cases."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import pytest

from etl.settings.config import BusinessHours
from scorecard.kpis.catalogue import catalogue, kpi_by_id
from scorecard.kpis.data import kpi_frame
from scorecard.kpis.data_spread import spread_usable
from scorecard.kpis.data_values import stored_measures, value_measure, values_usable
from tests.test_scorecard_fast import LONDON, con  # noqa: F401  (the 400-case random fixture)

BINNED = [k for k in catalogue() if value_measure(k, LONDON) is not None]
COLUMNS = ["period", "kpi", "value", "n"]


def test_the_binned_kpis_are_the_time_kpis_and_the_sla():
    assert {k.id for k in BINNED} == {
        "frt_median_s",
        "frt_p90_s",
        "frt_mean_s",
        "frt_business_median_s",
        "ttr_median_s",
        "sla_met_rate",
    }


def both(con, config, grain, by, start, end, filters=None):  # noqa: F811
    filters = filters or {}
    binned = kpi_frame(con, config, BINNED, grain, by, start, end, filters)
    exact = kpi_frame(con, config, BINNED, grain, by, start, end, filters, use_fast=False)
    return binned, exact


def assert_same(binned: pd.DataFrame, exact: pd.DataFrame) -> None:
    cols = [
        c
        for c in exact.columns
        if c in ("period", "channel", "brand", "kpi", "value", "n", "median", "p90", "mean")
    ]
    pd.testing.assert_frame_equal(
        binned[cols], exact[cols], check_exact=False, rtol=1e-9, atol=1e-6, check_dtype=False
    )
    assert exact["n"].sum() > 0


@pytest.mark.parametrize(
    "start,end,by",
    [
        ("2024-03-25", "2024-04-08", []),  # GMT start, BST end: the last day is cut
        ("2024-04-01", "2024-04-03", ["brand"]),  # BST both ends: both edges cut UTC days
        ("2024-03-27", "2024-03-29", ["channel"]),  # GMT: whole UTC days only
        ("2024-04-02", "2024-04-02", ["channel", "brand"]),  # a single BST day: no whole UTC day
        (None, None, ["brand"]),
    ],
)
def test_binned_equals_exact_at_total_grain(con, start, end, by):  # noqa: F811
    measures = stored_measures(con, LONDON)
    assert measures == {"frt_s", "frt_created_s", "ttr_s", "frt_business_s"}
    assert all(values_usable(k, LONDON, measures, "total", by, {}, start, end) for k in BINNED)
    assert_same(*both(con, LONDON, "total", by, start, end))


def test_binned_equals_exact_with_filters_and_daily_grain(con):  # noqa: F811
    filters = {"channel": ["social", "email"], "brand": ["ShopCo"]}
    assert_same(*both(con, LONDON, "total", ["channel"], "2024-03-30", "2024-04-05", filters))
    utc = replace(LONDON, display_timezone="UTC")
    for grain in ("day", "week", "month"):
        assert_same(*both(con, utc, grain, ["channel"], "2024-03-25", "2024-04-08"))


def test_case_created_clock_and_a_tighter_sla(con):  # noqa: F811
    created = replace(LONDON, frt_clock="case_created", sla_first_response_s=900.0)
    # the business-hours figures were stored under the first-message clock: read on the fly
    assert "frt_business_s" not in stored_measures(con, created)
    assert not values_usable(
        kpi_by_id("frt_business_median_s"),
        created,
        stored_measures(con, created),
        "total",
        [],
        {},
        None,
        None,
    )
    assert_same(*both(con, created, "total", ["brand"], "2024-03-26", "2024-04-06"))


def test_another_calendar_falls_back_to_the_fact_table(con):  # noqa: F811
    night = replace(
        LONDON,
        business_hours=BusinessHours(
            timezone="America/New_York",
            windows={
                d: ((pd.Timestamp("22:00").time(), pd.Timestamp("02:00").time()),)
                for d in ("mon", "tue", "wed", "thu", "fri")
            },
        ),
    )
    assert "frt_business_s" not in stored_measures(con, night)
    binned, exact = both(con, night, "total", ["channel"], "2024-03-25", "2024-04-08")
    assert_same(binned, exact)


def test_slices_by_category_or_agent_use_the_fact_table(con):  # noqa: F811
    measures = stored_measures(con, LONDON)
    assert not values_usable(
        kpi_by_id("frt_median_s"), LONDON, measures, "total", ["category"], {}, None, None
    )
    assert not values_usable(
        kpi_by_id("frt_median_s"), LONDON, measures, "total", [], {"agent": ["a1"]}, None, None
    )


def test_an_empty_period_gives_no_value(con):  # noqa: F811
    binned, exact = both(con, LONDON, "total", [], "2023-01-01", "2023-01-31")
    assert binned["value"].isna().all() and (binned["n"] == 0).all()
    assert exact["value"].isna().all() and (exact["n"] == 0).all()


@pytest.mark.parametrize(
    "start,end,by,filters",
    [
        ("2024-03-25", "2024-04-08", [], {}),
        ("2024-04-01", "2024-04-03", ["brand"], {}),  # both edges cut UTC days
        ("2024-03-26", "2024-04-06", ["channel", "brand"], {}),
        ("2024-03-25", "2024-04-08", ["channel"], {"brand": ["ShopCo", "TelcoCo"]}),
        (None, None, ["brand"], {"channel": ["social", "phone"]}),
    ],
)
def test_agent_spread_from_the_agent_model_equals_exact(con, start, end, by, filters):  # noqa: F811
    spread = kpi_by_id("agent_frt_spread")
    assert spread_usable(spread, LONDON, "total", by, filters, start, end)
    fast = kpi_frame(con, LONDON, [spread], "total", by, start, end, filters)
    exact = kpi_frame(con, LONDON, [spread], "total", by, start, end, filters, use_fast=False)
    # the row-level query also returns slices whose cases have no agent (n = 0); the model
    # holds agents' cases only, so such a slice gets its n-0 row from the other KPIs
    exact = exact[exact["n"] > 0].reset_index(drop=True)
    assert len(exact) > 0 and (exact["n"] >= 2).all()
    cols = ["period", *by, "kpi", "value", "n", "agent_p10", "agent_p90"]
    pd.testing.assert_frame_equal(
        fast[fast["n"] > 0].reset_index(drop=True)[cols],
        exact[cols],
        check_exact=False,
        rtol=1e-9,
        check_dtype=False,
    )


def test_agent_spread_under_the_other_clock_and_daily_grain(con):  # noqa: F811
    spread = kpi_by_id("agent_frt_spread")
    for cfg, grain in (
        (replace(LONDON, frt_clock="case_created"), "total"),
        (replace(LONDON, display_timezone="UTC"), "week"),
    ):
        fast = kpi_frame(con, cfg, [spread], grain, ["channel"], "2024-03-25", "2024-04-08", {})
        exact = kpi_frame(
            con, cfg, [spread], grain, ["channel"], "2024-03-25", "2024-04-08", {}, use_fast=False
        )
        exact = exact[exact["n"] > 0].reset_index(drop=True)
        pd.testing.assert_frame_equal(
            fast[fast["n"] > 0].reset_index(drop=True)[exact.columns],
            exact,
            check_exact=False,
            rtol=1e-9,
            check_dtype=False,
        )
    assert not spread_usable(spread, LONDON, "total", ["category"], {}, None, None)
