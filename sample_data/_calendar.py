"""Time axis of the generator: local wall-clock seconds, opening hours, shifts, format tables.

All simulation happens on one integer axis: seconds since local (Europe/London) midnight of
the first day. Only when files are written are times converted to UTC with a per-hour offset
table, so daylight saving is handled exactly on the hour. Everything here is vectorised; the
only Python loops run over hours of the period or seconds of a day (tables), never over rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import numpy as np
import pyarrow as pa

HOUR = 3600
DAY = 86400
WEEK_HOURS = 168
ZONE = "Europe/London"
# Business hours of the product's default calendar (etl/settings/config.py): Mon-Fri 08-20, Sat 09-17.
OPEN_WINDOWS = {0: (8, 20), 1: (8, 20), 2: (8, 20), 3: (8, 20), 4: (8, 20), 5: (9, 17)}
MARGIN_DAYS = 45  # replies, repeat calls and surveys may land after the period


def hours_mask(windows: dict[int, tuple[int, int]]) -> np.ndarray:
    """bool[168] (hour of week, Monday 00:00 = 0) that is True inside the windows."""
    m = np.zeros(WEEK_HOURS, dtype=bool)
    for dow, (a, b) in windows.items():
        m[dow * 24 + a : dow * 24 + b] = True
    return m


def wait_table(mask: np.ndarray) -> np.ndarray:
    """int[168]: whole hours from each hour of week to the next covered hour (0 if covered)."""
    out = np.zeros(WEEK_HOURS, dtype=np.int64)
    for h in range(WEEK_HOURS):
        k = 0
        while not mask[(h + k) % WEEK_HOURS]:
            k += 1
        out[h] = k
    return out


OPEN_HOW = hours_mask(OPEN_WINDOWS)
OPEN_WAIT = wait_table(OPEN_HOW)


@dataclass(frozen=True)
class Calendar:
    """The generated period: start date, number of days, weekday and UTC offsets per hour."""

    start: date
    days: int
    dow0: int
    utc_offset: np.ndarray  # seconds to subtract from local time, per local hour index

    @classmethod
    def build(cls, start: date, days: int) -> Calendar:
        """Calendar of `days` days from `start` in Europe/London."""
        zone = ZoneInfo(ZONE)
        n = (days + MARGIN_DAYS) * 24
        t0 = datetime(start.year, start.month, start.day)
        offs = [
            int((t0 + timedelta(hours=h)).replace(tzinfo=zone).utcoffset().total_seconds())
            for h in range(n)
        ]
        return cls(start, days, start.weekday(), np.asarray(offs, dtype=np.int64))

    @property
    def end(self) -> int:
        """Local seconds of the end of the period (exclusive)."""
        return self.days * DAY

    def how(self, t: np.ndarray) -> np.ndarray:
        """Hour of week (Monday 00:00 = 0) of local seconds."""
        return (t // HOUR + self.dow0 * 24) % WEEK_HOURS

    def dow(self, day: np.ndarray) -> np.ndarray:
        """Weekday (Monday = 0) of day indices."""
        return (day + self.dow0) % 7

    def to_utc(self, t: np.ndarray) -> np.ndarray:
        """UTC seconds since the start date's midnight UTC."""
        h = np.clip(t // HOUR, 0, len(self.utc_offset) - 1)
        return t - self.utc_offset[h]

    def push_into(self, t: np.ndarray, wait: np.ndarray, jitter: np.ndarray) -> np.ndarray:
        """Move times that fall in uncovered hours to the next covered hour (+ jitter seconds)."""
        k = wait[self.how(t)]
        return np.where(k > 0, (t // HOUR + k) * HOUR + jitter, t)

    def is_open(self, t: np.ndarray) -> np.ndarray:
        """True where local time t is inside business hours."""
        return OPEN_HOW[self.how(t)]


# ---- format tables (built once per process; rows only take from them) -------------------


@cache
def hms_table(pad: bool) -> pa.Array:
    """'HH:MM:SS' (pad) or 'H:MM:SS' strings for every second of a day."""
    import pyarrow.compute as pc

    parts = [[f"{h:02d}:" if pad else f"{h}:" for h in range(24)], [f"{m:02d}:" for m in range(60)],
             [f"{x:02d}" for x in range(60)]]  # fmt: skip
    idx = np.indices([24, 60, 60]).reshape(3, -1)
    return pc.binary_join_element_wise(
        *[pa.array(p).take(pa.array(i)) for p, i in zip(parts, idx, strict=True)], ""
    )


@dataclass(frozen=True)
class DayTables:
    """Per-UTC-day strings for the formats of the three sources and the surveys."""

    first: int  # day index (relative to the start date) of row 0
    iso: pa.Array  # 2024-01-01
    tw_prefix: pa.Array  # 'Mon Jan 01 '
    tw_suffix: pa.Array  # ' +0000 2024'

    @classmethod
    def build(cls, start: date, first: int, last: int) -> DayTables:
        """Tables for day indices first..last inclusive."""
        ds = [start + timedelta(days=d) for d in range(first, last + 1)]
        dts = [datetime(d.year, d.month, d.day, tzinfo=UTC) for d in ds]
        return cls(
            first,
            pa.array([d.isoformat() for d in ds]),
            pa.array([d.strftime("%a %b %d ") for d in dts]),
            pa.array([d.strftime(" +0000 %Y") for d in dts]),
        )

    def index(self, day: np.ndarray) -> pa.Array:
        """Row indices into the tables for day indices."""
        return pa.array((day - self.first).astype(np.int32))


def split_utc(utc: np.ndarray) -> tuple[np.ndarray, pa.Array]:
    """(day index, second-of-day as an arrow index) of UTC seconds."""
    day, sod = np.divmod(utc, DAY)
    return day, pa.array(sod.astype(np.int32))
