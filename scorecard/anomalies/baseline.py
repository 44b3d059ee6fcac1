"""A robust weekly-seasonal baseline for daily KPI series and volume-aware robust z-scores.

Model (numpy and scipy's distributions; the same for every KPI, only the noise differs):
1. level_t = midmean (mean of the middle half: 25 % trimmed each side) of the series over a
   centred window of +-`half` days, day t itself left out: like a median it ignores incidents
   shorter than a quarter of the window on one side, which a moving mean or an STL trend would
   follow. For proportions: the share pooled over the window's rows, leaving out days that are
   outliers themselves (a midmean or median of daily shares sits at 0 % for a rare event such
   as a 2 % transfer rate that is 0 on most days);
2. weekly season s_d = midmean of (y - level) over the days with weekday d, centred to sum 0;
   then the level is re-estimated on y - s and the season once more (two passes);
3. expected_t = level_t + s_weekday(t), residual r_t = y_t - expected_t;
4. noise: each residual is standardised by its known sampling noise: for counts and
   proportions the normal score of the exact Poisson or binomial mid-p tail (which keeps rare
   events honest); for sums such as total cost compound Poisson, sqrt(rows x mean square
   per row); for averages the standard error sqrt(var / n), var being the row variance pooled
   over the same weekdays (the top 5 % of days left out); for other means sqrt(mean n / n_t). Then it is divided
   by the robust spread of those standardised residuals (1.4826 x MAD; wherever the sampling
   noise is known never below 1, so that a quiet series cannot make a small wobble look
   extreme; elsewhere at least half the 16-84 % range). That quotient is the robust z.
Durations (seconds) are modelled on log(1 + y): they are multiplicative and right-skewed, and a
symmetric band on the raw scale would alarm on every quick day. Days whose n is below `min_n`
are neither used for the baseline nor tested ("thin"), except counts: any day counts towards
the level, and a day is tested wherever MIN_COUNT rows are expected (none on a weekday the
count is 0 on most of: a channel closed on Sundays); a series with fewer than `min_days`
usable days, or fewer than `min_days` residuals to measure its spread, is not tested at all.
The rolling-week test of thin series is in scorecard/anomalies/baseline_weekly.py.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view
from scipy import special

KINDS = ("count", "proportion", "mean", "sum")
MAD_TO_SD = 1.4826
MIN_COUNT = 1.0  # a count is tested on a day (or a pool) expected to hold at least this many


def midmean(rows: np.ndarray) -> np.ndarray:
    """Mean of the middle half of each row's non-NaN values (NaN for an empty row)."""
    rows = np.atleast_2d(rows)
    ordered = np.sort(rows, axis=1)  # NaN last
    count = np.sum(~np.isnan(rows), axis=1)
    cut = count // 4
    pos = np.arange(rows.shape[1])[None, :]
    keep = (pos >= cut[:, None]) & (pos < (count - cut)[:, None])
    with np.errstate(invalid="ignore"):
        total = np.where(keep, np.nan_to_num(ordered), 0.0).sum(axis=1)
        return np.where(count > 0, total / np.maximum(count - 2 * cut, 1), np.nan)


def _windows(values: np.ndarray, half: int, gap: int) -> np.ndarray:
    """[day, 2 x half + 1] the values of the window centred on each day (shifted inwards at the
    ends of the series, so that the first and last days get a full window too), with the day
    and its `gap` neighbours each side set to NaN."""
    size = min(2 * half + 1, len(values))
    t = np.arange(len(values))
    first = np.clip(t - half, 0, len(values) - size)
    win = sliding_window_view(values, size)[first].copy()
    win[np.abs(first[:, None] + np.arange(size)[None, :] - t[:, None]) <= gap] = np.nan
    return win


def _centred_level(values: np.ndarray, half: int, min_count: int, gap: int = 0) -> np.ndarray:
    """Midmean of the other days of each day's window (see _windows); NaN where fewer than
    min_count values exist."""
    win = _windows(values, half, gap)
    level = midmean(win)
    level[np.sum(~np.isnan(win), axis=1) < min_count] = np.nan
    return level


