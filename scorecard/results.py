"""Frozen results objects returned by the scoring functions (pages never see SQL or statsmodels)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import pandas as pd


@dataclass(frozen=True)
class KpiValue:
    """One KPI in one period and slice."""

    period: str
    slice: tuple[tuple[str, str | None], ...]
    kpi: str
    value: float | None
    n: int
    target: float | None
    status: str
    thin: bool
    previous: float | None = None
    delta: float | None = None
    stats: tuple[tuple[str, float | None], ...] = ()

    def stat(self, name: str) -> float | None:
        """One of the extra statistics (time KPIs: median, p90, mean), or None."""
        return dict(self.stats).get(name)

    def to_row(self) -> dict:
        """The JSON row of the CLI contract (plus previous/delta/thin, and the stats of a time
        KPI: median, p90 and mean of its measure, whose n is the row's n)."""
        row = {"period": self.period, **dict(self.slice), "kpi": self.kpi, "value": self.value,
               "n": self.n, "target": self.target, "status": self.status}
        row.update(thin=self.thin, previous=self.previous, delta=self.delta)
        row.update(dict(self.stats))
        return row


@dataclass(frozen=True)
class PerspectiveScore:
    """Weighted share of KPIs on target within one perspective (green 1, amber 0.5, red 0)."""

    perspective: str
    score: float | None
    green: int
    amber: int
    red: int


@dataclass(frozen=True)
class Rollup:
    """Perspective scores and the overall score of one period and slice."""

    period: str
    slice: tuple[tuple[str, str | None], ...]
    perspectives: tuple[PerspectiveScore, ...]
    overall: float | None

    def to_json(self) -> dict:
        """Plain JSON-able values."""
        return {"period": self.period, **dict(self.slice), "overall": self.overall,
                "perspectives": [asdict(p) for p in self.perspectives]}


@dataclass(frozen=True)
class ScorecardResult:
    """A Balanced Scorecard over a period, grain and slices."""

    start: str | None
    end: str | None
    grain: str
    by: tuple[str, ...]
    kpis: tuple[KpiValue, ...]
    perspectives: tuple[PerspectiveScore, ...] = field(default=())
    overall: float | None = None
    rollups: tuple[Rollup, ...] = field(default=())

    def to_frame(self) -> pd.DataFrame:
        """One row per period x slice x KPI."""
        return pd.DataFrame([k.to_row() for k in self.kpis])

    def to_json(self) -> dict:
        """The JSON object of the CLI contract."""
        return {
            "from": self.start, "to": self.end, "grain": self.grain, "by": list(self.by),
            "rows": [k.to_row() for k in self.kpis],
            "perspectives": [asdict(p) for p in self.perspectives],
            "overall": self.overall,
            "rollups": [r.to_json() for r in self.rollups],
        }

    def value(self, kpi: str, period: str | None = None, **slice_: str) -> KpiValue | None:
        """The KpiValue of one KPI in one period (default: the last) and slice (default: none)."""
        rows = [k for k in self.kpis if k.kpi == kpi and dict(k.slice) == slice_
                and (period is None or k.period == period)]
        return max(rows, key=lambda k: k.period) if rows else None

    def summary(self) -> str:
        """A short plain-text summary: overall and perspective scores, red and thin KPIs."""
        reds = sorted({k.kpi for k in self.kpis if k.status == "red"})
        thin = sorted({k.kpi for k in self.kpis if k.thin})
        score = "n/a" if self.overall is None else f"{self.overall:.0%}"
        persp = "".join(f", {p.perspective} {p.score:.0%}" for p in self.perspectives
                        if p.score is not None)
        text = (f"Scorecard {self.start or 'start'}..{self.end or 'end'} ({self.grain}): overall "
                f"{score}{persp}; red: {', '.join(reds) or 'none'}.")
        if thin:
            text += f" Thin (n < 30 somewhere): {', '.join(thin)}."
        return text
