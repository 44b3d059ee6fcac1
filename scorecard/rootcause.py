"""What changed and why: mix/rate attribution of a KPI change, text drivers, drill to the cases."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

import duckdb
import numpy as np
import pandas as pd

from etl.config import Config
from scorecard.catalogue import Kpi, kpi_by_id
from scorecard.data_cases import case_messages
from scorecard.data_rootcause import (
    DIMS,
    customer_messages,
    drill_rows,
    quantile_of,
    row_value,
    segment_values,
)
from scorecard.mixrate import COLUMNS, decompose, finish, ranked
from scorecard.textdrivers import examples, text_drivers

TEXT_LIMIT = 20_000  # customer messages read per period for text drivers (hash sample beyond)
METHODS = {
    "ratio": "segments weighted by their share of the KPI's population",
    "additive": "per-day counts or sums; segments weighted by rows per day",
    "exceedance": "quantile KPI: change in the share of rows above the comparison period's "
                  "value, scaled to the KPI's units",
}


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


def days_between(start: str, end: str, exclude: Sequence[str] = ()) -> int:
    """Calendar days from start to end inclusive, minus the excluded ones inside."""
    s, e = date.fromisoformat(start), date.fromisoformat(end)
    inside = {d for d in exclude if s <= date.fromisoformat(d) <= e}
    return (e - s).days + 1 - len(inside)


def is_additive(kpi: Kpi) -> bool:
    """Counts and plain sums (volume, total cost, savings) add up over segments."""
    v = kpi.value.strip()
    return v == "count(*)" or (v.startswith("sum(") and row_value(kpi) is not None
                               and v == f"sum({row_value(kpi)})")


def method_of(kpi: Kpi) -> str:
    """How the KPI's change is decomposed: ratio, additive or exceedance."""
    return "exceedance" if quantile_of(kpi) else "additive" if is_additive(kpi) else "ratio"


@dataclass(frozen=True)
class Explanation:
    """A KPI change from the comparison period (a) to the period explained (b), by segment."""

    kpi: str
    period: tuple[str, str]
    versus: tuple[str, str]
    value_a: float | None
    value_b: float | None
    total_change: float | None
    method: str
    segments: pd.DataFrame
    text_drivers: pd.DataFrame
    examples: pd.DataFrame
    filters: dict = field(default_factory=dict)

    def top(self, k: int = 3) -> pd.DataFrame:
        """The k segments that pushed the KPI most in the direction of the change."""
        s = self.segments[self.segments["segment"] != "(non-additive remainder)"]
        return s.sort_values("share", ascending=False).head(k)

    def to_frame(self) -> pd.DataFrame:
        """The segment table (ranked by |total_effect|)."""
        return self.segments.copy()

    def to_json(self) -> dict:
        """Everything as plain JSON-able values."""
        def records(f: pd.DataFrame) -> list[dict]:
            return [{k: _plain(v) for k, v in r.items()} for r in f.to_dict("records")]

        return {"kpi": self.kpi, "period": "..".join(self.period), "versus": "..".join(self.versus),
                "filters": self.filters, "value_a": _plain(self.value_a),
                "value_b": _plain(self.value_b), "total_change": _plain(self.total_change),
                "method": self.method, "segments": records(self.segments),
                "text_drivers": records(self.text_drivers), "examples": records(self.examples)}

    def summary(self) -> str:
        """Plain-language account of the change and its top drivers."""
        kpi = kpi_by_id(self.kpi)
        if self.value_a is None or self.value_b is None:
            return f"{kpi.label}: no data to compare for {'..'.join(self.period)} vs {'..'.join(self.versus)}."
        verb = "rose" if (self.total_change or 0) > 0 else "fell" if (self.total_change or 0) < 0 else "held"
        lines = [f"{kpi.label} {verb} from {value_pair(kpi, self.value_a, self.value_b)} "
                 f"({'..'.join(self.versus)} -> {'..'.join(self.period)}; {METHODS[self.method]})."]
        for _, r in self.top(5).iterrows():
            lines.append(f"  {segment_phrase(r['dimension'], r['segment'])}: "
                         f"{_pct(r['share'])} of the change (mix {_num(r['mix_effect'])}, "
                         f"rate {_num(r['rate_effect'])})")
        if not self.text_drivers.empty:
            lines.append("  top terms: " + ", ".join(f"'{t}'" for t in self.text_drivers["term"].head(5)))
        return "\n".join(lines)


