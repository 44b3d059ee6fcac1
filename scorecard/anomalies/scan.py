"""Scanning every KPI series for anomalies: daily tests, rolling 7-day tests, de-duplication.

Each series (one KPI in one slice) is tested day by day against its weekly-seasonal baseline;
a series too thin for that (fewer than MIN_DAYS testable days) is tested on its rolling 7-day
pools instead, so that a sustained shift in a thin slice is still seen (scorecard/anomalies/baseline.py,
scorecard/anomalies/baseline_weekly.py). A share (or a quantile, through its exceedance share) tested day
by day is tested on its rolling weeks as well, at a stricter threshold: a week-long shift too
small for any one day, such as a run-around agent's lower resolution rate. A flag is a plain dict: kpi, slice, date, window (1 or 7
days), observed, expected, z, n.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd
from scipy import stats

from etl.settings.config import Config
from scorecard.anomalies import data_anomalies
from scorecard.anomalies.baseline import MIN_COUNT, seasonal_arrays
from scorecard.anomalies.baseline_weekly import rolling_arrays
from scorecard.anomalies.coverage import SURVEYS, Coverage
from scorecard.anomalies.data_anomalies import (
    daily_exceedance_sets,
    day_chunks,
    row_variance_reads,
)
from scorecard.kpis.catalogue import Kpi, kpi_by_id
from scorecard.kpis.data import kpi_frame, plain_frame_sets
from scorecard.kpis.data_agg import fast_usable
from scorecard.kpis.data_spread import has_agent_model, spread_model_sets, spread_usable
from scorecard.kpis.data_values import stored_measures, values_usable
from scorecard.rootcause.change import method_of
from scorecard.rootcause.data_rootcause import quantile_of, split_call

SLICE_DIMS = ((), ("brand",), ("channel",), ("brand", "channel"))
HALF_WINDOW = 14  # days each side: the baseline window of the model and of the attribution
MIN_N = 20  # a day (or a 7-day pool) with fewer rows than this is thin: not used, not tested
# (counts excepted: their exact Poisson tail is tested wherever MIN_COUNT rows are expected)
MIN_DAYS = 14  # a series needs this many usable days to be tested day by day
# A share tested day by day is also tested on its rolling weeks, at |z| >= sensitivity + this:
# those tests come on top of the daily ones, and overlapping weeks measure their spread poorly
# (measured on incident-free generated data: +0-1 alarm per 90 days in all 30 KPIs at 1.0).
DAILY_WEEK_MARGIN = 1.0
WEEK = 7
# Days per read of the daily KPI values by brand and channel of a scan longer than CHUNK_DAYS
# (measured at 10M interactions over a year: peak RSS 1.63 GB in parts of 92 days, about 1.2 GB
# in parts of 31, for about 1 CPU s more); a coarser slicing is read in parts of CHUNK_DAYS
# (fifth round: 0.2-0.3 CPU s less per 92 days and slicing than three parts of 31)
SERIES_PART_DAYS = 31


def series_parts(start: str, end: str, by: Sequence[str]) -> list[tuple[str, str]]:
    """The day ranges slice_data reads a slicing's daily KPI values in: one for a range of at
    most CHUNK_DAYS; else parts of SERIES_PART_DAYS by two dimensions or more (the value bins of
    the time KPIs by brand and channel are the memory peak of a scan), of CHUNK_DAYS otherwise.
    A day's value depends on that day's rows only: the parts give the same values."""
    long = len(pd.date_range(start, end, freq="D")) > data_anomalies.CHUNK_DAYS
    return day_chunks(start, end, SERIES_PART_DAYS if long and len(by) > 1 else None)  # type: ignore[return-value]


@dataclass(frozen=True)
class ThinSlice:
    """A KPI series too thin to test (fewer than MIN_DAYS days with at least MIN_N rows, and no
    7-day pool with a baseline either): flagged, never alarmed."""

    kpi: str
    slice: dict
    usable_days: int
    median_n: float


def kind_of(kpi: Kpi) -> str:
    """The noise model of a KPI's daily series: count, proportion, mean or sum."""
    if kpi.value.strip() == "count(*)":
        return "count"
    if method_of(kpi) == "additive":
        return "sum"
    if kpi.unit == "share" and split_call(kpi.value, "avg") is not None:
        return "proportion"  # one average of a 0/1 expression (not e.g. pos - 5 x neg)
    return "mean"


