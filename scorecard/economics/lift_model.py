"""Adjusted recommendation lift: logistic regression of would-recommend on channel, issue
category, resolution and first-response bucket (statsmodels), per comparison.

The model is fitted on covariate cells, not on answers: answers with the same (y, social,
category, resolved, speed) are one row with their count as a frequency weight (a binomial GLM
with `freq_weights`). The likelihood is the same sum, so the estimates, their covariance and
the average marginal effect equal the logit on every answer (tests/golden/reports.md checks
both on the same data), while millions of answers shrink to a few hundred rows. The GLM is
fitted by scorecard/economics/stats.py (statsmodels' IRLS in numpy, without its import) on the
design matrix the formula `_formula` names: treatment dummies, the first level (sorted) as
reference, `fast` for the speed.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from scorecard.economics.stats import Z_975, expit, logit_irls

ADJUSTED_COLUMNS = [
    "comparison",
    "odds_ratio",
    "or_ci_low",
    "or_ci_high",
    "ame",
    "ame_ci_low",
    "ame_ci_high",
    "n",
    "note",
]
SMALL = "(small categories)"
CELL_COLUMNS = ["y", "social", "category", "resolved", "speed", "w"]
SPEED = {
    "fast_resolved": "fast",
    "fast_unresolved": "fast",
    "slow_resolved": "slow",
    "slow_unresolved": "slow",
    "unanswered": "unanswered",
}
SEPARATION_BETA = 25.0  # |coefficient| beyond this: fitted probabilities of 0 or 1 (separation)


def _weights(answers: pd.DataFrame) -> pd.Series:
    """Each row's number of answers (a `weight` column of pre-aggregated answers, else 1)."""
    if "weight" in answers.columns:
        return answers["weight"].astype("int64")
    return pd.Series(1, index=answers.index, dtype="int64")


def model_frame(answers: pd.DataFrame, other: str, min_n: int) -> pd.DataFrame:
    """Covariate cells of the answers linked to a case of social and `other`: y, social (0/1),
    category (categories with fewer than min_n answers pooled), resolved (0/1), speed (fast /
    slow / unanswered) and w, the number of answers in the cell."""
    a = answers[answers["channel"].isin(["social", other])].dropna(
        subset=["would_recommend", "bucket"]
    )
    if a.empty:
        return pd.DataFrame(columns=CELL_COLUMNS)
    w = _weights(a)
    counts = w.groupby(a["category"].fillna(SMALL)).sum()
    small = counts[counts < min_n].index
    cat = a["category"].fillna(SMALL)
    rows = pd.DataFrame(
        {
            "y": a["would_recommend"].astype(float).to_numpy(),
            "social": (a["channel"] == "social").astype(float).to_numpy(),
            "category": cat.where(~cat.isin(small), SMALL).to_numpy(),
            "resolved": a["resolved"].fillna(False).astype(float).to_numpy(),
            "speed": a["bucket"].map(SPEED).to_numpy(),
            "w": w.to_numpy(),
        }
    )
    cells = rows.groupby(CELL_COLUMNS[:-1], as_index=False, sort=True)["w"].sum()
    return cells.astype({"w": "int64"})


def _formula(frame: pd.DataFrame) -> str:
    """recommend ~ social + the covariates that vary in this sample."""
    terms = ["social"]
    if frame["category"].nunique() > 1:
        terms.append("C(category)")
    if frame["resolved"].nunique() > 1:
        terms.append("resolved")
    if frame["speed"].nunique() > 1:
        terms.append("C(speed, Treatment('fast'))" if "fast" in set(frame["speed"]) else "C(speed)")
    return "y ~ " + " + ".join(terms)


def _dummies(values: pd.Series, reference: str) -> tuple[list[np.ndarray], list[str]]:
    """Treatment-coded columns of a categorical term: one per level (sorted) but the reference."""
    levels = [v for v in sorted(set(values)) if v != reference]
    return [(values == v).to_numpy(dtype=float) for v in levels], [str(v) for v in levels]


