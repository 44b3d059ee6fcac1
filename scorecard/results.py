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

    def to_row(self) -> dict:
        """The JSON row of the CLI contract (plus previous/delta/thin)."""
        row = {"period": self.period, **dict(self.slice), "kpi": self.kpi, "value": self.value,
               "n": self.n, "target": self.target, "status": self.status}
        row.update(thin=self.thin, previous=self.previous, delta=self.delta)
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
class ScorecardResult:
    """A Balanced Scorecard over a period, grain and slices."""

    start: str | None
    end: str | None
    grain: str
    by: tuple[str, ...]
    kpis: tuple[KpiValue, ...]
    perspectives: tuple[PerspectiveScore, ...] = field(default=())
    overall: float | None = None

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
        }

    def summary(self) -> str:
        """A short plain-text summary: overall score and the red KPIs."""
        reds = sorted({k.kpi for k in self.kpis if k.status == "red"})
        score = "n/a" if self.overall is None else f"{self.overall:.0%}"
        return (f"Scorecard {self.start or 'start'}..{self.end or 'end'} ({self.grain}): overall "
                f"{score}; red: {', '.join(reds) or 'none'}.")
