"""Anomalies in the daily KPI series (overall, per brand, per channel, per brand and channel),
each attributed by a mix/rate decomposition against its baseline window, with text drivers and
a plain-language summary. The baseline model is in scorecard/baseline.py."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

import duckdb
import numpy as np
import pandas as pd

from etl.config import Config
from scorecard.anomaly_scan import (
    HALF_WINDOW,
    MIN_DAYS,
    MIN_N,
    SLICE_DIMS,
    ThinSlice,
    daily_test,
    kind_of,
    most_specific,
    scan,
    slice_data,
    unsettled,
)
from scorecard.catalogue import Kpi, catalogue, kpi_by_id
from scorecard.data import effective_range
from scorecard.data_anomalies import settle_days
from scorecard.data_rootcause import DIMS, quantile_of
from scorecard.rootcause import (
    attribution_tables,
    segment_phrase,
    text_change,
    value_pair,
    window_around,
)

JSON_KEYS = ("date", "kpi", "slice", "observed", "expected", "z", "direction", "attribution",
             "summary")


@dataclass(frozen=True)
class Anomaly:
    """One KPI on one day in one slice, far from its seasonal baseline."""

    date: str
    kpi: str
    slice: dict
    observed: float
    expected: float
    z: float
    direction: str  # up | down
    attribution: list = field(default_factory=list)  # [{"dimension", "segment", "share"}]
    summary: str = ""
    n: int = 0
    window: int = 1  # 1: the day `date`; 7: the rolling week ending on `date`

    def to_json(self) -> dict:
        """The JSON object of the CLI contract."""
        return {k: getattr(self, k) for k in JSON_KEYS}


@dataclass(frozen=True)
class AnomalyResult:
    """The anomalies found, the thin series skipped and how much was tested."""

    start: str | None
    end: str | None
    sensitivity: float
    anomalies: tuple[Anomaly, ...]
    thin: tuple[ThinSlice, ...] = ()
    series_tested: int = 0
    days_tested: int = 0
    settle_days: int = 0  # the last days not tested for outcome KPIs (cases still open)

    def to_json(self) -> dict:
        """{"anomalies": [...]} exactly as the CLI contract says."""
        return {"anomalies": [a.to_json() for a in self.anomalies]}

    def to_frame(self) -> pd.DataFrame:
        """One row per anomaly (slice as 'dim=value, ...', attribution as its first entry)."""
        rows = [{**{k: getattr(a, k) for k in JSON_KEYS}, "n": a.n,
                 "slice": ", ".join(f"{k}={v}" for k, v in a.slice.items()) or "all",
                 "attribution": "; ".join(f"{x['dimension']}={x['segment']} ({x['share']:.0%})"
                                          for x in a.attribution)} for a in self.anomalies]
        return pd.DataFrame(rows, columns=[*JSON_KEYS, "n"])

    def thin_frame(self) -> pd.DataFrame:
        """The series flagged thin instead of tested."""
        return pd.DataFrame([{"kpi": t.kpi, "slice": ", ".join(f"{k}={v}" for k, v in t.slice.items()) or "all",
                              "usable_days": t.usable_days, "median_n": t.median_n} for t in self.thin],
                            columns=["kpi", "slice", "usable_days", "median_n"])

    def summary(self) -> str:
        """One line per anomaly, then what was tested and what was too thin."""
        lines = [f"{a.date} z={a.z:+.1f} {a.summary}" for a in self.anomalies]
        lines.append(f"{len(self.anomalies)} anomalies at |z| >= {self.sensitivity:g} in "
                     f"{self.series_tested} series ({self.days_tested} series-days tested), "
                     f"{self.start}..{self.end}.")
        if self.settle_days:
            lines.append(f"The last {self.settle_days} days are not tested for outcome KPIs: "
                         "their cases have not settled yet.")
        if self.thin:
            few = ", ".join(f"{t.kpi} [{', '.join(f'{k}={v}' for k, v in t.slice.items()) or 'all'}]"
                            for t in self.thin[:5])
            lines.append(f"{len(self.thin)} thin series flagged, not tested (fewer than {MIN_DAYS} "
                         f"days, and no 7-day pool, with n >= {MIN_N}): {few}"
                         f"{' ...' if len(self.thin) > 5 else ''}.")
        return "\n".join(lines)


def slice_phrase(slice_: Mapping[str, str]) -> str:
    """' on social for TelcoCo' (channel, then brand), '' for the whole business."""
    out = f" on {slice_['channel']}" if "channel" in slice_ else ""
    return out + (f" for {slice_['brand']}" if "brand" in slice_ else "")


def _baseline_weight(segments: pd.DataFrame) -> pd.Series:
    """Each segment's share of its dimension's population in the comparison window."""
    total = segments.groupby("dimension")["weight_a"].transform("sum")
    return (segments["weight_a"] / total.where(total > 0)).fillna(0.0)


def hour_band(hours: pd.DataFrame) -> dict | None:
    """The run of consecutive hours of day that concentrates the change most (largest sum of
    share minus baseline weight), as one segment 'first-last' (e.g. '15-22'): a shift's problem
    spreads over its hours, and no single hour carries much of it."""
    h = hours[hours["segment"].astype(str).str.isdigit()].copy()
    if h.empty:
        return None
    h = h.assign(hour=h["segment"].astype(int)).sort_values("hour")
    excess, share, hour = (h[c].to_numpy(dtype=float) for c in ("excess", "share", "hour"))
    best, run, start, span = -np.inf, 0.0, 0, (0, 0)
    for i, e in enumerate(excess):  # maximum-sum run (Kadane)
        if run <= 0:
            run, start = 0.0, i
        run += e
        if run > best:
            best, span = run, (start, i)
    a, b = span
    label = str(int(hour[a])) if a == b else f"{int(hour[a])}-{int(hour[b])}"
    return {"dimension": "hour", "segment": label, "share": float(share[a:b + 1].sum()),
            "excess": float(best)}


def attribution_of(segments: pd.DataFrame, k: int = 3) -> list[dict]:
    """The segment of each dimension that drove the change most, best first (at most k): ranked
    by how far its share of the change exceeds its share of the comparison window's population
    (a large segment taking its proportional part of a change drove nothing); hours of day as
    their most concentrated run of consecutive hours. A dimension with a single segment (e.g. no
    agent recorded on e-mail) explains nothing."""
    real = segments[segments["segment"] != "(non-additive remainder)"]
    real = real[real.groupby("dimension")["segment"].transform("size") > 1]
    real = real.assign(excess=real["share"] - _baseline_weight(real))
    best = []
    for dim, rows in real.groupby("dimension", sort=False):
        top = hour_band(rows) if dim == "hour" else None
        if top is None:
            rows = rows[rows["share"] > 0].sort_values("excess", ascending=False)
            if rows.empty:
                continue
            r = rows.iloc[0]
            top = {"dimension": dim, "segment": str(r["segment"]), "share": float(r["share"]),
                   "excess": float(r["excess"])}
        if top["share"] > 0:
            best.append(top)
    best.sort(key=lambda x: -x["excess"])
    return [{"dimension": x["dimension"], "segment": x["segment"], "share": round(x["share"], 3)}
            for x in best[:k]]


def anomaly_summary(kpi: Kpi, f: dict, attribution: list[dict], terms: Sequence[str]) -> str:
    """'First response (median) on social for TelcoCo rose from 18 to 95 minutes on 2024-03-12;
    80 % of the change came from the outage category; top terms: 'outage', 'no signal'.'"""
    verb = "rose" if f["z"] > 0 else "fell"
    when = f"on {f['date']}" if f.get("window", 1) == 1 else f"in the {f['window']} days to {f['date']}"
    per_day = " a day" if f.get("window", 1) > 1 and kind_of(kpi) in ("count", "sum") else ""
    text = (f"{kpi.label}{slice_phrase(f['slice'])} {verb} from "
            f"{value_pair(kpi, f['expected'], f['observed'])}{per_day} {when}")
    if attribution:
        top = attribution[0]
        text += (f"; {100 * min(top['share'], 1.0):.0f} % of the change came from "
                 f"{segment_phrase(top['dimension'], top['segment'])}")
    if terms:
        text += "; top terms: " + ", ".join(f"'{t}'" for t in terms[:3])
    return text + "."