def _pooled_level(
    share: np.ndarray, n: np.ndarray, half: int, min_count: int, gap: int = 0
) -> np.ndarray:
    """Share of the other days of each day's window, pooled over their rows after leaving out
    the days that are themselves outliers against the first pooled share (|z| > 3). For
    proportions this beats a midmean of daily shares, which sits at 0 % (or 100 %) for a rare
    event that touches a minority of days, such as 2 % transfers or 98 % answered chats."""
    ws = _windows(share, half, gap)
    wn = np.where(np.isnan(ws), np.nan, _windows(n, half, gap))
    with np.errstate(invalid="ignore", divide="ignore"):
        p0 = np.nansum(ws * wn, axis=1) / np.nansum(wn, axis=1)
        p = (p0[:, None] * wn + 0.5) / (wn + 1.0)
        inlier = np.abs(ws - p0[:, None]) <= 3 * np.sqrt(p * (1 - p) / wn)
        level = np.nansum(np.where(inlier, ws * wn, 0.0), axis=1) / np.nansum(
            np.where(inlier, wn, 0.0), axis=1
        )
    level[np.sum(~np.isnan(ws), axis=1) < min_count] = np.nan
    return level


def _season(resid: np.ndarray, weekday: np.ndarray) -> np.ndarray:
    """Midmean residual per weekday, centred over the weekdays that have one; NaN for a weekday
    with fewer than 3 values (its days cannot be tested: their weekly effect is unknown)."""
    s = np.full(7, np.nan)
    for d in range(7):
        v = resid[(weekday == d) & ~np.isnan(resid)]
        if len(v) >= 3:
            s[d] = midmean(v[None, :])[0]
    return s - np.nanmean(s) if np.isfinite(s).any() else np.zeros(7)


def _spread(e: np.ndarray, guard: bool = False) -> float:
    """Robust SD of standardised residuals: 1.4826 x MAD; with `guard`, at least half the
    16-84 % range (the MAD alone underestimates the spread of discrete or clustered values,
    which matters where no known noise floor protects the z-score; the range is not used
    otherwise because a week-long incident sits in one tail and would widen it)."""
    v = e[~np.isnan(e)]
    if len(v) == 0:
        return float("nan")
    q16, q50, q84 = np.percentile(v, [16, 50, 84])
    mad = MAD_TO_SD * float(np.median(np.abs(v - q50)))
    return max(mad, float(q84 - q16) / 2) if guard else mad


def _pooled_var(row_var: np.ndarray, n: np.ndarray, mask: np.ndarray) -> float:
    """The variance per row pooled over the masked days (their variances weighted by rows), the
    top 5 % of days left out: the median day's variance understates heavy-tailed rows (response
    times, costs), whose sample variance is usually below its mean, and overstated every z."""
    v, w = row_var[mask], np.maximum(n[mask], 1.0)
    keep = v <= np.quantile(v, 0.95) if len(v) >= 20 else np.ones(len(v), dtype=bool)
    return float(np.average(v[keep], weights=w[keep]))


def _noise(
    kind: str,
    expected: np.ndarray,
    n: np.ndarray,
    usable: np.ndarray,
    yu: np.ndarray,
    row_var: np.ndarray | None,
    log: bool,
    weekday: np.ndarray | None = None,
) -> np.ndarray:
    """The known sampling noise of each value (up to the spread factor estimated from data)."""
    if kind == "count":
        return np.sqrt(np.maximum(expected, 1.0))
    if kind == "proportion":
        p = (np.nan_to_num(expected) * n + 0.5) / (n + 1.0)
        return np.sqrt(p * (1 - p) / np.maximum(n, 1.0))
    if kind == "mean" and row_var is not None:
        # the null's variance: the days' row variances pooled (a quiet day's own would
        # overstate its z), per weekday where it has 3 days at least (weekends mix differently)
        ok = usable & np.isfinite(row_var) & (row_var > 0)
        typical = np.full(len(n), _pooled_var(row_var, n, ok) if ok.any() else np.nan)
        for d in range(7) if weekday is not None else ():
            mine = ok & (weekday == d)
            if mine.sum() >= 3:
                typical[weekday == d] = _pooled_var(row_var, n, mine)
        base = np.sqrt(typical / np.maximum(n, 1.0))
        # delta method on the log scale: SE of log(1 + mean) = SE of the mean / (1 + mean)
        return base / np.exp(expected) if log else base
    if kind == "mean":
        mean_n = np.nanmean(np.where(usable, n, np.nan)) if usable.any() else 1.0
        return np.sqrt(mean_n / np.maximum(n, 1.0))
    with np.errstate(invalid="ignore", divide="ignore"):
        rows = np.abs(yu / n)[usable & (n > 0)]
    per_row = float(np.median(rows)) if len(rows) else 1.0
    per_row = per_row if np.isfinite(per_row) and per_row > 0 else 1.0
    expected_rows = np.maximum(np.abs(np.nan_to_num(expected)) / per_row, 1.0)
    square = per_row**2  # without row data: every row worth the typical value
    if row_var is not None:  # the mean square per row, measured
        ok = usable & np.isfinite(row_var) & (row_var > 0)
        square = _pooled_var(row_var, n, ok) if ok.any() else square
    return np.sqrt(expected_rows * square)  # compound Poisson: variance = rows x E[x^2]