def multiplicative(kpi: Kpi) -> bool:
    """Durations and spreads (ratios of quantiles) move by factors: modelled on a log scale."""
    return kpi.unit in ("seconds", "rate") or kpi.kind == "agent_spread"


def series_arrays(
    frame: pd.DataFrame, keys: Sequence[str], dates: pd.DatetimeIndex, count: bool = False
) -> dict[tuple, tuple[np.ndarray, np.ndarray]]:
    """Per key: (value, n) per day of the full range; a missing day has no value and n 0
    (a count has value 0 on a missing day)."""
    if frame.empty:
        return {}
    day = (pd.to_datetime(frame["period"], format="%Y-%m-%d") - dates[0]).dt.days.to_numpy()
    values, ns = frame["value"].to_numpy(dtype=float), frame["n"].to_numpy(dtype=float)
    out = {}
    for key, idx in frame.groupby(list(keys), dropna=False, sort=True).indices.items():
        key = key if isinstance(key, tuple) else (key,)
        idx = idx[(day[idx] >= 0) & (day[idx] < len(dates))]
        y, n = np.full(len(dates), 0.0 if count else np.nan), np.zeros(len(dates))
        y[day[idx]], n[day[idx]] = values[idx], ns[idx]
        out[key] = (np.nan_to_num(y) if count else y, n)
    return out


@dataclass(frozen=True)
class SeriesData:
    """Everything the tests of one slicing need: values, exceedance shares, row variances."""

    values: dict
    exceed: dict
    variance: dict


@dataclass(frozen=True)
class Noise:
    """What noise_data reads for one slicing: exceedance shares and row variances as series
    arrays, and the daily values of the KPIs read for all slicings at once (`read`: kpi_frame's
    [period, *by, kpi, value, n] of cases per agent-hour, from its cluster read, and of the
    KPIs of shared_reads)."""

    exceed: dict
    variance: dict
    read: pd.DataFrame


def noise_data(
    con: duckdb.DuckDBPyConnection,
    config: Config,
    kpis: Sequence[Kpi],
    start: str,
    end: str,
    slicings: Sequence[tuple[str, ...]],
    filters: dict | None = None,
) -> dict[tuple[str, ...], Noise]:
    """Per slicing (Noise): exceedance shares of the quantile KPIs, row variances of the
    average and sum KPIs, as series arrays, and the daily values of a cluster KPI (cases per
    agent-hour) from the read of its variance; all slicings in one query (GROUPING SETS), one
    query per quantile KPI, one for the averages and sums of each source and one per cluster
    KPI."""
    dates = pd.date_range(start, end, freq="D")
    exceed: dict[tuple[str, ...], dict] = {tuple(by): {} for by in slicings}
    variance: dict[tuple[str, ...], dict] = {tuple(by): {} for by in slicings}
    for k in kpis:
        if quantile_of(k):
            frames = daily_exceedance_sets(con, config, k, slicings, start, end, filters or {})
            for by, ex in frames.items():
                exceed[by].update(series_arrays(ex.assign(kpi=k.id), ["kpi", *by], dates))
    spread = [k for k in kpis if not quantile_of(k) and kind_of(k) in ("mean", "sum")]
    groups, values = row_variance_reads(con, config, spread, slicings, start, end, filters or {})
    for k in spread:
        for by, var in groups[k.id].items():
            arrays = series_arrays(var.assign(kpi=k.id), ["kpi", *by], dates)
            variance[by].update({key: v for key, (v, _) in arrays.items()})
    shared = shared_reads(con, config, kpis, start, end, slicings, filters or {})
    out = {}
    for by in map(tuple, slicings):
        read = [values[i][by].assign(kpi=i) for i in values] + shared[by]
        read = [f for f in read if not f.empty]
        frame = pd.concat(read, ignore_index=True) if read else pd.DataFrame()
        out[by] = Noise(exceed[by], variance[by], frame)
    return out