def design_matrix(frame: pd.DataFrame) -> tuple[np.ndarray, list[str]]:
    """(The exog of `_formula(frame)`: intercept, social, category dummies, resolved, speed
    dummies, for the terms that vary; the column names)."""
    cols, names = (
        [np.ones(len(frame)), frame["social"].to_numpy(dtype=float)],
        ["Intercept", "social"],
    )
    if frame["category"].nunique() > 1:
        c, n = _dummies(frame["category"], sorted(set(frame["category"]))[0])
        cols, names = cols + c, names + [f"C(category)[T.{x}]" for x in n]
    if frame["resolved"].nunique() > 1:
        cols, names = cols + [frame["resolved"].to_numpy(dtype=float)], names + ["resolved"]
    if frame["speed"].nunique() > 1:
        speeds = set(frame["speed"])
        c, n = _dummies(frame["speed"], "fast" if "fast" in speeds else sorted(speeds)[0])
        cols, names = cols + c, names + [f"C(speed)[T.{x}]" for x in n]
    return np.column_stack(cols), names


def average_marginal_effect(
    exog: np.ndarray, w: np.ndarray, params: np.ndarray, cov: np.ndarray, col: int
) -> tuple[float, float]:
    """Average over answers of P(y | social=1, x) - P(y | social=0, x) and its delta-method
    standard error (the discrete change statsmodels' get_margeff(dummy=True) reports)."""
    x1, x0 = exog.copy(), exog.copy()
    x1[:, col], x0[:, col] = 1.0, 0.0
    p1, p0 = expit(x1 @ params), expit(x0 @ params)
    share = w / w.sum()
    ame = float(share @ (p1 - p0))
    grad = share @ ((p1 * (1 - p1))[:, None] * x1 - (p0 * (1 - p0))[:, None] * x0)
    return ame, float(np.sqrt(grad @ cov @ grad))


def fit_one(frame: pd.DataFrame, comparison: str, other: str, min_n: int) -> list:
    """One row of the adjusted table (NaN estimates with a note when it cannot be estimated)."""
    n = int(frame["w"].sum()) if len(frame) else 0
    n_social = int(frame.loc[frame["social"] == 1, "w"].sum()) if len(frame) else 0
    n_other = n - n_social
    blank = [comparison, *[np.nan] * 6, n]
    if min(n_social, n_other) < min_n:
        return [
            *blank,
            f"too thin: {n_social} social and {n_other} {other} answers linked to cases "
            f"(at least {min_n} each are needed)",
        ]
    if frame["y"].nunique() < 2:
        return [*blank, "every answer is the same, so no lift can be estimated"]
    diverged = "the logistic regression did not converge (likely separation)"
    try:
        exog, names = design_matrix(frame)
        w = frame["w"].to_numpy(dtype=float)
        fit = logit_irls(exog, frame["y"].to_numpy(dtype=float), w, maxiter=200)
        if not fit.converged or np.abs(fit.params).max() > SEPARATION_BETA:
            return [*blank, diverged]
        col = names.index("social")
        params, cov = fit.params, fit.cov
        beta, se = params[col], float(np.sqrt(cov[col, col]))
        ame, ame_se = average_marginal_effect(exog, w, params, cov, col)
    except (np.linalg.LinAlgError, ValueError, KeyError) as e:
        return [*blank, f"the logistic regression failed ({type(e).__name__}: {str(e)[:80]})"]
    z = Z_975
    lo, hi = beta - z * se, beta + z * se
    if not np.isfinite([beta, lo, hi, ame, ame_se]).all():
        return [*blank, diverged]
    return [
        comparison,
        float(np.exp(beta)),
        float(np.exp(lo)),
        float(np.exp(hi)),
        ame,
        float(ame - z * ame_se),
        float(ame + z * ame_se),
        n,
        "",
    ]


def adjusted_lift(
    answers: pd.DataFrame, comparisons: Sequence[tuple[str, str]], min_n: int, notes: list[str]
) -> pd.DataFrame:
    """Odds ratio and average marginal effect of social vs each other channel (95 % CIs)."""
    rows = []
    for comparison, other in comparisons:
        row = fit_one(model_frame(answers, other, min_n), comparison, other, min_n)
        if row[-1]:
            notes.append(f"{comparison}, adjusted: {row[-1]}.")
        rows.append(row)
    return pd.DataFrame(rows, columns=ADJUSTED_COLUMNS).astype({"n": "int64"})
