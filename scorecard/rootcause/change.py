"""What changed and why: mix/rate attribution of a KPI change, text drivers, drill to the cases."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import NamedTuple

import duckdb
import numpy as np
import pandas as pd

from etl.settings.config import Config
from scorecard.cases.data_cases import case_messages
from scorecard.kpis.catalogue import THIN_N, Kpi, kpi_by_id
from scorecard.kpis.comparison import WEEKDAY_NAMES, Comparison, configured_comparison
from scorecard.periods import day_range, parse_period
from scorecard.rootcause.change_text import (  # noqa: F401 (segment_phrase, value_pair: re-exported)
    explanation_lines,
    segment_phrase,
    value_pair,
)
from scorecard.rootcause.data_rootcause import (
    DIMS,
    copy_drill_rows,
    customer_messages,
    drill_rows,
    quantile_of,
    row_value,
    segment_values,
    shares_above_a,
)
from scorecard.rootcause.mixrate import (
    COLUMNS,
    beyond_size,
    decompose,
    finish,
    population_share,
    ranked,
)
from scorecard.rootcause.textdrivers import examples, text_drivers

TEXT_LIMIT = 20_000  # customer messages read per period for text drivers (hash sample beyond)


def days_between(start: str, end: str, exclude: Sequence[str] = ()) -> int:
    """Calendar days from start to end inclusive, minus the excluded ones inside."""
    s, e = date.fromisoformat(start), date.fromisoformat(end)
    inside = {d for d in exclude if s <= date.fromisoformat(d) <= e}
    return (e - s).days + 1 - len(inside)


def is_additive(kpi: Kpi) -> bool:
    """Counts and plain sums (volume, total cost, savings) add up over segments."""
    v = kpi.value.strip()
    return v == "count(*)" or (
        v.startswith("sum(") and row_value(kpi) is not None and v == f"sum({row_value(kpi)})"
    )


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
    n_a: int = 0  # rows (cases, messages, answers) behind value_a
    n_b: int = 0
    exclude: tuple[str, ...] = ()  # days of the comparison window left out (other weekdays)
    versus_label: str = ""  # how the comparison reads: 'the last 4 Saturdays'

    @property
    def thin(self) -> bool:
        """Fewer than THIN_N rows behind either value: the change is mostly noise."""
        return min(self.n_a, self.n_b) < THIN_N

    @property
    def versus_days(self) -> list[str]:
        """The days of the comparison window that count (all of them unless some are excluded)."""
        return list(Comparison(self.versus, self.exclude, self.versus_label).days)

    def top(self, k: int = 3) -> pd.DataFrame:
        """The k segments that drove the change most beyond their size (share of the change
        minus share of the comparison period's population), as anomalies rank them."""
        return beyond_size(self.segments).head(k)

    def warnings(self) -> list[str]:
        """Plain warnings: thin data, a material part of the change no segment explains."""
        return explanation_lines(self, kpi_by_id(self.kpi))[1]

    def to_frame(self) -> pd.DataFrame:
        """The segment table (ranked by |total_effect|)."""
        return self.segments.copy()

    def to_json(self) -> dict:
        """Everything as plain JSON-able values."""

        def records(f: pd.DataFrame) -> list[dict]:
            return [{k: _plain(v) for k, v in r.items()} for r in f.to_dict("records")]

        return {
            "kpi": self.kpi,
            "period": "..".join(self.period),
            "versus": "..".join(self.versus),
            "versus_days": self.versus_days,
            "versus_label": self.versus_label,
            "filters": self.filters,
            "value_a": _plain(self.value_a),
            "value_b": _plain(self.value_b),
            "total_change": _plain(self.total_change),
            "n_a": self.n_a,
            "n_b": self.n_b,
            "thin": self.thin,
            "warnings": self.warnings(),
            "method": self.method,
            "segments": records(self.segments),
            "text_drivers": records(self.text_drivers),
            "examples": records(self.examples),
        }

    def summary(self) -> str:
        """Plain-language account of the change, its warnings and the segments that drove it."""
        return "\n".join(explanation_lines(self, kpi_by_id(self.kpi))[0])


def _plain(v):
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return None
    if hasattr(v, "item"):
        v = v.item()
    if isinstance(v, pd.Timestamp):
        return v.isoformat()
    return None if isinstance(v, float) and math.isnan(v) else v


class Attribution(NamedTuple):
    """The KPI over windows a and b, its segment table and the rows behind each value."""

    value_a: float | None
    value_b: float | None
    segments: pd.DataFrame
    n_a: int = 0
    n_b: int = 0


def attribution_table(
    con: duckdb.DuckDBPyConnection,
    config: Config,
    kpi: Kpi,
    by: Sequence[str],
    a: tuple[str, str],
    b: tuple[str, str],
    filters: Mapping[str, Sequence[str]],
    exclude_a: Sequence[str] = (),
) -> Attribution:
    """(value_a, value_b, segments, n_a, n_b) for the change from window a to window b."""
    return attribution_tables(con, config, [kpi], by, a, b, filters, exclude_a)[kpi.id]


def attribution_tables(
    con: duckdb.DuckDBPyConnection,
    config: Config,
    kpis: Sequence[Kpi],
    by: Sequence[str],
    a: tuple[str, str],
    b: tuple[str, str],
    filters: Mapping[str, Sequence[str]],
    exclude_a: Sequence[str] = (),
) -> dict[str, Attribution]:
    """attribution_table of several KPIs over the same windows (one query per source, plus one
    for the quantile KPIs' shares above their comparison value)."""
    days_a, days_b = days_between(*a, exclude_a), days_between(*b)
    out: dict[str, Attribution] = {}
    for k in kpis:
        if not k.is_plain:  # e.g. the spread across agents: not a weighted mean of segments
            out[k.id] = Attribution(None, None, pd.DataFrame(columns=COLUMNS))
    for source in sorted({k.source for k in kpis if k.is_plain}):
        group = [k for k in kpis if k.source == source and k.is_plain]
        # a quantile KPI is attributed by its shares above window a's value: the two windows'
        # values and those shares per segment from one read (shares_above_a)
        exceed = [k for k in group if method_of(k) == "exceedance"]
        rest = [k for k in group if k not in exceed]
        rows = segment_values(con, config, rest, by, a, b, filters, exclude_a) if rest else {}
        shares: dict[str, list] = {}
        if exceed:
            values, shares = shares_above_a(con, config, exceed, by, a, b, filters, exclude_a)
            rows.update(values)
        totals = {k.id: _totals(rows[k.id], method_of(k), days_a, days_b) for k in group}
        quantiles = [k for k in group if method_of(k) == "exceedance" and None not in totals[k.id]]
        rows.update({k.id: shares[k.id] for k in quantiles})
        for k in group:
            va, vb = totals[k.id]
            ns = _ns(rows[k.id])
            if va is None or vb is None:
                out[k.id] = Attribution(va, vb, pd.DataFrame(columns=COLUMNS), *ns)
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
            out[k.id] = Attribution(va, vb, ranked(parts), *ns)
    return out


def _ns(rows: Sequence[tuple]) -> tuple[int, int]:
    """The rows behind the KPI in window a and in window b (its n)."""
    return tuple(next((int(r[4]) for r in rows if r[1] == "" and r[0] == p), 0) for p in ("a", "b"))


def _totals(
    rows: Sequence[tuple], method: str, days_a: int, days_b: int
) -> tuple[float | None, float | None]:
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


def explain_change(
    con: duckdb.DuckDBPyConnection,
    config: Config,
    kpi_id: str,
    period: str,
    versus: str | None = None,
    by: Sequence[str] = (),
    filters: Mapping[str, Sequence[str]] | None = None,
    same_weekday: bool | None = None,
) -> Explanation:
    """Decompose the KPI change from `versus` (a) to `period` (b) into mix and rate effects per
    segment of each dimension in `by` (default all), with text drivers and example messages
    (messages of the top terms first, topped up with the period's first messages).
    Without `versus`, the configured comparison ([compare]: the last 4 same weekdays); with
    `same_weekday`, only the days of `versus` on the period's weekdays count."""
    kpi = kpi_by_id(kpi_id)
    if not kpi.is_plain:
        raise ValueError(
            f"{kpi.id} is a spread across agents, not a sum over segments; explain "
            "the per-agent KPI behind it (e.g. frt_median_s by agent) instead."
        )
    b = parse_period(period)
    if versus:
        a, exclude, label = parse_period(versus), (), ""
        if same_weekday:
            wanted = {date.fromisoformat(d).weekday() for d in Comparison(b, (), "").days}
            exclude = tuple(
                d
                for d in Comparison(a, (), "").days
                if date.fromisoformat(d).weekday() not in wanted
            )
            names = dict.fromkeys(
                WEEKDAY_NAMES[date.fromisoformat(d).weekday()] for d in Comparison(b, (), "").days
            )
            label = "the " + ", ".join(names)
    else:
        a, exclude, label = configured_comparison(*b, config)
    if len(exclude) >= days_between(*a):
        raise ValueError(
            f"the comparison period {'..'.join(a)} holds none of the weekdays of "
            f"{'..'.join(b)}; pick a longer one."
        )
    by = _check_dims(by)
    filters = {k: [str(x) for x in v] for k, v in (filters or {}).items() if v}
    t = attribution_table(con, config, kpi, by, a, b, filters, exclude)
    segments = t.segments.assign(
        excess=t.segments["share"].astype(float) - population_share(t.segments)
    )
    drivers, ex = text_change(con, config, b, a, filters, exclude, fill=True)  # never an empty card
    change = None if t.value_a is None or t.value_b is None else t.value_b - t.value_a
    return Explanation(
        kpi.id,
        b,
        a,
        t.value_a,
        t.value_b,
        change,
        method_of(kpi),
        segments,
        drivers,
        ex,
        filters,
        t.n_a,
        t.n_b,
        tuple(exclude),
        label,
    )


def text_change(
    con: duckdb.DuckDBPyConnection,
    config: Config,
    focus: tuple[str, str],
    base: tuple[str, str],
    filters: Mapping[str, Sequence[str]],
    exclude_base: Sequence[str] = (),
    limit: int = 5,
    fill: bool = False,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Text drivers of the focus window's customer messages vs the base window, with up to
    `limit` examples (with `fill`, topped up from the window's other cases)."""
    msgs = customer_messages(con, config, base, focus, filters, exclude_base, limit=TEXT_LIMIT)
    fm = msgs[msgs["period"] == "b"].drop(columns="period").reset_index(drop=True)
    bm = msgs[msgs["period"] == "a"]
    drivers = text_drivers(list(fm["text"]), list(bm["text"]))
    return drivers, examples(fm, drivers, limit, fill=fill)


def _drill_args(
    kpi_id: str, start: str | None, end: str | None, filters: Mapping[str, Sequence[str]] | None
) -> tuple[Kpi, str | None, str | None, dict]:
    """The KPI, checked day range and non-empty filters of a drill."""
    kpi = kpi_by_id(kpi_id)
    start, end = day_range(start, end)
    return kpi, start, end, {k: [str(x) for x in v] for k, v in (filters or {}).items() if v}


def drill_cases(
    con: duckdb.DuckDBPyConnection,
    config: Config,
    kpi_id: str,
    start: str | None,
    end: str | None,
    filters: Mapping[str, Sequence[str]] | None = None,
) -> pd.DataFrame:
    """Exactly the cases behind the KPI value for these dates and filters (survey responses for
    survey KPIs), one row each, with facts, flags and the full transcript; display-tz times."""
    return drill_rows(con, config, *_drill_args(kpi_id, start, end, filters))


def write_drill(
    con: duckdb.DuckDBPyConnection,
    config: Config,
    kpi_id: str,
    start: str | None,
    end: str | None,
    filters: Mapping[str, Sequence[str]] | None,
    fmt: str,
    out: str,
) -> int:
    """drill_cases' rows streamed into a CSV or Parquet file at `out` (memory bounded whatever
    the row count); the rows written."""
    return copy_drill_rows(con, config, *_drill_args(kpi_id, start, end, filters), fmt, out)


def transcript(con: duckdb.DuckDBPyConnection, config: Config, interaction_id: str) -> pd.DataFrame:
    """[seq, sent_at, author_role, author_id, text, sentiment, asks_private, is_runaround]."""
    return case_messages(con, config, interaction_id)


def window_around(day: str, half: int, lo: str | None, hi: str | None) -> tuple[str, str]:
    """The window day-half..day+half clipped to [lo, hi]."""
    d = date.fromisoformat(day)
    s, e = (d - timedelta(days=half)).isoformat(), (d + timedelta(days=half)).isoformat()
    return (max(s, lo) if lo else s, min(e, hi) if hi else e)
