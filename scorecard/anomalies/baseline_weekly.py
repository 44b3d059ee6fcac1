"""The rolling-week test of a thin daily KPI series: the model of scorecard/anomalies/baseline.py on
7-day pools, so that a sustained shift in a slice too thin for daily tests is still seen.

A week's expected value pools its days' levels; each level leaves out the day and its
neighbours, and, for shares, every day of a week far from the series' typical week
(outlier_runs), so that an incident of a week or more does not raise its own baseline.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.ndimage import maximum_filter1d

from scorecard.anomalies.baseline import (
    KINDS,
    _centred_level,
    _noise,
    _pooled_level,
    _scaled,
    _spread,
    closed_weekdays,
    enough,
    exact_z,
    midmean,
)


def outlier_runs(share: np.ndarray, n: np.ndarray, width: int, limit: float = 3.0) -> np.ndarray:
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


def weekday_offsets(
    resid: np.ndarray, weekday: np.ndarray, weight: np.ndarray | None = None
) -> np.ndarray:
    """float[7]: the residual from the level per weekday (0 where fewer than 3 days), not
    centred: the levels are trimmed of outlying days, so a weekday far from the others (a
    closed Sunday, a weekend share) is far from them too, and the offsets add it back. With
    `weight` (rows per day, for shares) the weighted mean residual, else the midmean: a
    trimmed mean of a rare event's daily shares (0 on most days) would sit off its mean."""
    out = np.zeros(7)
    for d in range(7):
        mine = (weekday == d) & ~np.isnan(resid)
        if mine.sum() < 3:
            continue
        if weight is None:
            out[d] = midmean(resid[mine][None, :])[0]
        elif weight[mine].sum() > 0:
            out[d] = float(np.average(resid[mine], weights=weight[mine]))
    return out


def rolling_baseline(
    dates: pd.DatetimeIndex,
    y: np.ndarray,
    n: np.ndarray,
    kind: str,
    min_n: int = 20,
    half: int = 14,
    min_days: int = 14,
    log: bool = False,
    row_var: np.ndarray | None = None,
    width: int = 7,
) -> pd.DataFrame:
    """[date, observed, expected, z, n, tested]: the same test on the rolling `width`-day pooled
    series (sums for counts and sums, n-weighted means otherwise), so that a sustained shift in
    a slice too thin for daily tests is still seen. A window's expected value pools its days'
    levels, each the midmean of the days around it leaving out the day and its width // 2
    neighbours each side (so a week-long incident is trimmed away rather than leaking into the
    level of its neighbours); for shares, the days of any week far from the series' typical week
    are left out too (outlier_runs: a 9-day incident would otherwise raise its own baseline;
    where too few days remain, as near the ends of the series, the window doubles); each day's
    level carries its weekday's season (a week pools unequal days: a closed Sunday, a weekend
    share). The spread of the weeks' scores is measured without the weeks
    centred in such a run (they are what is looked for) and is never below that of the days."""
    return pd.DataFrame(
        rolling_arrays(dates, y, n, kind, min_n, half, min_days, log, row_var, width)
    )


