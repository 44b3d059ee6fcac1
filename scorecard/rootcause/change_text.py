"""Plain-language wording of root-cause results: KPI values and effects in readable units,
segments as phrases, shares of a change, and what a change means for a KPI with a direction."""

from __future__ import annotations

import math
import re
from typing import Protocol

import pandas as pd

from scorecard.kpis.catalogue import THIN_N, Kpi
from scorecard.rootcause.data_rootcause import NONE_SEGMENT, split_call
from scorecard.rootcause.mixrate import REMAINDER, beyond_size, population_share


class Explanation(Protocol):
    """What the wording reads of an explanation (scorecard.rootcause.change.Explanation has it);
    a shape, not an import, so change.py may import this module and not the other way round."""

    kpi: str
    period: tuple[str, str]
    versus: tuple[str, str]
    versus_label: str
    filters: dict
    value_a: float | None
    value_b: float | None
    total_change: float | None
    method: str
    n_a: int
    n_b: int
    segments: pd.DataFrame
    text_drivers: pd.DataFrame

    @property
    def thin(self) -> bool: ...


METHODS = {
    "ratio": "segments weighted by their share of the KPI's population",
    "additive": "per-day counts or sums; segments weighted by rows per day",
    "exceedance": "quantile KPI: change in the share of rows above the comparison period's "
    "value, scaled to the KPI's units",
}

ROWS = {"cases": "cases", "messages": "messages", "surveys": "answers"}
MATERIAL = 0.10  # a remainder carrying this share of a change (or more) is reported


def rows_noun(kpi: Kpi, n: int = 2) -> str:
    """What the KPI's n counts: cases, messages or (survey) answers ('case' for one)."""
    noun = "agents" if kpi.kind == "agent_spread" else ROWS.get(kpi.source, "rows")
    return noun[:-1] if n == 1 else noun


def is_net_share(kpi: Kpi) -> bool:
    """A difference of shares (positive share - 5 x negative share) is not a share of anything:
    it reads as points (percentage points), not as a percentage."""
    return kpi.unit == "share" and split_call(kpi.value.strip(), "avg") is None


def _no_minus_zero(text: str) -> str:
    """'-0', '+0.0' and '-0 %' lose their sign: a value that rounds to zero has none."""
    return (
        text.lstrip("+-") if re.fullmatch(r"[+-]?0(\.0*)?( .*)?", text.replace(",", "")) else text
    )


def duration_text(seconds: float | None, signed: bool = False) -> str:
    """A duration as people read it: '45 s', '14 min', '2 h 14 min', '3 d 4 h', '981 d' (rounded
    to the unit below the largest, whole days from ten days; signed: '+14 min'; never '-0 s')."""
    if seconds is None or (isinstance(seconds, float) and math.isnan(seconds)):
        return "n/a"
    s = abs(float(seconds))
    if s < 59.5:
        text = f"{s:.0f} s"
    elif s < 3570:
        text = f"{s / 60:.0f} min"
    elif s < 86370:
        h, m = divmod(round(s / 60), 60)
        text = f"{h} h" + (f" {m} min" if m else "")
    elif s < 9.5 * 86400:
        d, h = divmod(round(s / 3600), 24)
        text = f"{d} d" + (f" {h} h" if h else "")
    else:  # ten days or more: the hours are noise
        text = f"{s / 86400:,.0f} d"
    if text == "0 s":
        return text
    return ("-" if seconds < 0 else "+" if signed else "") + text


def _count(v: float) -> str:
    """'1,930', '14', '4.5' (a baseline or per-day average of a few cases keeps a decimal)."""
    return f"{v:,.0f}" if abs(v) >= 100 else f"{v:,.1f}".rstrip("0").rstrip(".")


