"""Adjusted recommendation lift: logistic regression of would-recommend on channel, issue
category, resolution and first-response bucket (statsmodels), per comparison."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import statsmodels.formula.api as smf

ADJUSTED_COLUMNS = ["comparison", "odds_ratio", "or_ci_low", "or_ci_high", "ame", "ame_ci_low",
                    "ame_ci_high", "n", "note"]
SMALL = "(small categories)"


def model_frame(answers: pd.DataFrame, other: str, min_n: int) -> pd.DataFrame:
    """Answers linked to a case of social and `other`: y, social (0/1), category (categories
    with fewer than min_n answers pooled), resolved (0/1), speed (fast / slow / unanswered)."""
    a = answers[answers["channel"].isin(["social", other])].dropna(subset=["would_recommend", "bucket"])
    if a.empty:
        return pd.DataFrame(columns=["y", "social", "category", "resolved", "speed"])
    counts = a["category"].value_counts()
    small = counts[counts < min_n].index
    return pd.DataFrame({
        "y": a["would_recommend"].astype(float).to_numpy(),
        "social": (a["channel"] == "social").astype(float).to_numpy(),
        "category": a["category"].where(~a["category"].isin(small), SMALL).fillna(SMALL).to_numpy(),
        "resolved": a["resolved"].fillna(False).astype(float).to_numpy(),
        "speed": a["bucket"].str.split("_").str[0].to_numpy(),
    })


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


def fit_one(frame: pd.DataFrame, comparison: str, other: str, min_n: int) -> list:
    """One row of the adjusted table (NaN estimates with a note when it cannot be estimated)."""
    n_social = int(frame["social"].sum())
    n_other = len(frame) - n_social
    blank = [comparison, *[np.nan] * 6, len(frame)]
    if min(n_social, n_other) < min_n:
        return [*blank, f"too thin: {n_social} social and {n_other} {other} answers linked to cases "
                        f"(at least {min_n} each are needed)"]
    if frame["y"].nunique() < 2:
        return [*blank, "every answer is the same, so no lift can be estimated"]
    try:
        res = smf.logit(_formula(frame), frame).fit(disp=0, maxiter=200)
        if not res.mle_retvals.get("converged", True):
            return [*blank, "the logistic regression did not converge (likely separation)"]
        beta, (lo, hi) = res.params["social"], res.conf_int().loc["social"]
        me = res.get_margeff(at="overall", method="dydx", dummy=True).summary_frame().loc["social"]
    except (np.linalg.LinAlgError, ValueError, KeyError) as e:
        return [*blank, f"the logistic regression failed ({type(e).__name__}: {str(e)[:80]})"]
    if not np.isfinite([beta, lo, hi]).all():
        return [*blank, "the logistic regression did not converge (likely separation)"]
    return [comparison, float(np.exp(beta)), float(np.exp(lo)), float(np.exp(hi)),
            float(me["dy/dx"]), float(me["Conf. Int. Low"]), float(me["Cont. Int. Hi."]), len(frame), ""]


def adjusted_lift(answers: pd.DataFrame, comparisons: Sequence[tuple[str, str]], min_n: int,
                  notes: list[str]) -> pd.DataFrame:
    """Odds ratio and average marginal effect of social vs each other channel (95 % CIs)."""
    rows = []
    for comparison, other in comparisons:
        row = fit_one(model_frame(answers, other, min_n), comparison, other, min_n)
        if row[-1]:
            notes.append(f"{comparison}, adjusted: {row[-1]}.")
        rows.append(row)
    return pd.DataFrame(rows, columns=ADJUSTED_COLUMNS).astype({"n": "int64"})
