"""Field parsing shared by the built-in phone, ticket and survey loaders.

Each helper turns one text column (None = empty) into a typed column plus a mask of the
non-empty values it could not read, so that a loader can quarantine those rows with a reason.
Quarantine reasons read `<kind>: <detail>` (kinds: missing key, missing value, bad timestamp,
wrong type, out of range, not in map, contradiction); `socialcare status` counts by kind.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np
import pandas as pd

from etl.sources.mapped_rows import utc_times

YES_NO = {
    "y": True,
    "yes": True,
    "true": True,
    "1": True,
    "n": False,
    "no": False,
    "false": False,
    "0": False,
}
_CLOCK = r"^(?:(\d+):)?([0-5]?\d):([0-5]\d(?:\.\d+)?)$"
_TIME_OF_DAY = r"^([01]?\d|2[0-3]):([0-5]\d)(?::([0-5]\d))?$"


@dataclass(frozen=True)
class Typed:
    """A typed column and the rows whose non-empty text could not be read."""

    values: pd.Series
    bad: np.ndarray  # bool: non-empty and unreadable (or out of range)


def stripped(frame: pd.DataFrame, column: str) -> pd.Series:
    """A column's text stripped of surrounding blanks, None where empty or absent."""
    if column not in frame:
        return pd.Series(None, index=frame.index, dtype=object)
    t = frame[column].astype("string").str.strip()
    t = t.where(t != "")
    return t.astype(object).where(t.notna(), None)


def present(text: pd.Series) -> np.ndarray:
    """True where a text column has a value."""
    return text.notna().to_numpy(dtype=bool)


def numbers(text: pd.Series, lo: float, hi: float) -> Typed:
    """Numbers within [lo, hi] (NaN where empty); bad where not a number or out of range."""
    num = pd.to_numeric(text.astype("string"), errors="coerce").astype("float64")
    ok = num.between(lo, hi).to_numpy(dtype=bool)
    return Typed(num.where(ok), present(text) & ~ok)


def durations(text: pd.Series, hi: float = 86400.0) -> Typed:
    """Durations in seconds from a number of seconds or h:mm:ss / m:ss text, within [0, hi]."""
    s = text.astype("string")
    num = pd.to_numeric(s, errors="coerce").astype("float64")
    clock = s.str.extract(_CLOCK).astype("float64")
    secs = num.fillna(clock[0].fillna(0) * 3600 + clock[1] * 60 + clock[2])
    ok = secs.between(0, hi).to_numpy(dtype=bool)
    return Typed(secs.where(ok), present(text) & ~ok)


def times_of_day(text: pd.Series) -> Typed:
    """Seconds since midnight from h:mm[:ss] text (hour 0-23)."""
    parts = text.astype("string").str.extract(_TIME_OF_DAY).astype("float64")
    secs = parts[0] * 3600 + parts[1] * 60 + parts[2].fillna(0)
    ok = secs.notna().to_numpy(dtype=bool)
    return Typed(secs, present(text) & ~ok)


def yes_no(text: pd.Series) -> Typed:
    """Booleans from Y/N, yes/no, true/false, 1/0 (any case)."""
    b = text.astype("string").str.lower().map(YES_NO).astype("boolean")
    return Typed(b, present(text) & b.isna().to_numpy(dtype=bool))


def timestamps(text: pd.Series, formats: tuple[str, ...], zone: str) -> Typed:
    """UTC timestamps from the first format that reads each value (naive times are in `zone`)."""
    out = pd.Series(pd.NaT, index=text.index, dtype="datetime64[us, UTC]")
    for fmt in formats:
        todo = present(text) & out.isna().to_numpy(dtype=bool)
        if not todo.any():
            break
        out[todo] = utc_times(text[todo], fmt, zone).astype("datetime64[us, UTC]")
    return Typed(out, present(text) & out.isna().to_numpy(dtype=bool))


_SLASHED = r"^(\d{1,2})/(\d{1,2})/(\d{4})(?:$|[ T])"


