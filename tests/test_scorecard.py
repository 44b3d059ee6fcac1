"""The KPI catalogue and the scorecard's results contract (golden values: test_scorecard_golden)."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli import main
from etl.settings.config import Config
from scorecard.kpis.catalogue import KINDS, PERSPECTIVES, catalogue, kpi_by_id, status_of
from scorecard.kpis.data import open_warehouse
from scorecard.kpis.scoring import previous_period, scorecard
from tests.fixtures_multichannel import GOLDEN_CONFIG, build_multichannel

KPI_REFERENCE = (Path(__file__).parents[1] / "docs" / "kpis.md").read_text(encoding="utf-8")
ISSUE_KPIS = {  # the issue's list; ids are the CLI/JSON contract
    "csat_score",
    "csat_mean",
    "nps",
    "recommend_rate",
    "sentiment_mean",
    "positive_share",
    "negative_share",
    "net_sentiment_weighted",
    "sentiment_recovery",
    "volume",
    "answered_rate",
    "frt_median_s",
    "frt_p90_s",
    "frt_mean_s",
    "frt_business_median_s",
    "sla_met_rate",
    "resolution_rate",
    "ttr_median_s",
    "fcr_rate",
    "reopen_rate",
    "private_handoff_rate",
    "runaround_rate",
    "transfer_rate",
    "cost_total",
    "cost_per_interaction",
    "cost_per_resolution",
    "savings_vs_phone",
    "interactions_per_agent_hour",
    "agent_frt_spread",
    "playbook_adherence",
    "opportunities",
    "opportunity_capture_rate",
}  # issue 20


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    db = build_multichannel(tmp_path_factory.mktemp("sc") / "w.duckdb")
    c = open_warehouse(db)
    yield c
    c.close()


def test_catalogue_has_every_kpi_of_the_issue_fully_defined():
    ids = [k.id for k in catalogue()]
    assert set(ids) == ISSUE_KPIS and len(ids) == len(set(ids))
    for k in catalogue():
        assert k.perspective in PERSPECTIVES and k.kind in KINDS
        assert (
            len(k.definition) > 60
            and k.label
            and k.unit
            and k.direction in ("higher", "lower", "none")
        )
        assert k.weight >= 0 and k.amber >= 0
        assert (k.target is None) == (k.direction == "none"), k.id
        assert (k.unit == "seconds") == bool(k.measure), k.id


def test_every_kpi_has_a_reference_row():
    table = KPI_REFERENCE
    for k in catalogue():
        assert re.search(rf"^\| {k.id} \| {k.perspective} \| {k.unit} \| .+ \|$", table, re.M), k.id


def test_status_is_direction_aware():
    frt, answered = kpi_by_id("frt_median_s"), kpi_by_id("answered_rate")
    cfg = Config()
    assert [status_of(frt, v, 50, cfg) for v in (3600, 5400, 5401)] == ["green", "amber", "red"]
    assert [status_of(answered, v, 50, cfg) for v in (0.95, 0.90, 0.89)] == [
        "green",
        "amber",
        "red",
    ]
    assert status_of(answered, None, 0, cfg) == "n/a"
    tighter = Config(targets={"frt_median_s": {"target": 600, "amber": 60}})
    assert status_of(frt, 700, 50, tighter) == "red"


def test_a_kpi_without_direction_has_no_status_even_with_a_configured_target():
    volume = kpi_by_id("volume")
    assert volume.direction == "none"
    assert (
        status_of(volume, 16, 16, Config(targets={"volume": {"target": 10, "amber": 5}})) == "n/a"
    )
    header = (
        (Path(__file__).parents[1] / "scorecard" / "kpis" / "kpis.toml")
        .read_text()
        .split("[[kpi]]")[0]
    )
    assert "needs a direction" in header and "unless a target is configured" not in header


def test_previous_period_labels():
    assert previous_period("2024-03-01", "day") == "2024-02-29"
    assert previous_period("2024-03-04", "week") == "2024-02-26"
    assert previous_period("2024-01-01", "month") == "2023-12-01"


def test_result_is_frozen_and_serialisable(con):
    res = scorecard(con, GOLDEN_CONFIG, "2024-03-04", "2024-03-10", grain="day", by=["channel"])
    with pytest.raises(dataclasses.FrozenInstanceError):
        res.overall = 1.0  # type: ignore[misc]
    payload = res.to_json()
    json.dumps(payload, default=str)
    assert set(payload) >= {
        "from",
        "to",
        "grain",
        "by",
        "rows",
        "perspectives",
        "overall",
        "rollups",
    }
    row = payload["rows"][0]
    assert set(row) >= {
        "period",
        "channel",
        "kpi",
        "value",
        "n",
        "target",
        "status",
        "thin",
        "previous",
        "delta",
    }
    assert {(r["period"], r["channel"]) for r in payload["rollups"]} == {
        (v.period, dict(v.slice)["channel"]) for v in res.kpis
    }
    assert res.summary().startswith("Scorecard 2024-03-04..2024-03-10 (day)")


def test_summary_names_the_red_kpis(con):
    res = scorecard(con, GOLDEN_CONFIG, "2024-03-04", "2024-03-10")
    text = res.summary()
    # 16 cases: every value is thin, so nothing is red or green and the roll-up is n/a
    # (weighted roll-ups on n >= 30: tests/test_scorecard_targets.py)
    assert "overall n/a; red: none." in text
    assert "Thin (n < 30 somewhere): agent_frt_spread" in text


def test_cli_scorecard_json_carries_stats_and_rollups(con, tmp_path):
    db = build_multichannel(tmp_path / "w.duckdb")
    out = CliRunner().invoke(
        main,
        [
            "scorecard",
            "--db",
            str(db),
            "--from",
            "2024-03-04",
            "--to",
            "2024-03-10",
            "--kpi",
            "frt_median_s,volume",
            "--format",
            "json",
        ],
    )
    payload = json.loads(out.output)
    frt = next(r for r in payload["rows"] if r["kpi"] == "frt_median_s")
    assert (frt["value"], frt["median"], frt["p90"], frt["n"]) == (300.0, 300.0, 7200.0, 13)
    assert "median" not in next(r for r in payload["rows"] if r["kpi"] == "volume")
    # the rows' KPIs, defined once at the top level (the rows themselves keep their contract)
    assert list(payload["definitions"]) == ["volume", "frt_median_s"]
    assert payload["definitions"]["frt_median_s"] == {
        "label": "First response (median)",
        "perspective": "internal",
        "unit": "seconds",
        "direction": "lower",
        "definition": kpi_by_id("frt_median_s").definition,
    }
    assert all("definition" not in r and "label" not in r for r in payload["rows"])


def test_cli_scorecard_table_prints_a_roll_up_per_slice(tmp_path):
    db = build_multichannel(tmp_path / "w.duckdb")
    out = CliRunner().invoke(
        main,
        [
            "scorecard",
            "--db",
            str(db),
            "--from",
            "2024-03-04",
            "--to",
            "2024-03-10",
            "--by",
            "brand",
            "--kpi",
            "volume,resolution_rate",
        ],
    )
    assert out.exit_code == 0, out.output
    lines = out.output.splitlines()
    # resolution ShopCo 5/6, TelcoCo 3/10: both thin, so neither is green or red
    assert "  total brand=ShopCo: overall n/a" in lines
    assert "  total brand=TelcoCo: overall n/a" in lines


def test_bad_grain_or_dimension_is_a_sentence(con):
    with pytest.raises(ValueError, match="grain must be one of"):
        scorecard(con, GOLDEN_CONFIG, grain="hour")
    with pytest.raises(ValueError, match="unknown dimension 'colour'"):
        scorecard(con, GOLDEN_CONFIG, filters={"colour": ["red"]})
    with pytest.raises(ValueError, match="unknown KPI"):
        scorecard(con, GOLDEN_CONFIG, kpi_ids=["happiness"])


def test_every_kpi_has_a_row_even_when_its_source_has_none(con):
    """Sunday 10 March, social: only S6 (unanswered, no agent, no survey). The agent-hours,
    survey and spread KPIs have no source rows there; they still get a row (value None, n 0,
    status n/a) so a filtered scorecard always shows all 30 KPIs."""
    result = scorecard(
        con, GOLDEN_CONFIG, "2024-03-10", "2024-03-10", "day", filters={"channel": ["social"]}
    )
    values = {v.kpi: v for v in result.kpis}
    assert set(values) == ISSUE_KPIS
    assert values["volume"].value == 1 and values["answered_rate"].value == 0
    for kpi in ("interactions_per_agent_hour", "csat_score", "nps", "frt_median_s"):
        assert (values[kpi].value, values[kpi].n, values[kpi].status) == (None, 0, "n/a"), kpi