def _rows(expected: np.ndarray, y: np.ndarray, n: np.ndarray, usable: np.ndarray) -> np.ndarray:
    """Rows an additive value is expected to hold (its expected value / the value per row)."""
    ok = usable & np.isfinite(y) & (n > 0)
    per_row = np.nansum(np.abs(y[ok])) / np.nansum(n[ok]) if ok.any() else 1.0
    return np.nan_to_num(np.abs(expected)) / per_row if per_row > 0 else np.zeros(len(y))


def exact_z(kind: str, y: np.ndarray, n: np.ndarray, expected: np.ndarray) -> np.ndarray | None:
    """Normal scores of the exact binomial (proportions) or Poisson (counts) mid-p tail of each
    value under its expected value, or None for other kinds. Unlike (y - expected) / SD they keep
    a rare event honest: 3 transfers among 25 cases where 0.5 are expected have P = 1.4 %, not
    the 1-in-4000 that a normal approximation would claim."""
    if kind not in ("count", "proportion"):
        return None
    with np.errstate(invalid="ignore", under="ignore"):
        # scipy.special's cdf and sf of each value (unfrozen: a frozen distribution per series
        # cost most of the scan's time); mid-p: P(X < k) + P(X = k) / 2, each tail computed
        # directly as the mean of its values at k - 1 and k (cdf(-1) = 0, sf(-1) = 1)
        if kind == "count":
            mu = np.maximum(np.nan_to_num(expected, nan=1.0), 0.5)
            k = np.round(np.nan_to_num(y))
            below = np.where(k > 0, special.pdtr(np.maximum(k - 1, 0), mu), 0.0)
            at_most, above = special.pdtr(k, mu), special.pdtrc(k, mu)
            from_k = np.where(k > 0, special.pdtrc(np.maximum(k - 1, 0), mu), 1.0)
        else:
            m = np.maximum(np.round(n), 1.0).astype(np.int64)
            prob = (np.clip(np.nan_to_num(expected, nan=0.5), 0, 1) * m + 0.5) / (m + 1.0)
            k = np.clip(np.round(np.nan_to_num(y) * m), 0, m).astype(np.int64)
            below = np.where(k > 0, special.bdtr(np.maximum(k - 1, 0), m, prob), 0.0)
            at_most = special.bdtr(k, m, prob)
            above = np.where(k < m, special.bdtrc(np.minimum(k, m - 1), m, prob), 0.0)
            from_k = np.where(k > 0, special.bdtrc(np.maximum(k - 1, 0), m, prob), 1.0)
        lower, upper = (below + at_most) / 2, (above + from_k) / 2
    z = np.where(
        upper < lower,
        -special.ndtri(np.clip(upper, 1e-300, 1.0)),  # norm.isf
        special.ndtri(np.clip(lower, 1e-300, 1.0)),
    )  # norm.ppf
    return np.where(np.isnan(y) | np.isnan(expected), np.nan, z)


