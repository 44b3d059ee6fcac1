"""Business seconds between two instants under a configured calendar (pure, vectorised).

The calendar (etl/settings/config.py BusinessHours) gives weekly opening windows in local wall time of
one IANA zone, plus closed holidays. Rules:
- A window `a-b` opens on its local day at a and closes at b the same day; when b <= a it is an
  overnight window closing at b on the next day (`22:00-02:00`); `a-a` (e.g. `00:00-24:00`) is
  open for 24 hours.
- A window belongs to the day it opens on: a holiday closes the windows that open on it (an
  overnight window opened the evening before still runs into the holiday).
- Local wall times become instants with the zoneinfo `fold=0` rule (the loaders' rule): an
  ambiguous fall-back time is its first (summer-time) occurrence; a time inside the
  spring-forward gap takes the offset in force before the change. A window therefore lasts
  the real time between its two instants: 00:00-02:00 lasts 3 hours on the fall-back night
  and 1 hour on the spring-forward night in Europe/London.
- Overlapping windows are merged (a minute is counted once).

`business_seconds_between(start, end)` = B(end) - B(start), where B(t) counts the business
seconds up to instant t; it is negative when end precedes start and NaN when either is missing.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from etl.settings.config import WEEKDAYS, BusinessHours

EPOCH = pd.Timestamp("1970-01-01", tz="UTC")


def _key(calendar: BusinessHours) -> tuple:
    """A hashable identity of a calendar (its windows dict is not hashable)."""
    windows = tuple((d, tuple(calendar.windows.get(d, ()))) for d in WEEKDAYS)
    return calendar.timezone, windows, tuple(calendar.holidays)


def _instant(day: date, at: time, zone: ZoneInfo) -> float:
    """Epoch seconds of a local wall time (fold=0)."""
    return datetime.combine(day, at, tzinfo=zone).timestamp()


@lru_cache(maxsize=64)
def _intervals(key: tuple, first: date, last: date) -> tuple[np.ndarray, np.ndarray]:
    tz, windows, holidays = key
    zone, closed, by_day = ZoneInfo(tz), set(holidays), dict(windows)
    starts, ends = [], []
    day = first
    while day <= last:
        if day not in closed:
            for a, b in by_day.get(WEEKDAYS[day.weekday()], ()):
                end_day = day + timedelta(days=1) if b <= a else day
                starts.append(_instant(day, a, zone))
                ends.append(_instant(end_day, b, zone))
        day += timedelta(days=1)
    if not starts:
        return np.empty(0), np.empty(0)
    order = np.argsort(starts, kind="stable")
    s, e = np.asarray(starts)[order], np.asarray(ends)[order]
    merged_s, merged_e = [s[0]], [e[0]]
    for a, b in zip(s[1:], e[1:], strict=True):
        if a <= merged_e[-1]:
            merged_e[-1] = max(merged_e[-1], b)
        else:
            merged_s.append(a)
            merged_e.append(b)
    return np.asarray(merged_s), np.asarray(merged_e)


def business_intervals(
    calendar: BusinessHours, t_min: float, t_max: float
) -> tuple[np.ndarray, np.ndarray]:
    """Sorted, disjoint [open, close) instants (epoch seconds) covering every instant in
    [t_min, t_max] (local days from the day before to the day after)."""
    zone = ZoneInfo(calendar.timezone)
    first = datetime.fromtimestamp(t_min, zone).date() - timedelta(days=1)
    last = datetime.fromtimestamp(t_max, zone).date() + timedelta(days=1)
    return _intervals(_key(calendar), first, last)


def epoch_seconds(values) -> np.ndarray:
    """Epoch seconds (float, NaN for missing) of datetimes: tz-aware pandas/numpy values (naive
    = UTC), Python datetimes, or numbers already in epoch seconds."""
    arr = values if isinstance(values, (pd.Series, pd.Index)) else np.atleast_1d(np.asarray(values))
    if pd.api.types.is_numeric_dtype(arr.dtype):
        return np.asarray(arr, dtype=float)
    ts = pd.DatetimeIndex(pd.to_datetime(arr, utc=True))
    return ((ts - EPOCH) / pd.Timedelta(1, "s")).to_numpy(dtype=float, na_value=np.nan)


def cumulative_business(t: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """B(t): business seconds from the first interval's opening up to each instant t."""
    lengths = ends - starts
    before = np.concatenate([[0.0], np.cumsum(lengths)[:-1]]) if len(starts) else np.empty(0)
    out = np.full(t.shape, np.nan)
    ok = ~np.isnan(t)
    if not len(starts):
        out[ok] = 0.0
        return out
    i = np.searchsorted(starts, t[ok], side="right") - 1
    inside = i >= 0
    j = np.clip(i, 0, len(starts) - 1)
    out[ok] = np.where(inside, before[j] + np.clip(t[ok] - starts[j], 0.0, lengths[j]), 0.0)
    return out