def order_free(kpi: Kpi) -> bool:
    """Whether a KPI's value is the same whatever the order its rows are added in: a count, or
    a share (an average of rows of 0 or 1: sums of small whole numbers are exact), with a
    count as n. A sum of costs is not: its last digits depend on the order."""
    counted = split_call(kpi.value, "count") is not None
    share = kpi.unit == "share" and split_call(kpi.value, "avg") is not None
    return (counted or share) and split_call(kpi.n, "count") is not None


def shared_reads(
    con: duckdb.DuckDBPyConnection,
    config: Config,
    kpis: Sequence[Kpi],
    start: str,
    end: str,
    slicings: Sequence[tuple[str, ...]],
    filters: dict,
) -> dict[tuple[str, ...], list[pd.DataFrame]]:
    """Per slicing, kpi_frame's daily frames of the KPIs it reads from the fact rows (counts and
    shares: order_free, plain_frame_sets) or the agent spread from the agent model
    (spread_model_sets) in every slicing and part of the range: every slicing from one read per
    part (GROUPING SETS) instead of one read per slicing. The same rows and values; read in the
    parts of the finest slicing (series_parts), each KPI checked in every slicing's parts."""
    parts = series_parts(start, end, max(slicings, key=len))
    checked = {r for by in slicings for r in [*parts, *series_parts(start, end, by)]}
    measures = stored_measures(con, config)

    def exact(k: Kpi) -> bool:  # read from the fact rows or the agent model, never a model
        return all(
            not fast_usable(k, config, "day", by, filters, lo, hi)
            and not values_usable(k, config, measures, "day", by, filters, lo, hi)
            for by in slicings
            for lo, hi in checked
        )

    plain: dict[str, list[Kpi]] = {}
    for k in kpis:
        if k.is_plain and k.source in ("cases", "surveys", "messages") and order_free(k):
            if exact(k):
                plain.setdefault(k.source, []).append(k)
    agent_model = has_agent_model(con)
    spread = [
        k
        for k in kpis
        if k.kind == "agent_spread"
        and agent_model
        and exact(k)
        and all(
            spread_usable(k, config, "day", by, filters, lo, hi)
            for by in slicings
            for lo, hi in checked
        )
    ]
    out: dict[tuple[str, ...], list[pd.DataFrame]] = {tuple(by): [] for by in slicings}
    for lo, hi in parts:
        sets = [
            plain_frame_sets(con, config, source, group, "day", slicings, lo, hi, filters)
            for source, group in plain.items()
        ] + [spread_model_sets(con, config, k, "day", slicings, lo, hi, filters) for k in spread]
        for frames in sets:
            for by, frame in frames.items():
                out[by].append(frame)
    return out


