"""The lift's numpy statistics (scorecard/economics/stats.py) against the statsmodels routines
they replace: Wilson and Newcombe intervals, and the frequency-weighted binomial GLM (estimates,
covariance, convergence) on covariate cells, including a separated sample.

Provenance: tests/golden/reports.md, "Statistics without statsmodels"."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
import statsmodels.formula.api as smf
from statsmodels.stats.proportion import confint_proportions_2indep, proportion_confint

from scorecard.economics.lift_model import _formula, design_matrix, fit_one
from scorecard.economics.stats import logit_irls, newcombe_interval, wilson_interval


def test_wilson_and_newcombe_equal_statsmodels():
    counts = np.array([0, 1, 7, 50, 99, 100, 3120])
    nobs = np.array([10, 10, 31, 100, 100, 100, 9000])
    lo, hi = wilson_interval(counts, nobs)
    ref_lo, ref_hi = proportion_confint(counts, nobs, method="wilson")
    assert np.allclose(lo, ref_lo, rtol=1e-14, atol=1e-15) and np.allclose(
        hi, ref_hi, rtol=1e-14, atol=1e-15
    )
    for a, na, b, nb in [(12, 40, 30, 45), (228 * 0.6, 228, 2377 * 0.37, 2377), (0, 31, 31, 31)]:
        ref = confint_proportions_2indep(a, na, b, nb, method="newcomb", compare="diff")
        assert newcombe_interval(a, na, b, nb) == pytest.approx(ref, rel=1e-13, abs=1e-15)


def cells(seed: int, n: int = 4000, separated: bool = False) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "social": rng.integers(0, 2, n).astype(float),
            "category": rng.choice(["billing", "order", "outage"], n, p=[0.5, 0.3, 0.2]),
            "resolved": rng.integers(0, 2, n).astype(float),
            "speed": rng.choice(["fast", "slow", "unanswered"], n),
        }
    )
    logit = (
        -0.3
        + 0.4 * frame["social"]
        + 0.9 * frame["resolved"]
        - 0.5 * (frame["speed"] == "unanswered")
    )
    frame["y"] = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(float)
    if separated:
        frame["y"] = frame["social"]
    return (
        frame.groupby(["y", "social", "category", "resolved", "speed"], as_index=False)
        .size()
        .rename(columns={"size": "w"})
    )


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_weighted_logit_equals_statsmodels_glm(seed):
    frame = cells(seed)
    exog, names = design_matrix(frame)
    ours = logit_irls(exog, frame["y"].to_numpy(), frame["w"].to_numpy(dtype=float))
    model = smf.glm(
        _formula(frame), frame, family=sm.families.Binomial(), freq_weights=frame["w"].to_numpy()
    )
    ref = model.fit(maxiter=200)
    order = [
        list(model.exog_names).index(n.replace("C(speed)", "C(speed, Treatment('fast'))"))
        for n in names
    ]
    assert ours.converged and ref.converged
    assert ours.params == pytest.approx(ref.params.to_numpy()[order], rel=1e-9, abs=1e-12)
    assert ours.cov == pytest.approx(
        ref.cov_params().to_numpy()[np.ix_(order, order)], rel=1e-8, abs=1e-14
    )


def test_separation_is_reported_as_not_converged_like_before():
    frame = cells(4, separated=True)
    row = fit_one(frame, "social vs phone", "phone", 30)
    assert (
        np.isnan(row[1])
        and row[-1] == "the logistic regression did not converge (likely separation)"
    )