def business_seconds_between(start, end, calendar: BusinessHours) -> np.ndarray:
    """Business seconds from each start to the matching end (vectorised; NaN if either is
    missing; negative when end precedes start)."""
    s, e = epoch_seconds(start), epoch_seconds(end)
    known = np.concatenate([s[~np.isnan(s)], e[~np.isnan(e)]])
    if not len(known):
        return np.full(np.broadcast(s, e).shape, np.nan)
    starts, ends = business_intervals(calendar, float(known.min()), float(known.max()))
    return cumulative_business(e, starts, ends) - cumulative_business(s, starts, ends)


def bucket_table(
    calendar: BusinessHours, t_min: float, t_max: float, size: int = 3600
) -> dict[str, list]:
    """The calendar as a lookup table for SQL: per time bucket k (epoch // size) from t_min to
    t_max, `c` = B at the bucket's start and up to P open pieces `s1, e1, ..., sP, eP` inside it
    (zero-length padding). B(t) = c[k] + sum_j clamp(t - s_j, 0, e_j - s_j)."""
    k0, k1 = int(np.floor(t_min / size)), int(np.floor(t_max / size))
    keys = np.arange(k0, k1 + 1)
    lo, hi = keys * float(size), (keys + 1) * float(size)
    starts, ends = business_intervals(calendar, float(lo[0]), float(hi[-1]))
    c = cumulative_business(lo, starts, ends) if len(starts) else np.zeros(len(keys))
    c = np.nan_to_num(c)
    # every (bucket, interval) overlap is a piece
    first = np.searchsorted(ends, lo, side="right")
    last = np.searchsorted(starts, hi, side="left")
    counts = np.maximum(last - first, 0)
    pieces = max(1, int(counts.max()) if len(counts) else 1)
    table: dict[str, list] = {"k": keys.tolist(), "c": c.tolist()}
    for j in range(pieces):
        idx = first + j
        has = j < counts
        safe = np.clip(idx, 0, max(len(starts) - 1, 0))
        s = np.where(has, np.maximum(starts[safe] if len(starts) else lo, lo), lo)
        e = np.where(has, np.minimum(ends[safe] if len(ends) else lo, hi), lo)
        table[f"s{j + 1}"], table[f"e{j + 1}"] = s.tolist(), e.tolist()
    return table


def utc_bounds(
    tz: str, start: str | None, end: str | None
) -> tuple[datetime | None, datetime | None]:
    """[first instant, last instant + 1) of the local dates start..end in zone tz (UTC)."""
    zone = ZoneInfo(tz)
    lo = hi = None
    if start:
        lo = datetime.combine(date.fromisoformat(start), time(0), tzinfo=zone).astimezone(UTC)
    if end:
        nxt = date.fromisoformat(end) + timedelta(days=1)
        hi = datetime.combine(nxt, time(0), tzinfo=zone).astimezone(UTC)
    return lo, hi


@lru_cache(maxsize=256)
def offset_pieces(tz: str, t_min: float, t_max: float) -> tuple[tuple[float, float], ...]:
    """[(from instant, UTC offset seconds)] of zone tz over [t_min, t_max]: the offset in force
    from each instant on (the first covers everything before). Found by probing every hour and
    bisecting each change to the second."""
    zone = ZoneInfo(tz)

    def off(t: float) -> float:
        return datetime.fromtimestamp(t, zone).utcoffset().total_seconds()

    pieces = [(-np.inf, off(t_min))]
    t = float(np.floor(t_min / 3600) * 3600)
    while t < t_max:
        nxt = t + 3600
        if off(nxt) != pieces[-1][1]:
            a, b = t, nxt
            while b - a > 1:
                m = np.floor((a + b) / 2)
                a, b = (m, b) if off(m) == pieces[-1][1] else (a, m)
            pieces.append((b, off(b)))
        t = nxt
    return tuple(pieces)