def daily_baseline(con: duckdb.DuckDBPyConnection, config: Config, kpi_id: str, start: str | None,
                   end: str | None, filters: Mapping[str, Sequence[str]] | None = None,
                   sensitivity: float = 3.5) -> pd.DataFrame:
    """[date, observed, expected, lower, upper, n, is_anomaly] of one KPI's daily series."""
    kpi = kpi_by_id(kpi_id)
    start, end = effective_range(con, config, start, end)
    cols = ["date", "observed", "expected", "lower", "upper", "n", "is_anomaly"]
    if not (start and end):
        return pd.DataFrame(columns=cols)
    filters = {k: list(v) for k, v in (filters or {}).items() if v}
    dates = pd.date_range(start, end, freq="D")
    data = slice_data(con, config, [kpi], start, end, (), filters)
    additive = kind_of(kpi) in ("count", "sum")
    empty = (np.full(len(dates), 0.0 if additive else np.nan), np.zeros(len(dates)))
    y, n = data.values.get((kpi.id,), empty)
    ex = data.exceed.get((kpi.id,), empty) if quantile_of(kpi) else None
    b = daily_test(kpi, dates, y, n, ex, data.variance.get((kpi.id,)), sensitivity)
    b.loc[unsettled(kpi, dates, settled_to(con, config)), "z"] = np.nan
    out = b.assign(date=[d.date().isoformat() for d in dates], n=b["n"].astype("int64"),
                   is_anomaly=b["z"].abs() >= sensitivity)
    return out[cols]


