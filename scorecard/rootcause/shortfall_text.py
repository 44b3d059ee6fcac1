"""The shortfall against target in words a manager can forward, in the KPI's own unit."""

from __future__ import annotations

import math
import re
from typing import Protocol

import pandas as pd

from etl.settings.config import Config
from scorecard.kpis.catalogue import Kpi, sla_of
from scorecard.rootcause.change_text import (
    duration_text,
    is_net_share,
    rows_noun,
    segment_phrase,
    span_text,
)


class Shortfall(Protocol):
    """What the wording reads of a shortfall (scorecard.rootcause.shortfall.Shortfall has it);
    a shape, not an import, so shortfall.py may import this module and not the other way round."""

    period: tuple[str, str]
    value: float | None
    target: float | None
    shortfall: float | None
    n: int
    segments: pd.DataFrame
    cases: pd.DataFrame
    filters: dict
    summary: str


# What a failing case did, per KPI ({t}: the target, {sla}: the first-response SLA)
FAILS = {
    "sla_met_rate": "missed the {sla} first-response SLA",
    "answered_rate": "got no answer",
    "resolution_rate": "were not resolved",
    "fcr_rate": "were not resolved at the first contact",
    "reopen_rate": "were reopened",
    "runaround_rate": "got a run-around reply",
    "transfer_rate": "were transferred",
    "playbook_adherence": "went against the playbook",
    "csat_score": "were rated 1 to 3",
    "csat_mean": "were rated below {t}",
    "recommend_rate": "would not recommend",
    "nps": "were passives or detractors",
    "frt_median_s": "waited more than {t} for a first response",
    "frt_p90_s": "waited more than {t} for a first response",
    "frt_mean_s": "waited more than {t} for a first response",
    "frt_business_median_s": "waited more than {t} of business hours",
    "ttr_median_s": "took more than {t} to resolve",
    "cost_per_interaction": "cost more than {t}",
    "cost_per_resolution": "cost more than {t} or were not resolved",
    "interactions_per_agent_hour": "fell in agent-hours with fewer than {t} cases",
    "sentiment_mean": "had customer messages below {t} on average",
    "sentiment_recovery": "recovered less than {t}",
    "negative_share": "had negative customer messages",
    "positive_share": "had too few positive customer messages",
    "net_sentiment_weighted": "had negative customer messages",
}
BANDS = (
    (0, 8, "at night (00:00-08:00)"),
    (8, 12, "in the morning (08:00-12:00)"),
    (12, 18, "in the afternoon (12:00-18:00)"),
    (18, 24, "in the evening (18:00-24:00)"),
)


def amount_text(kpi: Kpi, v: float, config: Config | None = None) -> str:
    """A size (a shortfall, a contribution, a target) in the KPI's unit, unsigned: '26 points',
    '2 h 14 min', '1.25', '3.40 USD', '2.6 cases per agent-hour'."""
    v = abs(v)
    if kpi.unit == "share":
        return f"{100 * v:.1f} points" if 100 * v < 9.95 else f"{100 * v:.0f} points"
    if kpi.unit == "seconds":
        return duration_text(v)
    if kpi.unit == "points":
        return f"{v:.1f} points" if v < 9.95 else f"{v:.0f} points"
    if kpi.unit == "currency":
        return f"{v:,.2f}" + (f" {config.currency}" if config else "")
    if kpi.unit == "count":
        return f"{v:,.0f}"
    if kpi.id == "interactions_per_agent_hour":
        return f"{v:.2g} cases per agent-hour" if v < 10 else f"{v:.0f} cases per agent-hour"
    return f"{v:.2f}"


