"""The lift's pre-computed reads give the numbers of the row-level reading: the follow-ups of
social cases from agg_social_followups (the FCR window applied when read) and the survey answers'
case outcomes from fct_surveys, against the self-join of the cases and the survey/case join, for
several FCR windows, periods and filters; a brand scope and the case-creation clock read the
joined form.

Provenance: tests/golden/reports.md, "Stored follow-ups and survey outcomes"."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

from etl.settings.config import Config
from scorecard.economics.data_lift import (
    social_followups,
    stored_reads,
    survey_cells,
    survey_rows_sql,
)
from scorecard.kpis.data import open_warehouse
from scorecard.service import open_snapshot
from tests.browser import dashboard_warehouse

PERIODS = [(None, None), ("2024-01-08", "2024-01-21"), ("2024-02-01", "2024-02-29")]
WINDOWS = (1, 7, 30)


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> Path:
    return dashboard_warehouse(tmp_path_factory.getbasetemp() / "dashboard")


@pytest.fixture(scope="module")
def con(db):
    c = open_warehouse(db)
    yield c
    c.close()


def same(a: pd.DataFrame, b: pd.DataFrame) -> None:
    """Equal frames; sums of costs to 1e-9 (the order of a parallel sum)."""
    pd.testing.assert_frame_equal(
        a.reset_index(drop=True), b.reset_index(drop=True), check_dtype=False, rtol=1e-9
    )


def filters_of(con) -> list[dict]:
    brand, category = con.execute(
        "select brand, issue_category from fct_cases where channel = 'social' "
        "and brand is not null group by all order by count(*) desc limit 1"
    ).fetchone()
    return [{}, {"brand": [brand]}, {"category": [category]}]


def test_the_warehouse_keeps_the_followups_and_the_reads_use_them(con):
    assert stored_reads(con)
    n = con.execute(
        "select count(*), count(distinct interaction_id) from agg_social_followups"
    ).fetchone()
    assert n[0] == n[1] >= 10  # one row per social case that has a follow-up


@pytest.mark.parametrize("days", WINDOWS)
def test_stored_followups_equal_the_self_join(con, days):
    config = replace(Config(), fcr_window_days=days)
    seen = 0
    for start, end in PERIODS:
        for filters in filters_of(con):
            stored = social_followups(con, config, start, end, filters, stored=True)
            joined = social_followups(con, config, start, end, filters, stored=False)
            same(stored, joined)
            seen += int(joined["followed"].sum())
    assert seen > 0 or days == 1  # no follow-up within a day in the generated data


def test_stored_survey_outcomes_equal_the_join(con):
    for start, end in PERIODS:
        for filters in filters_of(con):
            same(
                survey_cells(con, Config(), start, end, filters, stored=True),
                survey_cells(con, Config(), start, end, filters, stored=False),
            )


def test_case_created_clock_and_brand_scope_read_the_join(db, con):
    created = replace(Config(), frt_clock="case_created")
    sql, _ = survey_rows_sql(con, created, None, None, {}, stored=True)
    assert "frt_created_s" in sql and "fct_cases" in sql
    brand = filters_of(con)[1]["brand"][0]
    scoped = open_snapshot(Path(db), (brand,))
    try:
        assert not stored_reads(
            scoped
        )  # a scope hides cases of other brands the model was built over
        in_scope = social_followups(scoped, Config(), None, None, {})
        unscoped = social_followups(con, Config(), None, None, {"brand": [brand]}, stored=True)
        assert 0 < in_scope["followed"].sum() <= unscoped["followed"].sum()
    finally:
        scoped.close()
