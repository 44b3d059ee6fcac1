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


def _kpi(raw: dict) -> Kpi:
    kpi = Kpi(
        id=raw["id"], label=raw["label"], perspective=raw["perspective"],
        definition=raw["definition"].strip(), unit=raw["unit"], direction=raw["direction"],
        target=raw.get("target"), amber=float(raw.get("amber", 0.0)),
        weight=float(raw.get("weight", 1.0)), source=raw["source"], value=raw["value"],
        n=raw["n"],
    )
    if kpi.perspective not in PERSPECTIVES or kpi.source not in SOURCES:
        raise ValueError(f"kpis.toml: {kpi.id} has an unknown perspective or source.")
    if kpi.direction not in ("higher", "lower", "none"):
        raise ValueError(f"kpis.toml: {kpi.id} direction must be higher, lower or none.")
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