def settled_to(con: duckdb.DuckDBPyConnection, config: Config) -> str | None:
    """The last day whose cases have settled: the data's last day minus the settling time."""
    last = effective_range(con, config, None, None)[1]
    if last is None:
        return None
    return (date.fromisoformat(last) - timedelta(days=settle_days(con))).isoformat()


def _explained(con: duckdb.DuckDBPyConnection, config: Config, group: list[dict], start: str,
               end: str, exclude: Sequence[str]) -> list[Anomaly]:
    """The anomalies of the flags of one slice and window (one query per KPI source): each
    attributed against the surrounding baseline window minus `exclude` and the flagged window,
    with the terms of that window's customer messages and a summary."""
    f0 = group[0]
    filters = {k: [v] for k, v in f0["slice"].items()}
    last = date.fromisoformat(f0["date"])
    first = (last - timedelta(days=f0["window"] - 1)).isoformat()
    focus = [(last - timedelta(days=i)).isoformat() for i in range(f0["window"])]
    lo, _ = window_around(first, HALF_WINDOW, start, end)
    _, hi = window_around(f0["date"], HALF_WINDOW, start, end)
    free = [d for d in DIMS if d not in f0["slice"]]
    tables = attribution_tables(con, config, [kpi_by_id(f["kpi"]) for f in group], free,
                                (lo, hi), (first, f0["date"]), filters,
                                sorted(set(exclude) | set(focus)))
    drivers, _ = text_change(con, config, (first, f0["date"]), (lo, hi), filters, focus)
    terms = list(drivers["term"])
    out = []
    for f in group:
        kpi = kpi_by_id(f["kpi"])
        va, vb, segments = tables[kpi.id]
        if f["window"] > 1 and va is not None and vb is not None:
            f = {**f, "expected": va, "observed": vb}  # the KPI over the week and its baseline
        attribution = attribution_of(segments)
        out.append(Anomaly(f["date"], kpi.id, dict(f["slice"]), f["observed"], f["expected"],
                           round(f["z"], 2), "up" if f["z"] > 0 else "down", attribution,
                           anomaly_summary(kpi, f, attribution, terms), f["n"], f["window"]))
    return out


def find_anomalies(con: duckdb.DuckDBPyConnection, config: Config, start: str | None = None,
                   end: str | None = None, kpi_ids: Sequence[str] | None = None,
                   sensitivity: float = 3.5) -> AnomalyResult:
    """Anomalies of every daily KPI series (overall, per brand, channel, brand x channel; day by
    day, and in rolling weeks where a series is too thin for that), each with its mix/rate
    attribution, text drivers and a plain-language summary."""
    if sensitivity <= 0:
        raise ValueError("sensitivity must be a positive z threshold, e.g. 3.5.")
    kpis = [kpi_by_id(i) for i in kpi_ids] if kpi_ids else list(catalogue())
    start, end = effective_range(con, config, start, end)
    if not (start and end):
        return AnomalyResult(start, end, sensitivity, ())
    settle = settle_days(con)
    flagged, thin, n_series, n_days = scan(con, config, kpis, start, end, sensitivity,
                                           settled_to(con, config))
    unusual: dict[tuple, set[str]] = {}  # days flagged in a slice: not part of its baselines
    for f in flagged:
        if f["window"] == 1:
            unusual.setdefault(tuple(f["slice"].items()), set()).add(f["date"])
    groups: dict[tuple, list[dict]] = {}
    for f in most_specific(flagged):
        groups.setdefault((tuple(f["slice"].items()), f["date"], f["window"]), []).append(f)
    out = []
    for (slice_key, _, _), group in groups.items():
        out += _explained(con, config, group, start, end, sorted(unusual.get(slice_key, ())))
    out.sort(key=lambda a: (a.date, a.kpi, a.window, len(a.slice), sorted(a.slice.items())))
    return AnomalyResult(start, end, sensitivity, tuple(out), tuple(thin), n_series, n_days,
                         settle)


__all__ = ["SLICE_DIMS", "Anomaly", "AnomalyResult", "ThinSlice", "daily_baseline",
           "find_anomalies", "kind_of", "most_specific"]
