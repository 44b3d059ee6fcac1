"""Frozen results objects returned by the scoring functions (pages never see SQL or statsmodels)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import pandas as pd

from scorecard.kpis.catalogue import catalogue, kpi_by_id


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
    reason: str | None = None  # why the status is n/a (no such measure, n = 0, thin, no target)
    note: str | None = None  # what the value leaves out or blends (sources, channels' clocks)
    channels: tuple[ChannelValue, ...] = ()  # a time KPI over several channels: each one's picture
    currency: str | None = None  # the ISO code of a money value

    def stat(self, name: str) -> float | None:
        """One of the extra statistics (time KPIs: median, p90, mean), or None."""
        return dict(self.stats).get(name)

    def to_row(self) -> dict:
        """The JSON row of the CLI contract (plus previous/delta/thin, and the stats of a time
        KPI: median, p90 and mean of its measure, whose n is the row's n)."""
        row: dict[str, Any] = {
            "period": self.period,
            **dict(self.slice),
            "kpi": self.kpi,
            "value": self.value,
            "n": self.n,
            "target": self.target,
            "status": self.status,
        }
        row.update(thin=self.thin, previous=self.previous, delta=self.delta)
        row.update(dict(self.stats))
        if self.currency:
            row["currency"] = self.currency
        if self.reason:
            row["reason"] = self.reason
        if self.note:
            row["note"] = self.note
        if self.channels:
            row["channels"] = [asdict(c) for c in self.channels]
        return row

    def export_row(self) -> dict:
        """The flat row of an export: no nested channels, an empty value cell when n/a for want
        of a measure (reason) and the unit of the value (the currency code for money)."""
        row = {k: v for k, v in self.to_row().items() if k not in ("channels", "currency")}
        row["unit"] = self.currency or kpi_by_id(self.kpi).unit
        row.setdefault("reason", None)
        row.setdefault("note", None)
        return row


@dataclass(frozen=True)
class ChannelValue:
    """A time KPI on one channel (its own clock, target and status), beside the blended value."""

    channel: str | None
    value: float | None
    n: int
    target: float | None
    status: str


@dataclass(frozen=True)
class PerspectiveScore:
    """Weighted share of KPIs on target within one perspective (green 1, amber 0.5, red 0)."""

    perspective: str
    score: float | None
    green: int
    amber: int
    red: int
    rated: int = 0  # KPIs with a status (green, amber or red); thin and n/a ones are not rated
    kpis: int = 0  # KPIs of the perspective in the scorecard

    @property
    def on_target_text(self) -> str:
        """'3 of 9 on target' (green of rated), plus how many have no status."""
        na = self.kpis - self.rated
        return f"{self.green} of {self.rated} on target" + (f", {na} n/a" if na else "")


@dataclass(frozen=True)
class Rollup:
    """Perspective scores and the overall score of one period and slice."""

    period: str
    slice: tuple[tuple[str, str | None], ...]
    perspectives: tuple[PerspectiveScore, ...]
    overall: float | None

    def to_json(self) -> dict:
        """Plain JSON-able values."""
        return {
            "period": self.period,
            **dict(self.slice),
            "overall": self.overall,
            "perspectives": [asdict(p) for p in self.perspectives],
        }

    def line(self) -> str:
        """One line: the period and slice, overall and each scored perspective."""
        where = " ".join(f"{d}={'(none)' if v is None else v}" for d, v in self.slice)
        persp = "".join(
            f", {p.perspective} {p.score:.0%} ({p.on_target_text})"
            for p in self.perspectives
            if p.score is not None
        )
        overall = "n/a" if self.overall is None else f"{self.overall:.0%}"
        return f"{self.period}{' ' + where if where else ''}: overall {overall}{persp}"


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

    def export_frame(self) -> pd.DataFrame:
        """One flat row per period x slice x KPI for exports (see KpiValue.export_row)."""
        return pd.DataFrame([k.export_row() for k in self.kpis])

    def definitions(self) -> dict[str, dict]:
        """{kpi id: {label, perspective, unit, direction, definition}} of the KPIs in the rows,
        in catalogue order."""
        present = {k.kpi for k in self.kpis}
        money = {k.kpi: k.currency for k in self.kpis if k.currency}
        return {
            k.id: {
                "label": k.label,
                "perspective": k.perspective,
                "unit": k.unit,
                **({"currency": money[k.id]} if k.id in money else {}),
                "direction": k.direction,
                "definition": k.definition,
            }
            for k in catalogue()
            if k.id in present
        }

    def to_json(self) -> dict:
        """The JSON object of the CLI contract (rows, roll-ups, and the rows' KPI definitions)."""
        return {
            "from": self.start,
            "to": self.end,
            "grain": self.grain,
            "by": list(self.by),
            "rows": [k.to_row() for k in self.kpis],
            "perspectives": [asdict(p) for p in self.perspectives],
            "overall": self.overall,
            "rollups": [r.to_json() for r in self.rollups],
            "definitions": self.definitions(),
        }

    def value(self, kpi: str, period: str | None = None, **slice_: str) -> KpiValue | None:
        """The KpiValue of one KPI in one period (default: the last) and slice (default: none)."""
        rows = [
            k
            for k in self.kpis
            if k.kpi == kpi and dict(k.slice) == slice_ and (period is None or k.period == period)
        ]
        return max(rows, key=lambda k: k.period) if rows else None

    def slice_rollups(self) -> tuple[Rollup, ...]:
        """Each slice's latest roll-up (its last period with data), in slice order."""
        latest: dict[tuple, Rollup] = {}
        for r in self.rollups:
            if r.slice and (r.slice not in latest or r.period >= latest[r.slice].period):
                latest[r.slice] = r
        return tuple(latest.values())

    def summary(self) -> str:
        """A short plain-text summary: overall and perspective scores (with `by`: one line per
        slice, its latest period), red and thin KPIs."""
        reds = sorted({k.kpi for k in self.kpis if k.status == "red"})
        thin = sorted({k.kpi for k in self.kpis if k.thin and k.n})
        head = f"Scorecard {self.start or 'start'}..{self.end or 'end'} ({self.grain})"
        if self.by:
            text = f"{head} by {', '.join(self.by)}: red: {', '.join(reds) or 'none'}."
        else:
            score = "n/a" if self.overall is None else f"{self.overall:.0%}"
            persp = "".join(
                f", {p.perspective} {p.score:.0%} ({p.on_target_text})"
                for p in self.perspectives
                if p.score is not None
            )
            text = f"{head}: overall {score}{persp}; red: {', '.join(reds) or 'none'}."
        if thin:
            text += f" Thin (n < 30 somewhere): {', '.join(thin)}."
        if self.by:
            text += "".join(f"\n  {r.line()}" for r in self.slice_rollups())
        return text
