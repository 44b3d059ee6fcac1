"""URL state: filters travel in the query string so that every view is a shareable link."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from urllib.parse import urlencode


def query_string(params: Mapping[str, object]) -> str:
    """`?a=1&b=x,y` from the non-empty parameters (lists joined by commas), or ''."""
    clean = {}
    for key, value in params.items():
        if isinstance(value, (list, tuple)):
            value = ",".join(str(v) for v in value if v not in (None, ""))
        if value not in (None, "", False):
            clean[key] = value
    return "?" + urlencode(clean) if clean else ""


def listed(value: str | list | None) -> list[str]:
    """A URL or component value as a list ('a,b' -> ['a', 'b'])."""
    if value is None or value == "":
        return []
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value if v not in (None, "")]
    return [v for v in str(value).split(",") if v]


def dim_filters(**values: str | list | None) -> dict[str, list[str]]:
    """Scorecard filters from single or multi values: {'brand': ['X'], 'channel': []}."""
    return {dim: listed(v) for dim, v in values.items()}


def valid_day(value: str | None) -> str | None:
    """An ISO date from the URL, or None when it is not one."""
    try:
        return date.fromisoformat(str(value)[:10]).isoformat() if value else None
    except ValueError:
        return None


def period(value: str | None) -> tuple[str, str] | None:
    """'A..B' (or a single day 'A') as (A, B), or None when malformed."""
    if not value:
        return None
    a, _, b = str(value).partition("..")
    a, b = valid_day(a), valid_day(b or a)
    if a is None or b is None:
        return None
    return (a, b) if a <= b else (b, a)


def period_text(start: str, end: str) -> str:
    """The 'A..B' form of a period."""
    return f"{start}..{end}"


def previous_days(day: str, days: int = 7) -> tuple[str, str]:
    """The `days` days just before `day` (the default baseline of a root-cause view)."""
    d = date.fromisoformat(day)
    return (d - timedelta(days=days)).isoformat(), (d - timedelta(days=1)).isoformat()


def optional_module(name: str):
    """A scorecard module that may not exist in this version yet (None when absent)."""
    import importlib

    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as e:
        if e.name == name:
            return None
        raise
