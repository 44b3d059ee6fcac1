"""Coverage by hour of week: demand against the staffed windows of [business_hours] (pure).

Each case arrives when the customer's clock starts (first customer message, else opening). It
arrives in staffed hours when that instant lies inside an open window of the configured
calendar (business timezone, holidays closed); outside, it waits at least until the next opening
(`until_open`) and in fact until its first response (`wait`). Demand is shown per hour of week
in the display timezone; staffed cells are those open in the calendar's regular week. The
what-if: extending the hours by one weekly window (business timezone) covers the outside-hours
cases arriving inside it. One calendar serves every channel and brand ([business_hours] has no
per-channel or per-brand windows).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import time
from typing import Any

import numpy as np
import pandas as pd

from etl.settings.business_hours import business_intervals
from etl.settings.config import WEEKDAYS, Config

_WINDOW = re.compile(
    r"^\s*(mon|tue|wed|thu|fri|sat|sun)\s+(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Window:
    """One weekly window in the business timezone: weekday (0 = Monday), [start, end) hours."""

    weekday: int
    start: time
    end: time  # 00:00 means midnight at the end of the day

    def label(self) -> str:
        return f"{WEEKDAYS[self.weekday]} {self.start:%H:%M}-{self.end:%H:%M}"


def parsed_window(text: str) -> Window:
    """The window of 'sat 17:00-20:00'; ValueError (one sentence) when it is not one."""
    m = _WINDOW.match(text or "")
    bad = f"--extend {text!r} is not a window; write a weekday and times, e.g. 'sat 17:00-20:00'."
    if not m:
        raise ValueError(bad)
    h1, m1, h2, m2 = (int(m[i]) for i in range(2, 6))
    if h1 > 23 or h2 > 24 or m1 > 59 or m2 > 59 or (h2 == 24 and m2):
        raise ValueError(bad)
    start, end = time(h1, m1), time(h2 % 24, m2)
    if end != time(0) and end <= start:
        raise ValueError(f"--extend {text!r} ends before it starts; windows stay within one day.")
    return Window(WEEKDAYS.index(m[1].lower()), start, end)


def _inside(t: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(inside an open interval, seconds until the next opening) for each instant."""
    i = np.searchsorted(starts, t, side="right")
    prev = i - 1
    inside = (
        (prev >= 0) & (t < ends[np.clip(prev, 0, None)]) if len(starts) else np.zeros(len(t), bool)
    )
    nxt = starts[np.clip(i, 0, len(starts) - 1)] if len(starts) else np.full(len(t), np.nan)
    until = np.where(inside | (i >= len(starts)), np.nan, nxt - t)
    return inside, until


def staffed_slots(config: Config, week_of: float) -> np.ndarray:
    """7x24 booleans: whether each display-time hour of week is open in the regular calendar
    (holidays ignored), read at the middle of each hour of the week holding week_of."""
    zone = config.display_timezone
    day = pd.Timestamp(week_of, unit="s", tz="UTC").tz_convert(zone).normalize()
    monday = day - pd.Timedelta(days=day.day_of_week)
    mids = pd.date_range(monday, periods=168, freq="h", tz=zone) + pd.Timedelta(minutes=30)
    t = np.array([m.timestamp() for m in mids])  # 168 instants (unit-safe)
    regular = replace(config.business_hours, holidays=())
    starts, ends = business_intervals(regular, float(t.min()), float(t.max()))
    return _inside(t, starts, ends)[0].reshape(7, 24)


def _median(values: pd.Series) -> float | None:
    v = values.dropna()
    return float(v.median()) if len(v) else None


@dataclass(frozen=True)
class CoverageResult:
    """Demand by hour of week against the staffed hours, outside-hours waits and the what-if."""

    start: str | None
    end: str | None
    display_timezone: str
    business_timezone: str
    grid: pd.DataFrame  # weekday, day, hour, cases, outside, staffed, frt_median_s
    by_language: pd.DataFrame  # language, cases, outside, outside_share, wait_outside_median_s
    cases: int
    outside: int
    wait_inside_median_s: float | None
    wait_outside_median_s: float | None
    answered_outside: int
    until_open_median_s: float | None
    extend: Window | None = None
    extend_covered: int = 0

    @property
    def outside_share(self) -> float | None:
        return self.outside / self.cases if self.cases else None

    @property
    def extend_share(self) -> float | None:
        """Share of the outside-hours demand the extension would cover."""
        return self.extend_covered / self.outside if self.extend and self.outside else None

    def to_frame(self) -> pd.DataFrame:
        return self.grid.copy()

    def summary(self) -> str:
        if not self.cases:
            return "No cases in this period: nothing to compare with the staffed hours."
        share = self.outside_share or 0.0
        text = (
            f"{self.cases:,} cases; {self.outside:,} ({share:.0%}) arrived outside staffed hours "
            f"({self.business_timezone}). Outside hours the first response took "
            f"{_hours(self.wait_outside_median_s)} (median; inside {_hours(self.wait_inside_median_s)}); "
            f"the next opening was {_hours(self.until_open_median_s)} away."
        )
        if self.extend:
            text += (
                f" Staffing {self.extend.label()} would cover {self.extend_covered:,} of them"
                f" ({(self.extend_share or 0.0):.0%} of the outside-hours demand)."
            )
        return text

    def to_json(self) -> dict[str, Any]:
        def num(v):
            return None if v is None or (isinstance(v, float) and np.isnan(v)) else v

        return {
            "from": self.start,
            "to": self.end,
            "display_timezone": self.display_timezone,
            "business_timezone": self.business_timezone,
            "cases": self.cases,
            "outside": self.outside,
            "outside_share": num(self.outside_share),
            "wait_inside_median_s": num(self.wait_inside_median_s),
            "wait_outside_median_s": num(self.wait_outside_median_s),
            "answered_outside": self.answered_outside,
            "until_open_median_s": num(self.until_open_median_s),
            "extend": None
            if not self.extend
            else {
                "window": self.extend.label(),
                "covered": self.extend_covered,
                "share_of_outside": num(self.extend_share),
            },
            "grid": [
                {k: num(v) for k, v in r.items()}
                for r in self.grid.to_dict("records")
                if r["cases"]
            ],
            "by_language": [
                {k: num(v) for k, v in r.items()} for r in self.by_language.to_dict("records")
            ],
        }


