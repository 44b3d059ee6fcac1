"""The KPI catalogue (scorecard/kpis.toml) as typed, validated data."""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from etl.config import Config

PERSPECTIVES = ("customer", "internal", "financial", "learning")
PERSPECTIVE_LABELS = {
    "customer": "Customer",
    "internal": "Internal process",
    "financial": "Financial",
    "learning": "Learning and growth",
}
SOURCES = ("cases", "surveys", "messages")
KINDS = ("sql", "agent_spread")
THIN_N = 30


@dataclass(frozen=True)
class Kpi:
    """One KPI definition."""

    id: str
    label: str
    perspective: str
    definition: str
    unit: str
    direction: str  # higher | lower | none
    target: float | None
    amber: float
    weight: float
    source: str
    value: str
    n: str
    kind: str = "sql"  # sql: value/n aggregate the source rows; agent_spread: see kpis.toml
    measure: str | None = None  # time KPIs: the per-row duration behind median, p90, mean, n
    min_cases: int = 0  # agent_spread: an agent counts with at least this many rows
    fast: str | None = None  # pre-aggregated model giving the same value (warehouse/sql/agg)
    fast_value: str | None = None
    fast_n: str | None = None

    @property
    def is_plain(self) -> bool:
        """True when value and n are single-level SQL aggregates over the source rows (every
        KPI but the nested agent spread), so they can be grouped and drilled directly."""
        return self.kind == "sql"


def _kpi(raw: dict) -> Kpi:
    kpi = Kpi(
        id=raw["id"], label=raw["label"], perspective=raw["perspective"],
        definition=raw["definition"].strip(), unit=raw["unit"], direction=raw["direction"],
        target=raw.get("target"), amber=float(raw.get("amber", 0.0)),
        weight=float(raw.get("weight", 1.0)), source=raw["source"], value=raw["value"],
        n=raw["n"], kind=raw.get("kind", "sql"), measure=raw.get("measure"),
        min_cases=int(raw.get("min_cases", 0)), fast=raw.get("fast"),
        fast_value=raw.get("fast_value"), fast_n=raw.get("fast_n"),
    )
    if kpi.perspective not in PERSPECTIVES or kpi.source not in SOURCES or kpi.kind not in KINDS:
        raise ValueError(f"kpis.toml: {kpi.id} has an unknown perspective, source or kind.")
    if kpi.direction not in ("higher", "lower", "none"):
        raise ValueError(f"kpis.toml: {kpi.id} direction must be higher, lower or none.")
    if kpi.fast and not (kpi.fast_value and kpi.fast_n):
        raise ValueError(f"kpis.toml: {kpi.id} names a fast model but lacks fast_value or fast_n.")
    if kpi.unit == "seconds" and not kpi.measure:
        raise ValueError(f"kpis.toml: time KPI {kpi.id} needs a measure (its per-row duration).")
    return kpi


@lru_cache(maxsize=1)
def catalogue() -> tuple[Kpi, ...]:
    """Every KPI in catalogue order."""
    text = resources.files("scorecard").joinpath("kpis.toml").read_text(encoding="utf-8")
    return tuple(_kpi(k) for k in tomllib.loads(text)["kpi"])


def kpi_by_id(kpi_id: str) -> Kpi:
    """One KPI by id, or a ValueError naming the known ids."""
    for k in catalogue():
        if k.id == kpi_id:
            return k
    raise ValueError(f"unknown KPI {kpi_id!r}; known: {', '.join(k.id for k in catalogue())}.")


def target_of(kpi: Kpi, config: Config) -> tuple[float | None, float]:
    """Target and amber band, the configuration overriding the catalogue."""
    override = config.targets.get(kpi.id, {})
    return override.get("target", kpi.target), override.get("amber", kpi.amber)


def status_of(kpi: Kpi, value: float | None, n: int, config: Config) -> str:
    """green / amber / red against the target, direction-aware; n/a without value or target."""
    target, amber = target_of(kpi, config)
    if value is None or n == 0 or target is None or kpi.direction == "none":
        return "n/a"
    if isinstance(value, float) and math.isnan(value):
        return "n/a"
    gap = value - target if kpi.direction == "higher" else target - value
    if gap >= 0:
        return "green"
    return "amber" if gap >= -amber else "red"
