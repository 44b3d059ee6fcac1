"""The rolling-week test of a thin daily KPI series: the model of scorecard/baseline.py on
7-day pools, so that a sustained shift in a slice too thin for daily tests is still seen.

A week's expected value pools its days' levels; each level leaves out the day and its
neighbours, and, for shares, every day of a week far from the series' typical week
(outlier_runs), so that an incident of a week or more does not raise its own baseline.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.ndimage import maximum_filter1d

from scorecard.baseline import (
    KINDS,
    _centred_level,
    _noise,
    _pooled_level,
    _rows,
    _scaled,
    _season,
    _spread,
    exact_z,
)


def outlier_runs(share: np.ndarray, n: np.ndarray, width: int, limit: float = 4.0) -> np.ndarray:
    """True on the days of every centred `width`-day pool whose pooled share is far (|z| >
    `limit`, binomial) from the series' median pool: an incident of a week or more in a thin
    slice, whose days are too thin to stand out one by one."""
    ok = ~np.isnan(share) & (n > 0)
    kernel = np.ones(width)
    rows = np.convolve(np.where(ok, n, 0.0), kernel, mode="same")
    with np.errstate(invalid="ignore", divide="ignore"):
        pooled = np.convolve(np.where(ok, share * n, 0.0), kernel, mode="same") / rows
        centre = float(np.nanmedian(pooled)) if np.isfinite(pooled).any() else np.nan
        p = (centre * rows + 0.5) / (rows + 1.0)
        far = np.abs(pooled - centre) > limit * np.sqrt(p * (1 - p) / rows)  # NaN: False
    return maximum_filter1d(far, size=width, mode="constant")


def rolling_baseline(dates: pd.DatetimeIndex, y: np.ndarray, n: np.ndarray, kind: str,
                     min_n: int = 20, half: int = 14, min_days: int = 14, log: bool = False,
                     row_var: np.ndarray | None = None, width: int = 7) -> pd.DataFrame:
    """[date, observed, expected, z, n, tested]: the same test on the rolling `width`-day pooled
    series (sums for counts and sums, n-weighted means otherwise), so that a sustained shift in
    a slice too thin for daily tests is still seen. A window's expected value pools its days'
    levels, each the midmean of the days around it leaving out the day and its width // 2
    neighbours each side (so a week-long incident is trimmed away rather than leaking into the
    level of its neighbours); for shares, the days of any week far from the series' typical week
    are left out too (outlier_runs: a 9-day incident would otherwise raise its own baseline); a
    full week carries no weekly season."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}.")
    y, n = np.asarray(y, dtype=float), np.asarray(n, dtype=float)
    additive = kind in ("count", "sum")  # a day without rows is a zero, not a gap
    valid = np.ones(len(y), dtype=bool) if additive else ~np.isnan(y) & (n > 0)
    kernel = np.ones(width)

    def rolled(v: np.ndarray) -> np.ndarray:
        out = np.full(len(v), np.nan)
        if len(v) >= width:
            out[width - 1:] = np.convolve(v, kernel, mode="valid")
        return out

    n7, days7 = rolled(np.where(valid, n, 0.0)), rolled(valid.astype(float))
    with np.errstate(invalid="ignore", divide="ignore"):
        if additive:
            y7 = rolled(np.nan_to_num(y))
        else:
            y7 = rolled(np.where(valid, y * n, 0.0)) / n7
    observed = y7
    y7 = np.log1p(np.maximum(y7, 0.0)) if log else y7
    usable = np.isfinite(y7) & (days7 >= (width if additive else width // 2 + 1))
    if not additive:
        usable &= n7 >= min_n
    yu = np.where(usable, y7, np.nan)
    day = np.nan_to_num(y) if additive else np.where(valid, y, np.nan)
    if kind == "proportion":  # without the days of outlying weeks, where enough days remain
        level = _pooled_level(day, n, half, max(3, min_days // 2), gap=width // 2)
        clean = _pooled_level(np.where(outlier_runs(day, n, width), np.nan, day), n, half,
                              max(3, min_days // 2), gap=width // 2)
        level = np.where(np.isfinite(clean), clean, level)
    else:
        level = _centred_level(np.log1p(np.maximum(day, 0.0)) if log else day, half,
                               max(3, min_days // 2), gap=width // 2)
    known = np.isfinite(level)
    with np.errstate(invalid="ignore", divide="ignore"):
        if additive:
            expected = np.where(rolled(known.astype(float)) == width, rolled(np.nan_to_num(level)), np.nan)
        else:
            weight = np.where(valid & known, n, 0.0)
            expected = rolled(weight * np.nan_to_num(level)) / rolled(weight)
    if kind == "proportion":
        expected = np.clip(expected, 0.0, 1.0)
    var7 = None
    if row_var is not None:  # the pooled variance of the rows: n-weighted mean of the days'
        with np.errstate(invalid="ignore", divide="ignore"):
            var7 = rolled(np.where(valid & np.isfinite(row_var), row_var * n, 0.0)) / n7
    base = _noise(kind, expected, n7, usable, yu, var7, log)
    exact = None if log else exact_z(kind, yu, n7, expected)
    known = kind in ("count", "proportion", "sum") or row_var is not None
    sd, z = _scaled(yu - expected, base, known, min_days, exact)
    if known:  # at least the spread of the days' own scores: the overlapping weeks give only a
        # dozen independent values, a noisy measure of their spread on their own
        dayt = np.log1p(np.maximum(day, 0.0)) if log else day
        weekday = np.asarray(dates.day_of_week)
        day_expected = level + np.nan_to_num(_season(dayt - level, weekday))[weekday]
        if kind == "proportion":
            day_expected = np.clip(day_expected, 0.0, 1.0)
        e_day = None if log else exact_z(kind, dayt, n, day_expected)
        if e_day is None:
            e_day = (dayt - day_expected) / _noise(kind, day_expected, n, valid, dayt, row_var, log)
        e_day = np.where(valid & (n > 0), e_day, np.nan)
        floor = _spread(e_day) if np.sum(np.isfinite(e_day)) >= min_days else 1.0
        with np.errstate(invalid="ignore", divide="ignore"):
            wider = np.nanmax(sd / base) if np.isfinite(sd).any() else np.nan
            if np.isfinite(floor) and np.isfinite(wider) and floor > wider:
                sd, z = sd * floor / wider, z * wider / floor
    tested = usable & ~np.isnan(expected) & np.isfinite(sd)
    if additive:
        tested &= np.maximum(n7, _rows(expected, y7, n7, usable)) >= min_n
    if log:
        expected = np.expm1(expected)
    return pd.DataFrame({"date": dates, "observed": observed, "expected": expected,
                         "z": np.where(tested, z, np.nan), "n": n7, "tested": tested})