def _plain(v):
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return None
    if hasattr(v, "item"):
        v = v.item()
    if isinstance(v, pd.Timestamp):
        return v.isoformat()
    return None if isinstance(v, float) and math.isnan(v) else v


def _pct(v: float) -> str:
    return "n/a" if v is None or pd.isna(v) else f"{100 * v:.0f} %"


def _num(v: float) -> str:
    return "n/a" if v is None or pd.isna(v) else f"{v:+.3g}"


def value_pair(kpi: Kpi, a: float, b: float) -> str:
    """'18 to 95 minutes', '12 % to 30 %', '412 to 1,930': both values in one readable unit."""
    if kpi.unit == "seconds":
        top = max(abs(a), abs(b))
        div, name = ((1, "seconds") if top < 120 else (60, "minutes") if top < 3 * 3600
                     else (3600, "hours") if top < 72 * 3600 else (86400, "days"))
        return f"{a / div:.0f} to {b / div:.0f} {name}" if div == 1 or top / div >= 10 else \
            f"{a / div:.1f} to {b / div:.1f} {name}"
    if kpi.unit == "share":
        return f"{100 * a:.0f} % to {100 * b:.0f} %"
    if kpi.unit == "count":
        return f"{a:,.0f} to {b:,.0f}"
    if kpi.unit == "currency":
        return f"{a:,.2f} to {b:,.2f}"
    if kpi.unit == "points":
        return f"{a:+.0f} to {b:+.0f}"
    return f"{a:.2f} to {b:.2f}"


def segment_phrase(dimension: str, segment: str) -> str:
    """'the outage category', 'agent CGW', 'the 18:00 hour', 'the 15:00-23:00 hours' (a band
    '15-22'), 'brand TelcoCo', 'the social channel'."""
    if dimension == "category":
        return f"the {segment} category"
    if dimension == "channel":
        return f"the {segment} channel"
    if dimension == "agent":
        return f"agent {segment}"
    if dimension == "hour":
        first, _, last = str(segment).partition("-")
        if first.isdigit() and last.isdigit():
            return f"the {int(first):02d}:00-{int(last) + 1:02d}:00 hours"
        return f"the {int(segment):02d}:00 hour" if str(segment).isdigit() else f"hour {segment}"
    if dimension == "brand":
        return f"brand {segment}"
    return str(segment)


Attribution = tuple[float | None, float | None, pd.DataFrame]  # value_a, value_b, segments


def attribution_table(con: duckdb.DuckDBPyConnection, config: Config, kpi: Kpi, by: Sequence[str],
                      a: tuple[str, str], b: tuple[str, str], filters: Mapping[str, Sequence[str]],
                      exclude_a: Sequence[str] = ()) -> Attribution:
    """(value_a, value_b, segments) for the change from window a to window b."""
    return attribution_tables(con, config, [kpi], by, a, b, filters, exclude_a)[kpi.id]


def attribution_tables(con: duckdb.DuckDBPyConnection, config: Config, kpis: Sequence[Kpi],
                       by: Sequence[str], a: tuple[str, str], b: tuple[str, str],
                       filters: Mapping[str, Sequence[str]],
                       exclude_a: Sequence[str] = ()) -> dict[str, Attribution]:
    """attribution_table of several KPIs over the same windows (one query per source, plus one
    for the quantile KPIs' shares above their comparison value)."""
    days_a, days_b = days_between(*a, exclude_a), days_between(*b)
    out: dict[str, Attribution] = {}
    for k in kpis:
        if not k.is_plain:  # e.g. the spread across agents: not a weighted mean of segments
            out[k.id] = (None, None, pd.DataFrame(columns=COLUMNS))
    for source in sorted({k.source for k in kpis if k.is_plain}):
        group = [k for k in kpis if k.source == source and k.is_plain]
        rows = segment_values(con, config, group, by, a, b, filters, exclude_a)
        totals = {k.id: _totals(rows[k.id], method_of(k), days_a, days_b) for k in group}
        quantiles = [k for k in group if method_of(k) == "exceedance" and None not in totals[k.id]]
        if quantiles:
            rows.update(segment_values(con, config, quantiles, by, a, b, filters, exclude_a,
                                       {k.id: totals[k.id][0] for k in quantiles}))
        for k in group:
            va, vb = totals[k.id]
            if va is None or vb is None:
                out[k.id] = (va, vb, pd.DataFrame(columns=COLUMNS))
                continue
            scale = 1.0
            if k in quantiles:
                share_a, share_b = _totals(rows[k.id], "ratio", days_a, days_b)
                moved = (share_b or 0.0) - (share_a or 0.0)
                scale = (vb - va) / moved if abs(moved) > 1e-12 else 0.0
            parts = []
            for dim in by:
                seg_a = [(r[2], r[3], r[4]) for r in rows[k.id] if r[1] == dim and r[0] == "a"]
                seg_b = [(r[2], r[3], r[4]) for r in rows[k.id] if r[1] == dim and r[0] == "b"]
                part = decompose(seg_a, seg_b, method_of(k) == "additive", days_a, days_b)
                parts.append(finish(part, dim, vb - va, scale))
            out[k.id] = (va, vb, ranked(parts))
    return out


