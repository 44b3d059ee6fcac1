"""What a period is compared with: the same weekdays of the weeks before (default) or the
equally long window just before ([compare] baseline = "same_weekday" | "previous_period").

Service volumes and speeds follow the week (Saturdays are quiet, Mondays busy), so a day
compared with the day before makes every Saturday look like a collapse. With same_weekday a
period shorter than a week is compared with the same weekdays of the `weeks` weeks before
(a Saturday with the last 4 Saturdays, pooled); a week or longer with the equally long window
that starts the same weekday (shifted back a whole number of weeks).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import NamedTuple

from etl.settings.config import Config

WEEKDAY_NAMES = (
    "Mondays",
    "Tuesdays",
    "Wednesdays",
    "Thursdays",
    "Fridays",
    "Saturdays",
    "Sundays",
)


class Comparison(NamedTuple):
    """The comparison window, the days inside it that do not count, and how to say it."""

    window: tuple[str, str]
    exclude: tuple[str, ...]
    label: str

    @property
    def days(self) -> tuple[str, ...]:
        """The days that count, in order."""
        s, e = date.fromisoformat(self.window[0]), date.fromisoformat(self.window[1])
        every = ((s + timedelta(days=i)).isoformat() for i in range((e - s).days + 1))
        return tuple(d for d in every if d not in set(self.exclude))


def _days(start: date, end: date) -> list[date]:
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


def comparison_for(
    start: str, end: str, baseline: str = "same_weekday", weeks: int = 4
) -> Comparison:
    """The comparison of the period start..end under the chosen baseline."""
    s, e = date.fromisoformat(start), date.fromisoformat(end)
    length = (e - s).days + 1
    if baseline == "previous_period":
        a, b = s - timedelta(days=length), s - timedelta(days=1)
        return Comparison(
            (a.isoformat(), b.isoformat()),
            (),
            "the day before" if length == 1 else f"the {length} days before",
        )
    if length >= 7:
        shift = timedelta(days=7 * -(-length // 7))
        return Comparison(
            ((s - shift).isoformat(), (e - shift).isoformat()),
            (),
            f"the same {length} days of the week {-(-length // 7)} week"
            f"{'s' if length > 7 else ''} before",
        )
    a, b = s - timedelta(days=7 * weeks), e - timedelta(days=7)
    wanted = {d.weekday() for d in _days(s, e)}
    exclude = tuple(d.isoformat() for d in _days(a, b) if d.weekday() not in wanted)
    names = " to ".join(dict.fromkeys([WEEKDAY_NAMES[s.weekday()], WEEKDAY_NAMES[e.weekday()]]))
    return Comparison((a.isoformat(), b.isoformat()), exclude, f"the last {weeks} {names}")


def configured_comparison(start: str, end: str, config: Config) -> Comparison:
    """comparison_for with the configured baseline and number of weeks."""
    return comparison_for(start, end, config.compare_baseline, config.compare_weeks)
