"""Mapped source rows to typed canonical fields: value maps, timestamps to UTC, type checks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from etl.sources.mapping import ACCEPTED, KEYS, REQUIRED, TIMES, Mapping

BOOLEANS = {
    "true": True,
    "t": True,
    "yes": True,
    "y": True,
    "1": True,
    "false": False,
    "f": False,
    "no": False,
    "n": False,
    "0": False,
}
SCALES = {"csat": (1.0, 5.0), "nps": (0.0, 10.0)}
_AWARE_ISO = r"\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?\s*(?:[Zz]|[+-]\d{2}(?::?\d{2})?)$"
_CLOCK = r"^(?:(\d+):)?([0-5]?\d):([0-5]\d(?:\.\d+)?)$"


@dataclass(frozen=True)
class Rows:
    """Typed canonical rows (one column per mapped field, plus `_line`) and rejected rows."""

    good: pd.DataFrame
    bad: pd.DataFrame  # line, raw, reason


def _blank_to_none(s: pd.Series) -> pd.Series:
    t = s.astype("string").str.strip()
    t = t.where(t != "")
    return t.astype(object).where(t.notna(), None)


def joined_text(frame: pd.DataFrame, columns: tuple[str, ...]) -> pd.Series:
    """The non-empty values of several columns joined with one space per row (None = all empty)."""
    parts = [_blank_to_none(frame[c]).astype("string") for c in columns]
    joined = parts[0].fillna("")
    for p in parts[1:]:
        joined = (joined + " " + p.fillna("")).str.strip()
    return joined.astype(object).where(joined != "", None)


def field_text(frame: pd.DataFrame, m: Mapping, fld: str) -> pd.Series:
    """A field's text per row: its column, its [combine] columns joined with one space, or its
    constant, through its value map (None = empty)."""
    if fld in m.columns:
        s = _blank_to_none(frame[m.columns[fld]])
    elif fld in m.combine:
        s = joined_text(frame, m.combine[fld])
    else:
        s = pd.Series(m.constants.get(fld), index=frame.index, dtype=object)
    table = m.values.get(fld)
    if table:
        low = s.astype("string").str.lower()
        hit = low.isin(list(table)).fillna(False).to_numpy(dtype=bool)
        mapped = low[hit].map(table)
        s = s.copy()
        s[hit] = mapped.astype(object).where(mapped.notna(), None)
    return s


def _localized(naive: pd.Series, zone: str) -> pd.Series:
    """Naive wall-clock times in `zone` as UTC, with Python's fold=0 rule at DST changes.

    An ambiguous fall-back time is the first (summer-time) occurrence; a time inside the
    spring-forward gap takes the offset in force before the change (as zoneinfo does).
    """
    out = naive.dt.tz_localize(zone, ambiguous=np.ones(len(naive), dtype=bool), nonexistent="NaT")
    out = out.dt.tz_convert("UTC")
    gap = (naive.notna() & out.isna()).to_numpy()
    if gap.any():
        tz = ZoneInfo(zone)
        fixed = [
            pd.Timestamp(t.to_pydatetime().replace(tzinfo=tz).astimezone(UTC)) for t in naive[gap]
        ]
        out = out.copy()
        out[gap] = fixed
    return out


def utc_times(text: pd.Series, fmt: str, zone: str) -> pd.Series:
    """Timestamps as UTC (NaT where empty or unparseable): strptime format, iso, epoch_s or epoch_ms."""
    s = text.astype("string")
    if fmt in ("epoch_s", "epoch_ms"):
        num = pd.to_numeric(s, errors="coerce")
        return pd.to_datetime(
            num, unit="s" if fmt == "epoch_s" else "ms", utc=True, errors="coerce"
        )
    if fmt == "iso":
        aware = s.str.contains(_AWARE_ISO, regex=True).fillna(False).to_numpy(dtype=bool)
        out = pd.Series(pd.NaT, index=s.index, dtype="datetime64[us, UTC]")
        if aware.any():
            out[aware] = pd.to_datetime(s[aware], format="ISO8601", utc=True, errors="coerce")
        if (~aware).any():
            naive = pd.to_datetime(s[~aware], format="ISO8601", errors="coerce")
            out[~aware] = _localized(naive, zone)
        return out
    if "%z" in fmt or "%Z" in fmt:
        return pd.to_datetime(s, format=fmt, utc=True, errors="coerce")
    return _localized(pd.to_datetime(s, format=fmt, errors="coerce"), zone)


def _seconds(text: pd.Series) -> pd.Series:
    """Durations as seconds: a number, or H:MM:SS / MM:SS."""
    num = pd.to_numeric(text.astype("string"), errors="coerce").astype("float64")
    clock = text.astype("string").str.extract(_CLOCK).astype("float64")
    from_clock = clock[0].fillna(0) * 3600 + clock[1] * 60 + clock[2]
    return num.fillna(from_clock)


def _typed(text: pd.Series, fld: str, m: Mapping, native: bool) -> tuple[pd.Series, str]:
    """The typed column and the reason template used where typing fails on a non-empty value."""
    if fld in TIMES:
        fmt = "iso" if native else m.time_format
        shown = "an ISO timestamp" if fmt == "iso" else f"{fmt!r}"
        return utc_times(text, fmt, m.timezone), f"bad timestamp: {fld} {{v!r}} is not {shown}"
    if fld in ("handled_privately", "would_recommend"):
        typed = text.astype("string").str.lower().map(BOOLEANS)
        return typed.astype("boolean"), f"wrong type: {fld} {{v!r}} is not yes/no or true/false"
    if fld == "transfers":
        num = pd.to_numeric(text.astype("string"), errors="coerce")
        ok = num.notna() & (num >= 0) & (num == num.round())
        return num.where(ok).astype(
            "Int64"
        ), f"wrong type: {fld} {{v!r}} is not a whole number >= 0"
    if fld == "handle_seconds":
        return _seconds(text), f"wrong type: {fld} {{v!r}} is not seconds or H:MM:SS"
    if fld in SCALES:
        lo, hi = SCALES[fld]
        num = pd.to_numeric(text.astype("string"), errors="coerce").astype("float64")
        return num.where(
            num.between(lo, hi)
        ), f"wrong type: {fld} {{v!r}} is not a number from {lo:g} to {hi:g}"
    if fld in ACCEPTED:
        allowed = ", ".join(ACCEPTED[fld])
        low = text.astype("string").str.lower()
        return low.astype(object).where(
            low.isin(ACCEPTED[fld]).fillna(False), None
        ), f"not in map: {fld} {{v!r}} is not in [values.{fld}] nor one of {allowed}"
    return text, ""


def _where(fld: str, m: Mapping) -> str:
    if fld in m.combine:
        return f" (columns {' + '.join(map(repr, m.combine[fld]))})"
    return f" (column {m.columns[fld]!r})" if fld in m.columns else ""


def canonical_rows(
    frame: pd.DataFrame, m: Mapping, native_times: frozenset[str] = frozenset()
) -> Rows:
    """Typed canonical fields of every row that passes validation; the others with line and reason."""
    reasons = pd.Series(None, index=frame.index, dtype=object)
    out = {}
    checks: list[tuple[np.ndarray, pd.Series | str]] = []
    for fld in m.fields():
        text = field_text(frame, m, fld)
        native = m.columns.get(fld) in native_times
        typed, template = _typed(text, fld, m, native)
        empty = text.isna().to_numpy(dtype=bool)
        if fld in REQUIRED[m.kind]:
            label = "missing key" if fld in KEYS else "missing value"
            checks.append((empty, f"{label}: {fld} is empty{_where(fld, m)}"))
        if template:
            failed = ~empty & typed.isna().to_numpy(dtype=bool)
            checks.append((failed, text[failed].map(lambda v, t=template: t.format(v=v))))
        out[fld] = typed
    for mask, reason in reversed(checks):
        if mask.any():
            reasons[mask] = reason if isinstance(reason, str) else reason.to_numpy()
    bad_mask = reasons.notna().to_numpy(dtype=bool)
    cols = [c for c in frame.columns if c != "_line"]  # the whole source row, in source order
    raw = frame.loc[bad_mask, cols].astype(object).where(frame.loc[bad_mask, cols].notna(), "")
    bad = pd.DataFrame(
        {
            "line": frame.loc[bad_mask, "_line"].astype("int64").to_numpy(),
            "raw": [",".join(map(str, r)) for r in raw.to_numpy().tolist()],
            "reason": reasons[bad_mask].to_numpy(),
        }
    )
    good = pd.DataFrame(out, index=frame.index)[~bad_mask].assign(
        _line=frame.loc[~bad_mask, "_line"]
    )
    good = _prefixed(good, m)
    key = {"interactions": "interaction_id", "messages": "message_id", "surveys": "survey_id"}[
        m.kind
    ]
    good = good.drop_duplicates(key, keep="last").reset_index(drop=True)  # the later row wins
    return Rows(good, bad)


def _prefixed(good: pd.DataFrame, m: Mapping) -> pd.DataFrame:
    """Source-prefixed ids: the row's own key with the mapping name, links with the link prefix."""
    good = good.copy()
    own = {"interactions": "interaction_id", "messages": "message_id", "surveys": "survey_id"}[
        m.kind
    ]
    good[own] = m.name + ":" + good[own].astype(str)
    if own != "interaction_id" and "interaction_id" in good:
        link = good["interaction_id"]
        good["interaction_id"] = (
            (m.link_prefix + ":" + link.astype("string")).astype(object).where(link.notna(), None)
        )
    return good
