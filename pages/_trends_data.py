"""Data of the trends page: the KPI series by grain and dimension, the daily seasonal baseline
with its anomalous days, and (on request) the all-slices anomaly scan."""

from __future__ import annotations

import pandas as pd

from pages._state import dim_filters, optional_module
from scorecard.anomalies.report import slice_text
from scorecard.kpis.scoring import scorecard
from scorecard.service import per_snapshot, service

TOP_SLICES = 8  # lines on one chart; the rest are counted in the title
SCAN_COLUMNS = [
    "id",
    "severity",
    "date",
    "window",
    "when",
    "period",
    "kpi",
    "slice",
    "brand",
    "channel",
    "observed",
    "expected",
    "z",
    "direction",
    "n",
    "summary",
    "echoes",
    "examples",
]


def _top(frame: pd.DataFrame, by: str) -> tuple[pd.DataFrame, int]:
    """The TOP_SLICES slices with the most cases, and how many slices there were."""
    totals = frame.groupby(by, dropna=False)["n"].sum().sort_values(ascending=False)
    keep = totals.index[:TOP_SLICES]
    return frame[frame[by].isin(keep)].reset_index(drop=True), len(totals)


@per_snapshot
def tables(
    kpi, grain, by, start, end, brand, channel, sensitivity, scan=False
) -> dict[str, pd.DataFrame]:
    """The frames the page shows: the series, the daily baseline, its anomalous days and (on
    request, since it tests every slice) the all-slices scan: its incidents, severity first, with
    their echoes (the same KPI in coarser or finer slices), new activity and coverage gaps."""
    if not (kpi and start and end):
        return {}
    svc, filters = service(), dim_filters(brand=brand, channel=channel)
    dims = (by,) if by else ()
    series = svc.cached(scorecard, start, end, grain or "day", dims, filters, [kpi]).to_frame()
    slices = 1
    if by and not series.empty:
        series, slices = _top(series, by)
    out = {"series": series, "_slices": slices}
    anomalies = optional_module("scorecard.anomalies.find")
    if anomalies is None:
        return out
    sens = float(sensitivity or 3.5)
    baseline = svc.cached(anomalies.daily_baseline, kpi, start, end, filters, sens)
    out["baseline"] = baseline
    out["anomalous_days"] = baseline[baseline["is_anomaly"].fillna(False).astype(bool)].reset_index(
        drop=True
    )
    if scan:
        found = svc.cached(anomalies.find_anomalies, start, end, [kpi], sens)
        wanted = {k: v[0] for k, v in filters.items() if v}
        rows = [
            {
                "id": i.id,
                "severity": i.severity,
                "date": str(i.date),
                "window": i.window,
                "when": i.date if i.window == 1 else f"{i.window} days to {i.date}",
                "period": None if i.window == 1 else f"{week_start(i.date, i.window)}..{i.date}",
                "kpi": i.kpi,
                "slice": slice_text(i.slice),
                "brand": i.slice.get("brand"),
                "channel": i.slice.get("channel"),
                "observed": i.observed,
                "expected": i.expected,
                "z": i.z,
                "direction": i.direction,
                "n": i.n,
                "summary": i.summary,
                "echoes": "\n".join(
                    f"{slice_text(e.slice)}: z {e.z:+.1f} ({e.date})" for e in i.echoes
                ),
                "examples": "\n".join(e["text"] for e in i.examples),
            }  # one message a line (plain text)
            for i in found.incidents
            if all(i.slice.get(k) == v for k, v in wanted.items())
        ]
        out["scan"] = pd.DataFrame(rows, columns=SCAN_COLUMNS)  # severity first
        thin = found.thin_frame()
        out["scan_thin"] = thin[
            [all(f"{k}={v}" in s.split(", ") for k, v in wanted.items()) for s in thin["slice"]]
        ].reset_index(drop=True)
        out["scan_new"] = pd.DataFrame(
            [a.to_json() for a in found.new_activity],
            columns=["slice", "first_day", "kpis", "summary"],
        )
        out["scan_gaps"] = pd.DataFrame(
            [g.to_json() for g in found.coverage_gaps],
            columns=["source", "start", "end", "days", "typical_rows", "summary"],
        )
    return out


def week_start(day: str, window: int) -> str:
    """The first day of the `window` days ending on `day`."""
    return (pd.Timestamp(day) - pd.Timedelta(days=window - 1)).date().isoformat()


def thin_note(thin: pd.DataFrame | None, shown: int = 8) -> str | None:
    """'Too thin to test (12): brand=AirCo, channel=chat, ...' for the scan, or None."""
    if thin is None or thin.empty:
        return None
    more = " …" if len(thin) > shown else ""
    return f"Too thin to test ({len(thin)}): {'; '.join(thin['slice'].head(shown))}{more}."