def rolling_arrays(
    dates: pd.DatetimeIndex,
    y: np.ndarray,
    n: np.ndarray,
    kind: str,
    min_n: int = 20,
    half: int = 14,
    min_days: int = 14,
    log: bool = False,
    row_var: np.ndarray | None = None,
    width: int = 7,
) -> dict[str, np.ndarray]:
    """rolling_baseline's columns as arrays (the scan tests thousands of series: no frames)."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}.")
    y, n = np.asarray(y, dtype=float), np.asarray(n, dtype=float)
    additive = kind in ("count", "sum")  # a day without rows is a zero, not a gap
    # a count or a sum is 0 on a day without rows; missing (NaN) only on a coverage-gap day
    valid = ~np.isnan(y) if additive else ~np.isnan(y) & (n > 0)
    kernel = np.ones(width)

    def rolled(v: np.ndarray) -> np.ndarray:
        out = np.full(len(v), np.nan)
        if len(v) >= width:
            out[width - 1 :] = np.convolve(v, kernel, mode="valid")
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
    day = np.where(valid, y, np.nan)
    runs = np.zeros(len(y), dtype=bool)  # days of outlying weeks (shares only)
    if kind == "proportion":  # without the days of outlying weeks, where enough days remain
        runs = outlier_runs(day, n, width)
        level = _pooled_level(day, n, half, max(3, min_days // 2), gap=width // 2)
        kept = np.where(runs, np.nan, day)
        clean = _pooled_level(kept, n, half, max(3, min_days // 2), gap=width // 2)
        wider = _pooled_level(kept, n, 2 * half, max(3, min_days // 2), gap=width // 2)
        level = np.where(np.isfinite(clean), clean, np.where(np.isfinite(wider), wider, level))
    else:
        level = _centred_level(
            np.log1p(np.maximum(day, 0.0)) if log else day,
            half,
            max(3, min_days // 2),
            gap=width // 2,
        )
    # each day's expected value carries its weekday's season: a week pools unequal days (a
    # closed Sunday, a weekend share), which the levels, trimmed of outlying days, do not
    dayt = np.log1p(np.maximum(day, 0.0)) if log else day
    weekday = np.asarray(dates.day_of_week)
    offsets = weekday_offsets(
        np.where(runs, np.nan, dayt - level), weekday, n if kind == "proportion" else None
    )
    day_expected = level + offsets[weekday]
    if kind == "proportion":
        day_expected = np.clip(day_expected, 0.0, 1.0)
    elif kind == "count":
        day_expected = np.where(closed_weekdays(day, weekday)[weekday], 0.0, day_expected)
    known = np.isfinite(day_expected)
    with np.errstate(invalid="ignore", divide="ignore"):
        if additive:
            expected = np.where(
                rolled(known.astype(float)) == width, rolled(np.nan_to_num(day_expected)), np.nan
            )
        else:
            weight = np.where(valid & known, n, 0.0)
            expected = rolled(weight * np.nan_to_num(day_expected)) / rolled(weight)
    if kind == "proportion":
        expected = np.clip(expected, 0.0, 1.0)
    var7 = None
    if row_var is not None:  # the pooled variance of the rows: n-weighted mean of the days'
        with np.errstate(invalid="ignore", divide="ignore"):
            var7 = rolled(np.where(valid & np.isfinite(row_var), row_var * n, 0.0)) / n7
    base = _noise(kind, expected, n7, usable, yu, var7, log)
    exact = None if log else exact_z(kind, yu, n7, expected)
    known = kind in ("count", "proportion", "sum") or row_var is not None
    # the spread of the weeks' scores leaves out the weeks centred in an outlying run: those
    # are the incidents to find, not the noise to measure them against
    centred = np.zeros(len(y), dtype=bool)
    centred[width - 1 :] = runs[width // 2 : len(y) - width + 1 + width // 2]
    sd, z = _scaled(yu - expected, base, known, min_days, exact, ~centred)
    if known:  # at least the spread of the days' own scores: the overlapping weeks give only a
        # dozen independent values, a noisy measure of their spread on their own
        e_day = None if log else exact_z(kind, dayt, n, day_expected)
        if e_day is None:
            e_day = (dayt - day_expected) / _noise(kind, day_expected, n, valid, dayt, row_var, log)
        e_day = np.where(valid & (n > 0) & ~runs, e_day, np.nan)
        floor = _spread(e_day) if np.sum(np.isfinite(e_day)) >= min_days else 1.0
        with np.errstate(invalid="ignore", divide="ignore"):
            wider = np.nanmax(sd / base) if np.isfinite(sd).any() else np.nan
            if np.isfinite(floor) and np.isfinite(wider) and floor > wider:
                sd, z = sd * floor / wider, z * wider / floor
    tested = (
        usable
        & ~np.isnan(expected)
        & np.isfinite(sd)
        & enough(kind, expected, y7, n7, usable, min_n)
    )
    if log:
        expected = np.expm1(expected)
    return {
        "date": dates,
        "observed": observed,
        "expected": expected,
        "z": np.where(tested, z, np.nan),
        "n": n7,
        "tested": tested,
    }
