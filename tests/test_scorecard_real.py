"""The scorecard's phone KPIs on the real PwC call-centre file, against an independent pandas
computation straight from the CSV (no loader code involved)."""

from __future__ import annotations

import pandas as pd
import pytest

from etl.settings.config import Config
from scorecard.kpis.data import open_warehouse
from scorecard.kpis.scoring import scorecard
from tests.conftest import REAL
from warehouse.ingest import load_file

PWC = REAL / "pwc_call_centre.csv"


@pytest.fixture(scope="module")
def kpis(tmp_path_factory):
    db = tmp_path_factory.mktemp("pwc") / "w.duckdb"
    load_file("calls", str(PWC), db, Config())
    con = open_warehouse(db)
    res = scorecard(
        con,
        Config(),
        kpi_ids=[
            "volume",
            "answered_rate",
            "resolution_rate",
            "csat_mean",
            "frt_median_s",
            "frt_p90_s",
            "frt_mean_s",
            "fcr_rate",
        ],
    )
    con.close()
    return {v.kpi: v for v in res.kpis}


@pytest.fixture(scope="module")
def calls() -> pd.DataFrame:
    return pd.read_csv(PWC, dtype=str)


def test_answered_and_resolution_rates(kpis, calls):
    answered = calls["Answered (Y/N)"] == "Y"
    # a call resolves only if it was answered (the file never says otherwise: 0 such rows)
    resolved = answered & (calls["Resolved"] == "Y")
    assert kpis["volume"].value == len(calls) == 5000
    assert kpis["answered_rate"].value == pytest.approx(answered.mean())  # 4054 / 5000
    assert kpis["resolution_rate"].value == pytest.approx(resolved.mean())  # 3646 / 5000
    assert (answered.sum(), resolved.sum()) == (4054, 3646)


def test_mean_rating(kpis, calls):
    rating = pd.to_numeric(calls["Satisfaction rating"], errors="coerce").dropna()
    assert kpis["csat_mean"].value == pytest.approx(rating.mean())
    assert kpis["csat_mean"].n == len(rating) == 4054


def test_speed_of_answer(kpis, calls):
    speed = pd.to_numeric(calls.loc[calls["Answered (Y/N)"] == "Y", "Speed of answer in seconds"])
    frt = kpis["frt_median_s"]
    assert frt.value == pytest.approx(speed.median()) and frt.n == len(speed)
    assert kpis["frt_p90_s"].value == pytest.approx(speed.quantile(0.9))
    assert frt.stat("mean") == pytest.approx(speed.mean())
    assert frt.stat("p90") == pytest.approx(speed.quantile(0.9))


def test_fcr_is_not_measured_without_customer_ids(kpis, calls):
    # the export has no customer column: a repeat call cannot be found, so no call is counted as
    # resolved at first contact (before: FCR silently equalled the resolution rate, 0.7292)
    assert "Customer Id" not in calls.columns
    fcr = kpis["fcr_rate"]
    assert (fcr.value, fcr.n, fcr.status) == (None, 0, "n/a")