def _scaled(
    resid: np.ndarray,
    base: np.ndarray,
    known: bool,
    min_days: int,
    exact: np.ndarray | None = None,
    measure: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """(sd, z): the noise times the robust spread of the standardised residuals (at least 1
    where the noise is `known`; NaN when fewer than min_days residuals or no spread at all).
    `exact` replaces resid / base by exact tail scores where given; `measure` (bool) limits the
    values the spread is measured on."""
    e = resid / base if exact is None else np.where(np.isnan(resid), np.nan, exact)
    m = e if measure is None else np.where(measure, e, np.nan)
    if np.sum(~np.isnan(m)) < min_days:
        m = e
    spread = _spread(m, guard=not known) if np.sum(~np.isnan(m)) >= min_days else float("nan")
    if known:
        spread = max(spread, 1.0) if np.isfinite(spread) else float("nan")
    elif spread == 0:  # a constant series has no measurable noise: nothing to test against
        spread = float("nan")
    sd = spread * base
    with np.errstate(invalid="ignore", divide="ignore"):
        return sd, np.where(np.abs(resid) < 1e-12, 0.0, e / spread)


def closed_weekdays(y: np.ndarray, weekday: np.ndarray) -> np.ndarray:
    """bool[7]: the weekdays on which a count is 0 on most days (a channel closed on Sundays:
    an additive season leaves a few rows expected there, and 0 would look like a drop)."""
    out = np.zeros(7, dtype=bool)
    for d in range(7):
        v = y[(weekday == d) & ~np.isnan(y)]
        out[d] = len(v) > 0 and float(np.median(v)) == 0.0
    return out


def enough(
    kind: str, expected: np.ndarray, y: np.ndarray, n: np.ndarray, usable: np.ndarray, min_n: int
) -> np.ndarray:
    """Which values are big enough to test: a count where its expected value is at least
    MIN_COUNT (the exact Poisson tail is honest at any size: 14 cases where 2.2 are expected is
    an event, 3 where 2 are expected is not); a sum where it holds, or is expected to hold,
    min_n rows; a share or an average wherever it was usable (n >= min_n)."""
    if kind == "count":
        return np.nan_to_num(expected) >= MIN_COUNT
    if kind == "sum":
        return np.maximum(n, _rows(expected, y, n, usable)) >= min_n
    return np.ones(len(n), dtype=bool)


def seasonal_baseline(
    dates: pd.DatetimeIndex,
    y: np.ndarray,
    n: np.ndarray,
    kind: str,
    min_n: int = 20,
    half: int = 14,
    min_days: int = 14,
    log: bool = False,
    sensitivity: float = 3.5,
    row_var: np.ndarray | None = None,
) -> pd.DataFrame:
    """[date, observed, expected, lower, upper, z, n, tested] per day of a complete daily series
    (lower..upper = the band of |z| < sensitivity). `row_var`, for a mean, is each day's sample
    variance of the averaged rows: the standard error sqrt(var / n) is then the known noise."""
    return pd.DataFrame(
        seasonal_arrays(dates, y, n, kind, min_n, half, min_days, log, sensitivity, row_var)
    )


def seasonal_arrays(
    dates: pd.DatetimeIndex,
    y: np.ndarray,
    n: np.ndarray,
    kind: str,
    min_n: int = 20,
    half: int = 14,
    min_days: int = 14,
    log: bool = False,
    sensitivity: float = 3.5,
    row_var: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    """seasonal_baseline's columns as arrays (the scan tests thousands of series: no frames)."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}.")
    observed = np.asarray(y, dtype=float)
    y, n = (np.log1p(np.maximum(observed, 0.0)) if log else observed), np.asarray(n, dtype=float)
    additive = kind in ("count", "sum")  # any day counts, however few its rows
    usable = ~np.isnan(y) if additive else ~np.isnan(y) & (n >= min_n)
    yu = np.where(usable, y, np.nan)
    weekday = np.asarray(dates.day_of_week)
    s = np.zeros(7)
    for _ in range(2):
        if kind == "proportion":
            level = _pooled_level(yu - np.nan_to_num(s)[weekday], n, half, max(3, min_days // 2))
        else:
            level = _centred_level(yu - np.nan_to_num(s)[weekday], half, max(3, min_days // 2))
        s = _season(yu - level, weekday)
    expected = level + s[weekday]
    if kind == "proportion":
        expected = np.clip(expected, 0.0, 1.0)
    elif kind == "count":  # a weekday the slice is closed on (phone on Sundays) expects none
        expected = np.where(closed_weekdays(y, weekday)[weekday], 0.0, expected)
    resid = yu - expected
    base = _noise(kind, expected, n, usable, yu, row_var, log, weekday)
    sd, z = _scaled(
        resid,
        base,
        kind in ("count", "proportion", "sum") or row_var is not None,
        min_days,
        None if log else exact_z(kind, yu, n, expected),
    )
    tested = (
        usable & ~np.isnan(expected) & np.isfinite(sd) & enough(kind, expected, y, n, usable, min_n)
    )
    lower, upper = expected - sensitivity * sd, expected + sensitivity * sd
    if kind == "proportion":
        lower, upper = np.clip(lower, 0.0, 1.0), np.clip(upper, 0.0, 1.0)
    elif kind == "count":
        lower = np.maximum(lower, 0.0)
    if log:
        expected, lower, upper = np.expm1(expected), np.expm1(lower), np.expm1(upper)
    return {
        "date": dates,
        "observed": observed,
        "expected": expected,
        "lower": lower,
        "upper": upper,
        "z": np.where(tested, z, np.nan),
        "n": n,
        "tested": tested,
    }
