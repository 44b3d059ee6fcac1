"""The KPI catalogue (scorecard/kpis/kpis.toml) as typed, validated data."""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from etl.settings.config import Config, Scope, SliceRule

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
# What a source must carry for a KPI to count its cases (kpis.toml `needs`): a source none of
# whose cases carry it has no such measure (scorecard/kpis/capabilities.py), never a zero.
CAPABILITIES = {
    "response": "response times",
    "resolution": "resolution outcomes",
    "customer": "customer ids",
    "agent": "agent ids",
    "reopen": "reopens",
    "transfers": "transfers",
}
UNITS = ("share", "seconds", "currency", "count", "points", "score", "rate", "ratio")


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
    needs: tuple[str, ...] = ()  # capabilities its sources must carry (CAPABILITIES)
    only_capable: bool = False  # its n would count a case lacking them: read capable sources only
    when_zero: str | None = None  # what a value of exactly 0 means, said beside it (kpis.toml)

    def zero_meaning(self, value: float | None) -> str | None:
        """What the value means when it is exactly 0 and could be read as something else
        (`when_zero`), else None: said by the scorecard's note and beside the 0 on the tile."""
        return self.when_zero if value == 0 else None

    def zero_note(self, value: float | None) -> str | None:
        """`zero_meaning` as the note beside the value says it ("0 because ..."), else None."""
        meaning = self.zero_meaning(value)
        return f"0 because {meaning}" if meaning else None

    @property
    def is_plain(self) -> bool:
        """True when value and n are single-level SQL aggregates over the source rows (every
        KPI but the nested agent spread), so they can be grouped and drilled directly."""
        return self.kind == "sql"


def _kpi(raw: dict) -> Kpi:
    kpi = Kpi(
        id=raw["id"],
        label=raw["label"],
        perspective=raw["perspective"],
        definition=raw["definition"].strip(),
        unit=raw["unit"],
        direction=raw["direction"],
        target=raw.get("target"),
        amber=float(raw.get("amber", 0.0)),
        weight=float(raw.get("weight", 1.0)),
        source=raw["source"],
        value=raw["value"],
        n=raw["n"],
        kind=raw.get("kind", "sql"),
        measure=raw.get("measure"),
        min_cases=int(raw.get("min_cases", 0)),
        fast=raw.get("fast"),
        fast_value=raw.get("fast_value"),
        fast_n=raw.get("fast_n"),
        needs=tuple(raw.get("needs", ())),
        only_capable=bool(raw.get("only_capable", False)),
        when_zero=raw.get("when_zero"),
    )
    if kpi.unit not in UNITS or not set(kpi.needs) <= set(CAPABILITIES):
        raise ValueError(f"kpis.toml: {kpi.id} has an unknown unit or capability in needs.")
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
    text = resources.files("scorecard.kpis").joinpath("kpis.toml").read_text(encoding="utf-8")
    return tuple(_kpi(k) for k in tomllib.loads(text)["kpi"])


def kpi_by_id(kpi_id: str) -> Kpi:
    """One KPI by id, or a ValueError naming the known ids."""
    for k in catalogue():
        if k.id == kpi_id:
            return k
    raise ValueError(f"unknown KPI {kpi_id!r}; known: {', '.join(k.id for k in catalogue())}.")


def matching_rule(rules: tuple[SliceRule, ...], scope: Scope) -> SliceRule | None:
    """The rule with the highest precedence (team 4 + brand 2 + channel 1) whose every
    (dim, value) the scope fixes; None when no rule matches."""
    fixed = set(scope)
    hits = [r for r in rules if set(r.scope) <= fixed]
    return max(hits, key=lambda r: r.weight, default=None)


def target_of(kpi: Kpi, config: Config, scope: Scope = ()) -> tuple[float | None, float]:
    """Target and amber band for a slice: the most specific matching [targets.<kpi>.<dim>.<value>]
    rule, else [targets.<kpi>], else the catalogue (a rule without amber keeps the global one)."""
    override = config.targets.get(kpi.id, {})
    target, amber = override.get("target", kpi.target), override.get("amber", kpi.amber)
    rule = matching_rule(config.target_rules.get(kpi.id, ()), scope)
    if rule is not None:
        target = rule.target if rule.target is not None else target
        amber = rule.amber if rule.amber is not None else amber
    return target, amber


def sla_of(config: Config, scope: Scope = ()) -> float:
    """The first-response SLA (seconds) of a slice: the most specific [sla.<dim>.<value>] rule."""
    rule = matching_rule(config.sla_rules, scope)
    return (
        rule.target if rule is not None and rule.target is not None else config.sla_first_response_s
    )


def unit_label(kpi: Kpi, config: Config) -> str:
    """The unit people read beside the value: '%', 's', the currency code, 'points'..."""
    return {
        "share": "%",
        "seconds": "s",
        "currency": config.currency,
        "count": "cases",
        "points": "points",
        "score": "score",
        "rate": "per agent hour",
        "ratio": "ratio",
    }[kpi.unit]


def status_of(
    kpi: Kpi,
    value: float | None,
    n: int,
    config: Config,
    scope: Scope = (),
    target: tuple[float | None, float] | None = None,
) -> str:
    """green / amber / red against the slice's target, direction-aware; n/a without value or
    target, and for thin values (n < THIN_N): too few to judge, never red or green."""
    goal, amber = target if target is not None else target_of(kpi, config, scope)
    if value is None or n < THIN_N or goal is None or kpi.direction == "none":
        return "n/a"
    if isinstance(value, float) and math.isnan(value):
        return "n/a"
    gap = value - goal if kpi.direction == "higher" else goal - value
    if gap >= 0:
        return "green"
    return "amber" if gap >= -amber else "red"
