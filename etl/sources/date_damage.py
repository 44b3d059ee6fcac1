"""Dates whose day and month look swapped in part of a file, flagged at load (issue 18).

A spreadsheet that reads `04-08-15` month-first, or a log written in both orders, leaves a
tell-tale shape: the dates cluster in a few busy months, and the few that fall outside them
all fall on days <= 12 whose number is one of those busy months (day and month swapped back,
they land inside). Genuine stray dates fall on any day, so at most about 40 % of them (days
1-12) times the busy months' share of the year could fit by chance; the rule below asks for
90 % of at least 10 such dates, spread over 3 or more months.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

MIN_DATES = 30  # fewer dates tell nothing
BUSY_SHARE = 0.2  # a busy month holds at least this share of the busiest month's dates
MIN_STRAYS = 10
MIN_STRAY_MONTHS = 3
FIT_SHARE = 0.9
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass(frozen=True)
class SwappedDates:
    """Evidence that some dates of a column have day and month swapped."""

    n: int  # dates read
    strays: int  # dates outside the busy months
    fitting: int  # strays on a day <= 12 that, swapped, fall in a busy month
    days: tuple[int, ...]  # days of month the strays fall on
    busy: tuple[int, ...]  # busy months as year * 12 + month - 1

    def busy_span(self) -> str:
        """The busy months, e.g. 'Apr 2015-Jun 2015'."""
        first, last = min(self.busy), max(self.busy)
        label = lambda ym: f"{_MONTHS[ym % 12]} {ym // 12}"  # noqa: E731
        return label(first) if first == last else f"{label(first)}-{label(last)}"

    def day_span(self) -> str:
        """The strays' days of month, e.g. '4-6'."""
        lo, hi = min(self.days), max(self.days)
        return str(lo) if lo == hi else f"{lo}-{hi}"


def swapped_dates(times: pd.Series) -> SwappedDates | None:
    """Evidence of swapped day and month among wall-clock times (NaT ignored), or None."""
    t = pd.to_datetime(times, errors="coerce").dropna()
    if len(t) < MIN_DATES:
        return None
    year, month, day = t.dt.year.to_numpy(), t.dt.month.to_numpy(), t.dt.day.to_numpy()
    ym = year * 12 + month - 1
    counts = pd.Series(ym).value_counts()
    busy = set(counts.index[counts >= BUSY_SHARE * counts.max()].tolist())
    stray = ~pd.Series(ym).isin(busy).to_numpy()
    if stray.sum() < MIN_STRAYS or len(set(ym[stray].tolist())) < MIN_STRAY_MONTHS:
        return None
    fits = stray & (day <= 12) & pd.Series(year * 12 + day - 1).isin(busy).to_numpy()
    if fits.sum() < FIT_SHARE * stray.sum():
        return None
    return SwappedDates(
        len(t),
        int(stray.sum()),
        int(fits.sum()),
        tuple(sorted(set(day[stray].tolist()))),
        tuple(sorted(busy)),
    )


def swapped_dates_warning(column: str, evidence: SwappedDates, how: str) -> str:
    """One sentence naming the column, what looks wrong and what to do (`how`)."""
    e = evidence
    return (
        f"column {column}: {e.strays} of {e.n} dates fall outside the busiest months "
        f"({e.busy_span()}) and {e.fitting} of them on a day <= 12 that is one of those "
        f"months (days {e.day_span()}), as if day and month were swapped; {how}"
    )