def slice_data(
    con: duckdb.DuckDBPyConnection,
    config: Config,
    kpis: Sequence[Kpi],
    start: str,
    end: str,
    by: Sequence[str],
    filters: dict | None = None,
    noise: Noise | None = None,
) -> SeriesData:
    """Daily series of every KPI for every slice of `by` (one query per source), with the
    exceedance shares and row variances of their noise (`noise`, from noise_data, else read
    here); the KPIs whose daily values the noise read holds (Noise.read) are not read again."""
    dates = pd.date_range(start, end, freq="D")
    keys = ["kpi", *by]
    if noise is None:
        noise = noise_data(con, config, kpis, start, end, [tuple(by)], filters)[tuple(by)]
    given = set(noise.read["kpi"]) if not noise.read.empty else set()
    rest = [k for k in kpis if k.id not in given]
    # a long range in parts (series_parts): the same daily values
    frames = [
        kpi_frame(con, config, rest, "day", list(by), lo, hi, filters or {})
        for lo, hi in (series_parts(start, end, by) if rest else [])
    ] + [noise.read]
    full = [f for f in frames if not f.empty]
    frame = pd.concat(full, ignore_index=True) if len(full) > 1 else (full or frames)[0]
    values = series_arrays(frame, keys, dates)
    counts = {k.id for k in kpis if kind_of(k) in ("count", "sum")}
    for key, (y, n) in values.items():  # a count or a sum is 0 on a day without rows
        if key[0] in counts:
            values[key] = (np.nan_to_num(y), n)
    return SeriesData(values, noise.exceed, noise.variance)


def daily_test(
    kpi: Kpi,
    dates: pd.DatetimeIndex,
    y: np.ndarray,
    n: np.ndarray,
    exceed: tuple | None,
    row_var: np.ndarray | None,
    sensitivity: float,
) -> pd.DataFrame:
    """The seasonal baseline of one KPI series (durations on the log scale). A quantile KPI is
    tested through the daily share of rows above its overall quantile (a proportion with
    binomial noise, robust to the heavy tails of daily medians and p90s); its band and
    expected value still come from the quantile's own baseline."""
    return pd.DataFrame(daily_arrays(kpi, dates, y, n, exceed, row_var, sensitivity))


def daily_arrays(
    kpi: Kpi,
    dates: pd.DatetimeIndex,
    y: np.ndarray,
    n: np.ndarray,
    exceed: tuple | None,
    row_var: np.ndarray | None,
    sensitivity: float,
) -> dict[str, np.ndarray]:
    """daily_test's columns as arrays."""
    kind = kind_of(kpi)
    b = seasonal_arrays(
        dates,
        y,
        n,
        kind,
        MIN_N,
        HALF_WINDOW,
        MIN_DAYS,
        log=multiplicative(kpi),
        sensitivity=sensitivity,
        row_var=row_var if kind in ("mean", "sum") else None,
    )
    if exceed is not None:
        bz = seasonal_arrays(dates, *exceed, "proportion", MIN_N, HALF_WINDOW, MIN_DAYS)
        b["tested"] = bz["tested"] & b["tested"]
        b["z"] = np.where(b["tested"], bz["z"], np.nan)
    return b


def weekly_test(
    kpi: Kpi,
    dates: pd.DatetimeIndex,
    y: np.ndarray,
    n: np.ndarray,
    exceed: tuple | None,
    row_var: np.ndarray | None,
) -> dict[str, np.ndarray]:
    """The rolling 7-day test of one KPI series (quantile KPIs through their exceedance share),
    as arrays (rolling_baseline's columns)."""
    if exceed is not None:
        return rolling_arrays(
            dates, *exceed, "proportion", MIN_N, HALF_WINDOW, MIN_DAYS, width=WEEK
        )
    kind = kind_of(kpi)
    return rolling_arrays(
        dates,
        y,
        n,
        kind,
        MIN_N,
        HALF_WINDOW,
        MIN_DAYS,
        log=multiplicative(kpi),
        row_var=row_var if kind in ("mean", "sum") else None,
        width=WEEK,
    )


def weekly_threshold(sensitivity: float, width: int = WEEK) -> float:
    """The |z| a rolling week must reach: the false-alarm chance of the `width` daily tests it
    stands in for (width x P(|Z| >= sensitivity)), e.g. 2.94 for 3.5. Overlapping windows are
    collapsed to one alarm per run, so a thin series gets about as many false alarms per
    quarter as a daily-tested one."""
    return float(stats.norm.isf(min(0.5, width * stats.norm.sf(sensitivity))))


