"""Coverage: the days a source has no rows at all, and which sources feed a slice (pure).

A day inside the range on which a loaded source (twcs, pwc, tickets, surveys, ...) has no row at
all, on a weekday it is open and where its typical day holds GAP_MIN_ROWS rows or more, is a
coverage gap: the export missed it (or its dates are damaged), nobody stopped writing in. The
anomaly scan leaves those days out of every series the source feeds (neither baseline nor test),
with the islands of fewer than ISLAND_DAYS covered days between them (a day/month swap puts a
few rows on days 4-6 of months otherwise empty), and reports the gaps instead of drops; /health
lists them (coverage_gaps).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

GAP_MIN_ROWS = (
    7.0  # a source day with 0 rows is a gap where >= this many were typical (P(0) < 0.1 %)
)
CLOSED_SHARE = 0.02  # a weekday with less than this share of a source's rows is a closed day
MIN_WEEKDAY_DAYS = 21  # days with rows needed to tell closed weekdays (three weeks)
ISLAND_DAYS = 7  # a run of covered days shorter than this between gaps is not tested either
SURVEYS = "surveys"


@dataclass(frozen=True)
class CoverageGap:
    """Days inside the range on which a source has no rows at all (where it usually has some)."""

    source: str
    start: str
    end: str
    days: int
    typical_rows: float

    def to_json(self) -> dict:
        return {
            "source": self.source,
            "start": self.start,
            "end": self.end,
            "days": self.days,
            "typical_rows": self.typical_rows,
            "summary": self.summary(),
        }

    def summary(self) -> str:
        span = self.start if self.start == self.end else f"{self.start}..{self.end}"
        return (
            f"source {self.source}: no rows on {span} ({self.days} day"
            f"{'' if self.days == 1 else 's'}; typically {self.typical_rows:g} a day): a "
            "coverage gap, not a drop."
        )


def gap_days(days: pd.DatetimeIndex, counts: np.ndarray) -> np.ndarray:
    """bool per day: no rows on a weekday the source is open on (at least CLOSED_SHARE of its
    rows; with fewer than MIN_WEEKDAY_DAYS days of rows every weekday counts as open), where its
    typical day (the median of the days with rows) holds GAP_MIN_ROWS or more. A closed Sunday
    is no gap, nor a quiet day of a thin source."""
    counts = np.asarray(counts, dtype=float)
    if counts.sum() <= 0:
        return np.zeros(len(days), dtype=bool)
    weekday = np.asarray(days.day_of_week)
    share = np.array([counts[weekday == d].sum() for d in range(7)]) / counts.sum()
    if (counts > 0).sum() < MIN_WEEKDAY_DAYS:  # too few days to tell a closed weekday
        share = np.ones(7)
    typical = float(np.median(counts[counts > 0]))
    return (counts == 0) & (share[weekday] >= CLOSED_SHARE) & (typical >= GAP_MIN_ROWS)


def gaps_in(source_days: pd.DataFrame, start: str, end: str) -> list[CoverageGap]:
    """Runs of gap days (gap_days) per source in [start, end], from [source, day, n] rows."""
    days = pd.date_range(start, end, freq="D")
    out = []
    if source_days.empty or len(days) == 0:
        return out
    totals = source_days.groupby(["source", "day"], as_index=False)["n"].sum()
    for source, rows in totals.groupby("source", sort=True):
        counts = np.zeros(len(days))
        at = (pd.to_datetime(rows["day"]) - days[0]).dt.days.to_numpy()
        ok = (at >= 0) & (at < len(days))
        counts[at[ok]] = rows["n"].to_numpy(dtype=float)[ok]
        gap = gap_days(days, counts)
        typical = float(np.median(counts[counts > 0]))
        for a, b in _runs_of(gap):
            out.append(
                CoverageGap(
                    str(source),
                    days[a].date().isoformat(),
                    days[b].date().isoformat(),
                    b - a + 1,
                    typical,
                )
            )
    return out


def _runs_of(mask: np.ndarray) -> list[tuple[int, int]]:
    """(first, last) index of each run of True."""
    idx = np.flatnonzero(mask)
    if not len(idx):
        return []
    breaks = np.flatnonzero(np.diff(idx) > 1)
    firsts = np.concatenate([[idx[0]], idx[breaks + 1]])
    lasts = np.concatenate([idx[breaks], [idx[-1]]])
    return [(int(a), int(b)) for a, b in zip(firsts, lasts, strict=True)]


@dataclass(frozen=True)
class Coverage:
    """Per-day rows of each source and slice over one range, with the sources' gap days."""

    days: pd.DatetimeIndex
    rows: pd.DataFrame  # source, brand, channel, at (day index), n
    gaps: dict  # source -> bool per day: its gap days and the islands between them (left_out)
    memo: dict = field(default_factory=dict, compare=False, repr=False)

    def feeding(self, slice_: dict, surveys: bool) -> tuple[tuple[str, ...], int | None]:
        """(the sources feeding a slice's KPI, the slice's first day index) for the rows a KPI
        reads (surveys, or the case sources); remembered per slice."""
        key = (tuple(sorted(slice_.items())), surveys)
        if key not in self.memo:
            r = self.rows[(self.rows["source"] == SURVEYS) == surveys]
            for dim in ("brand", "channel"):
                if dim in slice_:
                    r = r[r[dim] == slice_[dim]]
            self.memo[key] = (
                tuple(sorted(r["source"].unique())),
                None if r.empty else int(r["at"].min()),
            )
        return self.memo[key]

    def mask(self, slice_: dict, surveys: bool) -> np.ndarray:
        """bool per day: a gap day of a source that feeds the slice."""
        out = np.zeros(len(self.days), dtype=bool)
        for source in self.feeding(slice_, surveys)[0]:
            out |= self.gaps.get(source, False)
        return out

    def first_day(self, slice_: dict, surveys: bool) -> str | None:
        """The slice's first day with rows in the range."""
        at = self.feeding(slice_, surveys)[1]
        return None if at is None else self.days[at].date().isoformat()


def left_out(gap: np.ndarray) -> np.ndarray:
    """bool per day: the gap days and the islands between them, runs of fewer than ISLAND_DAYS
    covered days (the stray days of day/month-swapped dates: a few rows on days 4-6 of a month
    amid empty weeks cannot be compared with the weeks around them)."""
    out = gap.copy()
    if gap.any():
        for a, b in _runs_of(~gap):
            if b - a + 1 < ISLAND_DAYS:
                out[a : b + 1] = True
    return out


def coverage_of(source_days: pd.DataFrame, start: str, end: str) -> Coverage:
    """Coverage from [source, brand, channel, day, n] rows (scorecard/anomalies/data_anomalies.py)."""
    days = pd.date_range(start, end, freq="D")
    rows = source_days.assign(at=(pd.to_datetime(source_days["day"]) - days[0]).dt.days)
    rows = rows[(rows["at"] >= 0) & (rows["at"] < len(days))]
    gaps = {}
    for source, r in rows.groupby("source"):
        counts = np.zeros(len(days))
        np.add.at(counts, r["at"].to_numpy(dtype=int), r["n"].to_numpy(dtype=float))
        gaps[str(source)] = left_out(gap_days(days, counts))
    return Coverage(days, rows.reset_index(drop=True), gaps)
