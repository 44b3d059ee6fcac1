"""Data health page: loads, quarantine by reason, freshness per source, effective configuration."""

from __future__ import annotations

import re

import duckdb
import pytest

from scorecard.kpis.catalogue import catalogue
from tests.browser import dashboard_warehouse, serving, texts_of


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    return dashboard_warehouse(tmp_path_factory.getbasetemp() / "dashboard")


def test_health_tables_match_the_warehouse_and_configuration(db):
    with serving(db) as svc:
        from pages import health as page

        out = page.fill("/health")
        tables = dict(zip(page.TABLES, out[: len(page.TABLES)], strict=True))
        bars = out[len(page.TABLES) : 2 * len(page.TABLES)]
        figure, note = out[-2], out[-1]
        with duckdb.connect(str(db), read_only=True) as con:
            loads = con.execute("select count(*) from loads").fetchone()[0]
            per_source = dict(
                con.execute("select source, count(*) from fct_cases group by 1").fetchall()
            )
        assert (
            len(tables["loads"]) == loads == 5
        )  # twcs, calls, tickets, surveys + the injection file
        cases = {r["source"]: r["rows"] for r in tables["freshness"] if r["holds"] == "cases"}
        assert cases == per_source
        answers = [r for r in tables["freshness"] if r["holds"] == "survey answers"]
        assert [r["source"] for r in answers] == ["surveys"]  # surveys are listed too
        assert all(len(r["last"]) == 16 for r in tables["freshness"])  # local 'YYYY-MM-DD HH:MM'
        # the generator's data ends in 2024: every source is years old, so stale, in days
        assert all(
            r["status"] == "stale" and re.fullmatch(r"[\d,]+ d old", r["age"])
            for r in tables["freshness"]
        )
        assert texts_of(note)[0].startswith(
            f"{len(tables['freshness'])} of {len(tables['freshness'])} "
            "sources are stale (newest row older than 2 days"
        )
        settings = {r["setting"]: r["value"] for r in tables["settings"]}
        assert settings["display timezone"] == "UTC" and settings["first-response SLA"] == "2 h"
        assert settings["business hours sun"] == "closed"
        assert settings["a source is stale after"] == "2 days without a new row"
        assert settings["deltas compare with"] == "the last 4 same weekdays"
        assert {
            r["channel"]: r["per_interaction"] for r in tables["costs"]
        } == svc.config.costs.per_interaction
        assert [r["kpi"] for r in tables["targets"]] == [k.id for k in catalogue()]
        assert texts_of(bars[0])[0].startswith(f"{loads} rows")
        assert figure["layout"]["title"]["text"] == "Quarantined rows by reason"
        assert sum(r["rows"] for r in tables["quarantine"]) == 1  # the injection file's bad date
        assert figure["data"][0]["x"] == [1]