def _runs(idx: np.ndarray, z: np.ndarray) -> list[int]:
    """The strongest index of each run of consecutive flagged indices with the same sign."""
    out: list[int] = []
    for pos, i in enumerate(idx):
        if pos and i == idx[pos - 1] + 1 and np.sign(z[i]) == np.sign(z[out[-1]]):
            out[-1] = i if abs(z[i]) > abs(z[out[-1]]) else out[-1]
        else:
            out.append(i)
    return out


def unsettled(kpi: Kpi, dates: pd.DatetimeIndex, settled_to: str | None) -> np.ndarray:
    """Days whose outcomes are still incomplete for this KPI: after `settled_to` (the data's
    last day minus the settling time) for every KPI but counts and sums, which are known when
    a case opens."""
    if settled_to is None or kind_of(kpi) in ("count", "sum"):
        return np.zeros(len(dates), dtype=bool)
    return np.asarray(dates > pd.Timestamp(settled_to))


def _without_gaps(y: np.ndarray, n: np.ndarray, gap: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A series with its coverage-gap days missing (no value, no rows): neither baseline nor test."""
    return np.where(gap, np.nan, y), np.where(gap, 0.0, n)


def scan(
    con: duckdb.DuckDBPyConnection,
    config: Config,
    kpis: Sequence[Kpi],
    start: str,
    end: str,
    sensitivity: float,
    settled_to: str | None = None,
    coverage: Coverage | None = None,
    tick: Callable[[str], None] | None = None,
) -> tuple[list[dict], list[ThinSlice], int, int]:
    """Every flag (daily, and rolling-week where no daily flag covers it), the thin series,
    the number of series tested and of series-days tested. Days after `settled_to` are not
    tested for outcome KPIs (see unsettled); the coverage-gap days of the sources feeding a
    slice are missing from its series (scorecard/anomalies/coverage.py). `tick` is called after each
    slicing (progress)."""
    dates = pd.date_range(start, end, freq="D")
    days = [d.date().isoformat() for d in dates]
    flagged, thin, n_series, n_days = [], [], 0, 0
    masks: dict[tuple, np.ndarray] = {}
    noise = noise_data(con, config, kpis, start, end, SLICE_DIMS)
    for by in SLICE_DIMS:
        data = slice_data(con, config, kpis, start, end, by, noise=noise[by])
        for key, (y, n) in data.values.items():
            kpi, values = kpi_by_id(key[0]), key[1:]
            if any(pd.isna(v) for v in values) or n.sum() == 0:
                continue
            slice_ = dict(zip(by, (str(v) for v in values), strict=True))
            ex = data.exceed.get(key) if quantile_of(kpi) else None
            var = data.variance.get(key)
            # the thin list reports the rows as loaded (before coverage gaps are left out)
            usable, typical = int((n >= MIN_N).sum()), float(np.median(n))
            if coverage is not None:
                mk = (tuple(slice_.items()), kpi.source == SURVEYS)
                if mk not in masks:
                    masks[mk] = coverage.mask(slice_, kpi.source == SURVEYS)
                gap = masks[mk]
                if gap.any():
                    y, n = _without_gaps(y, n, gap)
                    ex = _without_gaps(*ex, gap) if ex is not None else None
                    var = np.where(gap, np.nan, var) if var is not None else None
            floor = MIN_COUNT * WEEK if kind_of(kpi) == "count" else MIN_N
            if np.convolve(n, np.ones(WEEK), mode="valid").max(initial=0) < floor:
                thin.append(ThinSlice(kpi.id, slice_, usable, typical))
                continue  # not even a week reaches the floor: nothing to test
            late = unsettled(kpi, dates, settled_to)
            daily = daily_arrays(kpi, dates, y, n, ex, var, sensitivity)
            z = np.where(late, np.nan, np.asarray(daily["z"], dtype=float))
            n_tested = int((np.asarray(daily["tested"], dtype=bool) & ~late).sum())
            expected = np.asarray(daily["expected"], dtype=float)
            hits = np.flatnonzero(np.abs(np.nan_to_num(z)) >= sensitivity)
            for i in hits:
                flagged.append(
                    {
                        "kpi": kpi.id,
                        "slice": slice_,
                        "date": days[i],
                        "window": 1,
                        "observed": float(y[i]),
                        "expected": float(expected[i]),
                        "z": float(z[i]),
                        "n": int(n[i]),
                    }
                )
            shares = ex is not None or kind_of(kpi) == "proportion"  # exact binomial noise
            if not kpi.is_plain or (n_tested >= MIN_DAYS and not shares):  # day by day only (a
                # spread across agents has no pooled form; averages, counts and sums of a
                # series tested day by day are not pooled either)
                n_series, n_days = n_series + int(n_tested > 0), n_days + n_tested
                if not n_tested:
                    thin.append(ThinSlice(kpi.id, slice_, usable, typical))
                continue
            weekly = weekly_test(kpi, dates, y, n, ex, var)
            if not n_tested and not (np.asarray(weekly["tested"], dtype=bool) & ~late).any():
                thin.append(ThinSlice(kpi.id, slice_, usable, typical))
                continue
            n_series, n_days = n_series + 1, n_days + n_tested
            zw = np.where(late, np.nan, np.asarray(weekly["z"], dtype=float))
            # a thin series' weeks stand in for its days; the shares of a series tested day by
            # day get their weeks tested too (a sustained shift too small for any one day), on
            # top of the days, at a stricter threshold
            limit = (
                sensitivity + DAILY_WEEK_MARGIN
                if n_tested >= MIN_DAYS
                else weekly_threshold(sensitivity)
            )
            for i in _runs(np.flatnonzero(np.abs(np.nan_to_num(zw)) >= limit), zw):
                flagged.append(
                    {
                        "kpi": kpi.id,
                        "slice": slice_,
                        "date": days[i],
                        "window": WEEK,
                        "observed": float(weekly["observed"][i]),
                        "expected": float(weekly["expected"][i]),
                        "z": float(zw[i]),
                        "n": int(weekly["n"][i]),
                        # a quantile's week is tested (and valued) as its share of
                        # cases above the series' quantile
                        **({"measure": "share_above"} if ex is not None else {}),
                    }
                )
        if tick is not None:
            tick("+".join(by) or "all")
    return _without_echoes(flagged), thin, n_series, n_days


def _without_echoes(flagged: list[dict]) -> list[dict]:
    """Weekly flags minus those whose week holds a daily flag of the same KPI and direction in
    the same or a finer slice: the daily flag already says it, more precisely. A daily flag in a
    coarser slice does not hide a weekly one: it says when, the weekly flag says where (e.g. one
    brand's thin social slice inside a day flagged for all of social)."""
    daily = [f for f in flagged if f["window"] == 1]
    out = []
    for f in flagged:
        if f["window"] > 1:
            last = pd.Timestamp(f["date"])
            if any(
                g["kpi"] == f["kpi"]
                and (g["z"] > 0) == (f["z"] > 0)
                and f["slice"].items() <= g["slice"].items()
                and last - pd.Timedelta(days=f["window"] - 1) <= pd.Timestamp(g["date"]) <= last
                for g in daily
            ):
                continue
        out.append(f)
    return out


def most_specific(flagged: list[dict]) -> list[dict]:
    """Drop a flag when a finer slice containing it is flagged on the same KPI, day, window and
    direction."""
    keep = []
    for f in flagged:
        up = f["z"] > 0
        finer = any(
            g is not f
            and g["kpi"] == f["kpi"]
            and g["date"] == f["date"]
            and g.get("window", 1) == f.get("window", 1)
            and (g["z"] > 0) == up
            and len(g["slice"]) > len(f["slice"])
            and f["slice"].items() <= g["slice"].items()
            for g in flagged
        )
        if not finer:
            keep.append(f)
    return keep
