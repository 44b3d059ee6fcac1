"""Human formatting of KPI values by unit."""

from __future__ import annotations

import math


def formatted(value: float | None, unit: str, currency: str = "") -> str:
    """A KPI value as people read it: 42 %, 12 min, 3.1 h, 7.00 USD, 1,234 (a money value
    carries its currency code when given)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if unit == "share":
        return f"{value:.0%}" if abs(value) <= 10 else f"{value:.0f}"
    if unit == "seconds":
        if value < 120:
            return f"{value:.0f} s"
        if value < 7200:
            return f"{value / 60:.0f} min"
        if value < 172800:
            return f"{value / 3600:.1f} h"
        return f"{value / 86400:.1f} d"
    if unit == "currency":
        return f"{value:,.2f} {currency}".rstrip()
    if unit == "count":
        return f"{value:,.0f}"
    if unit == "points":
        return f"{value:+.0f}"
    return f"{value:.2f}"
