"""The adjusted lift fitted on covariate cells equals the logit on every answer, and the lift
statistics from survey_cells (weighted) equal those from one row per answer.

Provenance: tests/golden/reports.md, "Lift on covariate cells"."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf

from scorecard.economics.lift import fast_effective_matrix, raw_lift
from scorecard.economics.lift_model import _formula, fit_one, model_frame

BUCKETS = ["fast_resolved", "fast_unresolved", "slow_resolved", "slow_unresolved", "unanswered"]


def answers(n: int = 3000, seed: int = 5) -> pd.DataFrame:
    """One row per answer: social raises the recommend odds, resolution and speed matter."""
    rng = np.random.default_rng(seed)
    channel = rng.choice(["social", "phone", "email"], n, p=[0.3, 0.5, 0.2])
    bucket = rng.choice(BUCKETS, n)
    category = rng.choice(["billing", "outage", "order", "tiny"], n, p=[0.4, 0.3, 0.29, 0.01])
    resolved = np.char.endswith(bucket.astype(str), "_resolved")
    logit = -0.4 + 0.5 * (channel == "social") + 0.8 * resolved - 0.6 * (bucket == "unanswered")
    y = rng.random(n) < 1 / (1 + np.exp(-logit))
    return pd.DataFrame(
        {
            "survey_id": [f"s{i}" for i in range(n)],
            "channel": channel,
            "category": category,
            "would_recommend": y,
            "nps": np.where(y, rng.integers(7, 11, n), rng.integers(0, 9, n)),
            "linked": True,
            "resolved": resolved,
            "bucket": bucket,
        }
    )


def cells_of(rows: pd.DataFrame) -> pd.DataFrame:
    keys = ["channel", "category", "would_recommend", "nps", "linked", "resolved", "bucket"]
    return rows.groupby(keys, as_index=False).size().rename(columns={"size": "weight"})


def test_cell_fit_equals_the_logit_on_every_answer():
    rows = answers()
    cells = model_frame(cells_of(rows), "phone", 30)
    assert (
        cells["w"].sum() == (rows["channel"] != "email").sum() and len(cells) <= 2 * 2 * 4 * 2 * 3
    )
    ours = fit_one(cells, "social vs phone", "phone", 30)
    # the reference: statsmodels Logit on one row per answer, its own get_margeff
    a = rows[rows["channel"] != "email"]
    small = a["category"].value_counts()[lambda c: c < 30].index
    frame = pd.DataFrame(
        {
            "y": a["would_recommend"].astype(float),
            "social": (a["channel"] == "social").astype(float),
            "category": a["category"].where(~a["category"].isin(small), "(small categories)"),
            "resolved": a["resolved"].astype(float),
            "speed": a["bucket"].str.split("_").str[0],
        }
    )
    res = smf.logit(_formula(frame), frame).fit(disp=0)
    me = res.get_margeff(at="overall", method="dydx", dummy=True).summary_frame().loc["social"]
    lo, hi = np.exp(res.conf_int().loc["social"])
    expected = [
        np.exp(res.params["social"]),
        lo,
        hi,
        me["dy/dx"],
        me["Conf. Int. Low"],
        me["Cont. Int. Hi."],
    ]
    assert ours[1:7] == pytest.approx(expected, rel=1e-6, abs=1e-7)
    assert ours[7] == len(frame) and ours[8] == ""


def test_weighted_cells_give_the_same_raw_lift_and_matrix_as_rows():
    rows = answers()
    by_row, by_cell = raw_lift(rows, []), raw_lift(cells_of(rows), [])
    pd.testing.assert_frame_equal(by_row, by_cell)  # the bootstrap draws the same counts
    pd.testing.assert_frame_equal(
        fast_effective_matrix(rows), fast_effective_matrix(cells_of(rows))
    )
    social = rows[rows["channel"] == "social"]
    assert by_cell.loc[0, "social"] == pytest.approx(social["would_recommend"].mean())
    assert by_cell.loc[0, "n_social"] == len(social)