def value_text(kpi: Kpi, v: float | None) -> str:
    """One KPI value in its unit: '42 %', '7.2 minutes', '-99 points', '1,930', '7.00'."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "n/a"
    if kpi.unit == "seconds":
        return duration_text(v)
    if kpi.unit == "share":
        return _no_minus_zero(f"{100 * v:+.0f} points" if is_net_share(kpi) else f"{100 * v:.0f} %")
    if kpi.unit == "count":
        return _count(v)
    if kpi.unit == "currency":
        return f"{v:,.2f}"
    if kpi.unit == "points":
        return _no_minus_zero(f"{v:+.0f} points")
    return _no_minus_zero(f"{v:.2f}")


def value_pair(kpi: Kpi, a: float, b: float) -> str:
    """'18 to 95 minutes', '8.8 days to 7.2 minutes', '12 % to 30 %', '-99 to -260 points',
    '412 to 1,930': two values, in one unit when both read well in it."""
    if kpi.unit == "seconds":
        return f"{duration_text(a)} to {duration_text(b)}"
    if kpi.unit == "share" and is_net_share(kpi):
        return f"{100 * a:+.0f} to {100 * b:+.0f} points"
    if kpi.unit == "share":
        return f"{100 * a:.0f} % to {100 * b:.0f} %"
    if kpi.unit == "count":
        return f"{_count(a)} to {_count(b)}"
    if kpi.unit == "currency":
        return f"{a:,.2f} to {b:,.2f}"
    if kpi.unit == "points":
        return f"{a:+.0f} to {b:+.0f} points"
    return f"{a:.2f} to {b:.2f}"


def effect_text(kpi: Kpi, v: float | None, per_day: bool = False) -> str:
    """A mix, rate or total effect in the KPI's units: '-13.3 points' (of a share), '+5.2
    minutes', '+4.0 a day' (a count explained per day), '+1.25'."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "n/a"
    if abs(v) < 1e-12:
        return "0"
    day = " a day" if per_day else ""
    if kpi.unit == "seconds":
        return duration_text(v, signed=True)
    if kpi.unit == "share":
        return _no_minus_zero(f"{100 * v:+.1f} points")
    if kpi.unit == "count":
        return _no_minus_zero(f"{v:+,.1f}") + day
    if kpi.unit == "currency":
        return _no_minus_zero(f"{v:+,.2f}") + day
    if kpi.unit == "points":
        return _no_minus_zero(f"{v:+.1f} points")
    return _no_minus_zero(f"{v:+.3g}")


def share_text(share: float | None) -> str:
    """A segment's share of a change, never clamped: '72 %', '187 %', 'n/a'."""
    if share is None or (isinstance(share, float) and math.isnan(share)):
        return "n/a"
    return _no_minus_zero(f"{100 * share:.0f} %")


def offset_note(share: float | None) -> str:
    """' (other segments offset)' for a share above 100 % (others moved the other way)."""
    return " (other segments offset)" if share is not None and share > 1.005 else ""


def verdict(kpi: Kpi, change: float | None, additive: bool) -> str:
    """' (better)', ' (worse)', a note that a total moves with volume, or '' (no direction)."""
    if not change or kpi.direction == "none":
        return ""
    if additive:  # a sum over cases (savings): more cases move it as much as better handling
        return " (a total: it also moves with the number of cases)"
    good = (change > 0) == (kpi.direction == "higher")
    return " (better)" if good else " (worse)"


def segment_phrase(dimension: str, segment: str) -> str:
    """'the outage category', 'agent CGW', 'the 18:00 hour', 'the 15:00-23:00 hours' (a band
    '15-22'), 'brand TelcoCo', 'the social channel', 'cases without an agent' ('(none)')."""
    if str(segment) == NONE_SEGMENT:
        return f"cases without {'an' if dimension == 'agent' else 'a'} {dimension}"
    if dimension == "category":
        return f"the {segment} category"
    if dimension == "channel":
        return f"the {segment} channel"
    if dimension == "agent":
        return f"agent {segment}"
    if dimension == "hour":
        first, _, last = str(segment).partition("-")
        if first.isdigit() and last.isdigit():
            return f"the {int(first):02d}:00-{int(last) + 1:02d}:00 hours"
        return f"the {int(segment):02d}:00 hour" if str(segment).isdigit() else f"hour {segment}"
    if dimension == "brand":
        return f"brand {segment}"
    return str(segment)


def span_text(period: tuple[str, str]) -> str:
    """'2024-03-02' for one day, '2024-02-26..2024-03-10' for several."""
    return period[0] if period[0] == period[1] else "..".join(period)


