"""What a user types for dates, periods and hours of day (CLI options, page URLs), parsed into
the ISO strings the library uses, or a one-sentence ValueError naming the option and the fix."""

from __future__ import annotations

from datetime import date


def parse_period(text: str) -> tuple[str, str]:
    """'A..B' (or one day 'A') -> (A, B) as ISO dates, or a ValueError naming the problem."""
    parts = [p.strip() for p in str(text).split("..")]
    if len(parts) == 1:
        parts = parts * 2
    try:
        a, b = (date.fromisoformat(p) for p in parts)
    except ValueError:
        raise ValueError(f"period {text!r} must be YYYY-MM-DD..YYYY-MM-DD.") from None
    if len(parts) != 2 or b < a:
        raise ValueError(f"period {text!r} must be YYYY-MM-DD..YYYY-MM-DD with the start first.")
    return a.isoformat(), b.isoformat()


def parse_day(text: str, name: str = "date") -> str:
    """'YYYY-MM-DD' -> the same ISO date, or a ValueError saying which option is not a date."""
    try:
        return date.fromisoformat(str(text).strip()).isoformat()
    except ValueError:
        raise ValueError(f"{name}: {text!r} is not a date (YYYY-MM-DD).") from None


def day_range(
    start: str | None, end: str | None, names: tuple[str, str] = ("start", "end")
) -> tuple[str | None, str | None]:
    """Both ends as ISO dates (either may be open), or a ValueError for a non-date or a range
    that ends before it starts."""
    start = parse_day(start, names[0]) if start else None
    end = parse_day(end, names[1]) if end else None
    if start and end and end < start:
        raise ValueError(
            f"{names[0]} {start} is after {names[1]} {end}; put the earlier date first."
        )
    return start, end


def parse_hours(text: str | None, name: str = "hour") -> list[str]:
    """'9,15-22' -> ['9', '15', ..., '22']: hours of day as the hour dimension's segments (a run
    '15-22' as anomalies label it); a ValueError for anything else."""
    out: list[str] = []
    for part in (p.strip() for p in str(text or "").split(",")):
        if not part:
            continue
        first, _, last = part.partition("-")
        if not (
            first.isdigit()
            and (last.isdigit() or not last)
            and int(first) <= int(last or first) <= 23
        ):
            raise ValueError(
                f"{name}: {part!r} is not an hour of day (0-23, or a run such as 15-22)."
            )
        out += [str(h) for h in range(int(first), int(last or first) + 1) if str(h) not in out]
    return out


def option_filters(hour: str | None = None, **dims: str | None) -> dict[str, list[str]]:
    """{dimension: values} from comma-separated option values (--channel a,b ...); --hour as
    hours or runs of hours (9,15-22)."""
    out = {
        dim: [v.strip() for v in (text or "").split(",") if v.strip()] for dim, text in dims.items()
    }
    return {**out, "hour": parse_hours(hour, "--hour")}
