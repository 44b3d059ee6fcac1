"""The Balanced Scorecard: KPI values per period and slice, status, deltas and roll-up scores."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, timedelta

import duckdb
import pandas as pd

from etl.config import Config
from scorecard.catalogue import PERSPECTIVES, THIN_N, catalogue, kpi_by_id, status_of, target_of
from scorecard.data import effective_range, kpi_frame
from scorecard.results import KpiValue, PerspectiveScore, ScorecardResult

STATUS_POINTS = {"green": 1.0, "amber": 0.5, "red": 0.0}


def _clean(v: float) -> float | None:
    return None if v is None or pd.isna(v) else float(v)


def _previous_window(start: str, end: str) -> tuple[str, str]:
    """The equally long window just before [start, end]."""
    s, e = date.fromisoformat(start), date.fromisoformat(end)
    length = (e - s).days + 1
    return (s - timedelta(days=length)).isoformat(), (s - timedelta(days=1)).isoformat()


def perspective_scores(values: Sequence[KpiValue]) -> tuple[tuple[PerspectiveScore, ...], float | None]:
    """Weighted status points per perspective and overall (KPIs without status are skipped)."""
    out, total_w, total_s = [], 0.0, 0.0
    for p in PERSPECTIVES:
        w = s = 0.0
        counts = {"green": 0, "amber": 0, "red": 0}
        for v in values:
            k = kpi_by_id(v.kpi)
            if k.perspective != p or v.status not in STATUS_POINTS or k.weight <= 0:
                continue
            counts[v.status] += 1
            w += k.weight
            s += k.weight * STATUS_POINTS[v.status]
        out.append(PerspectiveScore(p, s / w if w else None, **counts))
        total_w += w
        total_s += s
    return tuple(out), (total_s / total_w if total_w else None)


def scorecard(con: duckdb.DuckDBPyConnection, config: Config, start: str | None = None,
              end: str | None = None, grain: str = "total", by: Sequence[str] = (),
              filters: Mapping[str, Sequence[str]] | None = None,
              kpi_ids: Sequence[str] | None = None) -> ScorecardResult:
    """Balanced Scorecard from case-level data for any period, grain, slice and filter."""
    filters = {k: list(v) for k, v in (filters or {}).items() if v}
    kpis = [kpi_by_id(i) for i in kpi_ids] if kpi_ids else list(catalogue())
    start, end = effective_range(con, config, start, end)
    frame = kpi_frame(con, config, kpis, grain, by, start, end, filters)
    previous = {}
    if grain == "total" and start and end:
        ps, pe = _previous_window(start, end)
        prev = kpi_frame(con, config, kpis, grain, by, ps, pe, filters)
        previous = {tuple(r[c] for c in (*by, "kpi")): r["value"] for _, r in prev.iterrows()}
    values = []
    last_in_slice: dict[tuple, float | None] = {}
    order = {k.id: i for i, k in enumerate(kpis)}
    frame = frame.assign(_o=frame["kpi"].map(order)).sort_values([*by, "_o", "period"], kind="stable")
    for _, r in frame.iterrows():
        k = kpi_by_id(r["kpi"])
        value, n = _clean(r["value"]), int(r["n"])
        key = tuple(r[c] for c in (*by, "kpi"))
        prev = _clean(previous.get(key)) if grain == "total" else last_in_slice.get(key)
        last_in_slice[key] = value
        values.append(KpiValue(
            period=str(r["period"]),
            slice=tuple((d, None if pd.isna(r[d]) else str(r[d])) for d in by),
            kpi=k.id, value=value, n=n, target=target_of(k, config)[0],
            status=status_of(k, value, n, config), thin=n < THIN_N, previous=prev,
            delta=None if value is None or prev is None else value - prev,
        ))
    values.sort(key=lambda v: (v.period, v.slice != (), tuple(str(x) for _, x in v.slice),
                               order[v.kpi]))
    if not by:
        last = max((v.period for v in values), default=None)
        persp, overall = perspective_scores([v for v in values if v.period == last])
    else:
        persp, overall = (), None
    return ScorecardResult(start, end, grain, tuple(by), tuple(values), persp, overall)
