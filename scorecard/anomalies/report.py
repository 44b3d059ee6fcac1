"""The results objects of the anomaly scan (scorecard/anomalies/find.py): the AnomalyResult with its
incidents (scorecard/anomalies/incidents.py), new activity, coverage gaps and thin series, the JSON
contract, the table and its footer; one Anomaly per flagged KPI, day (or rolling week) and slice
for the detector's flat view."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field

import pandas as pd

from scorecard.anomalies.coverage import CoverageGap
from scorecard.anomalies.incidents import Echo, Incident, NewActivity
from scorecard.anomalies.scan import (
    DAILY_WEEK_MARGIN,
    MIN_DAYS,
    MIN_N,
    WEEK,
    ThinSlice,
    kind_of,
    weekly_threshold,
)
from scorecard.kpis.catalogue import kpi_by_id
from scorecard.rootcause.change_text import rows_noun, value_text

JSON_KEYS = (
    "id",
    "start",
    "end",
    "kpi",
    "slice",
    "direction",
    "severity",
    "observed",
    "expected",
    "z",
    "summary",
    "attribution",
    "examples",
    "echoes",
)
ECHO_KEYS = ("kpi", "slice", "observed", "expected", "z")
FRAME_COLUMNS = [
    "id",
    "start",
    "end",
    "kpi",
    "slice",
    "direction",
    "severity",
    "observed",
    "expected",
    "z",
    "date",
    "window",
    "n",
    "summary",
    "attribution",
    "echoes",
    "examples",
]
TABLE_WIDTH = 100  # columns of the text table
TABLE_ECHOES = 8  # echoes shown under an incident in the table (JSON lists all)
EXAMPLES = 3  # example customer messages per anomaly
EXAMPLE_CHARS = 280


def slice_text(slice_: dict) -> str:
    """'brand=TelcoCo, channel=social', or 'all' for the whole business."""
    return ", ".join(f"{k}={v}" for k, v in slice_.items()) or "all"


@dataclass(frozen=True)
class Anomaly:
    """One KPI on one day (window 1) or in the rolling week ending that day (window 7), in one
    slice, far from its seasonal baseline."""

    date: str
    kpi: str
    slice: dict
    observed: float
    expected: float
    z: float
    direction: str  # up | down
    attribution: list = field(default_factory=list)  # [{"dimension", "segment", "share"}]
    summary: str = ""
    n: int = 0  # rows behind `observed` (the day's, or the week's)
    window: int = 1  # 1: the day `date`; 7: the rolling week ending on `date`
    examples: list = field(default_factory=list)  # [{"interaction_id", "sent_at", "text"}]

    def to_json(self) -> dict:
        """The flag as a plain dict."""
        return {
            k: getattr(self, k)
            for k in (
                "date",
                "kpi",
                "slice",
                "observed",
                "expected",
                "z",
                "direction",
                "attribution",
                "summary",
                "window",
                "n",
                "examples",
            )
        }


def _days(k: int) -> str:
    return f"{k} day" if k == 1 else f"{k} days"


def thin_reason(t: ThinSlice) -> str:
    """Why a series was not tested, in one sentence."""
    kpi = kpi_by_id(t.kpi)
    noun = rows_noun(kpi)
    if not kpi.is_plain:
        return (
            f"{_days(t.usable_days)} with n >= {MIN_N} {noun}, and a spread across agents is "
            "tested day by day only."
        )
    return (
        f"{_days(t.usable_days)} with n >= {MIN_N} {noun} (day-by-day tests need {MIN_DAYS}) "
        f"and no rolling week with a baseline (median {t.median_n:g} {noun} a day)."
    )


@dataclass(frozen=True)
class AnomalyResult:
    """The incidents found (severity first), the new activity and coverage gaps set apart, the
    thin series skipped and how much was tested."""

    start: str | None
    end: str | None
    sensitivity: float
    incidents: tuple[Incident, ...] = ()
    thin: tuple[ThinSlice, ...] = ()
    series_tested: int = 0
    days_tested: int = 0
    settle_days: int = 0  # the last days not tested for outcome KPIs (cases still open)
    new_activity: tuple[NewActivity, ...] = ()
    coverage_gaps: tuple[CoverageGap, ...] = ()
    cost_only: int = 0  # flags of cost KPIs alone (volume again): not raised as incidents

    @property
    def weekly_threshold(self) -> float:
        """The |z| a rolling week must reach (the false-alarm chance of its 7 daily tests)."""
        return weekly_threshold(self.sensitivity)

    @property
    def anomalies(self) -> tuple[Anomaly, ...]:
        """Every flag of every incident (its driver, then its echoes) as one Anomaly each, with
        the incident's attribution and summary: the detector's view, one row per KPI and slice."""
        out = []
        for i in self.incidents:
            out.append(
                Anomaly(
                    i.date,
                    i.kpi,
                    i.slice,
                    i.observed,
                    i.expected,
                    i.z,
                    i.direction,
                    i.attribution,
                    i.summary,
                    i.n,
                    i.window,
                    i.examples,
                )
            )
            out += [
                Anomaly(
                    e.date,
                    e.kpi,
                    e.slice,
                    e.observed,
                    e.expected,
                    round(e.z, 2),
                    "up" if e.z > 0 else "down",
                    i.attribution,
                    i.summary,
                    e.n,
                    e.window,
                )
                for e in i.echoes
            ]
        return tuple(out)

    def thresholds(self) -> dict:
        """The |z| thresholds of the day, the rolling week and the weeks of daily-tested shares."""
        return {
            "daily": self.sensitivity,
            "rolling_week": round(self.weekly_threshold, 2),
            "rolling_week_of_daily_series": self.sensitivity + DAILY_WEEK_MARGIN,
        }

    def to_json(self) -> dict:
        """{"incidents": [...], "new_activity", "coverage_gaps", "thin", "thresholds", ...}."""
        return {
            "incidents": [i.to_json() for i in self.incidents],
            "new_activity": [a.to_json() for a in self.new_activity],
            "coverage_gaps": [g.to_json() for g in self.coverage_gaps],
            "thin": [
                {
                    "kpi": t.kpi,
                    "slice": t.slice,
                    "reason": thin_reason(t),
                    "usable_days": t.usable_days,
                    "median_n": t.median_n,
                }
                for t in self.thin
            ],
            "thresholds": self.thresholds(),
            "from": self.start,
            "to": self.end,
        }

    def to_frame(self) -> pd.DataFrame:
        """One row per incident (severity first): its driver, slice, window, severity, the
        attribution as 'dim=segment (share)' entries, the echoes counted, the examples one per
        line."""
        rows = [
            {
                "id": i.id,
                "start": i.start,
                "end": i.end,
                "kpi": i.kpi,
                "slice": slice_text(i.slice),
                "direction": i.direction,
                "severity": i.severity,
                "observed": i.observed,
                "expected": i.expected,
                "z": i.z,
                "date": i.date,
                "window": i.window,
                "n": i.n,
                "summary": i.summary,
                "attribution": "; ".join(_entry(x) for x in i.attribution),
                "echoes": len(i.echoes),
                "examples": "\n".join(e["text"] for e in i.examples),
            }
            for i in self.incidents
        ]
        return pd.DataFrame(rows, columns=FRAME_COLUMNS)

    def echo_frame(self) -> pd.DataFrame:
        """One row per echo: its incident id, KPI, slice, strongest day, values and z."""
        rows = [
            {
                "incident": i.id,
                "kpi": e.kpi,
                "slice": slice_text(e.slice),
                "date": e.date,
                "window": e.window,
                "days": e.days,
                "observed": e.observed,
                "expected": e.expected,
                "z": round(e.z, 2),
            }
            for i in self.incidents
            for e in i.echoes
        ]
        return pd.DataFrame(
            rows,
            columns=[
                "incident",
                "kpi",
                "slice",
                "date",
                "window",
                "days",
                "observed",
                "expected",
                "z",
            ],
        )

    def table(self, width: int = TABLE_WIDTH, echoes: int = TABLE_ECHOES) -> str:
        """The incidents for reading, severity first, at most `width` columns: a head line (id,
        severity, days, slice), the summary, the attribution, then the echoes indented (at most
        `echoes` of them, strongest first); then new activity and coverage gaps."""
        lines = [] if self.incidents else ["No incidents."]
        for i in self.incidents:
            days = i.start if i.start == i.end else f"{i.start}..{i.end}"
            lines.append(f"{i.id}  severity {i.severity:.1f}  {days}  {slice_text(i.slice)}")
            lines += textwrap.wrap(i.summary, width, initial_indent="  ", subsequent_indent="  ")
            if i.attribution:
                lines += _wrap(
                    "  attribution: " + "; ".join(_entry(x) for x in i.attribution), width, 4
                )
            for e in i.echoes[:echoes]:
                lines += _wrap("    " + echo_line(e), width, 6)
            if len(i.echoes) > echoes:
                lines.append(
                    f"    ... and {len(i.echoes) - echoes} more echoes (--format json lists all)"
                )
            for x in i.examples[:1]:
                lines.append(_clip(f"  e.g. \u201c{x['text']}\u201d", width))
            lines.append("")
        if self.new_activity:
            lines.append("New activity (no history before, not tested):")
            lines += [x for a in self.new_activity for x in _wrap("  " + a.summary(), width, 4)]
        if self.coverage_gaps:
            lines.append("Coverage gaps (no rows at all; not counted as drops):")
            lines += [x for g in self.coverage_gaps for x in _wrap("  " + g.summary(), width, 4)]
        return "\n".join(line.rstrip() for line in lines).rstrip()

    def footer(self) -> str:
        """What was tested, the thresholds, the settling days, the thin series and the cost
        flags not raised."""
        lines = [
            f"{len(self.incidents)} incidents ({len(self.anomalies)} KPI-slice flags) in "
            f"{self.series_tested} series ({self.days_tested} series-days tested), "
            f"{self.start}..{self.end}; severity = root sum of squares of each driving "
            f"KPI's strongest |z|. A day is flagged at |z| >= {self.sensitivity:g} "
            f"(--sensitivity), a rolling week ({WEEK} days, for series too thin to test day "
            f"by day) at |z| >= {self.weekly_threshold:.2f} (the false-alarm chance of its "
            f"{WEEK} daily tests); the rolling weeks of a share also tested day by day at "
            f"|z| >= {self.sensitivity + DAILY_WEEK_MARGIN:g}."
        ]
        if self.settle_days:
            lines.append(
                f"The last {_days(self.settle_days)} {'is' if self.settle_days == 1 else 'are'} "
                "not tested for outcome KPIs: their cases have not settled yet."
            )
        if self.cost_only:
            lines.append(
                f"{self.cost_only} flags of cost KPIs alone (configured unit costs times "
                "counts: the volume again) were not raised as incidents."
            )
        if self.thin:
            few = ", ".join(f"{t.kpi} [{slice_text(t.slice)}]" for t in self.thin[:5])
            lines.append(
                f"{len(self.thin)} thin series flagged, not tested (fewer than {MIN_DAYS} "
                f"days, and no 7-day pool, with n >= {MIN_N}): {few}"
                f"{' ...' if len(self.thin) > 5 else ''}."
            )
        return "\n".join(textwrap.fill(x, TABLE_WIDTH) for x in lines)

    def thin_frame(self) -> pd.DataFrame:
        """The series flagged thin instead of tested, with the reason."""
        return pd.DataFrame(
            [
                {
                    "kpi": t.kpi,
                    "slice": slice_text(t.slice),
                    "usable_days": t.usable_days,
                    "median_n": t.median_n,
                    "reason": thin_reason(t),
                }
                for t in self.thin
            ],
            columns=["kpi", "slice", "usable_days", "median_n", "reason"],
        )

    def summary(self) -> str:
        """One line per incident, then the footer."""
        return "\n".join(
            [f"{i.id} severity {i.severity:.1f}: {i.summary}" for i in self.incidents]
            + [self.footer()]
        )


def echo_line(e: Echo) -> str:
    """'resolution_rate  brand=TelcoCo, channel=phone  33 % vs 62 %  z -6.9  (4 days)'."""
    kpi = kpi_by_id(e.kpi)
    per_day = " /day" if e.window > 1 and kind_of(kpi) in ("count", "sum") else ""
    when = e.date if e.window == 1 else f"week to {e.date}"
    more = f", {e.days} flags" if e.days > 1 else ""
    if e.measure == "share_above":
        values = (
            f"{100 * e.observed:.0f} % vs {100 * e.expected:.0f} % of cases above its usual level"
        )
    else:
        values = f"{value_text(kpi, e.observed)}{per_day} vs {value_text(kpi, e.expected)}{per_day}"
    return f"{e.kpi} [{slice_text(e.slice)}] {values}, z {e.z:+.1f} ({when}{more})"


def _wrap(text: str, width: int, indent: int) -> list[str]:
    """`text` (already indented) wrapped at `width`, continuation lines indented by `indent`."""
    return textwrap.wrap(
        text, width, subsequent_indent=" " * indent, break_on_hyphens=False, drop_whitespace=True
    ) or [""]


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "\u2026"


def _entry(x: dict) -> str:
    return f"{x['dimension']}={x['segment']} ({100 * x['share']:.0f} %)"


def example_records(frame: pd.DataFrame, limit: int = EXAMPLES) -> list[dict]:
    """Example messages as plain records (text on one line, at most EXAMPLE_CHARS characters)."""
    out = []
    for r in frame.head(limit).to_dict("records"):
        text = " ".join(str(r["text"] or "").split())
        text = text if len(text) <= EXAMPLE_CHARS else text[: EXAMPLE_CHARS - 1].rstrip() + "…"
        sent = r["sent_at"]
        out.append(
            {
                "interaction_id": str(r["interaction_id"]),
                "sent_at": sent.isoformat() if hasattr(sent, "isoformat") else str(sent),
                "text": text,
            }
        )
    return out
