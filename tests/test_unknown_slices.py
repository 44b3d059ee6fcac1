"""Unknown is not zero, per slice (issue 17): asking only for KPIs whose measure no source carries,
by brand, still lists every brand with an n/a row and its reason (it used to return no rows).

Fixture: the 66 inbound tweets of the real TWCS sample with the sample's brand handles
(tests/golden/one_sided.md): 60 cases, per brand Chipotle 19, Verizon 10, M&S 8, Sprint 6,
Spectrum 6, PlayStation 5, and 6 without a brand; no agent reply, so no response times."""

from __future__ import annotations

import pandas as pd
from click.testing import CliRunner

from cli import main
from etl.settings.config import Config
from scorecard.kpis.data import open_warehouse
from scorecard.kpis.scoring import scorecard
from tests.conftest import TWCS_SAMPLE
from warehouse.ingest import load_file

HANDLES = (
    "sprintcare",
    "Ask_Spectrum",
    "VerizonSupport",
    "ChipotleTweets",
    "AskPlayStation",
    "marksandspencer",
)


def test_lacking_kpis_by_brand_are_n_a_rows_not_missing(tmp_path):
    tweets = pd.read_csv(TWCS_SAMPLE, dtype=str, keep_default_na=False)
    inbound = tmp_path / "inbound.csv"
    tweets[tweets["inbound"].str.upper() == "TRUE"].to_csv(inbound, index=False)
    db = tmp_path / "w.duckdb"
    load_file("twcs", str(inbound), db, Config(brand_handles=HANDLES))
    result = scorecard(
        open_warehouse(db), Config(), by=["brand"], kpi_ids=["answered_rate", "frt_median_s"]
    )
    rows = {(dict(v.slice)["brand"], v.kpi): v for v in result.kpis}
    brands = {b for b, _ in rows}
    assert brands == {
        "ChipotleTweets",
        "VerizonSupport",
        "marksandspencer",
        "sprintcare",
        "Ask_Spectrum",
        "AskPlayStation",
        None,
    }
    for v in rows.values():
        assert (v.value, v.n, v.status) == (None, 0, "n/a")
        assert v.reason == "no response times in source twcs"
    volume = scorecard(open_warehouse(db), Config(), by=["brand"], kpi_ids=["volume"])
    assert {dict(v.slice)["brand"]: v.value for v in volume.kpis}["ChipotleTweets"] == 19
    r = CliRunner().invoke(
        main,
        [
            "--db",
            str(db),
            "scorecard",
            "--by",
            "brand",
            "--kpi",
            "answered_rate",
            "--format",
            "csv",
        ],
    )
    assert r.exit_code == 0 and len(r.output.strip().splitlines()) == 1 + 7
    assert "volume" not in r.output
