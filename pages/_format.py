"""Human formatting of KPI values by unit."""

from __future__ import annotations

import math

from scorecard.rootcause.change_text import duration_text


def duration(seconds: float | None, signed: bool = False) -> str:
    """A duration as people read it, the one formatter of every page: '45 s', '14 min',
    '2 h 14 min', '3 d 4 h' ('–' when missing; signed: '+14 min')."""
    if seconds is None or (isinstance(seconds, float) and math.isnan(seconds)):
        return "–"
    return duration_text(seconds, signed)


def formatted(value: float | None, unit: str, currency: str = "") -> str:
    """A KPI value as people read it: 42 %, 12 min, 2 h 14 min, 7.00 USD, 1,234 (a money value
    carries its currency code when given)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if unit == "share":
        return f"{value:.0%}" if abs(value) <= 10 else f"{value:.0f}"
    if unit == "seconds":
        return duration(value)
    if unit == "currency":
        return f"{value:,.2f} {currency}".rstrip()
    if unit == "count":
        return f"{value:,.0f}"
    if unit == "points":
        return f"{value:+.0f}"
    return f"{value:.2f}"
