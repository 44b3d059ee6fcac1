"""Golden values on the real TWCS sample, computed by hand in tests/golden/README.md."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from cli import main

# brand -> (cases, answered_rate, frt_median_s, private_handoff_rate, sla_met_rate)
GOLDEN = {
    "sprintcare": (3, 1.0, 192.0, 1.0, 1.0),
    "Ask_Spectrum": (3, 1.0, 242.0, 1 / 3, 1.0),
    "VerizonSupport": (6, 1.0, 190.5, 2 / 6, 1.0),
    "ChipotleTweets": (15, 1.0, 570.0, 1 / 15, 14 / 15),
    "AskPlayStation": (3, 1.0, 50232.0, 0.0, 0.0),
    "marksandspencer": (4, 1.0, 13038.5, 0.0, 0.25),
}


@pytest.fixture(scope="module")
def rows(twcs_db):
    result = CliRunner().invoke(
        main,
        [
            "--db",
            str(twcs_db),
            "scorecard",
            "--by",
            "brand",
            "--grain",
            "total",
            "--format",
            "json",
        ],
    )
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert payload["grain"] == "total" and payload["by"] == ["brand"]
    return {(r["brand"], r["kpi"]): r for r in payload["rows"]}


@pytest.mark.parametrize("brand", sorted(GOLDEN))
def test_brand_kpis_match_hand_computation(rows, brand):
    cases, answered, frt_median, private, sla = GOLDEN[brand]
    assert rows[(brand, "volume")]["value"] == cases
    assert rows[(brand, "volume")]["n"] == cases
    assert rows[(brand, "answered_rate")]["value"] == pytest.approx(answered)
    assert rows[(brand, "frt_median_s")]["value"] == pytest.approx(frt_median)
    assert rows[(brand, "frt_median_s")]["n"] == cases
    assert rows[(brand, "private_handoff_rate")]["value"] == pytest.approx(private)
    assert rows[(brand, "sla_met_rate")]["value"] == pytest.approx(sla)


def test_rows_follow_json_contract(rows):
    row = rows[("VerizonSupport", "frt_median_s")]
    assert set(row) >= {"period", "brand", "kpi", "value", "n", "target", "status"}
    assert row["period"] == "total"
    assert row["status"] in {"green", "amber", "red", "n/a"}
    # 3 cases each: far below the 30 a status needs (scorecard/kpis/catalogue.py THIN_N), so neither is
    # red nor green although AskPlayStation's 14 h is far beyond its 1 h target (issue 17: thin
    # values never take a colour); the value and its reason are kept
    for brand, value in (("AskPlayStation", 50232.0), ("sprintcare", 192.0)):
        row = rows[(brand, "frt_median_s")]
        assert (row["status"], row["thin"], row["n"], row["value"]) == ("n/a", True, 3, value)
        assert "thin" in row["reason"]


def test_verizon_frt_mean_and_p90(rows):
    # FRTs 74, 159, 167, 214, 233, 1791 s (README): mean 439.67; p90 by linear interpolation
    # at rank 0.9*5 = 4.5 -> 233 + 0.5*(1791-233) = 1012.
    assert rows[("VerizonSupport", "frt_mean_s")]["value"] == pytest.approx(2638 / 6)
    assert rows[("VerizonSupport", "frt_p90_s")]["value"] == pytest.approx(1012.0)


def test_total_case_count_and_orphans(twcs_db):
    import duckdb

    con = duckdb.connect(str(twcs_db), read_only=True)
    # 66 inbound tweets; 34 roots. Tweet 81 (a broadcast) and 203 (reply to absent 205) are in no case.
    assert con.execute("select count(*) from interactions").fetchone()[0] == 34
    assert con.execute("select count(*) from messages").fetchone()[0] == 119
    resolved = con.execute(
        "select interaction_id from interactions where status = 'resolved'"
    ).fetchall()
    assert resolved == [("twcs:36",)]  # 'I finally got someone that helped me, thanks!'
    con.close()