def _totals(rows: Sequence[tuple], method: str, days_a: int,
            days_b: int) -> tuple[float | None, float | None]:
    """The KPI over window a and over window b (per day for additive KPIs)."""
    out = []
    for period, days in (("a", days_a), ("b", days_b)):
        row = next((r for r in rows if r[1] == "" and r[0] == period), None)
        if row is None or np.isnan(row[3]) or row[4] == 0:
            out.append(None)
        else:
            out.append(row[3] / days if method == "additive" else row[3])
    return out[0], out[1]


def _check_dims(by: Sequence[str]) -> list[str]:
    by = list(by) or list(DIMS)
    for d in by:
        if d not in DIMS:
            raise ValueError(f"unknown dimension {d!r}; use {', '.join(DIMS)}.")
    return by


def explain_change(con: duckdb.DuckDBPyConnection, config: Config, kpi_id: str, period: str,
                   versus: str, by: Sequence[str] = (),
                   filters: Mapping[str, Sequence[str]] | None = None) -> Explanation:
    """Decompose the KPI change from `versus` (a) to `period` (b) into mix and rate effects per
    segment of each dimension in `by` (default all), with text drivers and example messages."""
    kpi = kpi_by_id(kpi_id)
    if not kpi.is_plain:
        raise ValueError(f"{kpi.id} is a spread across agents, not a sum over segments; explain "
                         "the per-agent KPI behind it (e.g. frt_median_s by agent) instead.")
    b, a = parse_period(period), parse_period(versus)
    by = _check_dims(by)
    filters = {k: [str(x) for x in v] for k, v in (filters or {}).items() if v}
    va, vb, segments = attribution_table(con, config, kpi, by, a, b, filters)
    drivers, ex = text_change(con, config, b, a, filters)
    change = None if va is None or vb is None else vb - va
    return Explanation(kpi.id, b, a, va, vb, change, method_of(kpi), segments, drivers, ex, filters)


def text_change(con: duckdb.DuckDBPyConnection, config: Config, focus: tuple[str, str],
                base: tuple[str, str], filters: Mapping[str, Sequence[str]],
                exclude_base: Sequence[str] = ()) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Text drivers of the focus window's customer messages vs the base window, with examples."""
    msgs = customer_messages(con, config, base, focus, filters, exclude_base, limit=TEXT_LIMIT)
    fm = msgs[msgs["period"] == "b"].drop(columns="period").reset_index(drop=True)
    bm = msgs[msgs["period"] == "a"]
    drivers = text_drivers(list(fm["text"]), list(bm["text"]))
    return drivers, examples(fm, drivers)


def drill_cases(con: duckdb.DuckDBPyConnection, config: Config, kpi_id: str, start: str | None,
                end: str | None, filters: Mapping[str, Sequence[str]] | None = None) -> pd.DataFrame:
    """Exactly the cases behind the KPI value for these dates and filters (survey responses for
    survey KPIs), one row each, with facts, flags and the full transcript; display-tz times."""
    kpi = kpi_by_id(kpi_id)
    for d in (start, end):
        if d:
            parse_period(d)
    filters = {k: [str(x) for x in v] for k, v in (filters or {}).items() if v}
    return drill_rows(con, config, kpi, start, end, filters)


def transcript(con: duckdb.DuckDBPyConnection, config: Config, interaction_id: str) -> pd.DataFrame:
    """[seq, sent_at, author_role, author_id, text, sentiment, asks_private, is_runaround]."""
    return case_messages(con, config, interaction_id)


def window_around(day: str, half: int, lo: str | None, hi: str | None) -> tuple[str, str]:
    """The window day-half..day+half clipped to [lo, hi]."""
    d = date.fromisoformat(day)
    s, e = (d - timedelta(days=half)).isoformat(), (d + timedelta(days=half)).isoformat()
    return (max(s, lo) if lo else s, min(e, hi) if hi else e)
