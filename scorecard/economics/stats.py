"""The few statistics the lift needs, in numpy alone (no scipy or statsmodels import, which cost
seconds at every cold start of `socialcare lift` and the business case).

Each follows the statsmodels routine the lift used before, step for step, and
tests/test_lift_stats.py checks it against that routine:
- wilson_interval: `proportion_confint(count, nobs, method="wilson")`, clipped to 0..1;
- newcombe_interval: `confint_proportions_2indep(..., method="newcomb", compare="diff")`;
- logit_irls: `GLM(y, X, family=Binomial(), freq_weights=w).fit()` by iteratively reweighted
  least squares from mu = (y + 0.5) / 2, stopping when the deviance changes by at most 1e-8,
  with the covariance of the last weighted least-squares step (scale 1).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

Z_TWO_SIDED = 1.9599639845400545  # scipy.stats.norm.isf(0.025), as statsmodels' Wilson uses it
Z_975 = 1.959963984540054  # scipy.stats.norm.ppf(0.975), the Wald and delta-method intervals
DEVIANCE_TOL = 1e-8


def wilson_interval(count, nobs) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score 95 % interval of count / nobs (arrays or scalars), clipped to 0..1."""
    count, nobs = np.asarray(count, dtype=float), np.asarray(nobs, dtype=float)
    q = count / nobs
    crit2 = Z_TWO_SIDED**2
    denom = 1 + crit2 / nobs
    center = (q + crit2 / (2 * nobs)) / denom
    dist = Z_TWO_SIDED * np.sqrt(q * (1.0 - q) / nobs + crit2 / (4.0 * nobs**2)) / denom
    return np.clip(center - dist, 0, 1), np.clip(center + dist, 0, 1)


def newcombe_interval(
    count1: float, nobs1: float, count2: float, nobs2: float
) -> tuple[float, float]:
    """Newcombe's hybrid score 95 % interval of count1/nobs1 - count2/nobs2 (Wilson intervals)."""
    p1, p2 = count1 / nobs1, count2 / nobs2
    low1, upp1 = wilson_interval(count1, nobs1)
    low2, upp2 = wilson_interval(count2, nobs2)
    diff = p1 - p2
    return (
        float(diff - np.sqrt((p1 - low1) ** 2 + (upp2 - p2) ** 2)),
        float(diff + np.sqrt((p2 - low2) ** 2 + (upp1 - p1) ** 2)),
    )


def expit(x: np.ndarray) -> np.ndarray:
    """The logistic function 1 / (1 + exp(-x))."""
    return 1.0 / (1.0 + np.exp(-x))


@dataclass(frozen=True)
class LogitFit:
    """A fitted binomial GLM with the logit link: estimates, their covariance, convergence."""

    params: np.ndarray
    cov: np.ndarray
    converged: bool


def _deviance(y: np.ndarray, mu: np.ndarray, w: np.ndarray) -> float:
    """Binomial deviance of 0/1 outcomes with frequency weights."""
    with np.errstate(divide="ignore", invalid="ignore"):
        ll = np.where(y > 0, np.log(mu), 0.0) + np.where(y < 1, np.log1p(-mu), 0.0)
    return float(-2.0 * np.sum(w * ll))


def logit_irls(exog: np.ndarray, y: np.ndarray, w: np.ndarray, maxiter: int = 200) -> LogitFit:
    """Maximum likelihood of the logit model by IRLS, as statsmodels' GLM fits it (module
    docstring); `w` are frequency weights (answers per covariate cell)."""
    mu = (y + 0.5) / 2.0
    eta = np.log(mu / (1 - mu))
    dev = _deviance(y, mu, w)
    converged = False
    wexog = wendog = None
    for _ in range(maxiter):
        var = mu * (1 - mu)
        root = np.sqrt(w * var)
        wexog, wendog = exog * root[:, None], (eta + (y - mu) / var) * root
        params = np.linalg.lstsq(wexog, wendog, rcond=-1)[0]
        eta = exog @ params
        mu = expit(eta)
        dev_old, dev = dev, _deviance(y, mu, w)
        if abs(dev - dev_old) <= DEVIANCE_TOL:
            converged = True
            break
    if wexog is None:
        return LogitFit(
            np.full(exog.shape[1], np.nan), np.full((exog.shape[1],) * 2, np.nan), False
        )
    pinv = np.linalg.pinv(wexog)  # the last weighted step again, by pseudo-inverse (as statsmodels)
    return LogitFit(pinv @ wendog, pinv @ pinv.T, converged)