def _hours(seconds: float | None) -> str:
    if seconds is None or np.isnan(seconds):
        return "n/a"
    return f"{seconds / 60:.0f} min" if seconds < 5400 else f"{seconds / 3600:.1f} h"


def coverage(
    cases: pd.DataFrame,
    config: Config,
    start: str | None = None,
    end: str | None = None,
    extend: Window | None = None,
) -> CoverageResult:
    """Coverage of the cases ([arrived_s, wait_s, language, ...], scorecard/operations/data_staffing.py)."""
    bh = config.business_hours
    t = cases["arrived_s"].to_numpy(dtype=float)
    if len(t):
        starts, ends = business_intervals(bh, float(t.min()), float(t.max()))
        inside, until = _inside(t, starts, ends)
    else:
        inside, until = np.zeros(0, bool), np.zeros(0)
    local = pd.to_datetime(t, unit="s", utc=True).tz_convert(config.display_timezone)
    frame = cases.assign(
        outside=~inside,
        until_open_s=until,
        weekday=np.asarray(local.day_of_week),
        hour=np.asarray(local.hour),
    )
    frame["language"] = frame["language"].fillna("und")
    grid = _grid(frame, config, float(t.max()) if len(t) else 0.0)
    out = frame[frame["outside"]]
    covered = 0
    if extend is not None and len(out):
        biz = pd.to_datetime(out["arrived_s"].to_numpy(dtype=float), unit="s", utc=True).tz_convert(
            bh.timezone
        )
        minute = np.asarray(biz.hour * 60 + biz.minute)
        lo = extend.start.hour * 60 + extend.start.minute
        hi = extend.end.hour * 60 + extend.end.minute or 24 * 60
        covered = int(
            ((np.asarray(biz.day_of_week) == extend.weekday) & (minute >= lo) & (minute < hi)).sum()
        )
    return CoverageResult(
        start=start,
        end=end,
        display_timezone=config.display_timezone,
        business_timezone=bh.timezone,
        grid=grid,
        by_language=_by_language(frame),
        cases=len(frame),
        outside=len(out),
        wait_inside_median_s=_median(frame.loc[~frame["outside"], "wait_s"]),
        wait_outside_median_s=_median(out["wait_s"]),
        answered_outside=int(out["wait_s"].notna().sum()),
        until_open_median_s=_median(out["until_open_s"]),
        extend=extend,
        extend_covered=covered,
    )


def _grid(frame: pd.DataFrame, config: Config, week_of: float) -> pd.DataFrame:
    """Every hour of week (display time) with its cases, outside-hours cases, staffed flag and
    median first response."""
    g = frame.groupby(["weekday", "hour"]).agg(
        cases=("arrived_s", "size"), outside=("outside", "sum"), frt_median_s=("wait_s", "median")
    )
    full = pd.MultiIndex.from_product([range(7), range(24)], names=["weekday", "hour"])
    g = g.reindex(full).reset_index()
    g[["cases", "outside"]] = g[["cases", "outside"]].fillna(0).astype("int64")
    g["staffed"] = staffed_slots(config, week_of).reshape(-1)
    g.insert(1, "day", [WEEKDAYS[d] for d in g["weekday"]])
    return g


def _by_language(frame: pd.DataFrame) -> pd.DataFrame:
    """Per language ('und' = undetermined): cases, outside-hours cases and share, their median wait."""
    if frame.empty:
        return pd.DataFrame(
            columns=["language", "cases", "outside", "outside_share", "wait_outside_median_s"]
        )
    rows = []
    for lang, part in frame.groupby("language"):
        out = part[part["outside"]]
        rows.append(
            {
                "language": lang,
                "cases": len(part),
                "outside": len(out),
                "outside_share": len(out) / len(part),
                "wait_outside_median_s": _median(out["wait_s"]),
            }
        )
    return pd.DataFrame(rows).sort_values(
        ["cases", "language"], ascending=[False, True], ignore_index=True
    )
