"""The anomaly scan's noise reads, every slicing in one grouped query, against hand-computed
values (tests/golden/anomaly_noise.md) and against the read of one slicing at a time."""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import pytest

from etl.settings.config import Config
from scorecard.anomalies.data_anomalies import (
    daily_exceedance,
    daily_exceedance_sets,
    daily_row_variance,
    daily_row_variance_sets,
)
from scorecard.anomalies.scan import SLICE_DIMS
from scorecard.kpis.catalogue import kpi_by_id
from scorecard.kpis.data import open_warehouse
from tests.rc_fixtures import case, warehouse_from_rows

FRT = {
    ("TelcoCo", "social"): ([10, 20], [30, 40]),
    ("TelcoCo", "phone"): ([50], [60]),
    ("AirCo", "social"): ([70], [80, 90]),
}
D1, D2 = "2024-03-01", "2024-03-02"

# (slice values) -> {day: (value, n)}; tests/golden/anomaly_noise.md
SHARE_ABOVE = {
    (): {(): {D1: (1 / 4, 4), D2: (3 / 5, 5)}},
    ("brand",): {
        ("TelcoCo",): {D1: (1 / 3, 3), D2: (2 / 3, 3)},
        ("AirCo",): {D1: (0.0, 1), D2: (1 / 2, 2)},
    },
    ("channel",): {
        ("social",): {D1: (1 / 3, 3), D2: (2 / 4, 4)},
        ("phone",): {D1: (0.0, 1), D2: (1.0, 1)},
    },
    ("brand", "channel"): {
        ("TelcoCo", "social"): {D1: (0.0, 2), D2: (1.0, 2)},
        ("TelcoCo", "phone"): {D1: (0.0, 1), D2: (1.0, 1)},
        ("AirCo", "social"): {D1: (0.0, 1), D2: (1 / 2, 2)},
    },
}
VARIANCE = {
    (): {(): {D1: (2275 / 3, 4), D2: (650.0, 5)}},
    ("brand",): {
        ("TelcoCo",): {D1: (1300 / 3, 3), D2: (700 / 3, 3)},
        ("AirCo",): {D1: (None, 1), D2: (50.0, 2)},
    },
    ("channel",): {
        ("social",): {D1: (3100 / 3, 3), D2: (2600 / 3, 4)},
        ("phone",): {D1: (None, 1), D2: (None, 1)},
    },
    ("brand", "channel"): {
        ("TelcoCo", "social"): {D1: (50.0, 2), D2: (50.0, 2)},
        ("TelcoCo", "phone"): {D1: (None, 1), D2: (None, 1)},
        ("AirCo", "social"): {D1: (None, 1), D2: (50.0, 2)},
    },
}


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    rows, k = [], 0
    for (brand, channel), days in FRT.items():
        for d, values in enumerate(days):
            for frt in values:
                opened = datetime(2024, 3, 1 + d, 10) + timedelta(minutes=k)
                rows.append(case(f"n{k}", opened, channel, True, float(frt), brand=brand))
                k += 1
    c = open_warehouse(warehouse_from_rows(tmp_path_factory.mktemp("noise") / "w.duckdb", rows))
    yield c
    c.close()


def _as_dict(frame, by) -> dict:
    out: dict = {}
    for r in frame.to_dict("records"):
        value = None if r["value"] is None or np.isnan(r["value"]) else float(r["value"])
        out.setdefault(tuple(r[d] for d in by), {})[r["period"]] = (value, int(r["n"]))
    return out


def _close(got: dict, want: dict) -> bool:
    return got.keys() == want.keys() and all(
        got[s].keys() == want[s].keys()
        and all(
            got[s][d][1] == want[s][d][1]
            and (
                got[s][d][0] is None
                if want[s][d][0] is None
                else got[s][d][0] == pytest.approx(want[s][d][0], rel=1e-12)
            )
            for d in want[s]
        )
        for s in want
    )


def test_share_above_each_slice_median_for_all_slicings_in_one_read(con):
    kpi = kpi_by_id("frt_median_s")
    sets = daily_exceedance_sets(con, Config(), kpi, SLICE_DIMS, D1, D2, {})
    for by in SLICE_DIMS:
        assert _close(_as_dict(sets[by], by), SHARE_ABOVE[by]), by
        one = daily_exceedance(con, Config(), kpi, by, D1, D2, {})
        assert _as_dict(one, by) == _as_dict(sets[by], by), by


def test_row_variance_for_all_slicings_in_one_read(con):
    kpi = kpi_by_id("frt_mean_s")
    sets = daily_row_variance_sets(con, Config(), kpi, SLICE_DIMS, D1, D2, {})
    for by in SLICE_DIMS:
        assert _close(_as_dict(sets[by], by), VARIANCE[by]), by
        one = daily_row_variance(con, Config(), kpi, by, D1, D2, {})
        assert _close(_as_dict(one, by), VARIANCE[by]), by


def test_a_filter_narrows_every_slicing(con):
    """Filtered to social (as the trends chart filters a slice), the brand slicing holds the
    social cases only: TelcoCo 10, 20, 30, 40 (median 25) and AirCo 70, 80, 90 (median 80)."""
    kpi = kpi_by_id("frt_median_s")
    sets = daily_exceedance_sets(
        con, Config(), kpi, [(), ("brand",)], D1, D2, {"channel": ["social"]}
    )
    assert _as_dict(sets[("brand",)], ("brand",)) == {
        ("TelcoCo",): {D1: (0.0, 2), D2: (1.0, 2)},
        ("AirCo",): {D1: (0.0, 1), D2: (0.5, 2)},
    }
    assert _close(_as_dict(sets[()], ()), {(): {D1: (1 / 3, 3), D2: (2 / 4, 4)}})