def level_text(kpi: Kpi, v: float | None, config: Config | None = None) -> str:
    """A KPI level in its unit: '64 %', '2 h 14 min', '-16 points', '0.27', '10.54 USD'."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "n/a"
    if kpi.unit == "share" and not is_net_share(kpi):
        return f"{100 * v:.0f} %"
    if kpi.unit in ("share", "points"):
        scale = 100 if kpi.unit == "share" else 1
        text = f"{scale * v:+.0f} points"
        return text.lstrip("+-") if text.lstrip("+-").startswith("0 ") else text
    if kpi.unit == "rate" and kpi.id == "interactions_per_agent_hour":
        return f"{v:.2f} cases per agent-hour"
    return amount_text(kpi, v, config) if v >= 0 else "-" + amount_text(kpi, v, config)


def fail_phrase(kpi: Kpi, config: Config, target: float, scope: tuple = ()) -> str:
    """What a failing case did: 'missed the 2 h first-response SLA' (the slice's SLA)."""
    t = (
        f"{target:g}"
        if kpi.id == "interactions_per_agent_hour"
        else level_text(kpi, target, config)
    )
    return FAILS.get(kpi.id, "fell short of the target").format(
        t=t, sla=duration_text(sla_of(config, scope))
    )


def _band(hour) -> str | None:
    try:
        h = int(hour)
    except (TypeError, ValueError):
        return None
    return next(name for lo, hi, name in BANDS if lo <= h < hi)


def _detail(failing: pd.DataFrame, dimension: str) -> str:
    """', 60 % of them billing questions, 55 % opened in the evening (18:00-24:00)'."""
    if failing.empty:
        return ""
    bits = []
    if dimension != "category" and "category" in failing:
        share = failing["category"].value_counts(normalize=True)
        if len(share) and share.index[0] != "(none)" and share.iloc[0] >= 0.3:
            bits.append(f"{100 * share.iloc[0]:.0f} % of them {share.index[0]} questions")
    if dimension != "hour" and "hour" in failing:
        bands = failing["hour"].map(_band).dropna().value_counts(normalize=True)
        if len(bands) and bands.iloc[0] >= 0.4:
            bits.append(f"{100 * bands.iloc[0]:.0f} % opened {bands.index[0]}")
    return (", " + " and ".join(bits)) if bits else ""


def shortfall_paragraph(result: Shortfall, kpi: Kpi, config: Config, lead) -> str:
    """One paragraph: how far off target, which segment carries most of it, how many of its
    cases failed and what they have in common (category, time of day)."""
    where = "".join(f" for {d} {', '.join(v)}" for d, v in result.filters.items() if v)
    per = ("on " if result.period[0] == result.period[1] else "in ") + span_text(result.period)
    if result.value is None:
        return f"{kpi.label}{where}: no {rows_noun(kpi)} {per}, so nothing to explain."
    gap, target = result.shortfall, result.target
    level = (
        f"{level_text(kpi, result.value, config)} against a target of "
        f"{level_text(kpi, target, config)}, {result.n:,} {rows_noun(kpi, result.n)}"
    )
    if gap <= 0:
        return (
            f"{kpi.label}{where} meets its target {per}: {level}"
            f"{'' if gap == 0 else ', ' + amount_text(kpi, gap, config) + ' better'}."
        )
    side = "over" if kpi.direction == "lower" else "short of"  # 'over target' for a time or a cost
    text = f"{kpi.label}{where} is {amount_text(kpi, gap, config)} {side} target {per} ({level})."
    if lead is None or lead["contribution"] <= 0:
        return text
    dim, seg = str(lead["dimension"]), str(lead["segment"])
    scope = tuple(
        sorted(
            (
                (d, v[0])
                for d, v in result.filters.items()
                if d in ("team", "brand", "channel") and len(v) == 1
            ),
            key=lambda p: ("team", "brand", "channel").index(p[0]),
        )
    )
    failing = (
        result.cases[result.cases[dim].astype(str) == seg] if dim in result.cases else result.cases
    )
    carries = (
        "all of it"
        if lead["contribution"] >= gap * 0.995
        else f"{amount_text(kpi, lead['contribution'], config)} of it"
    )
    phrase = segment_phrase(dim, seg) if dim != "term" else f"cases mentioning '{seg}'"
    verb = "carry" if phrase.startswith("cases") else "carries"
    text += (
        f" {phrase[0].upper()}{phrase[1:]} {verb} {carries}: {len(failing):,} of its "
        f"{int(lead['rows']):,} {'answers' if kpi.source == 'surveys' else 'cases'} "
        f"{fail_phrase(kpi, config, target, scope)}"
        f"{_detail(failing, dim)}."
    )
    if len(result.cases):
        first = result.cases.iloc[0]
        text += f" The case contributing most is {first['interaction_id'] or first['key']}."
    return text


def contribution_text(kpi: Kpi, v: float, config: Config | None = None) -> str:
    """A signed contribution: '+20 points', '-1.6 points', '+12 min'; never '-0'."""
    text = amount_text(kpi, v, config)
    zero = re.match(r"0(\.0+)?(?=\D|$)", text)
    if zero:  # rounds to nothing: no sign, no decimals ('0 points', '0 s')
        return "0" + text[zero.end() :]
    return ("-" if v < 0 else "+") + text


def shortfall_lines(result: Shortfall, kpi: Kpi, per_dimension: int, cases: int) -> list[str]:
    """The paragraph, then per dimension its largest contributions, then the first cases."""
    lines = [result.summary]
    if result.segments.empty:
        return lines
    lines.append(
        f"Contributions to the shortfall ({'lower' if kpi.direction == 'lower' else 'higher'}"
        " is better; each dimension adds up to the shortfall):"
    )
    for dim, part in result.segments.groupby("dimension", sort=False):
        shown = part.head(per_dimension)
        rest = part.iloc[per_dimension:]
        bits = [
            f"{seg} {contribution_text(kpi, c)} (n={n:,})"
            for seg, c, n in zip(shown["segment"], shown["contribution"], shown["n"], strict=True)
        ]
        if len(rest):
            bits.append(f"{len(rest)} more {contribution_text(kpi, rest['contribution'].sum())}")
        lines.append(f"  {dim}: " + "; ".join(bits))
    if len(result.cases):
        lines.append(f"Failing cases, largest contribution first ({len(result.cases):,} in all):")
        for _, r in result.cases.head(cases).iterrows():
            first = str(r.get("transcript") or "").split("\n", 1)[0][:100]
            lines.append(
                f"  {r['key']} {str(r['opened_at'])[:16]} {r['channel']} {r['brand']} "
                f"{r['category']}: {contribution_text(kpi, r['contribution'])}"
                + (f" | {first}" if first else "")
            )
    return lines