def slashed_day_first(*texts: pd.Series) -> bool | None:
    """Whether dates written with slashes (a spreadsheet's locale: 31/01/2021 or 1/31/2021) put
    the day first, from the values only one order reads: a first number above 12 is a day, a
    second above 12 is a day. None when no value tells (none slashed, or all both ways <= 12):
    such dates are then not read, never guessed. Where both kinds occur, the commoner wins and
    the others fail to read (a file written in both orders)."""
    parts = pd.concat([t.astype("string").str.extract(_SLASHED) for t in texts]).dropna()
    if parts.empty:
        return None
    first, second = parts[0].astype(int), parts[1].astype(int)
    day_first, month_first = int((first > 12).sum()), int((second > 12).sum())
    if day_first == month_first == 0:
        return None
    return day_first >= month_first


# what a bad date's reason adds after the ISO form (local_date_formats)
LOCAL_DATES = "(or DD/MM/YYYY, MM/DD/YYYY when a day above 12 shows the order, DD.MM.YYYY)"


def local_date_formats(day_first: bool | None, with_time: bool) -> tuple[str, ...]:
    """strptime formats of the dates a spreadsheet writes in its locale, after the ISO ones: the
    slashed order `slashed_day_first` found (none when it could not tell), then the dotted
    day-first dates of central Europe (31.01.2021)."""
    orders = {True: ("%d/%m/%Y",), False: ("%m/%d/%Y",), None: ()}[day_first] + ("%d.%m.%Y",)
    times = (" %H:%M:%S", " %H:%M", "") if with_time else ("",)
    return tuple(d + t for d in orders for t in times)


def local_dates_note(day_first: bool | None) -> tuple[str, ...]:
    """The load's note on slashed dates read in a spreadsheet's order."""
    if day_first is None:
        return ()
    return (
        "dates written with slashes read "
        + ("day first (DD/MM/YYYY)" if day_first else "month first (MM/DD/YYYY)"),
    )


def seconds_later(start: pd.Series, seconds: pd.Series) -> pd.Series:
    """start + seconds (NaT where either is missing)."""
    return start + pd.to_timedelta(seconds, unit="s")


def short_hashes(text: pd.Series, length: int = 16) -> pd.Series:
    """First hex digits of the sha1 of each lower-cased text (None stays None)."""
    return text.map(
        lambda v: (
            None
            if v is None
            else hashlib.sha1(v.strip().lower().encode("utf-8")).hexdigest()[:length]
        )
    )


def joined_flags(index: pd.Index, flags: list[tuple[np.ndarray, str]]) -> pd.Series:
    """Comma-separated data-quality flags per row, None where no flag applies."""
    out = pd.Series("", index=index, dtype=object)
    for mask, name in flags:
        if mask.any():
            out[mask] = (out[mask] + "," + name).str.lstrip(",")
    return out.where(out != "", None)


def reasons_of(index: pd.Index, checks: list[tuple[np.ndarray, pd.Series | str]]) -> pd.Series:
    """The first failing check's reason per row (checks in priority order), None when all pass."""
    reasons = pd.Series(None, index=index, dtype=object)
    for mask, reason in reversed(checks):
        if mask.any():
            reasons[mask] = reason if isinstance(reason, str) else reason[mask].to_numpy()
    return reasons


def value_reason(text: pd.Series, template: str) -> pd.Series:
    """A reason per row naming its value: template.format(v=repr(value))."""
    return text.map(lambda v: template.format(v=repr(v)))


def rejected_rows(frame: pd.DataFrame, reasons: pd.Series, columns: list[str]) -> pd.DataFrame:
    """Quarantine rows (line, raw, reason) of the rows with a reason; raw = the source fields."""
    bad = reasons.notna().to_numpy(dtype=bool)
    cols = [c for c in columns if c in frame]
    raw = frame.loc[bad, cols].astype(object).where(frame.loc[bad, cols].notna(), "")
    return pd.DataFrame(
        {
            "line": frame.loc[bad, "_line"].astype("int64").to_numpy(),
            "raw": [",".join(map(str, r)) for r in raw.to_numpy().tolist()],
            "reason": reasons[bad].to_numpy(),
        }
    )