def _filters_phrase(filters: dict) -> str:
    return "".join(f" for {dim} {', '.join(map(str, v))}" for dim, v in filters.items() if v)


def _remainder_line(exp: Explanation, noun: str) -> str | None:
    """The part of the change no segment carries, when it is material (MATERIAL or more)."""
    rem = exp.segments[exp.segments["segment"] == REMAINDER]
    rem = rem[rem["share"].abs() >= MATERIAL]
    if rem.empty:
        return None
    dims = list(dict.fromkeys(rem["dimension"]))
    where = (
        "every breakdown"
        if set(dims) == set(exp.segments["dimension"])
        else "the " + ", ".join(dims) + " breakdown" + ("s" if len(dims) > 1 else "")
    )
    why = (
        f"the share of {noun} above the comparison period's value barely moved, so the change "
        "cannot be split by segment"
        if exp.method == "exceedance"
        else "the KPI is not a weighted mean of its segments"
    )
    share = rem.loc[rem["share"].abs().idxmax(), "share"]
    return f"Not attributable to segments: {share_text(share)} of the change in {where} ({why})."


def explanation_lines(exp: Explanation, kpi: Kpi) -> tuple[list[str], list[str]]:
    """(summary lines, warnings) of an explanation: the change with n per period and what it
    means, warnings (thin data, a material remainder), the method, the segments that drove the
    change beyond their size with mix and rate in the KPI's units, and the top terms."""
    noun, vs, per = rows_noun(kpi), span_text(exp.versus), span_text(exp.period)
    if exp.versus_label:  # 'the last 4 Saturdays (2024-03-02..2024-03-23)'
        vs = f"{exp.versus_label} ({vs})"
    where = _filters_phrase(exp.filters)
    if exp.value_a is None or exp.value_b is None:
        return (
            [
                f"{kpi.label}{where}: no data to compare for {per} vs {vs} "
                f"({exp.n_b} and {exp.n_a} {noun})."
            ],
            [],
        )
    change = exp.total_change or 0.0
    additive = exp.method == "additive"
    day = " a day" if additive else ""
    moved = (
        f"held at {value_text(kpi, exp.value_b)}{day}"
        if change == 0
        else f"{'rose' if change > 0 else 'fell'} from {value_pair(kpi, exp.value_a, exp.value_b)}{day}"
    )
    lines = [
        f"{kpi.label}{where} {moved}{verdict(kpi, change, additive)} "
        f"({vs}, n={exp.n_a:,} -> {per}, n={exp.n_b:,})."
    ]
    warnings = []
    if exp.thin:
        warnings.append(
            f"Thin data: {exp.n_a:,} {rows_noun(kpi, exp.n_a)} in {vs} and {exp.n_b:,} "
            f"in {per} (fewer than {THIN_N} on a side): the change and its split are "
            "mostly noise."
        )
    remainder = _remainder_line(exp, noun) if change else None
    warnings += [remainder] if remainder else []
    lines += [f"  {w}" for w in warnings] + [f"  Method: {METHODS[exp.method]}."]
    drivers = beyond_size(exp.segments).head(5)
    pop = population_share(exp.segments)
    for i, r in drivers.iterrows():
        lines.append(
            f"  {segment_phrase(r['dimension'], r['segment'])}: {share_text(r['share'])} "
            f"of the change{offset_note(r['share'])}, {100 * pop[i]:.0f} % of the {noun} "
            f"before; mix "
            f"{effect_text(kpi, r['mix_effect'], additive)}, rate "
            f"{effect_text(kpi, r['rate_effect'], additive)}"
        )
    if change and drivers.empty and not remainder:
        real = exp.segments[exp.segments["segment"] != REMAINDER]
        lone = real.empty or real.groupby("dimension")["segment"].size().max() < 2
        lines.append(
            "  No segment drove the change beyond its size: "
            + (
                "no breakdown has more than one segment here."
                if lone
                else "it is spread over the segments in proportion to them."
            )
        )
    if not exp.text_drivers.empty:
        lines.append(
            "  top terms: " + ", ".join(f"'{t}'" for t in exp.text_drivers["term"].head(5))
        )
    return lines, warnings
