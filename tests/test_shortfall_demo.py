"""Acceptance on the demo (`socialcare demo` data): every red tile of the last week leads to a
shortfall explanation whose segments add up to the shortfall and whose first case really fails
(tests/golden/rootcause.md, "Shortfall against target")."""

from __future__ import annotations

import math

import pytest

from etl.settings.config import Config
from scorecard.kpis.catalogue import kpi_by_id
from scorecard.kpis.data import open_warehouse
from scorecard.kpis.scoring import scorecard
from scorecard.rootcause.change import drill_cases
from scorecard.rootcause.shortfall import explain_shortfall
from warehouse.demo import build_demo

WEEK = ("2024-03-24", "2024-03-30")  # the demo's last week (90 days from 2024-01-01)


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    db = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    for _ in build_demo(db, Config()):
        pass
    c = open_warehouse(db)
    yield c
    c.close()


def test_every_red_tile_of_the_last_week_is_explained(con):
    cfg = Config()
    reds = [v for v in scorecard(con, cfg, *WEEK, grain="day").kpis if v.status == "red"]
    assert len(reds) >= 30  # the demo is built to have red days
    for v in reds:
        red = [
            c.channel for c in v.channels if c.status == "red"
        ]  # the tile's link (pages/scorecard.py)
        filters = {"channel": [red[0]]} if red else {}
        r = explain_shortfall(con, cfg, v.kpi, v.period, (), filters)
        where = f"{v.kpi} on {v.period} {filters}"
        assert r.shortfall > 0, where
        if not red:  # the tile's own value is the one explained
            assert r.value == pytest.approx(v.value, rel=1e-9, abs=1e-9), where
        sums = r.segments.groupby("dimension")["contribution"].sum()
        assert set(sums.index) == {"channel", "brand", "category", "agent", "hour", "term"}, where
        assert all(math.isclose(s, r.shortfall, rel_tol=1e-9, abs_tol=1e-9) for s in sums), where
        first, kpi = r.cases.iloc[0], kpi_by_id(v.kpi)
        assert first["contribution"] == pytest.approx(r.cases["contribution"].max()), where
        assert first["contribution"] > 0, where
        x = first["value"]
        assert (
            x is None or x != x or (x < r.target if kpi.direction == "higher" else x > r.target)
        ), where
        assert first["interaction_id"] in r.summary, where


def test_the_first_case_is_in_the_drill(con):
    r = explain_shortfall(con, Config(), "sla_met_rate", WEEK[1], ())
    drill = drill_cases(con, Config(), "sla_met_rate", WEEK[1], WEEK[1])
    row = drill.set_index("interaction_id").loc[r.cases.iloc[0]["interaction_id"]]
    assert row["kpi_value"] == 0  # a missed SLA, as the drill (the cases behind the number) says
